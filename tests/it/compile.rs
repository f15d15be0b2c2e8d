//! The binary-policy oracle of `aaprof compile`: every profile of every
//! corpus is compiled by aaprof and by the 6.0 reference in
//! `../shared/oracle`, for the kernel of several features files, and the
//! two binary policies must mean the same (`binpolicy::compare`: the same
//! records with the same fields, automata accepting the same inputs with
//! the same permissions, exec transitions to the same names). How many are
//! also byte-identical is counted. A case the reference rejects must be
//! rejected by aaprof too.
//!
//! Rule families aaprof does not compile yet are refused with E0801; those
//! cases are counted and listed by family in the summary line, never
//! compared as equal.

use super::oracle::{Corpus, apparmor_d, conformance, debian, project, upstream};
use super::support::{NoOutput, Reference, par_map, shared};
use aaprof::binpolicy::compare::compare;
use aaprof::compile::{self, Options as CompileOptions};
use aaprof::diag::code;
use aaprof::features::Features;
use aaprof::resolve::Session;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What became of one case.
enum Verdict {
    /// Semantically equal; byte-identical or not.
    Equal(bool),
    /// aaprof refused a rule family it does not compile yet.
    NotYet(String),
    /// Both refuse the case.
    BothReject,
    /// The reference refuses a case the suite marks `#=TODO`.
    ReferenceTodo,
    /// The reference crashed (nothing to compare with).
    ReferenceCrashed,
    /// A failure: what went wrong.
    Wrong(String),
}

fn features_text(name: &str) -> Features {
    let p = shared().join("conformance/features").join(name);
    Features::parse(&std::fs::read_to_string(&p).expect("features file")).expect("features")
}

fn run(corpus: &Corpus, features: &str) -> Vec<(String, Verdict)> {
    let kernel = features_text(features);
    let mut opts = corpus.options();
    opts.features = kernel.clone();
    let session = Session::new();
    let args = corpus.args(&corpus.base);
    let args: Vec<&std::path::Path> = args.iter().map(PathBuf::as_path).collect();
    par_map(&corpus.cases, |case| {
        let outcome = match &case.path {
            Some(p) => {
                corpus
                    .reference
                    .compile_outcome(features, &args, &corpus.cwd, Some(p), None)
            }
            None => corpus.reference.compile_outcome(
                features,
                &args,
                &corpus.cwd,
                None,
                Some(&case.text),
            ),
        };
        if outcome == Err(NoOutput::Crashed) {
            return Some((case.what.clone(), Verdict::ReferenceCrashed));
        }
        let reference = outcome.ok();
        let out = match &case.path {
            Some(p) => session.check_path(p, &case.what, &opts),
            None => session.check_text(&case.what, None, case.text.clone(), &opts),
        };
        let ours = if out.has_errors() {
            None
        } else {
            let copts = CompileOptions {
                features: kernel.clone(),
                policy_features: compile::abi_features(&out.policy, &opts.search),
                ..Default::default()
            };
            Some(compile::compile(&out.policy, &copts))
        };
        let verdict = match (reference, ours) {
            (None, None) => Verdict::BothReject,
            (None, Some(c)) if c.has_errors() => Verdict::BothReject,
            // no profile at all: nothing to write for either
            (None, Some(c)) if c.records.is_empty() => Verdict::BothReject,
            // the suite expects this case to pass and knows the reference
            // does not (`#=TODO`): nothing to compare with
            (None, Some(_)) if case.todo => Verdict::ReferenceTodo,
            (None, Some(_)) => Verdict::Wrong("aaprof compiles what the reference rejects".into()),
            (Some(_), None) => Verdict::Wrong(format!(
                "check rejects what the reference compiles: {:?}",
                out.diagnostics
                    .iter()
                    .find(|d| d.is_error())
                    .map(|d| &d.message)
            )),
            (Some(r), Some(c)) => {
                if let Some(d) = c.diagnostics.iter().find(|d| d.code == code::NOT_COMPILED) {
                    Verdict::NotYet(d.message.clone())
                } else if let Some(d) = c.diagnostics.iter().find(|d| d.is_error()) {
                    Verdict::Wrong(format!("aaprof compile fails: {}", d.message))
                } else {
                    let bytes = c.bytes();
                    match compare(&bytes, &r) {
                        Ok(cmp) if cmp.equal() => Verdict::Equal(bytes == r),
                        Ok(cmp) => Verdict::Wrong(format!(
                            "differs: {}",
                            cmp.differences
                                .iter()
                                .take(3)
                                .map(|d| d.to_string())
                                .collect::<Vec<_>>()
                                .join("; ")
                        )),
                        Err(e) => Verdict::Wrong(format!("our output does not decode: {e}")),
                    }
                }
            }
        };
        Some((case.what.clone(), verdict))
    })
}

