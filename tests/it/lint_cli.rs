//! The `aaprof lint` and `aaprof rule` commands: exit status and
//! `--fail-on`, output formats (SARIF validated against the SARIF 2.1.0
//! schema), suppression comments, configuration files, `--fix` on disk and
//! on standard input, and usage errors.

use super::cli::{aaprof, records, stdout, tmpdir};
use super::support::repo;
use std::path::Path;

const PROFILE: &str = "\
# a profile with two findings
profile p /usr/bin/p {
  /usr/bin/p r,
  /usr/bin/helper ux,
  /etc/* r,
  /etc/* r,
}
";

fn setup(name: &str) -> std::path::PathBuf {
    let d = tmpdir(name);
    std::fs::write(d.join("p"), PROFILE).unwrap();
    d
}

fn lint(d: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["lint", "--no-config", "-b", d.to_str().unwrap()];
    all.extend_from_slice(args);
    aaprof(&all, None, d)
}

#[test]
fn findings_give_exit_one_and_concise_lines() {
    let d = setup("lint-basic");
    let o = lint(&d, &["--format", "concise", "p"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("p:4:19: error[L201]: `ux` runs `/usr/bin/helper` unconfined"),
        "{out}"
    );
    assert!(
        out.contains("p:6:3: info[L101]: redundant rule: p:5:3 already grants `r`"),
        "{out}"
    );
    // the ux finding is an error whatever --fail-on says
    let o = lint(
        &d,
        &[
            "--format",
            "concise",
            "--fail-on",
            "error",
            "--ignore",
            "L201",
            "p",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = lint(
        &d,
        &[
            "--format",
            "concise",
            "--fail-on",
            "info",
            "--ignore",
            "L201",
            "p",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn clean_file_exits_zero() {
    let d = tmpdir("lint-clean");
    std::fs::write(
        d.join("p"),
        "profile p /usr/bin/p {\n  /usr/bin/p mr,\n  /etc/p.conf r,\n}\n",
    )
    .unwrap();
    let o = lint(
        &d,
        &["--ignore", "missing-base-abstraction,missing-abi", "p"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn usage_errors_exit_two() {
    let d = setup("lint-usage");
    for args in [
        vec!["--select", "no-such-rule", "p"],
        vec!["missing-file"],
        vec![],
    ] {
        let o = lint(&d, &args);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = lint(&d, &["--select", "redundant-rul", "p"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean `redundant-rule`"));
}

#[test]
fn suppression_comments_silence_and_are_checked() {
    let d = tmpdir("lint-suppress");
    std::fs::write(
        d.join("p"),
        "profile p /usr/bin/p {\n  /usr/bin/p r,\n  /usr/bin/helper ux,  # aaprof: ignore[unconfined-exec]\n  # apparmor-lint: ignore=L205\n  /etc/* r,\n  /etc/hosts r, # aaprof: ignore[L999]\n  /etc/passwd r, #aa:lint ignore=useless\n  /etc/group r,  # aaprof: ignore[L208]\n}\n",
    )
    .unwrap();
    let o = lint(&d, &["--format", "concise", "p"]);
    let out = stdout(&o);
    assert!(!out.contains("L201"), "{out}");
    assert!(
        out.contains("p:6:34: warning[L001]: unknown code `L999`"),
        "{out}"
    );
    assert!(out.contains("p:6:3: info[L101]"), "{out}");
    assert!(!out.contains("p:7:3: info[L101]"), "{out}");
    assert!(
        out.contains("p:8:35: warning[L002]: `L208` is suppressed here but nothing reports it"),
        "{out}"
    );
    // an own-line comment applies to the next line, where nothing is too wide
    assert!(
        out.contains("p:4:27: warning[L002]: `L205` is suppressed here"),
        "{out}"
    );
}

#[test]
fn config_file_is_found_above_the_file_and_flags_override_it() {
    let d = setup("lint-config");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::rename(d.join("p"), d.join("sub/p")).unwrap();
    std::fs::write(
        d.join("aaprof.toml"),
        "ignore = [\"redundant-rule\"]\nfail-on = \"error\"\n[severity]\nunconfined-exec = \"info\"\n",
    )
    .unwrap();
    let o = aaprof(
        &[
            "lint",
            "--format",
            "concise",
            "-b",
            d.to_str().unwrap(),
            "sub/p",
        ],
        None,
        &d,
    );
    let out = stdout(&o);
    assert!(!out.contains("L101"), "{out}");
    assert!(out.contains("info[L201]"), "{out}");
    assert_eq!(o.status.code(), Some(0), "{out}");
    let o = aaprof(
        &[
            "lint",
            "--format",
            "concise",
            "--select",
            "L101",
            "-b",
            d.to_str().unwrap(),
            "sub/p",
        ],
        None,
        &d,
    );
    assert!(stdout(&o).contains("L101"));
    std::fs::write(d.join("aaprof.toml"), "selcet = [\"all\"]\n").unwrap();
    let o = aaprof(&["lint", "sub/p"], None, &d);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("aaprof.toml") && err.contains("selcet"),
        "{err}"
    );
}

#[test]
fn fix_rewrites_in_place_keeping_mode_and_comments() {
    use std::os::unix::fs::PermissionsExt;
    let d = setup("lint-fix");
    let p = d.join("p");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    let o = lint(&d, &["--fix", "--format", "concise", "p"]);
    let fixed = std::fs::read_to_string(&p).unwrap();
    // the rule that repeats another is gone (a safe fix: the same path)
    assert_eq!(fixed.matches("/etc/* r,").count(), 1, "{fixed}");
    assert!(fixed.contains("# a profile with two findings"));
    assert_eq!(
        std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert!(!stdout(&o).contains("L101"), "{}", stdout(&o));
    let leftovers: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    // a second run changes nothing
    let _ = lint(&d, &["--fix", "p"]);
    assert_eq!(std::fs::read_to_string(&p).unwrap(), fixed);
}

#[test]
fn fix_on_standard_input_writes_standard_output() {
    let d = tmpdir("lint-fix-stdin");
    let o = aaprof(
        &["lint", "--no-config", "--fix", "--format", "concise", "-"],
        Some(PROFILE.as_bytes()),
        &d,
    );
    let out = stdout(&o);
    assert!(out.starts_with("# a profile with two findings"), "{out}");
    assert_eq!(out.matches("/etc/* r,").count(), 1, "{out}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("L201"));
}

#[test]
fn github_format_writes_workflow_commands() {
    let d = setup("lint-github");
    let out = stdout(&lint(&d, &["--format", "github", "p"]));
    assert!(
        out.lines().any(|l| l == "::error file=p,line=4,col=19,endLine=4,endColumn=21,title=L201 unconfined-exec::`ux` runs `/usr/bin/helper` unconfined%0Ahelp: confine the program: `Px` (its own profile), `Cx` (a child profile) or `ix`"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("::notice file=p,line=6,")),
        "{out}"
    );
}

#[test]
fn json_format_carries_fixes() {
    let d = setup("lint-json");
    let out = stdout(&lint(&d, &["--format", "json", "p"]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let diags = v["diagnostics"].as_array().expect("diagnostics");
    let redundant = diags.iter().find(|d| d["code"] == "L101").expect("L101");
    assert_eq!(redundant["fix"]["safe"], true);
    assert_eq!(redundant["fix"]["edits"][0]["replacement"], "");
    assert_eq!(v["summary"]["errors"], 1);
}

/// `--format sarif` is valid SARIF 2.1.0: checked against the OASIS
/// schema (scripts/test.sh fetches it and sets AAPROF_SARIF_SCHEMA).
#[test]
fn sarif_output_validates_against_the_schema() {
    let schema_path = std::env::var("AAPROF_SARIF_SCHEMA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| repo().join("target/sarif-schema/sarif-2.1.0.json"));
    let schema_text = std::fs::read_to_string(&schema_path).unwrap_or_else(|e| {
        panic!(
            "the SARIF schema is not at {} ({e}); run the test command from README.md",
            schema_path.display()
        )
    });
    let schema: serde_json::Value = serde_json::from_str(&schema_text).expect("schema is JSON");
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler
        .add_resource("urn:sarif-2.1.0", schema)
        .expect("schema added");
    let idx = compiler
        .compile("urn:sarif-2.1.0", &mut schemas)
        .expect("schema compiles");
    let d = setup("lint-sarif");
    std::fs::write(
        d.join("with space"),
        "profile q {\n  capability sys_admin,\n}\n",
    )
    .unwrap();
    let o = lint(&d, &["--format", "sarif", "p", "with space"]);
    let log: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif is JSON");
    if let Err(e) = schemas.validate(&log, idx) {
        panic!("invalid SARIF: {e:#}\n{}", stdout(&o));
    }
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results.len() >= 3, "{}", stdout(&o));
    assert!(results.iter().any(|r| r["ruleId"] == "L101"
        && r["fixes"].is_array()
        && r["relatedLocations"].is_array()));
    assert!(stdout(&o).contains("with%20space"));
    // a log that breaks the schema is refused, so the check can fail
    let mut broken = log.clone();
    broken["version"] = serde_json::json!("2.0");
    assert!(schemas.validate(&broken, idx).is_err());
}

#[test]
fn rule_command_prints_documentation() {
    let d = tmpdir("rule-doc");
    let o = aaprof(&["rule", "L101"], None, &d);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.starts_with("# redundant-rule (L101)"), "{out}");
    assert!(out.contains("## Why is this bad?"));
    let o = aaprof(&["rule", "too-wid"], None, &d);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean `too-wide`"));
    let o = aaprof(&["rule"], None, &d);
    assert!(stdout(&o).lines().count() > 40);
}

#[test]
fn fix_follows_symlinks_and_keeps_crlf_line_endings() {
    let d = tmpdir("lint-fix-link");
    std::fs::create_dir_all(d.join("real")).unwrap();
    std::fs::write(
        d.join("real/p"),
        "profile p /usr/bin/p {\r\n  #include <abstractions/base>\r\n  /etc/* r,  # c\r\n  /etc/hosts r,\r\n}\r\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("real/p", d.join("link")).unwrap();
    let o = lint(&d, &["--fix", "--unsafe-fixes", "link"]);
    assert_ne!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let meta = std::fs::symlink_metadata(d.join("link")).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    let fixed = std::fs::read_to_string(d.join("real/p")).unwrap();
    assert!(
        fixed.contains("\r\n  include <abstractions/base>"),
        "{fixed:?}"
    );
    assert!(!fixed.contains("/etc/hosts r,"), "{fixed:?}");
    let lf_only = fixed.matches('\n').count() - fixed.matches("\r\n").count();
    assert_eq!(lf_only, 0, "lines without \\r: {fixed:?}");
}

#[test]
fn fail_on_never_exits_zero_for_lint_findings_but_not_for_invalid_policy() {
    let d = setup("lint-fail-never");
    let o = lint(&d, &["--fail-on", "never", "p"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    std::fs::write(d.join("bad"), "profile b {\n  capability chwon,\n}\n").unwrap();
    let o = lint(&d, &["--fail-on", "never", "bad"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
}

/// `--fix` ends with a line on standard error saying what it fixed and
/// what remains, and how much of that `--unsafe-fixes` would fix; the
/// numbers are those of the findings printed and of the next run.
#[test]
fn fix_says_what_it_fixed_and_what_remains() {
    let d = setup("lint-fix-summary");
    // an ABI in the search path makes missing-abi's (unsafe) fix available
    std::fs::create_dir_all(d.join("abi")).unwrap();
    std::fs::write(d.join("abi/4.0"), "").unwrap();
    let o = lint(&d, &["--fix", "--format", "concise", "p"]);
    let remain = records(&stdout(&o));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let unsafe_fixable = err
        .rsplit_once(" fixable with --unsafe-fixes)")
        .and_then(|(head, _)| head.rsplit_once('(').map(|(_, n)| n.to_string()))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no unsafe-fix count in {err}"));
    assert!(unsafe_fixable >= 1, "{err}");
    assert_eq!(
        err.lines().last().unwrap_or_default(),
        format!(
            "aaprof: fixed 1 finding in 1 file; {remain} findings remain ({unsafe_fixable} fixable with --unsafe-fixes)"
        ),
        "{}",
        stdout(&o)
    );
    // the unsafe fixes fix at least what was announced
    let o = lint(&d, &["--fix", "--unsafe-fixes", "--format", "concise", "p"]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let line = err.lines().last().unwrap_or_default();
    let fixed: usize = line
        .strip_prefix("aaprof: fixed ")
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(fixed >= unsafe_fixable, "{line}");
    assert!(!line.contains("fixable with"), "{line}");
    // nothing left to fix: said too
    let o = lint(&d, &["--fix", "--unsafe-fixes", "--format", "concise", "p"]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        err.lines()
            .last()
            .is_some_and(|l| l.starts_with("aaprof: fixed 0 findings in 0 files; ")),
        "{err}"
    );
}

/// `aaprof rule` documents every code, not only the lint rules: the front
/// end's (E, W) and the Kubernetes checks' (K), by code or name, and lists
/// them all.
#[test]
fn rule_command_documents_every_code() {
    let d = tmpdir("rule-codes");
    for (key, head) in [
        ("E0201", "# include-not-found (E0201)"),
        ("include-not-found", "# include-not-found (E0201)"),
        ("w0202", "# include-cycle (W0202)"),
        ("K0302", "# annotation-has-no-effect (K0302)"),
    ] {
        let o = aaprof(&["rule", key], None, &d);
        assert_eq!(o.status.code(), Some(0), "{key}");
        let out = stdout(&o);
        assert!(out.starts_with(head), "{key}: {out}");
        for part in ["## What it means", "## Example", "## How to fix"] {
            assert!(out.contains(part), "{key}: no {part}");
        }
    }
    // a name two families share: the first page, and where the other is
    let o = aaprof(&["rule", "invalid-profile-name"], None, &d);
    assert!(stdout(&o).starts_with("# invalid-profile-name (E0403)"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("`aaprof rule K0102`"));
    let o = aaprof(&["rule", "K030"], None, &d);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean `K0301`?"));
    // the list: every code once
    let o = aaprof(&["rule"], None, &d);
    let out = stdout(&o);
    for c in aaprof::diag::code::ALL {
        assert_eq!(
            out.lines()
                .filter(|l| l.split_whitespace().next() == Some(c.id))
                .count(),
            1,
            "{} listed once",
            c.id
        );
    }
    assert!(out.lines().any(|l| l.starts_with("L101 ")));
}

/// `missing-abi` names only an abi file the include search path holds (the
/// newest version there), and offers no fix when there is none or when the
/// newest one would stop enforcing a rule of the file: following its
/// advice never makes the profile fail to load.
#[test]
fn missing_abi_suggests_only_an_abi_of_the_search_path() {
    let d = tmpdir("lint-abi");
    std::fs::write(d.join("p"), "profile p /usr/bin/p {\n  /etc/p.conf r,\n}\n").unwrap();
    std::fs::write(d.join("u"), "profile u /usr/bin/u {\n  userns,\n}\n").unwrap();
    let l406 = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["--select", "L406", "--format", "json"];
        all.extend_from_slice(args);
        let out = stdout(&lint(&d, &all));
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        let found: Vec<&serde_json::Value> = v["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|x| x["code"] == "L406")
            .collect();
        assert_eq!(found.len(), 1, "{out}");
        found[0].clone()
    };
    // no abi/ in the search path: nothing to pin
    let f = l406(&["p"]);
    assert!(f["fix"].is_null(), "{f}");
    assert!(f["help"].as_str().unwrap().contains("no abi file"), "{f}");
    // Debian 12's abi/: 3.0 and kernel-specific files
    let abi = repo().join("tests/fixtures/lint/_base-abi-3.0/abi");
    std::fs::create_dir_all(d.join("abi")).unwrap();
    for name in ["3.0", "kernel-5.4-vanilla", "kernel-5.4-outoftree-network"] {
        std::fs::copy(abi.join("3.0"), d.join("abi").join(name)).unwrap();
    }
    let f = l406(&["p"]);
    assert!(
        f["help"].as_str().unwrap().contains("`abi <abi/3.0>,`"),
        "{f}"
    );
    assert_eq!(
        f["fix"]["edits"][0]["replacement"], "abi <abi/3.0>,\n\n",
        "{f}"
    );
    // the fixed profile checks clean with the same search path
    let o = lint(&d, &["--select", "L406", "--fix", "--unsafe-fixes", "p"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let fixed = std::fs::read_to_string(d.join("p")).unwrap();
    assert!(fixed.starts_with("abi <abi/3.0>,\n"), "{fixed}");
    let o = aaprof(&["check", "-b", d.to_str().unwrap(), "p"], None, &d);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // abi/3.0 does not mediate `userns`: pinning it would drop the rule
    let f = l406(&["u"]);
    assert!(f["fix"].is_null(), "{f}");
    assert!(f["help"].as_str().unwrap().contains("userns"), "{f}");
    // an -I dir with a newer abi is searched too
    let inc = tmpdir("lint-abi-inc");
    std::fs::create_dir_all(inc.join("abi")).unwrap();
    std::fs::copy(
        repo().join("tests/fixtures/lint/_base/abi/4.0"),
        inc.join("abi/4.0"),
    )
    .unwrap();
    let f = l406(&["-I", inc.to_str().unwrap(), "u"]);
    assert_eq!(
        f["fix"]["edits"][0]["replacement"], "abi <abi/4.0>,\n\n",
        "{f}"
    );
}
