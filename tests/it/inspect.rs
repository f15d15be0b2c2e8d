//! `aaprof inspect` and the binary policy decoder, on what the 6.0
//! reference writes.

use super::support::{Reference, shared, top_level_files};
use aaprof::binpolicy::{Element, Value, decode, dfa::Dfa, records};
use std::path::Path;

fn compile(text: &str, features: &str) -> Vec<u8> {
    Reference::Upstream
        .compile_for(features, &[], Path::new("."), None, Some(text))
        .expect("the 6.0 reference compiles the profile")
}

/// Every automaton of a record, with the name of the element holding it.
fn automata(e: &Element, out: &mut Vec<(String, Dfa)>) {
    match &e.value {
        Value::Blob(b, at) if e.name.as_deref() == Some("aadfa") => out.push((
            String::new(),
            Dfa::decode(b, *at).expect("automaton decodes"),
        )),
        Value::Struct(v) | Value::List(v) | Value::Array(v) => {
            for c in v {
                let mut inner = Vec::new();
                automata(c, &mut inner);
                let name = e.name.clone().unwrap_or_default();
                out.extend(
                    inner
                        .into_iter()
                        .map(|(n, d)| (if n.is_empty() { name.clone() } else { n }, d)),
                );
            }
        }
        _ => {}
    }
}

/// The profile of `../shared/docs/POLICY-FORMAT.md`'s annotated dump,
/// decoded field by field.
#[test]
fn the_annotated_profile_decodes_as_documented() {
    let bin = compile(
        "profile t flags=(attach_disconnected) {\n  file,\n  deny /** w,\n}\n",
        "features.all",
    );
    assert_eq!(bin.len(), 2649);
    let recs = records(&decode(&bin).expect("decodes")).expect("records");
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert_eq!(r.version, Some(0x0020_2007));
    assert_eq!(r.name(), Some("t"));
    let fields = r.profile.children();
    assert_eq!(
        Element::find(fields, "path_flags").and_then(Element::as_u32),
        Some(4)
    );
    let mut all = Vec::new();
    automata(&r.profile, &mut all);
    assert_eq!(all.len(), 2, "a policy and a file automaton");
    let (policy, file) = (&all[0].1, &all[1].1);
    assert_eq!(all[0].0, "policydb");
    assert_eq!(policy.states(), 5);
    assert_eq!(file.states(), 8);
    let accepts: Vec<u32> = (0..8).map(|s| file.accept(s)).filter(|a| *a != 0).collect();
    assert_eq!(accepts, [0x9f_c27f, 0x9d_4275, 0x9f_c27f, 0x4_0030]);
    assert!(
        (0..8).any(|s| file.accept2(s) == 0x140_0500),
        "the deny's quiet bits"
    );
}

/// The profiles of the upstream tree: every record and automaton
/// decodes, and every transition stays inside its automaton, as the
/// kernel's unpack checks require.
#[test]
fn upstream_policies_decode_and_walk_inside_their_automata() {
    let base = shared().join("corpora/upstream");
    let mut decoded = 0;
    for p in top_level_files(&base).into_iter().take(30) {
        let args = [Path::new("-b"), base.as_path()];
        let Some(bin) = Reference::Upstream.compile(&args, &base, Some(&p), None) else {
            continue;
        };
        let recs = records(&decode(&bin).expect("decodes")).expect("records");
        assert!(!recs.is_empty(), "{}", p.display());
        for r in &recs {
            assert!(r.name().is_some_and(|n| !n.is_empty()), "{}", p.display());
            let mut all = Vec::new();
            automata(&r.profile, &mut all);
            for (_, d) in &all {
                let n = d.states() as u32;
                for s in 0..n {
                    for c in 0..=255u8 {
                        assert!(d.next(s, c) < n, "{}: state {s} byte {c}", p.display());
                    }
                }
            }
        }
        decoded += 1;
    }
    assert!(decoded >= 25, "only {decoded} upstream profiles compiled");
}

#[test]
fn inspect_prints_records_and_automata() {
    let bin = compile(
        "profile t {\n  /etc/hosts r,\n}\n",
        "features.extended-perms-policydb",
    );
    let dir = super::support::repo().join("target/inspect");
    std::fs::create_dir_all(&dir).expect("mkdir under target/");
    let file = dir.join("t.bin");
    std::fs::write(&file, &bin).expect("write under target/");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aaprof"))
        .arg("inspect")
        .arg("--states")
        .arg(&file)
        .output()
        .expect("aaprof runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("profile t\n"), "{text}");
    assert!(
        text.contains("policy automaton:") && text.contains("file automaton:"),
        "{text}"
    );
    assert!(
        text.contains("perms:"),
        "the permission tables of this features file: {text}"
    );
    // a file that is not a policy: exit 1 with the reason
    let bad = dir.join("bad.bin");
    std::fs::write(&bad, b"not a policy").expect("write under target/");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aaprof"))
        .arg("inspect")
        .arg(&bad)
        .output()
        .expect("aaprof runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a binary policy"));
}
