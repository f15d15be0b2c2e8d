//! The `aaprof` binary: exit status, output formats, standard input, and
//! hostile input (binary data, huge files, deep nesting, include cycles,
//! directories and dangling paths where files are expected).

use super::support::repo;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub(crate) fn aaprof(args: &[&str], stdin: Option<&[u8]>, cwd: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aaprof"));
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("aaprof runs");
    if let Some(input) = stdin {
        let mut si = child.stdin.take().expect("stdin piped");
        // a command that fails early (a usage error) may not read its input
        if let Err(e) = si.write_all(input) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
        }
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("aaprof finishes")
}

pub(crate) fn tmpdir(name: &str) -> PathBuf {
    let d = repo().join("target").join("cli-tests").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// The findings of concise output: its records, not the `  help:` lines
/// indented under them.
pub(crate) fn records(out: &str) -> usize {
    out.lines().filter(|l| !l.starts_with(' ')).count()
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn clean_policy_exits_zero() {
    let d = tmpdir("clean");
    std::fs::write(d.join("p"), "profile p {\n  /etc/foo r,\n}\n").unwrap();
    let o = aaprof(&["check", "-b", d.to_str().unwrap(), "p"], None, &d);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn concise_lines_have_path_line_column_severity_code() {
    let d = tmpdir("concise");
    std::fs::write(
        d.join("p"),
        "profile p {\n  /etc/foo r,\n  capability chwon,\n}\n",
    )
    .unwrap();
    let o = aaprof(&["check", "--format", "concise", "p"], None, &d);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let mut lines = out.lines();
    let line = lines.next().expect("one finding");
    assert!(line.starts_with("p:3:14: error[E"), "{line}");
    assert!(line.contains("chwon"), "{line}");
    // the "did you mean" help follows on its own indented line
    let help = lines.next().expect("a help line");
    assert!(
        help.starts_with("  help: ") && help.contains("chown"),
        "{out}"
    );
    assert_eq!(lines.next(), None, "{out}");
}

#[test]
fn stdin_is_named_dash() {
    let d = tmpdir("stdin");
    let o = aaprof(
        &["check", "--format", "concise", "-"],
        Some(b"profile p {\n  /etc/foo rwz,\n}\n"),
        &d,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("-:2:"), "{}", stdout(&o));
}

#[test]
fn relative_quoted_include_from_stdin_resolves_against_cwd() {
    let d = tmpdir("stdin-include");
    std::fs::write(d.join("vars"), "@{X}=/x\n").unwrap();
    let o = aaprof(
        &["check", "-"],
        Some(b"include \"vars\"\nprofile p {\n  @{X} r,\n}\n"),
        &d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn json_output_is_a_document_with_locations() {
    let d = tmpdir("json");
    std::fs::write(d.join("p"), "profile p {\n  /etc/foo r\n}\n").unwrap();
    let o = aaprof(&["check", "--format", "json", "p"], None, &d);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["version"], 1);
    let first = &v["diagnostics"][0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["location"]["path"], "p");
    assert!(first["location"]["line"].as_u64().is_some());
    assert!(v["summary"]["errors"].as_u64().unwrap_or(0) >= 1);
}

#[test]
fn missing_file_is_a_usage_error() {
    let d = tmpdir("missing");
    let o = aaprof(&["check", "nope"], None, &d);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nope"));
}

#[test]
fn no_arguments_is_a_usage_error() {
    let d = tmpdir("noargs");
    let o = aaprof(&["check"], None, &d);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn binary_input_gives_a_diagnostic_not_a_panic() {
    let d = tmpdir("binary");
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(d.join("junk"), &junk).unwrap();
    let o = aaprof(&["check", "--format", "concise", "junk"], None, &d);
    assert!(matches!(o.status.code(), Some(1) | Some(2)), "{o:?}");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    // valid UTF-8 garbage reaches the lexer and is reported there
    let text: String = junk.iter().map(|b| char::from(b'!' + b % 90)).collect();
    std::fs::write(d.join("text-junk"), text).unwrap();
    let o = aaprof(&["check", "--format", "concise", "text-junk"], None, &d);
    assert_eq!(o.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
}

#[test]
fn deep_nesting_is_refused_cleanly() {
    let d = tmpdir("nesting");
    std::fs::write(d.join("deep"), "{".repeat(20_000)).unwrap();
    let o = aaprof(&["check", "--format", "concise", "deep"], None, &d);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("nested more than"), "{}", stdout(&o));
}

#[test]
fn large_file_is_checked() {
    let d = tmpdir("large");
    let mut text = String::from("profile big {\n");
    let rule = "  /usr/share/some/long/path/to/a/file/number/* r,\n";
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(rule);
    }
    text.push_str("}\n");
    std::fs::write(d.join("big"), text).unwrap();
    let o = aaprof(&["check", "big"], None, &d);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn include_cycle_is_reported_with_its_chain() {
    let d = tmpdir("cycle");
    std::fs::write(d.join("a"), "include \"b\"\n/etc/a r,\n").unwrap();
    std::fs::write(d.join("b"), "include \"a\"\n/etc/b r,\n").unwrap();
    std::fs::write(d.join("p"), "profile p {\n  include \"a\"\n}\n").unwrap();
    let o = aaprof(&["check", "--format", "json", "p"], None, &d);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let cycle = v["diagnostics"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == "include-cycle"))
        .expect("a cycle diagnostic");
    assert!(
        cycle["notes"].to_string().contains("include chain"),
        "{cycle}"
    );
}

#[test]
fn directory_where_a_file_is_expected() {
    let d = tmpdir("dir-include");
    std::fs::create_dir_all(d.join("inc/sub")).unwrap();
    std::fs::write(d.join("inc/one"), "/etc/one r,\n").unwrap();
    std::fs::write(d.join("inc/.hidden"), "this is not policy\n").unwrap();
    std::fs::write(d.join("inc/one.dpkg-old"), "this is not policy\n").unwrap();
    std::fs::write(d.join("p"), "profile p {\n  include \"inc\"\n}\n").unwrap();
    let o = aaprof(&["check", "p"], None, &d);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // `-M` naming a directory is an I/O error with exit 2
    let o = aaprof(&["check", "-M", "inc", "p"], None, &d);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn dangling_include_target_is_a_diagnostic() {
    let d = tmpdir("dangling");
    let _ = std::os::unix::fs::symlink(d.join("nowhere"), d.join("link"));
    std::fs::write(d.join("p"), "profile p {\n  include \"link\"\n}\n").unwrap();
    let o = aaprof(&["check", "--format", "concise", "p"], None, &d);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("E020"), "{}", stdout(&o));
}

#[test]
fn help_describes_check() {
    let d = tmpdir("help");
    let o = aaprof(&["check", "--help"], None, &d);
    assert_eq!(o.status.code(), Some(0));
    let h = stdout(&o);
    assert!(
        h.contains("--format") && h.contains("-I") && h.contains("features"),
        "{h}"
    );
}

#[test]
fn features_file_reports_rules_the_kernel_does_not_enforce() {
    let d = tmpdir("features");
    let features = super::support::shared().join("conformance/features/features.nopolicydb");
    let policy = b"profile p {\n  dbus,\n  dbus send,\n}\n";
    let o = aaprof(
        &[
            "check",
            "--format",
            "concise",
            "-M",
            features.to_str().unwrap(),
            "-",
        ],
        Some(policy),
        &d,
    );
    assert_eq!(o.status.code(), Some(0), "a warning is not an error");
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "reported once per profile: {out}");
    assert!(
        out.contains("warning[W0603]") && out.contains("dbus"),
        "{out}"
    );
    // without -M nothing is said
    let o = aaprof(&["check", "--format", "concise", "-"], Some(policy), &d);
    assert!(o.stdout.is_empty());
}

/// The include option answers to `--include`, to `--Include` (as
/// apparmor_parser spells it) and to `-I`.
#[test]
fn include_option_has_every_spelling() {
    let d = tmpdir("include-spellings");
    std::fs::create_dir_all(d.join("inc/abstractions")).unwrap();
    std::fs::write(d.join("inc/abstractions/app"), "/etc/app r,\n").unwrap();
    std::fs::write(
        d.join("p"),
        "profile p {\n  include <abstractions/app>\n}\n",
    )
    .unwrap();
    for flag in ["--include", "--Include", "-I"] {
        let o = aaprof(
            &[
                "check",
                "-b",
                "/nonexistent",
                flag,
                "inc",
                "--format",
                "concise",
                "p",
            ],
            None,
            &d,
        );
        assert_eq!(o.status.code(), Some(0), "{flag}: {}", stdout(&o));
    }
    let o = aaprof(
        &["check", "--format", "concise", "-b", "/nonexistent", "p"],
        None,
        &d,
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "without it the include is missing"
    );
}

/// A missing include gets the closest name that exists in the search
/// path; `include if exists` is offered only for optional local overrides,
/// never for an abstraction a profile needs.
#[test]
fn missing_include_suggests_what_exists() {
    let d = tmpdir("include-suggest");
    std::fs::create_dir_all(d.join("base/abstractions")).unwrap();
    std::fs::create_dir_all(d.join("base/tunables")).unwrap();
    std::fs::write(d.join("base/abstractions/base"), "/etc/ld.so.cache r,\n").unwrap();
    std::fs::write(d.join("base/abstractions/nameservice"), "/etc/hosts r,\n").unwrap();
    std::fs::write(d.join("base/tunables/global"), "").unwrap();
    std::fs::write(
        d.join("p"),
        "include <tunables/globl>\nprofile p {\n  include <abstraction/base>\n  include <abstractions/nameservise>\n  include <abstractions/base-extra-things>\n  include <local/p>\n}\n",
    )
    .unwrap();
    let o = aaprof(&["check", "-b", "base", "--format", "full", "p"], None, &d);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for want in [
        "help: did you mean `<tunables/global>`?",
        "help: did you mean `<abstractions/base>`?",
        "help: did you mean `<abstractions/nameservice>`?",
    ] {
        assert!(out.contains(want), "{want} missing:\n{out}");
    }
    // one help per finding; `if exists` only for the local override
    let blocks: Vec<&str> = out.split("error[E0201]").skip(1).collect();
    assert_eq!(blocks.len(), 5, "{out}");
    for b in &blocks {
        let optional = b.contains("<local/p>");
        assert_eq!(b.contains("if exists"), optional, "{b}");
    }
    // a missing abi version gets the newest one there is
    std::fs::create_dir_all(d.join("base/abi")).unwrap();
    std::fs::write(d.join("base/abi/3.0"), "").unwrap();
    let o = aaprof(
        &["check", "-b", "base", "--format", "full", "-"],
        Some(b"abi <abi/4.0>,\nprofile q {\n}\n"),
        &d,
    );
    assert!(
        stdout(&o).contains("error[E0406]")
            && stdout(&o).contains("the newest abi in the include path is `abi <abi/3.0>,`"),
        "{}",
        stdout(&o)
    );
    // and quoted includes, relative to the working directory
    let o = aaprof(
        &["check", "--format", "full", "-"],
        Some(b"profile q {\n  include \"base/abstractions/nameservise\"\n}\n"),
        &d,
    );
    assert!(
        stdout(&o).contains("did you mean `\"base/abstractions/nameservice\"`?"),
        "{}",
        stdout(&o)
    );
}

/// `aaprof completions SHELL` writes a script the shell accepts, naming
/// the subcommands and their options.
#[test]
fn completions_for_each_shell() {
    let d = tmpdir("completions");
    for (shell, marker) in [
        ("bash", "complete -F _aaprof"),
        ("zsh", "#compdef aaprof"),
        ("fish", "complete -c aaprof"),
    ] {
        let o = aaprof(&["completions", shell], None, &d);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let out = stdout(&o);
        assert!(out.contains(marker), "{shell}: {out}");
        // fish writes options without their dashes (`-l include`)
        for word in ["lint", "k8s", "completions", "include", "fix"] {
            assert!(out.contains(word), "{shell} script lacks {word}");
        }
    }
    // bash reads the script without a syntax error
    let o = aaprof(&["completions", "bash"], None, &d);
    std::fs::write(d.join("aaprof.bash"), &o.stdout).unwrap();
    let st = Command::new("bash")
        .args(["-n", "aaprof.bash"])
        .current_dir(&d)
        .status()
        .expect("bash runs");
    assert!(st.success());
    // and completes: a subcommand, then an option of `k8s check`
    let out = Command::new("bash")
        .arg("-c")
        .arg(
            "source aaprof.bash; \
             COMP_WORDS=(aaprof li); COMP_CWORD=1; _aaprof aaprof li aaprof; echo \"${COMPREPLY[@]}\"; \
             COMP_WORDS=(aaprof k8s check --prof); COMP_CWORD=3; _aaprof aaprof --prof check; echo \"${COMPREPLY[@]}\"",
        )
        .current_dir(&d)
        .output()
        .expect("bash runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "lint\n--profiles\n");
    let o = aaprof(&["completions", "tcsh"], None, &d);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

/// `fmt` in place says how many files it reformatted and which it could
/// not format, whatever its output is.
#[test]
fn fmt_says_what_it_reformatted() {
    let d = tmpdir("fmt-summary");
    std::fs::write(d.join("a"), "profile a {\n/etc/a r,\n}\n").unwrap();
    std::fs::write(d.join("b"), "profile b {\n  /etc/b r,\n}\n").unwrap();
    std::fs::write(d.join("c"), "profile c {\n  /etc/c r\n").unwrap();
    let o = aaprof(&["fmt", "a", "b", "c"], None, &d);
    assert_eq!(o.status.code(), Some(1), "c is refused");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(
        err.lines().last().unwrap_or_default(),
        "aaprof: reformatted 1 of 3 files; 1 file not formatted (see above)",
        "{err}"
    );
    let o = aaprof(&["fmt", "a", "b"], None, &d);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "aaprof: reformatted 0 of 2 files\n"
    );
    // standard input: the text alone, nothing on standard error
    let o = aaprof(&["fmt", "-"], Some(b"profile x {\n}\n"), &d);
    assert!(o.stderr.is_empty());
}

#[test]
fn findings_of_many_files_are_reported_in_the_order_of_their_names() {
    let d = tmpdir("order");
    // files of different sizes, so the threads finish them in no set order
    let mut names = Vec::new();
    for i in 0..24 {
        let name = format!("p{i:02}");
        let rules = "  /etc/foo r,\n".repeat(1 + (23 - i) * 40);
        std::fs::write(
            d.join(&name),
            format!("profile {name} {{\n{rules}  capability chwon,\n}}\n"),
        )
        .unwrap();
        names.push(name);
    }
    let mut args = vec!["check", "--format", "concise"];
    // given in reverse
    args.extend(names.iter().rev().map(String::as_str));
    for _ in 0..3 {
        let o = aaprof(&args, None, &d);
        let files: Vec<String> = stdout(&o)
            .lines()
            .filter(|l| !l.starts_with(' '))
            .filter_map(|l| l.split(':').next().map(str::to_string))
            .collect();
        assert_eq!(files, names, "{}", stdout(&o));
    }
}

/// An include read by an earlier profile of the run is read again where
/// what it says depends on the profile: an exec rule of it that conflicts
/// with one written before it, a variable it names that the file defines
/// otherwise. The findings of the run are those of each file alone.
#[test]
fn an_include_shared_by_profiles_says_what_it_says_in_each() {
    let d = tmpdir("shared-include");
    std::fs::create_dir_all(d.join("abstractions")).unwrap();
    std::fs::write(
        d.join("abstractions/tools"),
        "/usr/bin/tool ix,\n@{dir}/x r,\n",
    )
    .unwrap();
    std::fs::write(
        d.join("first"),
        "@{dir} = /srv\nprofile first {\n  include <abstractions/tools>\n}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("second"),
        "@{dir} = /srv/{a,[}\nprofile second {\n  include <abstractions/tools>\n}\n",
    )
    .unwrap();
    // two profiles of one file, read one after the other
    std::fs::write(
        d.join("both"),
        "@{dir} = /srv\nprofile one {\n  include <abstractions/tools>\n}\nprofile two {\n  /usr/bin/tool px,\n  include <abstractions/tools>\n}\n",
    )
    .unwrap();
    let base = d.display().to_string();
    let run = |files: &[&str]| {
        let mut args = vec!["check", "--format", "concise", "-b", &base];
        args.extend_from_slice(files);
        let o = aaprof(&args, None, &d);
        let mut lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    let together = run(&["first", "second"]);
    let mut alone = run(&["first"]);
    alone.extend(run(&["second"]));
    alone.sort();
    assert_eq!(together, alone);
    // the second file's variable makes a bad pattern of the included rule
    let all = together.join("\n");
    assert!(all.contains("invalid pattern `/srv/{a,[}/x`"), "{all}");
    // the second profile's rule conflicts with the included one
    let both = run(&["both"]).join("\n");
    assert!(
        both.contains("conflicting exec modes for `/usr/bin/tool`: `ix` here, `px` before"),
        "{both}"
    );
}
