//! `aaprof fmt`: fixtures (snapshots of the canonical layout), and the
//! oracle: Debian's `apparmor_parser -Q -S` must produce byte-identical
//! binary policy for every profile before and after formatting — over the
//! project's corpus, every corpus in `../shared/corpora`, Debian's own
//! profiles, and every `EXRESULT PASS` case of the conformance suite that
//! Debian's parser accepts. Every formatted file must also format to
//! itself and keep every comment.

use super::support::{compile, par_map, repo, shared, top_level_files};
use aaprof::fmt::{FormatError, format};
use aaprof::source::FileId;
use aaprof::syntax::lexer::{self, TriviaKind};
use std::path::{Path, PathBuf};

fn comments(text: &str) -> Vec<String> {
    let (_, trivia, _) = lexer::lex(text, FileId(0));
    trivia
        .iter()
        .filter(|t| t.kind == TriviaKind::Comment)
        .map(|t| text[t.span.range()].trim_end().to_string())
        .collect()
}

/// Format, and check the formatter's promises on the result.
fn format_checked(text: &str, what: &str) -> Option<String> {
    match format(text, FileId(0)) {
        Ok(out) => {
            assert_eq!(comments(text), comments(&out), "{what}: comments changed");
            match format(&out, FileId(0)) {
                Ok(again) => assert_eq!(again, out, "{what}: formatting is not idempotent"),
                Err(_) => panic!("{what}: the formatted text is refused"),
            }
            Some(out)
        }
        Err(FormatError::Syntax(_)) => None,
        Err(FormatError::Unstable(d)) => panic!("{what}: formatter refused its output: {d:?}"),
    }
}

#[test]
fn fmt_fixtures() {
    insta::glob!("../fixtures/fmt", "*.apparmor", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let out = format_checked(&text, &path.display().to_string())
            .unwrap_or_else(|| panic!("{} has syntax errors", path.display()));
        insta::assert_snapshot!(out);
    });
}

