use super::*;
use crate::resolve;
use crate::vfs::Vfs;
use std::path::PathBuf;

/// A profile tree of its own (tunables defining a variable, two
/// abstractions) and the analysis of `text` as a profile in it.
fn analysed(test: &str, text: &str) -> Analysis {
    let d: PathBuf =
        std::env::temp_dir().join(format!("aaprof-complete-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("tunables")).expect("temp dir writable");
    std::fs::create_dir_all(d.join("abstractions/base.d")).expect("temp dir writable");
    std::fs::write(d.join("tunables/global"), "@{HOME}=/home/*/ /root/\n").expect("written");
    std::fs::write(d.join("abstractions/base"), "/etc/ld.so.cache r,\n").expect("written");
    std::fs::write(d.join("abstractions/bash"), "/bin/bash r,\n").expect("written");
    let mut opts = resolve::Options::default();
    opts.search.base_dir = d.clone();
    Analysis::of(
        text,
        Some(&d.join("p")),
        &opts,
        &Vfs::disk(),
        &crate::resolve::Session::new(),
        &crate::lint::Cache::default(),
    )
}

fn labels(text: &str, test: &str) -> Vec<String> {
    let at = text.find('|').expect("a cursor");
    let text = text.replacen('|', "", 1);
    let a = analysed(test, &text);
    complete(&a, &text, at, &|| {
        vec!["other".to_string(), "peer".to_string()]
    })
    .into_iter()
    .map(|c| c.label)
    .collect()
}

#[test]
fn keywords_are_those_of_the_block_the_cursor_is_in() {
    let top = labels("|\nprofile p { }\n", "top");
    assert!(
        top.contains(&"abi".to_string()) && !top.contains(&"capability".to_string()),
        "{top:?}"
    );
    let inner = labels("profile p {\n  cap|\n}\n", "inner");
    assert_eq!(inner, ["capability"]);
}

#[test]
fn rule_arguments_complete_from_the_vocabulary() {
    assert_eq!(
        labels("profile p {\n  capability net_r|\n}\n", "cap"),
        ["net_raw"]
    );
    assert_eq!(
        labels("profile p {\n  deny capability sys_ch|\n}\n", "deny"),
        ["sys_chroot"]
    );
    let net = labels("profile p {\n  network inet s|\n}\n", "net");
    assert!(net.contains(&"stream".to_string()), "{net:?}");
    let sig = labels("profile p {\n  signal set=(hup, ter|\n}\n", "sig");
    assert_eq!(sig, ["term"]);
    let modes = labels("profile p {\n  /usr/bin/x P|\n}\n", "mode");
    assert!(
        modes.contains(&"Px".to_string()) && modes.contains(&"Pix".to_string()),
        "{modes:?}"
    );
    let flags = labels(
        "profile p flags=(attach_disconnected,comp|) {\n}\n",
        "flags",
    );
    assert_eq!(flags, ["complain"]);
}

#[test]
fn includes_variables_and_transitions_complete_from_the_tree() {
    let inc = labels("profile p {\n  include <abstractions/ba|\n}\n", "inc");
    assert_eq!(inc, ["base", "base.d", "bash"]);
    let vars = labels(
        "include <tunables/global>\nprofile p {\n  @{HO|\n}\n",
        "var",
    );
    assert_eq!(vars, ["HOME"]);
    let to = labels("profile p {\n  /bin/x Px -> o|\n}\n", "arrow");
    assert_eq!(to, ["other"]);
}

#[test]
fn a_comment_completes_nothing() {
    assert!(labels("profile p {\n  # capability n|\n}\n", "comment").is_empty());
}
