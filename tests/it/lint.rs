//! Lint rules: every rule has a fixture directory
//! `tests/fixtures/lint/<rule-name>/` with `err*.apparmor` files (each must
//! raise the rule; lines marked `# expect: CODE`, or the line after a
//! comment line `# expect-next: CODE`, must be exactly the lines it is
//! raised on) and `ok*.apparmor` files (the rule must stay quiet and the
//! file must check without errors). Only the rule under test runs, with
//! the style preset named on the fixture's first line (`# preset: NAME`)
//! or in the directory's `preset` file (default `upstream`). Findings and, for rules with fixes, the fixed text are
//! snapshots; fixed text must still parse, keep its comments and no longer
//! raise the rule; a safe fix must compile, with Debian's apparmor_parser,
//! to the same binary policy as the original. Files in the directory's
//! `also/` are linted with each fixture, for the checks across files.
//! Includes and abi files are searched in `_base/`, or in the directory a
//! comment line of the fixture names (`# base: _base-abi-3.0`, relative
//! to `tests/fixtures/lint/`).

use super::support::{Reference, repo};
use aaprof::diag::render::{Format, render};
use aaprof::lint::{FixMode, Linter, Preset, RULES, Rule, Settings, lint_source};
use aaprof::resolve::{Options, SearchPath, Session};
use aaprof::syntax::lexer::TriviaKind;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    repo().join("tests/fixtures/lint")
}

/// The include search of a fixture: `_base/`, or the directory its
/// `# base: NAME` comment names.
fn opts(text: &str) -> Options {
    let name = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix("# base: "))
        .map_or("_base", str::trim);
    let base = dir().join(name);
    assert!(base.is_dir(), "no base directory {}", base.display());
    Options {
        search: SearchPath {
            include_dirs: Vec::new(),
            base_dir: base.clone(),
            cwd: base,
            fs: aaprof::vfs::Vfs::disk(),
        },
        features: aaprof::features::Features::all(),
        warn_unsupported: false,
        fragments: false,
    }
}

/// The rule alone, with the preset the fixture's first line names
/// (`# preset: apparmor.d`), else the directory's `preset` file, else
/// `upstream`.
fn settings(rule: &Rule, fixture_dir: &Path, text: &str) -> Settings {
    let mut s = Settings::only(rule.id());
    if let Ok(p) = std::fs::read_to_string(fixture_dir.join("preset")) {
        s.preset = Preset::parse(p.trim()).expect("preset file names a preset");
    }
    if let Some(p) = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# preset: "))
    {
        s.preset = Preset::parse(p.trim()).expect("the first line names a preset");
    }
    s
}

/// (line, code) pairs the fixture marks as expected.
fn expected(text: &str, code: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.contains(&format!("# expect: {code}")) {
            out.push(i + 1);
        }
        if line
            .trim_start()
            .starts_with(&format!("# expect-next: {code}"))
        {
            out.push(i + 2);
        }
    }
    out
}

struct Run {
    rendered: String,
    lines: Vec<usize>,
    errors: usize,
    fixed: Option<String>,
}

