//! Parser and checker fixtures: every file in `tests/fixtures/parse/ok`
//! must give no error, every file in `.../err` at least one; the rendered
//! diagnostics of both are snapshots.

use super::support::{concise, repo};
use aaprof::diag::render::{Format, render};
use aaprof::resolve::{Options, SearchPath, Session};
use std::path::Path;

/// The options every parse fixture is checked with: includes from the
/// fixtures' `include/`, relative includes from the fixture directory.
fn fixture_opts(dir: &Path) -> Options {
    Options {
        search: SearchPath {
            include_dirs: vec![dir.join("include")],
            base_dir: dir.join("include"),
            cwd: dir.to_path_buf(),
            fs: aaprof::vfs::Vfs::disk(),
        },
        features: aaprof::features::Features::all(),
        warn_unsupported: false,
        fragments: false,
    }
}

fn run(path: &Path) -> (bool, String) {
    let dir = repo().join("tests/fixtures/parse");
    let opts = fixture_opts(&dir);
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

/// A fixture's `# expect: LINE:COL CODE` lines, when it has them, are
/// exactly the places and codes of its diagnostics.
fn assert_expected_locations(path: &Path, rendered: &str) {
    let text = std::fs::read_to_string(path).expect("fixture readable");
    let mut want: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .map(|l| l.trim().to_string())
        .collect();
    if want.is_empty() {
        return;
    }
    let concise_part = rendered
        .split("----- concise -----\n")
        .nth(1)
        .and_then(|s| s.split("----- full -----").next())
        .unwrap_or("");
    let mut got = locations(concise_part);
    want.sort();
    got.sort();
    assert_eq!(got, want, "{}:\n{rendered}", path.display());
}

#[test]
fn err_fixtures_report_errors() {
    insta::glob!("../fixtures/parse/err", "*.apparmor", |path| {
        let (errors, rendered) = run(path);
        assert!(errors, "{} should have errors:\n{rendered}", path.display());
        assert_expected_locations(path, &rendered);
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

/// As the reference applies its alias table: sorted, each alias to the
/// rules written (not to another alias's copies), to link targets, and to
/// the attachment, whose other names come last alias first.
#[test]
fn aliases_apply_in_order_to_paths_links_and_the_attachment() {
    use aaprof::policy::RuleKind;
    let s = Session::new();
    let text = "alias /usr/ -> /u/,\nalias /u/ -> /v/,\nalias /usr/ -> /mnt/usr/,\n\
                profile p /usr/bin/p {\n  /usr/bin/foo r,\n  link /etc/l -> /usr/t,\n}\n";
    let out = s.check_text("alias", None, text.to_string(), &Options::default());
    assert!(!out.has_errors());
    let p = &out.policy.profiles[0];
    let lowered: Vec<String> = p
        .model
        .iter()
        .flatten()
        .map(|r| match &r.kind {
            RuleKind::File(f) => f.path.clone().unwrap_or_default(),
            RuleKind::Link(l) => format!("{} -> {}", l.from, l.to),
            _ => String::new(),
        })
        .collect();
    assert_eq!(
        lowered,
        [
            "/usr/bin/foo",
            "/etc/l -> /usr/t",
            // by FROM, then TO; `/u/bin/foo` is not aliased to `/v/`
            "/mnt/usr/bin/foo",
            "/etc/l -> /mnt/usr/t",
            "/u/bin/foo",
            "/etc/l -> /u/t",
        ]
    );
    assert_eq!(p.altnames, ["/u/bin/p", "/mnt/usr/bin/p"]);
}

/// An include shared by many policies is read and parsed once per session.
#[test]
fn shared_includes_are_parsed_once_per_session() {
    let dir = repo().join("tests/fixtures/parse");
    let opts = fixture_opts(&dir);
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

/// Complete rules of every class, each written without its `,`.
const RULES: &[&str] = &[
    "/etc/foo r",
    "file /etc/foo r",
    "file",
    "r /etc/foo",
    "/usr/bin/x px -> other",
    "capability chown",
    "network inet stream",
    "unix (send) type=stream",
    "dbus send bus=session",
    "signal (send) set=(term)",
    "ptrace (read) peer=foo",
    "mount fstype=proc -> /proc/",
    "remount /x/",
    "umount /mnt/",
    "pivot_root /new/",
    "change_profile -> foo",
    "userns create",
    // (with its name: a path after an mqueue rule without one is its name)
    "mqueue create type=posix /q",
    "io_uring sqpoll",
    "link /a -> /b",
    "set rlimit nofile <= 1024",
    "all",
    "deny /x w",
    "audit capability chown",
    "owner /x r",
    "priority=10 allow /x r",
];

/// What can follow a rule: every qualifier, and every rule class.
fn followers() -> Vec<String> {
    let mut f: Vec<String> = [
        "audit /y r,",
        "deny /y w,",
        "allow /y r,",
        "owner /y r,",
        "other /y r,",
        "user /y r,",
        "prompt /y r,",
        "priority=1 /y r,",
        "audit deny owner /y w,",
        "}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    f.extend(RULES.iter().map(|r| format!("{r},")));
    f
}

/// `line:col code` of each diagnostic, from the concise rendering.
fn locations(rendered: &str) -> Vec<String> {
    rendered
        .lines()
        .filter_map(|l| {
            let mut parts = l.splitn(4, ':');
            let (_, line, col, rest) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
            let code = rest.split('[').nth(1)?.split(']').next()?;
            Some(format!("{line}:{col} {code}"))
        })
        .collect()
}

/// A rule of any class without its `,`, followed (on the next line, or
/// after a blank line and a comment) by a rule of any class or qualifier or
/// by `}`: one error, at the end of the rule that lacks the `,`, with a fix
/// that inserts it and gives a file without errors; a later mistake in the
/// next profile is still reported.
#[test]
fn missing_comma_is_reported_at_the_rule_that_lacks_it() {
    let opts = Options {
        features: aaprof::features::Features::all(),
        ..Options::default()
    };
    let mut failures = Vec::new();
    let mut cases = 0;
    for rule in RULES {
        for next in followers() {
            for gap in ["\n  ", "\n\n  # a comment\n  "] {
                // `file` and then a path or permissions is one valid rule
                if *rule == "file" && (next.starts_with('/') || next.starts_with("r ")) {
                    continue;
                }
                cases += 1;
                let close = if next == "}" { "" } else { "\n}" };
                let text = format!(
                    "profile p {{\n  {rule}{gap}{next}{close}\nprofile q {{\n  capability chwon,\n}}\n"
                );
                let s = Session::new();
                let out = s.check_text("case", None, text.clone(), &opts);
                let got = locations(&concise(&s.sources(), &out));
                let later = text.lines().position(|l| l.contains("chwon")).unwrap_or(0) + 1;
                let want = vec![
                    format!("2:{} E0102", rule.len() + 3),
                    format!("{later}:14 E0504"),
                ];
                let fix = out
                    .diagnostics
                    .iter()
                    .find(|d| d.code.id == "E0102")
                    .and_then(|d| d.fix.as_ref())
                    .and_then(|f| f.edits.first().cloned());
                let fixed_ok = fix.is_some_and(|e| {
                    let (a, b) = (e.span.start as usize, e.span.end as usize);
                    let fixed = format!("{}{}{}", &text[..a], e.replacement, &text[b..]);
                    let s2 = Session::new();
                    let o2 = s2.check_text("fixed", None, fixed, &opts);
                    locations(&concise(&s2.sources(), &o2)) == [want[1].clone()]
                });
                if got != want || !fixed_ok {
                    failures.push(format!(
                        "{rule:?} then {gap:?} {next:?}: got {got:?}, want {want:?}, fix applies cleanly: {fixed_ok}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// In every error fixture whose syntax errors all come with a fix (a
/// missing `,` or `}`), applying the fixes leaves no syntax error.
#[test]
fn syntax_fixes_repair_the_fixtures() {
    let dir = repo().join("tests/fixtures/parse");
    let opts = fixture_opts(&dir);
    let mut repaired = 0;
    insta::glob!("../fixtures/parse/err", "*.apparmor", |path| {
        let text = std::fs::read_to_string(path).expect("fixture readable");
        let s = Session::new();
        let out = s.check_text("fixture", None, text.clone(), &opts);
        let syntax: Vec<_> = out
            .diagnostics
            .iter()
            .filter(|d| d.code.id == "E0102")
            .collect();
        if syntax.is_empty() || syntax.iter().any(|d| d.fix.is_none()) {
            return;
        }
        let mut edits: Vec<_> = syntax
            .iter()
            .flat_map(|d| d.fix.iter().flat_map(|f| f.edits.iter().cloned()))
            .collect();
        edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
        let mut fixed = text.clone();
        for e in edits {
            fixed.replace_range(e.span.start as usize..e.span.end as usize, &e.replacement);
        }
        let s2 = Session::new();
        let out2 = s2.check_text("fixed", None, fixed.clone(), &opts);
        let left = concise(&s2.sources(), &out2);
        assert!(
            !left.contains("[E0102]"),
            "{}: fixed text\n{fixed}\nstill has syntax errors:\n{left}",
            path.display()
        );
        repaired += 1;
    });
    assert!(repaired >= 6, "only {repaired} fixtures had fixes to apply");
}

/// The messages of checking `text` with the fixtures' include tree read
/// through `fs`.
fn messages_with(fs: aaprof::vfs::Vfs, text: &str) -> Vec<String> {
    let dir = repo().join("tests/fixtures/parse");
    let mut opts = fixture_opts(&dir);
    opts.search.fs = fs;
    let out = Session::new().check_text("t", None, text.to_string(), &opts);
    out.diagnostics.iter().map(|d| d.message.clone()).collect()
}

#[test]
fn a_confined_file_system_reads_no_include_outside_its_roots() {
    let dir = repo().join("tests/fixtures/parse/include");
    let confined = aaprof::vfs::Vfs::confined(std::slice::from_ref(&dir));
    let inside = format!(
        "include \"{}/tunables/global\"\nprofile p {{ }}\n",
        dir.display()
    );
    assert!(std::fs::metadata(dir.join("tunables/global")).is_ok());
    assert_eq!(
        messages_with(confined.clone(), &inside),
        Vec::<String>::new()
    );
    let manifest = format!("{}/Cargo.toml", repo().display());
    for outside in [manifest.as_str(), "/etc/passwd"] {
        let text = format!("include \"{outside}\"\nprofile p {{ }}\n");
        let m = messages_with(confined.clone(), &text);
        assert!(
            m.iter().any(|m| m.contains("cannot find include")),
            "{outside} is outside: {m:?}"
        );
    }
    // on the disk itself the manifest is found (and is no policy)
    let text = format!("include \"{manifest}\"\nprofile p {{ }}\n");
    let m = messages_with(aaprof::vfs::Vfs::disk(), &text);
    assert!(
        !m.iter().any(|m| m.contains("cannot find include")),
        "{m:?}"
    );
}

#[test]
fn an_include_of_a_device_is_refused_without_reading_it() {
    let m = messages_with(
        aaprof::vfs::Vfs::disk(),
        "include \"/dev/zero\"\nprofile p { }\n",
    );
    assert!(m.iter().any(|m| m.contains("not a regular file")), "{m:?}");
}

#[test]
fn a_lasting_session_rereads_only_what_changed_and_keeps_one_place_per_file() {
    use std::collections::HashMap;
    use std::path::PathBuf;
    use std::sync::Arc;
    let dir = repo().join("tests/fixtures/parse/include");
    let profile = PathBuf::from("/virtual/p");
    let tunable = dir.join("tunables/global");
    let text = format!(
        "include \"{}\"\nprofile p {{\n  @{{LASTING}}/x r,\n}}\n",
        tunable.display()
    );
    let session = aaprof::resolve::Session::lasting();
    let check = |files: HashMap<PathBuf, Arc<str>>| {
        let fs = aaprof::vfs::Vfs::disk().overlay(files);
        session.refresh(&fs);
        let mut opts = aaprof::resolve::Options::default();
        opts.search.fs = fs;
        let o = session.check_text("p", Some(&profile), text.clone(), &opts);
        o.diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
    };
    let on_disk = check(HashMap::new());
    assert!(
        on_disk.iter().any(|m| m.contains("LASTING")),
        "undefined on disk: {on_disk:?}"
    );
    let files = session.sources().len();
    // checked again unchanged: nothing new is read
    assert_eq!(check(HashMap::new()), on_disk);
    assert_eq!(session.sources().len(), files);
    // the tunable as an editor has it: read again, in the same place
    let edited = HashMap::from([(tunable.clone(), Arc::from("@{LASTING}=/srv\n"))]);
    assert_eq!(check(edited), Vec::<String>::new());
    assert_eq!(session.sources().len(), files);
    // and back as the disk has it
    assert_eq!(check(HashMap::new()), on_disk);
}

#[test]
fn an_abstraction_read_by_many_profiles_is_expanded_for_each_of_them() {
    use std::collections::HashMap;
    use std::path::PathBuf;
    use std::sync::Arc;
    let abs = PathBuf::from("/virtual/abstractions/shared");
    let profile = |v: &str| {
        format!(
            "@{{P}}={v}\nprofile p {{\n  include \"{}\"\n}}\n",
            abs.display()
        )
    };
    let session = aaprof::resolve::Session::lasting();
    // the paths each profile's rules are lowered to, and its findings
    let check = |abstraction: &str, v: &str| {
        let files = HashMap::from([(abs.clone(), Arc::from(abstraction))]);
        let fs = aaprof::vfs::Vfs::disk().overlay(files);
        session.refresh(&fs);
        let mut opts = aaprof::resolve::Options::default();
        opts.search.fs = fs;
        let at = PathBuf::from(format!("/virtual/profile{v}").replace('/', "_"));
        let o = session.check_text("p", Some(&at), profile(v), &opts);
        let paths: Vec<String> = o.policy.profiles[0]
            .model
            .iter()
            .flatten()
            .filter_map(|m| match &m.kind {
                aaprof::policy::RuleKind::File(f) => f.path.clone(),
                _ => None,
            })
            .collect();
        let findings: Vec<String> = o.diagnostics.iter().map(|d| d.message.clone()).collect();
        (paths, findings)
    };
    let abstraction = "@{P}/f r,\n/etc/x r,\ncapability sys_admn,\n";
    let (a, fa) = check(abstraction, "/a");
    let (b, fb) = check(abstraction, "/b");
    assert_eq!(a, ["/a/f", "/etc/x"]);
    assert_eq!(b, ["/b/f", "/etc/x"]);
    // each profile's verdict stands on its own
    assert_eq!(fa, ["unknown capability `sys_admn`"]);
    assert_eq!(fb, fa);
    // the same profile again, and with the abstraction as an editor has it
    assert_eq!(check(abstraction, "/a").0, a);
    let (edited, fe) = check("@{P}/g r,\n", "/a");
    assert_eq!(edited, ["/a/g"]);
    assert_eq!(fe, Vec::<String>::new());
}
