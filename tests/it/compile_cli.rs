//! The `aaprof compile` command: what it writes where, what it does with a
//! file that has errors, `--timings`, and usage errors. What it writes
//! is compared with the reference's in `compile.rs`; here, that the
//! command writes it: each output is the reference's for the same file.

use super::cli::{aaprof, stderr, stdout, tmpdir};
use super::support::{Reference, shared};
use std::path::Path;

const GOOD: &str = "profile good /usr/bin/good {\n  /etc/good r,\n  capability chown,\n}\n";
const ALSO: &str = "profile also {\n  /tmp/** rw,\n}\n";
const BAD: &str = "profile bad {\n  /etc/bad rwz,\n}\n";

fn features() -> String {
    shared()
        .join("conformance/features/features.all")
        .display()
        .to_string()
}

fn setup(name: &str) -> std::path::PathBuf {
    let d = tmpdir(name);
    for (f, text) in [("good", GOOD), ("also", ALSO), ("bad", BAD)] {
        std::fs::write(d.join(f), text).unwrap();
    }
    d
}

/// `aaprof compile -M features.all ARGS...` in `d`.
fn compile(d: &Path, args: &[&str]) -> std::process::Output {
    let f = features();
    let mut all = vec!["compile", "-M", &f];
    all.extend_from_slice(args);
    aaprof(&all, None, d)
}

/// The reference's `-S` output for `file`.
fn reference(d: &Path, file: &str) -> Vec<u8> {
    let out = Reference::Upstream
        .command()
        .args(["-Q", "-S"])
        .arg(d.join(file))
        .output()
        .expect("the reference runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn out_dir_gets_one_file_per_input_and_errors_name_the_file() {
    let d = setup("compile-out-dir");
    let o = compile(&d, &["--out-dir", "out", "good", "bad", "also"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("bad:2:"), "{err}");
    assert!(
        err.contains("`bad` has errors; nothing was compiled for it"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(d.join("out/good")).unwrap(),
        reference(&d, "good")
    );
    assert_eq!(
        std::fs::read(d.join("out/also")).unwrap(),
        reference(&d, "also")
    );
    assert!(!d.join("out/bad").exists());
}

#[test]
fn one_output_holds_every_input_in_order_or_nothing() {
    let d = setup("compile-one-output");
    let o = compile(&d, &["-o", "all.bin", "good", "also"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut both = reference(&d, "good");
    both.extend(reference(&d, "also"));
    assert_eq!(std::fs::read(d.join("all.bin")).unwrap(), both);
    // with a file in error, the output is not written at all
    let o = compile(&d, &["-o", "none.bin", "good", "bad"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!d.join("none.bin").exists());
}

#[test]
fn standard_output_when_it_is_not_a_terminal() {
    let d = setup("compile-stdout");
    let o = compile(&d, &["good"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout, reference(&d, "good"));
}

#[test]
fn timings_name_every_stage() {
    let d = setup("compile-timings");
    let o = compile(&d, &["--timings", "--out-dir", "out", "good", "also"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("2 of 2 files compiled, 2 records"), "{err}");
    for stage in ["parse", "lower", "automata", "minimise", "pack", "write"] {
        assert!(
            err.lines().any(|l| l.trim_start().starts_with(stage)),
            "{stage}: {err}"
        );
    }
}

#[test]
fn usage_errors_exit_two() {
    let d = setup("compile-usage");
    let o = compile(&d, &["-o", "x", "missing"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`missing`: not a policy file"),
        "{}",
        stderr(&o)
    );
    let o = compile(&d, &["-o", "x", "--out-dir", "y", "good"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let o = aaprof(
        &["compile", "-M", "no-such-features", "-o", "x", "good"],
        None,
        &d,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// `/sys/devices/**/devI/**/attrI rw` for I in 1..=n: the family whose
/// automaton grows exponentially with n (POLICY-FORMAT.md, "Cost").
fn devices_family(n: usize) -> String {
    let mut t = String::from("profile family /usr/bin/family {\n");
    for i in 1..=n {
        t.push_str(&format!("  /sys/devices/**/dev{i}/**/attr{i} rw,\n"));
    }
    t.push_str("}\n");
    t
}

#[test]
fn the_exploding_family_ends_with_the_budget_error_at_its_rules() {
    let d = tmpdir("compile-budget");
    // small enough to compile: the reference's output, byte for byte
    std::fs::write(d.join("five"), devices_family(5)).unwrap();
    let o = compile(&d, &["-o", "five.bin", "five"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(d.join("five.bin")).unwrap(),
        reference(&d, "five")
    );
    // past the budget: a diagnostic at the family's rules, nothing written
    for n in [20, 300] {
        let name = format!("family{n}");
        std::fs::write(d.join(&name), devices_family(n)).unwrap();
        let o = compile(&d, &["-o", "out.bin", &name]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("E0802"), "{err}");
        assert!(err.contains("too large"), "{err}");
        // the primary location is one of the rules, not the profile
        let line = err
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .and_then(|rest| rest.split(':').next())
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("no location in {err}"));
        assert!((2..=n + 1).contains(&line), "line {line}: {err}");
        assert!(!d.join("out.bin").exists());
    }
    // a smaller budget ends a family that would otherwise compile
    let o = compile(&d, &["--max-states", "500", "-o", "out.bin", "five"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("E0802"), "{}", stderr(&o));
}