fn lint(path: &Path, rule: &Rule, mode: FixMode) -> Run {
    let fixture_dir = path.parent().expect("fixture in a directory");
    let text = std::fs::read_to_string(path).expect("fixture readable");
    let name = format!(
        "{}/{}",
        fixture_dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy(),
        path.file_name().unwrap_or_default().to_string_lossy()
    );
    let session = Session::new();
    let settings = settings(rule, fixture_dir, &text);
    // files linted together with the fixture (for checks across files)
    let mut companions = Vec::new();
    if let Ok(rd) = std::fs::read_dir(fixture_dir.join("also")) {
        let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            let shown = format!(
                "also/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            );
            companions.push(lint_source(
                &Linter {
                    session: &session,
                    opts: &opts(&text),
                    settings: &settings,
                    cache: &aaprof::lint::Cache::default(),
                },
                &shown,
                Some(&p),
                None,
                FixMode::Off,
            ));
        }
    }
    let res = lint_source(
        &Linter {
            session: &session,
            opts: &opts(&text),
            settings: &settings,
            cache: &aaprof::lint::Cache::default(),
        },
        &name,
        Some(path),
        Some(text.clone()),
        mode,
    );
    let mut all: Vec<&aaprof::lint::FileResult> = companions.iter().collect();
    all.push(&res);
    let across = aaprof::lint::across_files(&all, &settings);
    let mut diags = res.diagnostics.clone();
    diags.extend(
        across
            .into_iter()
            .filter(|d| d.span().map(|s| s.file) == res.file),
    );
    diags.sort_by_key(|d| d.span().map(|s| (s.file, s.start)));
    let sources = session.sources();
    let lines = diags
        .iter()
        .filter(|d| d.code.id == rule.id())
        .filter_map(|d| d.span().map(|s| sources.line_col(s).0))
        .collect();
    let errors = diags
        .iter()
        .filter(|d| d.is_error() && !d.code.id.starts_with('L'))
        .count();
    let mut concise = Vec::new();
    render(&mut concise, &sources, &diags, Format::Concise, false).expect("render");
    let mut full = Vec::new();
    render(&mut full, &sources, &diags, Format::Full, false).expect("render");
    let rendered = format!(
        "{text}\n----- concise -----\n{}----- full -----\n{}",
        String::from_utf8_lossy(&concise),
        String::from_utf8_lossy(&full)
    )
    .replace(&repo().display().to_string(), "[REPO]");
    Run {
        rendered,
        lines,
        errors,
        fixed: res.fixed.as_ref().map(|f| f.text.clone()),
    }
}

fn fixtures(rule: &Rule, prefix: &str) -> Vec<PathBuf> {
    let d = dir().join(rule.name());
    let mut v: Vec<PathBuf> = std::fs::read_dir(&d)
        .unwrap_or_else(|_| panic!("no fixture directory {}", d.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".apparmor"))
        })
        .collect();
    v.sort();
    v
}

fn comments(text: &str) -> usize {
    aaprof::syntax::parse(text, aaprof::source::FileId(0))
        .trivia
        .iter()
        .filter(|t| t.kind == TriviaKind::Comment)
        .count()
}

fn syntax_errors(text: &str) -> usize {
    aaprof::syntax::parse(text, aaprof::source::FileId(0))
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .count()
}

fn snapshot_name(path: &Path) -> String {
    let dir = path
        .parent()
        .and_then(|d| d.file_name())
        .unwrap_or_default();
    let file = path.file_stem().unwrap_or_default();
    format!("{}__{}", dir.to_string_lossy(), file.to_string_lossy())
}

#[test]
fn every_rule_fires_on_its_err_fixtures_and_only_where_marked() {
    for rule in RULES {
        let errs = fixtures(rule, "err");
        assert!(!errs.is_empty(), "{}: no err fixture", rule.name());
        for path in errs {
            let run = lint(&path, rule, FixMode::Off);
            let text = std::fs::read_to_string(&path).expect("readable");
            assert!(
                !run.lines.is_empty(),
                "{} does not fire on {}:\n{}",
                rule.name(),
                path.display(),
                run.rendered
            );
            let want = expected(&text, rule.id());
            if !want.is_empty() {
                let mut got = run.lines.clone();
                got.dedup();
                assert_eq!(
                    got,
                    want,
                    "{}: lines of findings in {}:\n{}",
                    rule.name(),
                    path.display(),
                    run.rendered
                );
            }
            insta::assert_snapshot!(snapshot_name(&path), run.rendered);
        }
    }
}

#[test]
fn every_rule_stays_quiet_on_its_ok_fixtures() {
    for rule in RULES {
        let oks = fixtures(rule, "ok");
        assert!(!oks.is_empty(), "{}: no ok fixture", rule.name());
        for path in oks {
            let run = lint(&path, rule, FixMode::Off);
            assert!(
                run.lines.is_empty() && run.errors == 0,
                "{} should be quiet on {}:\n{}",
                rule.name(),
                path.display(),
                run.rendered
            );
        }
    }
}

