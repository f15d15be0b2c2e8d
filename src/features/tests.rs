use super::*;

use std::path::{Path, PathBuf};

const FEATURES_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/conformance/features"
);

fn read(name: &str) -> Option<String> {
    std::fs::read_to_string(Path::new(FEATURES_DIR).join(name)).ok()
}

fn parse_file(name: &str) -> Option<Features> {
    let text = read(name)?;
    match Features::parse(&text) {
        Ok(f) => Some(f),
        Err(e) => panic!("{name}: {e}"),
    }
}

/// Every features-format file we can find at test time: the conformance
/// feature files and the abi/ files of both corpora.
fn all_feature_files() -> Vec<PathBuf> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let dirs = [
        base.join("conformance/features"),
        base.join("corpora/upstream/abi"),
        base.join("corpora/apparmor.d/abi"),
    ];
    let mut out = Vec::new();
    for d in dirs {
        if let Ok(entries) = std::fs::read_dir(&d) {
            out.extend(
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file()),
            );
        }
    }
    out.sort();
    out
}

#[test]
fn parses_every_feature_file() {
    let files = all_feature_files();
    for p in &files {
        let Ok(bytes) = std::fs::read(p) else {
            continue;
        };
        let f = match Features::parse_bytes(&bytes) {
            Ok(f) => f,
            Err(e)
                if p.ends_with("kernel-5.4-outoftree-network")
                    || p.ends_with("kernel-5.4-vanilla") =>
            {
                // These upstream ABI files close a block twice (`network` at
                // line 39, `mount` at line 31): upstream's lookups stop there.
                let line = if p.ends_with("kernel-5.4-vanilla") {
                    31
                } else {
                    39
                };
                assert_eq!(e, FeaturesError::UnexpectedCloseBrace { line });
                let (f, err) = Features::parse_lossy(&String::from_utf8_lossy(&bytes));
                assert_eq!(err, Some(e));
                assert!(f.has("mount/mask") && !f.has("file"));
                f
            }
            Err(e) => panic!("{}: {e}", p.display()),
        };
        assert!(f.has("caps/mask"), "{}", p.display());
        // round trip through the renderer
        let again = Features::parse(&f.to_string());
        assert_eq!(again.as_ref(), Ok(&f), "{}", p.display());
    }
    if Path::new(FEATURES_DIR).exists() {
        assert!(files.len() >= 8);
    }
}

#[test]
fn features_all() {
    let Some(f) = parse_file("features.all") else {
        return;
    };
    assert!(f.has("dbus"));
    assert!(f.has("dbus/mask"));
    assert!(f.has("dbus/mask/send"));
    assert!(!f.has("dbus/mask/eavesdrop"));
    assert!(f.has("network/af_unix"));
    assert!(f.has("mount/mask"));
    assert!(!f.has("mount/mask/pivot_root"));
    assert!(f.has("policy/versions/v7"));
    assert!(!f.has("policy/versions/v8"));
    assert!(!f.has("network_v8"));
    assert!(!f.has("io_uring"));
    assert_eq!(f.value("capability"), Some("0xffffff"));
    assert_eq!(f.value("ptrace/mask"), Some("read trace"));
    assert_eq!(f.words("ptrace/mask"), vec!["read", "trace"]);
    assert_eq!(f.words("policy/versions"), vec!["v5", "v6", "v7"]);
    assert_eq!(f.value("policy/versions"), None);
    assert_eq!(f.value("dbus/mask/send"), None);
    assert_eq!(f.policy_versions(), vec![5, 6, 7]);
    assert_eq!(f.kernel_abi_version(), 7);
    assert_eq!(f.capabilities().len(), 38);
    assert!(f.supports_network() && f.supports_unix() && f.supports_dbus());
    assert!(f.supports_signal() && f.supports_ptrace() && f.supports_mount());
    assert!(f.supports_stacking() && f.supports_policydb());
    assert!(!f.supports_network_v8() && !f.supports_network_inet());
    assert!(!f.supports_userns() && !f.supports_mqueue() && !f.supports_io_uring());
    assert!(!f.supports_xattr_attachment() && !f.supports_detached_mount());
}

#[test]
fn builtin_all_equals_features_all() {
    let built = Features::all();
    assert!(built.has("policy/versions/v7"));
    assert!(built.has("caps/mask/audit_read"));
    assert!(!built.has("caps/mask/perfmon"));
    assert!(built.has("network/af_mask/vsock"));
    assert!(!built.has("network/af_mask/kcm"));
    assert!(built.has("signal/mask/lost"));
    if let Some(f) = parse_file("features.all") {
        assert_eq!(built, f);
    }
}

