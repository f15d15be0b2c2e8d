//! `aaprof diff`: what a change changes in what a policy allows, decided
//! on the compiled automata. Formatting and emitting (inlining includes,
//! expanding variables) the upstream tree change nothing; a planted rule
//! is found exactly, as the only change; a binary policy and its source
//! are the same.

use super::cli::{aaprof, stderr, stdout, tmpdir};
use super::support::{repo, shared};
use std::path::Path;

fn upstream() -> std::path::PathBuf {
    shared().join("corpora/upstream")
}

/// A copy of the upstream tree.
fn copy_of_upstream(at: &Path) {
    let o = std::process::Command::new("cp")
        .arg("-r")
        .arg(upstream())
        .arg(at)
        .output()
        .expect("cp runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn diff(old: &Path, new: &Path, extra: &[&str]) -> std::process::Output {
    let (o, n) = (old.display().to_string(), new.display().to_string());
    let mut args = vec!["diff"];
    args.extend_from_slice(extra);
    args.push(&o);
    args.push(&n);
    aaprof(&args, None, &repo())
}

#[test]
fn formatting_the_upstream_tree_changes_nothing_in_what_it_allows() {
    let dir = tmpdir("diff-fmt");
    let tree = dir.join("upstream");
    copy_of_upstream(&tree);
    let f = aaprof(&["fmt", &tree.display().to_string()], None, &repo());
    assert!(stderr(&f).contains("reformatted"), "{}", stderr(&f));
    let o = diff(&upstream(), &tree, &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "no change in what is allowed\n");
}

#[test]
fn emitting_each_upstream_profile_changes_nothing_in_what_it_allows() {
    let dir = tmpdir("diff-emit");
    let emitted = dir.join("emitted");
    std::fs::create_dir_all(&emitted).unwrap();
    // the abi files the emitted profiles name
    let o = std::process::Command::new("cp")
        .arg("-r")
        .arg(upstream().join("abi"))
        .arg(&emitted)
        .output()
        .expect("cp runs");
    assert!(o.status.success());
    let mut files: Vec<String> = std::fs::read_dir(upstream())
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    assert!(files.len() > 100, "the upstream tree's profiles");
    let base = upstream().display().to_string();
    let out = emitted.display().to_string();
    let mut args = vec!["emit", "-b", &base, "--out-dir", &out];
    args.extend(files.iter().map(String::as_str));
    let e = aaprof(&args, None, &repo());
    assert!(e.status.code().is_some_and(|c| c <= 1), "{}", stderr(&e));
    // the originals, without their abstractions and tunables: what was
    // emitted is only the profiles
    let originals = dir.join("originals");
    std::fs::create_dir_all(&originals).unwrap();
    for f in std::fs::read_dir(&emitted).unwrap().flatten() {
        let p = f.path();
        if p.is_file() {
            std::fs::copy(
                upstream().join(p.file_name().unwrap()),
                originals.join(p.file_name().unwrap()),
            )
            .unwrap();
        }
    }
    let o = diff(&originals, &emitted, &["-b", &base]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "no change in what is allowed\n");
}

#[test]
fn a_planted_rule_is_the_one_change_found() {
    let dir = tmpdir("diff-planted");
    let tree = dir.join("upstream");
    copy_of_upstream(&tree);
    let file = tree.join("usr.sbin.dnsmasq");
    let text = std::fs::read_to_string(&file).expect("upstream has dnsmasq's profile");
    let at = text.find("  capability ").expect("a capability rule");
    let planted = format!(
        "{}  /etc/planted-by-the-test r,\n{}",
        &text[..at],
        &text[at..]
    );
    std::fs::write(&file, planted).unwrap();
    let o = diff(&upstream(), &tree, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["changed"], true);
    let profiles = v["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 1, "{v}");
    assert_eq!(profiles[0]["profile"], "dnsmasq");
    let changes = profiles[0]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{v}");
    assert_eq!(changes[0]["witness"], "/etc/planted-by-the-test");
    assert_eq!(changes[0]["gained"], "r open");
    assert_eq!(changes[0]["lost"], "");
    // the rule responsible, where it was planted; no old rule matches
    let line = text[..at].lines().count() + 1;
    let place = format!("{}:{line}:3", file.display());
    assert_eq!(
        changes[0]["rules"],
        serde_json::json!({"old": [], "new": [format!("allows `/etc/planted-by-the-test r` at {place}")]})
    );
    let text = diff(&upstream(), &tree, &[]);
    assert_eq!(
        stdout(&text),
        format!(
            "profile `dnsmasq`:\n  file \"/etc/planted-by-the-test\": now allows `r open`\n    \
             new: allows `/etc/planted-by-the-test r` at {place}\n"
        )
    );
}

#[test]
fn changes_of_other_classes_read_in_words() {
    let dir = tmpdir("diff-classes");
    let (a, b) = (dir.join("a"), dir.join("b"));
    std::fs::write(&a, "profile p {\n  capability net_admin,\n  signal send set=(term) peer=q,\n  dbus send bus=system path=/org/x,\n}\n").unwrap();
    std::fs::write(&b, "profile p {\n  capability chown,\n  signal send set=(kill) peer=q,\n  dbus send bus=session path=/org/x,\n  userns,\n}\n").unwrap();
    let o = diff(&a, &b, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // the rules responsible on each side; the newest kernel ABI mediates
    // user namespaces
    let (pa, pb) = (a.display(), b.display());
    assert_eq!(
        stdout(&o),
        format!(
            "profile `p`:\n  capabilities (allowed): now allows `chown` and no longer `net_admin`\n    \
             old: allows `capability net_admin` at {pa}:2:3\n    new: allows `capability chown` at {pb}:2:3\n  \
             userns: now allows `create`\n    new: allows `userns` at {pb}:5:3\n  \
             signal kill to peer \"q\": now allows `send`\n    new: allows `signal send set=(kill) peer=q` at {pb}:3:3\n  \
             signal term to peer \"q\": no longer allows `send`\n    old: allows `signal send set=(term) peer=q` at {pa}:3:3\n  \
             dbus bus=system path=/org/x: no longer allows `send`\n    old: allows `dbus send bus=system path=/org/x` at {pa}:4:3\n  \
             dbus bus=session path=/org/x: now allows `send`\n    new: allows `dbus send bus=session path=/org/x` at {pb}:4:3\n"
        )
    );
}

#[test]
fn a_binary_policy_and_its_source_are_the_same() {
    let dir = tmpdir("diff-binary");
    let src = dir.join("p");
    std::fs::write(
        &src,
        "profile p /usr/bin/p {\n  /etc/** r,\n  /tmp/p/** rw,\n  capability chown,\n}\n",
    )
    .unwrap();
    let bin = dir.join("p.bin");
    let all = shared()
        .join("conformance/features/features.all")
        .display()
        .to_string();
    let c = aaprof(
        &[
            "compile",
            "-M",
            &all,
            "-o",
            &bin.display().to_string(),
            &src.display().to_string(),
        ],
        None,
        &repo(),
    );
    assert_eq!(c.status.code(), Some(0), "{}", stderr(&c));
    let o = diff(&bin, &src, &["-M", &all]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let o = diff(&src, &bin, &["-M", &all, "--format", "markdown"]);
    assert_eq!(
        stdout(&o),
        "**aaprof diff**: no change in what is allowed.\n"
    );
}

#[test]
fn a_profile_added_or_moved_in_a_tree_is_found_as_such() {
    let dir = tmpdir("diff-added");
    let (old, new) = (dir.join("old"), dir.join("new"));
    std::fs::create_dir_all(&old).unwrap();
    std::fs::create_dir_all(&new).unwrap();
    let a = "profile a {\n  /etc/a r,\n}\n";
    let b = "profile b {\n  /etc/b r,\n}\n";
    std::fs::write(old.join("a"), a).unwrap();
    std::fs::write(new.join("a"), a).unwrap();
    std::fs::write(new.join("b"), b).unwrap();
    let o = diff(&old, &new, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), "profile `b`:\n  added\n");
    let o = diff(&new, &old, &[]);
    assert_eq!(stdout(&o), "profile `b`:\n  removed\n");
    // the same profile, moved to another file: no change
    std::fs::write(old.join("b-elsewhere"), b).unwrap();
    let o = diff(&old, &new, &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}