#[test]
fn fixes_parse_keep_comments_and_silence_the_rule() {
    let mut fixed_any = 0;
    for rule in RULES {
        if rule.def.fix == aaprof::lint::FixAvailability::None {
            continue;
        }
        for path in fixtures(rule, "err") {
            let text = std::fs::read_to_string(&path).expect("readable");
            let run = lint(&path, rule, FixMode::Unsafe);
            let Some(fixed) = run.fixed else {
                panic!("{}: no fix applied to {}", rule.name(), path.display());
            };
            fixed_any += 1;
            assert!(
                syntax_errors(&fixed) <= syntax_errors(&text),
                "{}: fixed text does not parse:\n{fixed}",
                rule.name()
            );
            assert!(
                comments(&fixed) >= comments(&text),
                "{}: a comment was lost:\n{fixed}",
                rule.name()
            );
            // the fixed text no longer raises the rule
            let tmp = std::env::temp_dir().join(format!(
                "aaprof-fix-{}-{}",
                std::process::id(),
                rule.name()
            ));
            std::fs::create_dir_all(&tmp).expect("temp dir");
            let copy = tmp.join(path.file_name().expect("name"));
            std::fs::write(&copy, &fixed).expect("write");
            if let Ok(p) = std::fs::read_to_string(path.parent().expect("dir").join("preset")) {
                std::fs::write(tmp.join("preset"), p).expect("write preset");
            }
            let again = lint(&copy, rule, FixMode::Off);
            assert!(
                again.lines.is_empty(),
                "{}: still fires after fixing {}:\n{}",
                rule.name(),
                path.display(),
                again.rendered
            );
            let _ = std::fs::remove_dir_all(&tmp);
            insta::assert_snapshot!(format!("fixed__{}", snapshot_name(&path)), fixed);
        }
    }
    assert!(fixed_any >= 10, "only {fixed_any} fixtures were fixed");
}

/// Safe fixes must not change what the kernel enforces: the original and
/// the fixed text compile to the same binary policy, with Debian's 3.0.8
/// and with the 6.0 reference. (Over whole corpora: `oracle.rs`.)
#[test]
fn safe_fixes_compile_to_the_same_policy() {
    let safe: Vec<&Rule> = RULES
        .iter()
        .filter(|r| r.def.fix == aaprof::lint::FixAvailability::Safe)
        .collect();
    let mut fixed_texts = Vec::new();
    for rule in &safe {
        for path in fixtures(rule, "err") {
            let text = std::fs::read_to_string(&path).expect("readable");
            let run = lint(&path, rule, FixMode::Safe);
            let Some(fixed) = run.fixed else {
                panic!("{}: no safe fix applied to {}", rule.name(), path.display());
            };
            let base = opts(&text).search.base_dir;
            fixed_texts.push((rule.name(), path, text, fixed, base));
        }
    }
    for reference in Reference::ALL {
        let mut compared = Vec::new();
        for (name, path, text, fixed, base) in &fixed_texts {
            let args = [Path::new("-b"), base.as_path()];
            let Some(before) = reference.compile(&args, base, None, Some(text)) else {
                // the fixture uses syntax newer than this reference
                continue;
            };
            let after = reference
                .compile(&args, base, None, Some(fixed))
                .unwrap_or_else(|| {
                    panic!(
                        "{name}: the fixed {} no longer compiles with {}:\n{fixed}",
                        path.display(),
                        reference.version()
                    )
                });
            assert!(
                before == after,
                "{name}: the safe fix of {} changes the policy {} compiles:\n{fixed}",
                path.display(),
                reference.version()
            );
            compared.push(*name);
        }
        println!(
            "safe fixes | fixtures | {} | {} of {} fixed fixtures compiled, all byte-identical",
            reference.version(),
            compared.len(),
            fixed_texts.len()
        );
        compared.dedup();
        // every rule with a safe fix has a fixture each reference compiles
        let names: Vec<&str> = safe.iter().map(|r| r.name()).collect();
        assert_eq!(
            compared,
            names,
            "safe-fix rules compared with apparmor_parser {}",
            reference.version()
        );
    }
}

