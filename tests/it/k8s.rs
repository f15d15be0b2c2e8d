//! `aaprof k8s check` fixtures.
//!
//! Every manifest in `tests/fixtures/k8s/err` marks each line where a
//! finding is expected with `# expect: CODE...`; the test checks that the
//! findings are exactly those (code and line), and snapshots the rendered
//! diagnostics. Manifests in `ok/` must give no error and no warning.
//! Manifests in `fix/` are migrated by `--fix`; the result is a snapshot,
//! and must parse, keep every comment, be stable under a second fix and
//! leave no deprecated annotation that could have been migrated.
//!
//! The profile tree is `tests/fixtures/k8s/profiles` (another with a
//! `# profiles: DIR` line; `# profiles: none` checks with neither a tree
//! nor a loaded list); the node's list of loaded profiles is
//! `tests/fixtures/k8s/loaded.txt`.

use super::support::repo;
use aaprof::diag::render::{Format, render};
use aaprof::diag::{Diagnostic, Severity};
use aaprof::k8s::fix::{FixOptions, migrate};
use aaprof::k8s::{self, Loaded, ProfileSet, Pss, PssLevel, yaml};
use aaprof::resolve::{Options, Session, walk_dir};
use std::collections::BTreeSet;
use std::path::Path;

fn dir() -> std::path::PathBuf {
    repo().join("tests/fixtures/k8s")
}

/// The profile set and loaded list of the fixtures, read into `session`.
fn options(session: &Session, text: &str, stream: &yaml::Stream) -> k8s::Options {
    let popts = Options::default();
    let mut set = ProfileSet::default();
    let tree = text
        .lines()
        .find_map(|l| l.strip_prefix("# profiles: "))
        .unwrap_or("profiles");
    let pss = text
        .lines()
        .find_map(|l| l.strip_prefix("# pss: "))
        .and_then(|l| PssLevel::parse(l.trim()))
        .map(|level| Pss {
            level,
            version: "latest".into(),
            enforce: true,
        });
    let namespaces = k8s::namespace_policies(stream).into_iter().collect();
    if tree == "none" {
        // neither a profile tree nor a loaded list
        return k8s::Options {
            profiles: None,
            loaded: None,
            pss,
            namespaces,
        };
    }
    for f in walk_dir(&dir().join(tree)).expect("profile fixtures") {
        let name = format!(
            "{tree}/{}",
            f.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
        let out = session.check_path(&f, &name, &popts);
        set.add_outcome(&out);
    }
    let loaded_text = std::fs::read_to_string(dir().join("loaded.txt")).expect("loaded.txt");
    let loaded = Loaded::parse("loaded.txt", &loaded_text).expect("loaded.txt parses");
    k8s::Options {
        profiles: Some(set),
        loaded: Some(loaded),
        pss,
        namespaces,
    }
}

struct Run {
    diags: Vec<Diagnostic>,
    rendered: String,
    /// (line, code) of each finding.
    found: BTreeSet<(usize, String)>,
}

fn run(path: &Path) -> Run {
    let text = std::fs::read_to_string(path).expect("fixture readable");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let session = Session::new();
    let file = session.add_text(&name, None, text.clone());
    let stream = yaml::parse(&text, file);
    let opts = options(&session, &text, &stream);
    let mut diags = k8s::check(&stream, &text, &opts);
    diags.sort_by_key(|d| d.span().map(|s| (s.file, s.start)));
    k8s::finish_run(&mut diags);
    let sources = session.sources();
    let found = diags
        .iter()
        .map(|d| {
            let line = d.span().map_or(0, |s| {
                assert_eq!(s.file, file, "a finding located outside the manifest");
                sources.line_col(s).0
            });
            (line, d.code.id.to_string())
        })
        .collect();
    let mut concise = Vec::new();
    render(&mut concise, &sources, &diags, Format::Concise, false).expect("render");
    let mut full = Vec::new();
    render(&mut full, &sources, &diags, Format::Full, false).expect("render");
    let rendered = format!(
        "----- concise -----\n{}----- full -----\n{}",
        String::from_utf8_lossy(&concise),
        String::from_utf8_lossy(&full)
    );
    Run {
        diags,
        rendered,
        found,
    }
}

/// The `# expect: CODE...` markers of a fixture, by line.
fn expected(path: &Path) -> BTreeSet<(usize, String)> {
    let text = std::fs::read_to_string(path).expect("fixture readable");
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some((_, codes)) = line.split_once("# expect:") {
            for c in codes.split_whitespace() {
                out.insert((i + 1, c.to_string()));
            }
        }
    }
    out
}

#[test]
fn err_fixtures_report_exactly_the_marked_findings() {
    insta::glob!("../fixtures/k8s/err", "*.yaml", |path| {
        let want = expected(path);
        assert!(!want.is_empty(), "{} marks no finding", path.display());
        let r = run(path);
        assert_eq!(
            r.found,
            want,
            "{}: findings (line, code) differ from the `# expect:` markers\n{}",
            path.display(),
            r.rendered
        );
        insta::assert_snapshot!(r.rendered);
    });
}