#[test]
fn syntax_errors_are_refused() {
    let text = "profile p {\n  /a r,\n}\n}\n";
    match format(text, FileId(0)) {
        Err(FormatError::Syntax(d)) => assert!(!d.is_empty()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Copy `from` to `to`, formatting every file that formats.
/// Returns (files formatted, files changed by formatting).
fn formatted_copy(from: &Path, to: &Path) -> (usize, usize) {
    let (mut formatted, mut changed) = (0, 0);
    let _ = std::fs::remove_dir_all(to);
    let mut stack = vec![from.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rel = d.strip_prefix(from).expect("under root");
        std::fs::create_dir_all(to.join(rel)).expect("mkdir");
        for e in std::fs::read_dir(&d).expect("readable dir") {
            let p = e.expect("entry").path();
            let target = to.join(p.strip_prefix(from).expect("under root"));
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(bytes) = std::fs::read(&p) else {
                continue;
            };
            let out = String::from_utf8(bytes.clone())
                .ok()
                .filter(|_| !p.components().any(|c| c.as_os_str() == "abi"))
                .and_then(|t| {
                    let f = format_checked(&t, &p.display().to_string())?;
                    changed += usize::from(f != t);
                    Some(f)
                });
            match out {
                Some(f) => {
                    formatted += 1;
                    std::fs::write(&target, f).expect("write");
                }
                None => std::fs::write(&target, bytes).expect("write"),
            }
        }
    }
    (formatted, changed)
}

/// One tree: its base dir, include dirs (relative to the base) and profile
/// files (relative to the base, or absolute when outside it).
struct Tree {
    name: &'static str,
    base: PathBuf,
    includes: Vec<&'static str>,
    profiles: Vec<PathBuf>,
}

/// Compile every profile against the original and the formatted tree, two
/// at a time; return (compiled by Debian's parser, identical, differing).
fn oracle(tree: &Tree) -> (usize, usize, Vec<String>) {
    let copy = repo().join("target/fmt-oracle").join(tree.name);
    let (formatted, changed) = formatted_copy(&tree.base, &copy);
    // profiles outside the base tree (Debian's extra profiles) get their own copy
    let outside = copy.with_extension("outside");
    let _ = std::fs::remove_dir_all(&outside);
    std::fs::create_dir_all(&outside).expect("mkdir");
    let jobs: Vec<(PathBuf, PathBuf)> = tree
        .profiles
        .iter()
        .map(|p| {
            if let Ok(rel) = p.strip_prefix(&tree.base) {
                (p.clone(), copy.join(rel))
            } else {
                let name = p.file_name().expect("file name");
                let target = outside.join(name);
                let text = std::fs::read_to_string(p).expect("profile readable");
                let f = format_checked(&text, &p.display().to_string()).unwrap_or(text);
                std::fs::write(&target, f).expect("write");
                (p.clone(), target)
            }
        })
        .collect();
    let inc = |base: &Path| -> Vec<PathBuf> {
        let mut v = vec![PathBuf::from("-b"), base.to_path_buf()];
        for d in &tree.includes {
            v.push(PathBuf::from("-I"));
            v.push(base.join(d));
        }
        v
    };
    let results = par_map(&jobs, |(orig, fmtd)| {
        let a = inc(&tree.base);
        let a: Vec<&Path> = a.iter().map(PathBuf::as_path).collect();
        let before = compile(&a, &tree.base, Some(orig), None)?;
        let b = inc(&copy);
        let b: Vec<&Path> = b.iter().map(PathBuf::as_path).collect();
        let after = compile(&b, &copy, Some(fmtd), None);
        Some((orig.display().to_string(), after.as_ref() == Some(&before)))
    });
    let compiled = results.len();
    let differ: Vec<String> = results
        .iter()
        .filter(|r| !r.1)
        .map(|r| r.0.clone())
        .collect();
    println!(
        "fmt oracle {}: {} files formatted ({} changed); {} of {} profiles compiled by apparmor_parser, {} byte-identical after formatting",
        tree.name,
        formatted,
        changed,
        compiled,
        tree.profiles.len(),
        compiled - differ.len()
    );
    (compiled, compiled - differ.len(), differ)
}

fn assert_oracle(tree: Tree, min_compiled: usize) {
    let (compiled, same, differ) = oracle(&tree);
    assert!(
        compiled >= min_compiled,
        "{}: only {compiled} profiles compiled by apparmor_parser",
        tree.name
    );
    assert!(
        differ.is_empty(),
        "{}: binary policy changed by formatting: {differ:#?}",
        tree.name
    );
    assert_eq!(same, compiled);
}

#[test]
fn formatting_keeps_binary_policy_upstream_corpus() {
    let base = shared().join("corpora/upstream");
    let profiles = top_level_files(&base);
    assert_oracle(
        Tree {
            name: "upstream",
            base,
            includes: vec![],
            profiles,
        },
        10,
    );
}

#[test]
fn formatting_keeps_binary_policy_project_corpus() {
    // the project's corpus takes its includes from the upstream tree
    let base = shared().join("corpora/upstream");
    let own = top_level_files(&repo().join("corpus"));
    assert_oracle(
        Tree {
            name: "corpus",
            base,
            includes: vec![],
            profiles: own,
        },
        3,
    );
}

#[test]
fn formatting_keeps_binary_policy_apparmor_d_corpus() {
    let base = shared().join("corpora/apparmor.d");
    let profiles = aaprof::resolve::walk_dir(&base.join("profiles")).expect("profiles");
    assert_oracle(
        Tree {
            name: "apparmor.d",
            base,
            includes: vec!["mappings"],
            profiles,
        },
        1,
    );
}

#[test]
fn formatting_keeps_binary_policy_debian_profiles() {
    let base = PathBuf::from("/etc/apparmor.d");
    let mut profiles = top_level_files(&base);
    let extra = Path::new("/usr/share/apparmor/extra-profiles");
    assert!(
        extra.is_dir() && !profiles.is_empty(),
        "Debian's apparmor packages are not installed; run the test command from README.md"
    );
    profiles.extend(top_level_files(extra));
    assert_oracle(
        Tree {
            name: "debian",
            base,
            includes: vec![],
            profiles,
        },
        20,
    );
}

#[test]
fn formatting_keeps_binary_policy_conformance_pass_cases() {
    let tst = shared().join("conformance/tst");
    let simple = tst.join("simple_tests");
    let features = shared().join("conformance/features/features.all");
    let files = super::support::sd_files(&simple);
    let mut cases = Vec::new();
    for f in &files {
        let text = String::from_utf8_lossy(&std::fs::read(f).expect("case")).into_owned();
        if text.lines().any(|l| l.starts_with("#=DISABLED"))
            || !text.lines().any(|l| l.trim_end() == "#=EXRESULT PASS")
        {
            continue;
        }
        let policy: String = text
            .split_inclusive('\n')
            .filter(|l| !l.starts_with("#="))
            .collect();
        cases.push((f.clone(), policy));
    }
    // (case, compiled by apparmor_parser, byte-identical or why not)
    let results = par_map(&cases, |(path, policy)| {
        let what = path.display().to_string();
        let Some(formatted) = format_checked(policy, &what) else {
            return Some((what, true, Err("refused")));
        };
        let args: [&Path; 4] = [Path::new("-I"), &simple, Path::new("-M"), &features];
        let before = compile(&args, &tst, None, Some(policy))?;
        let after = compile(&args, &tst, None, Some(&formatted));
        Some((
            what,
            true,
            if after.as_ref() == Some(&before) {
                Ok(())
            } else {
                Err("differs")
            },
        ))
    });
    let compiled = results.iter().filter(|r| r.1).count();
    let same = results.iter().filter(|r| r.2.is_ok()).count();
    let bad: Vec<String> = results
        .iter()
        .filter_map(|r| r.2.err().map(|e| format!("{}: {e}", r.0)))
        .collect();
    println!(
        "fmt oracle conformance: {} PASS cases, {compiled} compiled by apparmor_parser, {same} byte-identical after formatting",
        cases.len()
    );
    assert!(compiled > 1000, "only {compiled} PASS cases compiled");
    assert!(
        bad.is_empty(),
        "binary policy changed by formatting: {bad:#?}"
    );
}