/// Compile `corpus` for `features`; print the counts; fail when more
/// than `known_wrong` cases compile to another meaning, or are accepted
/// where the reference refuses (every one is printed with its cause).
fn assert_compiles(corpus: Corpus, features: &str, known_wrong: usize) {
    let results = run(&corpus, features);
    let mut equal = 0;
    let mut identical = 0;
    let mut both_reject = 0;
    let mut todo = 0;
    let mut crashed = Vec::new();
    let mut not_yet: BTreeMap<String, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (what, v) in &results {
        match v {
            Verdict::Equal(same) => {
                equal += 1;
                identical += usize::from(*same);
            }
            Verdict::NotYet(why) => *not_yet.entry(why.clone()).or_default() += 1,
            Verdict::BothReject => both_reject += 1,
            Verdict::ReferenceTodo => todo += 1,
            Verdict::ReferenceCrashed => crashed.push(what.clone()),
            Verdict::Wrong(why) => wrong.push(format!("{what}: {why}")),
        }
    }
    let pending: usize = not_yet.values().sum();
    println!(
        "compile {} for {features}: {} cases, {equal} semantically equal to {} ({identical} byte-identical), {} wrong, {pending} not compiled yet, {both_reject} rejected by both (or without profiles), {todo} rejected by the reference and marked #=TODO, {} on which the reference crashed",
        corpus.name,
        results.len(),
        corpus.reference.version(),
        wrong.len(),
        crashed.len(),
    );
    for c in &crashed {
        println!("  the reference crashed on {c}");
    }
    for (why, n) in &not_yet {
        println!("  not yet: {n} × {why}");
    }
    wrong.sort();
    // AAPROF_COMPILE_SHOW=N prints more of them
    let show = std::env::var("AAPROF_COMPILE_SHOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    for w in wrong.iter().take(show) {
        println!("  WRONG {w}");
    }
    assert!(
        wrong.len() <= known_wrong,
        "{} cases of {} compile to another meaning than the reference's (listed above; {known_wrong} known)",
        wrong.len(),
        corpus.name
    );
}

const FEATURES: [&str; 3] = [
    "features.all",
    "features.extended-perms-policydb",
    "features.nopolicydb",
];

#[test]
fn upstream_profiles_compile_as_the_reference() {
    for f in FEATURES {
        assert_compiles(upstream(Reference::Upstream), f, 0);
    }
}

#[test]
fn project_corpus_compiles_as_the_reference() {
    for f in FEATURES {
        assert_compiles(project(Reference::Upstream), f, 0);
    }
}

#[test]
fn apparmor_d_compiles_as_the_reference() {
    for f in FEATURES {
        assert_compiles(apparmor_d(Reference::Upstream), f, 0);
    }
}

#[test]
fn debian_profiles_compile_as_the_reference() {
    for f in FEATURES {
        assert_compiles(debian(Reference::Upstream), f, 0);
    }
}

#[test]
fn conformance_pass_cases_compile_as_the_reference() {
    for f in FEATURES {
        assert_compiles(conformance(Reference::Upstream), f, 0);
    }
}