#[test]
fn ok_fixtures_have_no_errors_or_warnings() {
    insta::glob!("../fixtures/k8s/ok", "*.{yaml,json}", |path| {
        let r = run(path);
        assert!(
            r.diags.iter().all(|d| d.severity == Severity::Info),
            "{} should check clean:\n{}",
            path.display(),
            r.rendered
        );
        insta::assert_snapshot!(r.rendered);
    });
}

/// Every code the checks can emit is exercised by some `err` fixture.
#[test]
fn every_k8s_code_has_an_err_fixture() {
    let mut marked = BTreeSet::new();
    for e in std::fs::read_dir(dir().join("err")).expect("err dir") {
        let path = e.expect("entry").path();
        marked.extend(expected(&path).into_iter().map(|(_, c)| c));
    }
    for c in aaprof::diag::code::ALL
        .iter()
        .filter(|c| c.id.starts_with('K'))
    {
        assert!(
            marked.contains(c.id),
            "no err fixture expects {} ({})",
            c.id,
            c.name
        );
    }
}

fn comments(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.find('#').map(|i| l[i..].to_string()))
        .collect()
}

#[test]
fn fix_fixtures_migrate_annotations_to_fields() {
    insta::glob!("../fixtures/k8s/fix", "*.yaml", |path| {
        let text = std::fs::read_to_string(path).expect("fixture readable");
        let s1 = yaml::parse(&text, Default::default());
        for keep in [false, true] {
            let out = migrate(
                &text,
                &s1,
                FixOptions {
                    keep_annotations: keep,
                },
            );
            // still YAML, every comment kept
            let s2 = yaml::parse(&out.text, Default::default());
            assert!(
                s2.error.is_none(),
                "fixed text does not parse:\n{}",
                out.text
            );
            assert_eq!(comments(&text), comments(&out.text), "comments changed");
            // a second pass changes nothing
            let again = migrate(
                &out.text,
                &s2,
                FixOptions {
                    keep_annotations: keep,
                },
            );
            assert_eq!(again.text, out.text, "fix is not idempotent");
            // no deprecated annotation is left but those that were skipped
            let session = Session::new();
            let file = session.add_text("fixed", None, out.text.clone());
            let s3 = yaml::parse(&out.text, file);
            let opts = options(&session, &out.text, &s3);
            let after = k8s::check(&s3, &out.text, &opts);
            let deprecated = after
                .iter()
                .filter(|d| d.code == aaprof::diag::code::K8S_DEPRECATED_ANNOTATION)
                .count();
            assert!(
                deprecated <= out.skipped.len(),
                "{deprecated} deprecated annotations left, {} skipped:\n{}",
                out.skipped.len(),
                out.text
            );
            assert!(
                !after.iter().any(Diagnostic::is_error)
                    || k8s::check(&s1, &text, &opts)
                        .iter()
                        .any(Diagnostic::is_error),
                "the fix introduced an error:\n{}",
                out.text
            );
            let label = if keep { "keep" } else { "remove" };
            insta::assert_snapshot!(
                format!(
                    "{}-{label}",
                    path.file_stem().unwrap_or_default().to_string_lossy()
                ),
                format!(
                    "{}\n----- skipped -----\n{}",
                    out.text,
                    out.skipped.join("\n")
                )
            );
        }
    });
}

/// The fix meant to leave this file alone does.
#[test]
fn fix_leaves_unmigratable_annotations_alone() {
    let path = dir().join("fix/left-alone.yaml");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let s = yaml::parse(&text, Default::default());
    let out = migrate(&text, &s, FixOptions::default());
    assert_eq!(out.text, text);
    assert_eq!(out.migrated, 0);
    assert_eq!(out.skipped.len(), 3, "{:?}", out.skipped);
}

/// Every prefix of every fixture (a manifest cut off anywhere) reads and
/// checks without a panic; a cut inside a token is a located YAML error.
#[test]
fn truncated_manifests_never_panic() {
    let mut checked = 0;
    for sub in ["ok", "err", "fix"] {
        for e in std::fs::read_dir(dir().join(sub)).expect("fixture dir") {
            let text = std::fs::read_to_string(e.expect("entry").path()).expect("read");
            let session = Session::new();
            let opts = k8s::Options::default();
            for cut in (0..text.len())
                .step_by(3)
                .filter(|&c| text.is_char_boundary(c))
            {
                let t = &text[..cut];
                let file = session.add_text("cut", None, t.to_string());
                let s = yaml::parse(t, file);
                if let Some(err) = &s.error {
                    assert!(err.span.end as usize <= t.len());
                }
                let _ = k8s::check(&s, t, &opts);
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "only {checked} prefixes checked");
}