#[test]
fn registry_files_docs_and_codes_agree() {
    let mut ids = std::collections::HashSet::new();
    for r in RULES {
        assert!(ids.insert(r.id()), "code {} used twice", r.id());
        assert_eq!(
            r.module,
            r.name().replace('-', "_"),
            "file name of {}",
            r.name()
        );
        let digit = match r.def.category {
            aaprof::lint::Category::Correctness => ['0', '1'],
            aaprof::lint::Category::Security => ['2', '2'],
            aaprof::lint::Category::Style => ['3', '3'],
            aaprof::lint::Category::Portability => ['4', '4'],
        };
        let c = r.id().chars().nth(1).expect("code has a digit");
        assert!(
            r.id().starts_with('L') && digit.contains(&c),
            "code {} of a {:?} rule",
            r.id(),
            r.def.category
        );
        assert!(
            r.name()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{} is not kebab-case",
            r.name()
        );
        let doc = r.doc();
        for h in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
        ] {
            assert!(doc.contains(h), "{}: documentation lacks `{h}`", r.name());
        }
        let has_safety = doc.contains("## Fix safety");
        assert_eq!(
            has_safety,
            r.def.fix != aaprof::lint::FixAvailability::None,
            "{}: `## Fix safety` iff the rule has a fix",
            r.name()
        );
        assert!(!r.summary().is_empty(), "{}: empty summary", r.name());
    }
    assert!(RULES.len() >= 40, "{} rules", RULES.len());
    // fixture directories belong to rules
    for e in std::fs::read_dir(dir()).expect("fixtures") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        if name.starts_with('_') {
            continue;
        }
        assert!(
            RULES.iter().any(|r| r.name() == name),
            "fixture directory `{name}` names no rule"
        );
    }
}

/// `docs/rules/` is generated from the rules (`aaprof rule --write-docs
/// docs/rules`); it must match what the code says now.
#[test]
fn rule_docs_are_in_sync() {
    let docs = repo().join("docs/rules");
    for r in RULES {
        let page = docs.join(format!("{}.md", r.name()));
        let have = std::fs::read_to_string(&page).unwrap_or_default();
        assert!(
            have == r.markdown(),
            "{} is out of date: run `cargo run -- rule --write-docs docs/rules`",
            page.display()
        );
    }
    let index = std::fs::read_to_string(docs.join("README.md")).unwrap_or_default();
    assert!(
        index == aaprof::lint::registry::index_markdown(),
        "docs/rules/README.md is out of date: run `cargo run -- rule --write-docs docs/rules`"
    );
}

/// Every case of the upstream parser test suite — valid and invalid
/// policy, much of it odd on purpose — lints with every rule on, and every
/// fix applies, without a panic; fixed text still parses as well.
#[test]
fn conformance_cases_lint_and_fix_without_panics() {
    let root = super::support::shared().join("conformance");
    let files = super::support::sd_files(&root);
    assert!(files.len() > 3000, "{} conformance cases", files.len());
    let simple = root.join("tst").join("simple_tests");
    let o = Options {
        search: SearchPath {
            include_dirs: vec![simple.clone()],
            base_dir: simple.clone(),
            cwd: simple,
            fs: aaprof::vfs::Vfs::disk(),
        },
        features: aaprof::features::Features::all(),
        warn_unsupported: false,
        fragments: false,
    };
    let session = Session::new();
    let cache = aaprof::lint::Cache::default();
    let mut findings = 0;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let r = lint_source(
            &Linter {
                session: &session,
                opts: &o,
                settings: &Settings::all(),
                cache: &cache,
            },
            "case",
            None,
            Some(text.clone()),
            FixMode::Unsafe,
        );
        findings += r
            .diagnostics
            .iter()
            .filter(|d| d.code.id.starts_with('L'))
            .count();
        if let Some(fixed) = &r.fixed {
            assert!(
                syntax_errors(&fixed.text) <= syntax_errors(&text),
                "{}: fixes broke parsing:\n{}",
                f.display(),
                fixed.text
            );
        }
    }
    assert!(
        findings > 1000,
        "only {findings} lint findings over the suite"
    );
}
