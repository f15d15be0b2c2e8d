//! The policy model (`aaprof::policy`): every rule the checks accept is
//! lowered into one typed value, and that value prints as a rule that
//! lowers back to the very same value. Run over the profiles of the
//! upstream tree, the apparmor.d tree and the conformance suite's PASS
//! cases: every rule of a profile that checks without error has a value
//! (the only rules without one are those the compiler drops: a rule of
//! another family than file inside a qualifier block), and every value
//! survives the round trip.

use super::support::{par_map, sd_files, shared, top_level_files};
use aaprof::features::Features;
use aaprof::policy;
use aaprof::resolve::{Options, ResolvedProfile, SearchPath, Session, walk_dir};
use aaprof::syntax::ast::Rule;
use std::path::{Path, PathBuf};

/// A rule of a family other than file written inside a qualifier block:
/// apparmor_parser drops it (and check says so), so it has no value.
fn dropped_by_block(r: &Rule) -> bool {
    let own = |s: aaprof::source::Span| {
        s.file == r.span.file && s.start >= r.span.start && s.end <= r.span.end
    };
    let fam = aaprof::check::family(r);
    r.prefix.iter().any(|p| !own(p.span()))
        && !matches!(
            fam,
            aaprof::check::Family::File
                | aaprof::check::Family::Link
                | aaprof::check::Family::ChangeProfile
        )
}

fn profiles(p: &ResolvedProfile, out: &mut Vec<ResolvedProfile>) {
    out.push(p.clone());
    for c in &p.children {
        profiles(c, out);
    }
}

/// Check every case; for each profile without errors, the values of its
/// rules, then each profile's values printed, checked again in a profile
/// of their own and compared. Returns (rules lowered, failures).
fn round_trip(opts: &Options, cases: &[(String, Option<PathBuf>, String)]) -> (usize, Vec<String>) {
    let results = par_map(cases, |(what, path, text)| {
        let session = Session::new();
        let out = session.check_text(what, path.as_deref(), text.clone(), opts);
        if out.has_errors() {
            return None;
        }
        let mut all = Vec::new();
        for p in &out.policy.profiles {
            profiles(p, &mut all);
        }
        let mut lowered = 0;
        let mut failures = Vec::new();
        let mut unprintable = Vec::new();
        for p in all.iter().filter(|p| !p.synthetic) {
            assert_eq!(p.rules.len(), p.model.len(), "{what}: one value per rule");
            let mut values = Vec::new();
            for (r, m) in p.rules.iter().zip(&p.model) {
                match m {
                    Some(m) => values.push(m.clone()),
                    None if dropped_by_block(r) => {}
                    None => failures.push(format!(
                        "{what}: profile {}: a rule check accepts has no value: {r:?}",
                        p.name
                    )),
                }
            }
            lowered += values.len();
            let printed: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            let text = format!("profile round-trip {{\n  {}\n}}\n", printed.join("\n  "));
            let again = Session::new().check_text("round-trip", None, text.clone(), opts);
            let back: Vec<policy::Rule> = again
                .policy
                .profiles
                .first()
                .map(|p| p.model.iter().flatten().map(|r| (**r).clone()).collect())
                .unwrap_or_default();
            if again.has_errors() || back.len() != values.len() {
                // name the rules that fail on their own
                let alone: Vec<String> = printed
                    .iter()
                    .filter(|t| {
                        let one = format!("profile round-trip {{\n  {t}\n}}\n");
                        Session::new()
                            .check_text("round-trip", None, one, opts)
                            .has_errors()
                    })
                    .cloned()
                    .collect();
                if !alone.is_empty() {
                    for t in alone {
                        // a word that begins with an alternation and has a
                        // relative alternative can only be written through
                        // a variable: no rule can start with `{` or hold a
                        // quoted `"{` (the reference's lexer refuses both)
                        if t.contains("\"{") {
                            unprintable.push(t);
                        } else {
                            failures.push(format!("{what}: `{t}` does not check"));
                        }
                    }
                    continue;
                }
                failures.push(format!(
                    "{what}: profile {}: the printed rules do not check: {:?}",
                    p.name,
                    again
                        .diagnostics
                        .iter()
                        .filter(|d| d.is_error())
                        .map(|d| {
                            let at = d
                                .span()
                                .and_then(|s| text.get(s.start as usize..s.end as usize))
                                .unwrap_or("");
                            format!("{} at `{at}`", d.message)
                        })
                        .take(3)
                        .collect::<Vec<_>>()
                ));
                continue;
            }
            for ((v, b), t) in values.iter().zip(&back).zip(&printed) {
                if v.qualifiers != b.qualifiers || v.kind != b.kind {
                    failures.push(format!(
                        "{what}: `{t}` lowers back to another value:\n  {:?}\n  {:?}",
                        v.kind, b.kind
                    ));
                }
            }
        }
        Some((lowered, failures, unprintable))
    });
    let lowered = results.iter().map(|r| r.0).sum();
    let unprintable: Vec<String> = results.iter().flat_map(|r| r.2.iter().cloned()).collect();
    if !unprintable.is_empty() {
        println!(
            "  {} rules hold a word only a variable can write, e.g. `{}`",
            unprintable.len(),
            unprintable[0].chars().take(120).collect::<String>()
        );
    }
    let failures = results.into_iter().flat_map(|r| r.1).collect();
    (lowered, failures)
}