#[test]
fn features_af_inet() {
    let Some(f) = parse_file("features.af_inet") else {
        return;
    };
    assert!(f.supports_network_v8());
    assert!(f.supports_network_inet());
    assert!(f.supports_userns());
    assert!(f.supports_posix_mqueue());
    assert!(!f.supports_sysv_mqueue());
    assert!(f.supports_io_uring());
    assert!(f.supports_xattr_attachment());
    assert!(f.supports_detached_mount());
    assert!(f.has("mount/mask/pivot_root"));
    assert_eq!(f.value("namespaces/userns_create"), Some("pciu&"));
    assert_eq!(f.value("domain/version"), Some("1.2"));
    assert!(f.has("domain/disconnected.path"));
    assert!(f.has("policy/permstable32_version/0x000003"));
    assert!(f.supports_permstable32());
    assert_eq!(f.policy_versions(), vec![5, 6, 7, 8, 9]);
    assert_eq!(f.capabilities().last(), Some(&"checkpoint_restore"));
    assert_eq!(f.value("policy/unconfined_restrictions/userns"), Some("1"));
}

#[test]
fn repeated_blocks_are_merged() {
    // features.extended-perms-policydb declares `policy {...}` twice.
    let Some(f) = parse_file("features.extended-perms-policydb") else {
        return;
    };
    assert!(f.has("policy/versions/v9"));
    assert!(f.has("policy/unconfined_restrictions/io_uring"));
    assert_eq!(f.value("policy/unconfined_restrictions/userns"), Some("0"));
    let text = "a {x {1\n}\n}\na {y {2\n}\nx {3\n}\n}\n";
    let f = Features::parse(text);
    assert_eq!(f.as_ref().ok().and_then(|f| f.value("a/x")), Some("1"));
    assert_eq!(f.as_ref().ok().and_then(|f| f.value("a/y")), Some("2"));
}

#[test]
fn older_feature_files() {
    // (file, dbus, mount, network, network_v8, policydb)
    for (name, dbus, mount, net, v8, policydb) in [
        ("features.dbus", true, false, true, false, true),
        ("features.mount", false, true, true, false, true),
        ("features.mount+dbus", true, true, true, false, true),
        ("features.nopolicydb", false, false, true, false, true),
        (
            "features.extended-perms-no-policydb",
            true,
            false,
            false,
            false,
            false,
        ),
        (
            "features.extended-perms-policydb",
            true,
            true,
            true,
            true,
            true,
        ),
    ] {
        let Some(f) = parse_file(name) else {
            continue;
        };
        assert_eq!(f.supports_dbus(), dbus, "{name}");
        assert_eq!(f.supports_mount(), mount, "{name}");
        assert_eq!(f.supports_network(), net, "{name}");
        assert_eq!(f.supports_network_v8(), v8, "{name}");
        assert_eq!(f.supports_policydb(), policydb, "{name}");
    }
    if let Some(f) = parse_file("features.nopolicydb") {
        assert!(f.has("network/af_mask/local"));
        assert!(!f.has("policy/versions"));
        assert_eq!(f.kernel_abi_version(), 5);
        assert!(f.has("policy/set_load"));
    }
}

#[test]
fn path_forms() {
    let f = Features::all();
    assert!(!f.has(""));
    assert!(!f.has("/dbus"));
    assert!(f.has("dbus/"));
    assert!(f.has("dbus//mask"));
    assert!(!f.has("dbus/mask/send/more"));
    assert!(!f.has("dbus/mas"));
    assert!(!f.has("network/mask")); // no suffix matching of `af_mask`
    assert!(f.words("nothing/here").is_empty());
    assert_eq!(f.value("nothing"), None);
    assert!(Features::empty().is_empty());
    assert!(!Features::empty().has("file"));
}

#[test]
fn set_builds_and_replaces() {
    let mut f = Features::empty();
    f.set("a/b/c", " yes\n");
    assert_eq!(f.value("a/b/c"), Some("yes"));
    f.set("a/b", "leaf");
    assert_eq!(f.value("a/b"), Some("leaf"));
    assert!(!f.has("a/b/c"));
    f.set("a/b/d", "x y");
    assert_eq!(f.words("a/b/d"), vec!["x", "y"]);
    f.set("", "ignored");
    f.set("//", "ignored");
    assert_eq!(f.words("a"), vec!["b"]);
}

#[test]
fn tolerant_whitespace_and_empty_values() {
    let f = Features::parse("  a {  }\n\tb{c{d\n}}\ne {x, y z\r\n}").ok();
    let Some(f) = f else {
        panic!("did not parse");
    };
    assert_eq!(f.value("a"), Some(""));
    assert!(f.has("a"));
    assert_eq!(f.value("b/c"), Some("d"));
    assert_eq!(f.words("e"), vec!["x,", "y", "z"]);
    assert_eq!(Features::parse(""), Ok(Features::empty()));
    assert_eq!(Features::parse(" \n\n"), Ok(Features::empty()));
}

