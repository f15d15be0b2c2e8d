//! Parser and checker fixtures: every file in `tests/fixtures/parse/ok`
//! must give no error, every file in `.../err` at least one; the rendered
//! diagnostics of both are snapshots.

use super::support::{concise, repo};
use aaprof::diag::render::{Format, render};
use aaprof::resolve::{Options, SearchPath, Session};
use std::path::Path;

fn run(path: &Path) -> (bool, String) {
    let dir = repo().join("tests/fixtures/parse");
    let opts = Options {
        search: SearchPath {
            include_dirs: vec![dir.join("include")],
            base_dir: dir.join("include"),
            cwd: dir.clone(),
        },
        features: aaprof::features::Features::all(),
        warn_unsupported: false,
        fragments: false,
    };
    let text = std::fs::read_to_string(path).expect("fixture readable");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let s = Session::new();
    let out = s.check_text(&name, None, text.clone(), &opts);
    let mut buf = Vec::new();
    render(
        &mut buf,
        &s.sources(),
        &out.diagnostics,
        Format::Full,
        false,
    )
    .expect("render to memory");
    let full = String::from_utf8_lossy(&buf).replace(&repo().display().to_string(), "[REPO]");
    let rendered = format!(
        "{text}\n----- concise -----\n{}----- full -----\n{full}",
        concise(&s.sources(), &out)
    );
    (out.has_errors(), rendered)
}

#[test]
fn ok_fixtures_have_no_errors() {
    insta::glob!("../fixtures/parse/ok", "*.apparmor", |path| {
        let (errors, rendered) = run(path);
        assert!(
            !errors,
            "{} should check clean:\n{rendered}",
            path.display()
        );
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn err_fixtures_report_errors() {
    insta::glob!("../fixtures/parse/err", "*.apparmor", |path| {
        let (errors, rendered) = run(path);
        assert!(errors, "{} should have errors:\n{rendered}", path.display());
        insta::assert_snapshot!(rendered);
    });
}

/// Five independent mistakes give five errors, each on its own line.
#[test]
fn recovery_reports_each_independent_mistake() {
    let path = repo().join("tests/fixtures/parse/err/five_mistakes.apparmor");
    let (_, rendered) = run(&path);
    let diag_lines: Vec<&str> = rendered
        .split("----- concise -----\n")
        .nth(1)
        .and_then(|s| s.split("----- full -----").next())
        .unwrap_or("")
        .lines()
        .filter(|l| l.contains(": error["))
        .collect();
    assert_eq!(diag_lines.len(), 5, "{rendered}");
    let mut lines: Vec<&str> = diag_lines
        .iter()
        .map(|l| l.split(':').nth(1).unwrap_or(""))
        .collect();
    lines.dedup();
    assert_eq!(lines.len(), 5, "each error on its own line: {rendered}");
}

/// `alias` rules add the rewritten copies of file rules to the policy.
#[test]
fn aliases_are_applied_to_file_rules() {
    let s = Session::new();
    let text = "alias /usr/ -> /mnt/usr/,\nprofile p {\n  /usr/bin/foo r,\n  /etc/x r,\n}\n";
    let out = s.check_text("alias", None, text.to_string(), &Options::default());
    assert!(!out.has_errors());
    let paths: Vec<String> = out.policy.profiles[0]
        .rules
        .iter()
        .filter_map(|r| match r.elems.first() {
            Some(aaprof::syntax::ast::Elem::Word(w)) => Some(w.text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(paths, ["/usr/bin/foo", "/etc/x", "/mnt/usr/bin/foo"]);
}

/// An include shared by many policies is read and parsed once per session.
#[test]
fn shared_includes_are_parsed_once_per_session() {
    let dir = repo().join("tests/fixtures/parse");
    let opts = Options {
        search: SearchPath {
            include_dirs: vec![dir.join("include")],
            base_dir: dir.join("include"),
            cwd: dir.clone(),
        },
        features: aaprof::features::Features::all(),
        warn_unsupported: false,
        fragments: false,
    };
    let s = Session::new();
    for i in 0..10 {
        let text = format!(
            "include <tunables/global>\nprofile p{i} {{\n  include <abstractions/base>\n}}\n"
        );
        assert!(
            !s.check_text(&format!("p{i}"), None, text, &opts)
                .has_errors()
        );
    }
    // ten policies plus the two include files, each read once
    assert_eq!(s.sources().len(), 12);
}