fn file_cases(paths: Vec<PathBuf>) -> Vec<(String, Option<PathBuf>, String)> {
    paths
        .into_iter()
        .filter_map(|p| {
            let text = String::from_utf8(std::fs::read(&p).ok()?).ok()?;
            Some((p.display().to_string(), Some(p), text))
        })
        .collect()
}

fn options(base: &Path, includes: Vec<PathBuf>) -> Options {
    Options {
        search: SearchPath {
            include_dirs: includes,
            base_dir: base.to_path_buf(),
            cwd: base.to_path_buf(),
            fs: aaprof::vfs::Vfs::disk(),
        },
        features: Features::all(),
        warn_unsupported: false,
        fragments: false,
    }
}

fn assert_round_trip(
    name: &str,
    opts: &Options,
    cases: Vec<(String, Option<PathBuf>, String)>,
    at_least: usize,
) {
    let (lowered, failures) = round_trip(opts, &cases);
    println!(
        "model | {name} | {} cases | {lowered} rules lowered | {} failures",
        cases.len(),
        failures.len()
    );
    // a tally by the rule's first word, then the first failures
    let mut tally = std::collections::BTreeMap::new();
    for f in &failures {
        let word = f
            .split_once('`')
            .map(|(_, t)| {
                t.split_whitespace()
                    .find(|w| {
                        !matches!(
                            *w,
                            "audit" | "deny" | "allow" | "owner" | "other" | "prompt"
                        ) && !w.starts_with("priority=")
                    })
                    .unwrap_or("")
                    .trim_end_matches([',', '`'])
                    .to_string()
            })
            .map(|w| {
                if w.starts_with('/') || w.starts_with('"') {
                    "(file)".to_string()
                } else {
                    w
                }
            })
            .unwrap_or_else(|| "(profile)".into());
        *tally.entry(word).or_insert(0) += 1;
    }
    println!("  by rule: {tally:?}");
    let show: usize = std::env::var("AAPROF_MODEL_SHOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    for f in failures.iter().take(show) {
        println!("  {f}");
    }
    assert!(
        failures.is_empty(),
        "{name}: {} rules do not round-trip",
        failures.len()
    );
    assert!(lowered >= at_least, "{name}: only {lowered} rules lowered");
}

#[test]
fn upstream_rules_lower_and_print_back() {
    let base = shared().join("corpora/upstream");
    let opts = options(&base, vec![]);
    assert_round_trip(
        "upstream",
        &opts,
        file_cases(top_level_files(&base)),
        10_000,
    );
}

#[test]
fn apparmor_d_rules_lower_and_print_back() {
    let base = shared().join("corpora/apparmor.d");
    let opts = options(&base, vec![base.join("mappings")]);
    let cases = file_cases(walk_dir(&base.join("profiles")).expect("profiles"));
    assert_round_trip("apparmor.d", &opts, cases, 100_000);
}

#[test]
fn conformance_rules_lower_and_print_back() {
    let tst = shared().join("conformance/tst");
    let simple = tst.join("simple_tests");
    let cases: Vec<_> = file_cases(sd_files(&simple))
        .into_iter()
        .filter(|(_, _, t)| {
            !t.lines().any(|l| l.starts_with("#=DISABLED"))
                && t.lines().any(|l| l.trim_end() == "#=EXRESULT PASS")
        })
        .map(|(w, _, t)| (w, None, t))
        .collect();
    let opts = options(&tst, vec![simple.clone()]);
    assert_round_trip("conformance", &opts, cases, 5_000);
}