#[test]
fn errors_have_lines() {
    use FeaturesError::*;
    let cases: &[(&str, FeaturesError)] = &[
        ("a {x\n}\n}\n", UnexpectedCloseBrace { line: 3 }),
        (
            "a {\nb {x\n",
            Unclosed {
                line: 2,
                name: "b".into(),
            },
        ),
        (
            "a {\nb {x\n}\n",
            Unclosed {
                line: 1,
                name: "a".into(),
            },
        ),
        (
            "a\nb {x}",
            ExpectedOpenBrace {
                line: 2,
                name: "a".into(),
            },
        ),
        (
            "a {b c {x}}",
            ExpectedOpenBrace {
                line: 1,
                name: "b".into(),
            },
        ),
        ("\n\n{x}", MissingName { line: 3 }),
        ("a {x\0}", NulByte { line: 1 }),
        ("a {b {x}}\n\0", NulByte { line: 2 }),
        (
            "key: value\n",
            ExpectedOpenBrace {
                line: 1,
                name: "key:".into(),
            },
        ),
    ];
    for (text, want) in cases {
        let got = Features::parse(text);
        assert_eq!(got.as_ref().err(), Some(want), "{text:?}");
        assert_eq!(got.err().map(|e| e.line()), Some(want.line()));
    }
    assert_eq!(
        Features::parse_bytes(b"a {x}\n\xff"),
        Err(InvalidUtf8 { line: 2 })
    );
    let msg = Features::parse("a {\n").err().map(|e| e.to_string());
    assert_eq!(msg.as_deref(), Some("line 1: feature 'a' is never closed"));
}

#[test]
fn lossy_parse_keeps_complete_entries() {
    let (f, err) = Features::parse_lossy("a {1\n}\nb {c {2\n}\n}\n}\nd {3\n}\n");
    assert_eq!(err, Some(FeaturesError::UnexpectedCloseBrace { line: 6 }));
    assert!(f.has("a") && f.has("b/c") && !f.has("d"));
    let (f, err) = Features::parse_lossy("a {1\n}\nb {c {2\n}\n");
    assert_eq!(
        err,
        Some(FeaturesError::Unclosed {
            line: 3,
            name: "b".into()
        })
    );
    assert!(f.has("a") && !f.has("b"));
    let (f, err) = Features::parse_lossy("a {1}");
    assert_eq!(err, None);
    assert_eq!(Features::parse("a {1}"), Ok(f));
}

#[test]
fn nesting_is_bounded() {
    let deep = "a {".repeat(100_000);
    match Features::parse(&deep) {
        Err(FeaturesError::TooDeep { line: 1, max }) => assert_eq!(max, MAX_DEPTH),
        other => panic!("{other:?}"),
    }
    let ok = format!(
        "{}x{}",
        "a {".repeat(MAX_DEPTH - 1),
        "}".repeat(MAX_DEPTH - 1)
    );
    assert!(Features::parse(&ok).is_ok());
    let long_name = "n".repeat(10_000);
    let err = Features::parse(&long_name)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.len() < 200, "{err}");
}

#[test]
fn never_panics_on_garbage() {
    // Deterministic pseudo-random bytes, and every prefix of a real file.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..2_000 {
        let len = (round % 97) + 1;
        let mut bytes = Vec::with_capacity(len);
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let b = match state % 8 {
                0 => b'{',
                1 => b'}',
                2 => b' ',
                3 => b'\n',
                _ => (state >> 8) as u8,
            };
            bytes.push(b);
        }
        let _ = Features::parse_bytes(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(f) = Features::parse(&text) {
            let _ = f.has("a/b");
            let _ = f.to_string();
        }
    }
    if let Some(text) = read("features.af_inet") {
        for (i, _) in text.char_indices() {
            let _ = Features::parse(&text[..i]);
        }
    }
}

#[test]
fn the_reference_default_abi() {
    let f = Features::reference_default();
    assert!(f.has("policy/versions/v8"));
    assert!(f.has("caps/mask/bpf"));
    assert!(!f.has("caps/mask/checkpoint_restore"));
    assert!(f.has("network/af_mask/xdp"));
    assert!(!f.has("network_v8"));
    assert_eq!(f.value("namespaces/pivot_root"), Some("no"));
}

#[test]
fn intersection_keeps_what_both_support() {
    let a = Features::parse("a {x y z\n}\nb {c {yes\n}\n}\nd {1\n}\n").expect("a");
    let b = Features::parse("a {y z w\n}\nb {c {yes\n}\ne {yes\n}\n}\n").expect("b");
    let i = a.intersect(&b);
    assert!(i.has("a/y") && i.has("a/z"));
    assert!(!i.has("a/x") && !i.has("a/w"));
    assert!(i.has("b/c"));
    assert!(!i.has("b/e") && !i.has("d"));
}
