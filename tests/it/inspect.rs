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

/// `aaprof inspect A --against B` and the comparison behind it, on what
/// the 6.0 reference writes.
mod against {
    use super::compile;
    use aaprof::binpolicy::compare::{Comparison, Difference, compare};
    use aaprof::binpolicy::{Element, Value, decode};

    const ALL: &str = "features.all";
    const EXT: &str = "features.extended-perms-policydb";

    fn profile(rules: &str) -> String {
        format!("profile t {{\n{rules}\n}}\n")
    }

    fn cmp(a: &[u8], b: &[u8]) -> Comparison {
        compare(a, b).expect("both decode")
    }

    /// The differences found in one automaton.
    fn in_automaton<'a>(c: &'a Comparison, place: &str) -> Vec<&'a Difference> {
        c.differences.iter().filter(|d| d.place == place).collect()
    }

    #[test]
    fn a_policy_equals_itself_byte_identical() {
        for features in [ALL, EXT] {
            let a = compile(&profile("  /etc/hosts r,\n  /usr/bin/x px -> y,"), features);
            let c = cmp(&a, &a);
            assert!(c.equal() && c.byte_identical, "{features}: {c}");
            assert_eq!(c.to_string(), "semantically equal (byte-identical)\n");
        }
    }

    /// The same file rules in legacy accept tables (`features.all`) and in
    /// permission tables: the file automaton means the same.
    #[test]
    fn the_file_automaton_means_the_same_in_both_encodings() {
        let rules = "  /etc/hosts r,\n  owner /home/** rw,\n  /tmp/** rwk,\n  \
                     deny /tmp/secret w,\n  audit /var/log/** a,\n  /usr/bin/* ix,\n  \
                     /usr/bin/p px -> other,\n  /usr/bin/c cx -> kid,\n  /lib/** mr,\n  \
                     /a l -> /b,\n  link /c -> /d,\n  file,\n  profile kid { /kid r, }";
        let text = profile(rules);
        let (legacy, table) = (compile(&text, ALL), compile(&text, EXT));
        let c = cmp(&legacy, &table);
        assert!(!c.byte_identical);
        let file: Vec<_> = c
            .differences
            .iter()
            .filter(|d| d.place == "file automaton")
            .collect();
        assert!(file.is_empty(), "{c}");
    }

    #[test]
    fn one_more_permission_is_found_with_its_witness() {
        for features in [ALL, EXT] {
            let a = compile(&profile("  /a r,"), features);
            let b = compile(&profile("  /a rw,"), features);
            let c = cmp(&a, &b);
            let d = in_automaton(&c, "file automaton");
            assert_eq!(d.len(), 1, "{features}: {c}");
            assert_eq!(d[0].witness_text.as_deref(), Some("/a"));
            assert!(
                d[0].a.contains("allow r ") && !d[0].a.contains(" w "),
                "{}",
                d[0]
            );
            assert!(d[0].b.contains("allow r w "), "{}", d[0]);
            assert_eq!(d[0].record, "t");
        }
    }

    #[test]
    fn owner_rules_differ_in_the_other_half() {
        for features in [ALL, EXT] {
            let a = compile(&profile("  owner /a w,"), features);
            let b = compile(&profile("  /a w,"), features);
            let c = cmp(&a, &b);
            let d = in_automaton(&c, "file automaton");
            assert_eq!(d.len(), 1, "{features}: {c}");
            assert_eq!(d[0].witness_text.as_deref(), Some("/a"));
            let (owner, other) = d[0].a.split_once(" | ").expect("two halves");
            assert!(owner.contains(" w ") && !other.contains(" w "), "{}", d[0]);
            assert!(d[0].b.starts_with("owner and other:"), "{}", d[0]);
        }
    }

    #[test]
    fn deny_and_audit_are_seen() {
        for features in [ALL, EXT] {
            let base = compile(&profile("  /** r,"), features);
            let deny = compile(&profile("  /** r,\n  deny /a r,"), features);
            let c = cmp(&base, &deny);
            let d = in_automaton(&c, "file automaton");
            assert_eq!(d[0].witness_text.as_deref(), Some("/a"), "{c}");
            assert!(d[0].b.contains("quiet r"), "a deny quiets: {}", d[0]);
            let audit = compile(&profile("  /** r,\n  audit /a r,"), features);
            let c = cmp(&base, &audit);
            let d = in_automaton(&c, "file automaton");
            assert_eq!(d.len(), 1, "{c}");
            assert_eq!(d[0].witness_text.as_deref(), Some("/a"));
            assert!(
                d[0].b.contains("audit r") && !d[0].a.contains("audit"),
                "{}",
                d[0]
            );
        }
    }

    #[test]
    fn named_transitions_differ_by_target_name() {
        for features in [ALL, EXT] {
            let a = compile(&profile("  /bin/x px -> a,"), features);
            let b = compile(&profile("  /bin/x px -> b,"), features);
            let c = cmp(&a, &b);
            let d = in_automaton(&c, "file automaton");
            assert_eq!(d.len(), 1, "{features}: {c}");
            assert_eq!(d[0].witness_text.as_deref(), Some("/bin/x"));
            assert!(
                d[0].a.contains("-> \"a\"") && d[0].b.contains("-> \"b\""),
                "{}",
                d[0]
            );
        }
    }

    /// The byte offsets of the strings of the file automaton's `xtable`
    /// and of the `xindex` words of its permission table.
    fn xtable_and_xindex(bin: &[u8]) -> (Vec<usize>, Vec<(usize, u32)>) {
        let elements = decode(bin).expect("decodes");
        let profile = elements
            .iter()
            .find(|e| e.name.as_deref() == Some("profile"))
            .expect("a profile");
        let fields = profile.children();
        let strings = Element::find(fields, "xtable")
            .expect("an xtable")
            .children()
            .iter()
            .flat_map(|a| a.children())
            .map(|s| s.offset + 3)
            .collect();
        let words = Element::find(fields, "perms")
            .expect("a permission table")
            .children()
            .iter()
            .find(|c| matches!(c.value, Value::Array(_)))
            .expect("entries")
            .children();
        let xindex = words
            .iter()
            .skip(11)
            .step_by(14)
            .map(|w| (w.offset + 1, w.as_u32().expect("u32")))
            .collect();
        (strings, xindex)
    }

    /// Two policies whose transition tables list the same targets in
    /// another order, the entries renumbered to match, mean the same; with
    /// the table permuted alone they do not.
    #[test]
    fn permuted_transition_tables_mean_the_same() {
        let a = compile(&profile("  /bin/x px -> a,\n  /bin/y px -> b,"), EXT);
        let (strings, xindex) = xtable_and_xindex(&a);
        assert_eq!(strings.len(), 2);
        let (sa, sb) = (strings[0], strings[1]);
        let mut targets = [a[sa], a[sb]];
        targets.sort_unstable();
        assert_eq!(targets, [b'a', b'b'], "one-letter targets");
        let mut swapped = a.clone();
        swapped.swap(sa, sb);
        let c = cmp(&a, &swapped);
        assert_eq!(in_automaton(&c, "file automaton").len(), 2, "{c}");
        // renumber the entries: table entry 0 <-> 1
        let mut renumbered = swapped.clone();
        let mut changed = 0;
        for (at, v) in xindex {
            if v & 0x0800_0000 != 0 {
                let nv = v ^ 1;
                renumbered[at..at + 4].copy_from_slice(&nv.to_le_bytes());
                changed += 1;
            }
        }
        assert!(
            changed >= 2,
            "two named transitions (owner and other halves)"
        );
        let c = cmp(&a, &renumbered);
        assert!(c.equal() && !c.byte_identical, "{c}");
        assert!(c.to_string().starts_with("semantically equal, "), "{c}");
    }

    /// The reference numbers the transition table in rule order: the
    /// same rules in another order give another table, the same meaning.
    #[test]
    fn rule_order_renumbers_the_transition_table_not_the_meaning() {
        for features in [ALL, EXT] {
            let a = compile(&profile("  /bin/x px -> a,\n  /bin/y px -> b,"), features);
            let b = compile(&profile("  /bin/y px -> b,\n  /bin/x px -> a,"), features);
            assert_ne!(a, b, "{features}: the tables differ");
            let c = cmp(&a, &b);
            assert!(c.equal(), "{features}: {c}");
        }
    }

    /// A quirk of the reference, not of the comparison: with permission
    /// tables it gives the start state entry 0 whatever the state's
    /// permissions (`start->idx = 0`), so `change_profile,` (whose
    /// permission the legacy tables put on the start state) loses them
    /// there.
    #[test]
    fn permission_tables_drop_the_start_states_permissions() {
        let text = profile("  change_profile,");
        let c = cmp(&compile(&text, ALL), &compile(&text, EXT));
        let d = in_automaton(&c, "file automaton");
        assert_eq!(d.len(), 1, "{c}");
        assert_eq!(d[0].witness_text.as_deref(), Some(""));
        assert!(d[0].a.contains("change_profile") && !d[0].b.contains("change_profile"));
    }

    #[test]
    fn children_and_hats_are_records_of_their_own() {
        let text = |hat: &str| {
            format!("profile t {{\n  /t r,\n  profile kid {{ /k r, }}\n  ^hat {{ {hat} }}\n}}\n")
        };
        for features in [ALL, EXT] {
            let a = compile(&text("/h r,"), features);
            let b = compile(&text("/h rw,"), features);
            let c = cmp(&a, &b);
            assert!(!c.differences.is_empty());
            assert!(
                c.differences
                    .iter()
                    .all(|d| d.record == "t//hat" && d.place == "file automaton"),
                "{c}"
            );
            assert_eq!(c.differences[0].witness_text.as_deref(), Some("/h"));
            let none = compile(
                "profile t {\n  /t r,\n  profile kid { /k r, }\n}\n",
                features,
            );
            let c = cmp(&a, &none);
            assert_eq!(c.differences.len(), 1, "{c}");
            assert_eq!(
                (
                    c.differences[0].record.as_str(),
                    c.differences[0].place.as_str()
                ),
                ("t//hat", "record")
            );
        }
    }

    #[test]
    fn a_walk_past_its_budget_is_undecided_not_equal() {
        use aaprof::binpolicy::compare::{Options, compare_with};
        let a = compile(&profile("  /etc/hosts r,"), ALL);
        let opts = Options {
            max_pairs: 3,
            ..Options::default()
        };
        let c = compare_with(&a, &a, &opts).expect("decodes");
        assert!(!c.equal(), "{c}");
        assert!(
            c.differences.iter().all(|d| d.a.starts_with("undecided")),
            "{c}"
        );
    }

    /// With permission tables, a change to the entry a state's index
    /// names is found, the entry's meaning shown.
    #[test]
    fn a_changed_permission_table_entry_is_found() {
        let a = compile(&profile("  /a r,\n  /b w,"), EXT);
        let elements = decode(&a).expect("decodes");
        let profile = elements
            .iter()
            .find(|e| e.name.as_deref() == Some("profile"))
            .expect("a profile");
        let words = Element::find(profile.children(), "perms")
            .expect("the file automaton's table")
            .children()
            .iter()
            .find(|c| matches!(c.value, Value::Array(_)))
            .expect("entries")
            .children();
        // an `allow` word (column 1) with read in it: the `/a` entry
        let allow = words
            .iter()
            .skip(1)
            .step_by(14)
            .find(|w| w.as_u32().is_some_and(|v| v & 4 != 0 && v & 2 == 0))
            .expect("an entry for /a r");
        let at = allow.offset + 1;
        let mut b = a.clone();
        let v = allow.as_u32().expect("u32") | 0x8; // + append
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        let c = cmp(&a, &b);
        let d = in_automaton(&c, "file automaton");
        assert!(!d.is_empty(), "{c}");
        assert_eq!(d[0].witness_text.as_deref(), Some("/a"), "{c}");
        assert!(
            d[0].b.contains(" a ") && !d[0].a.contains(" a "),
            "{}",
            d[0]
        );
    }

    /// Within one encoding, what an input matching nothing gets (the
    /// permission table's entry 0) is compared too.
    #[test]
    fn the_no_match_entry_is_compared() {
        let a = compile(&profile("  /a r,"), EXT);
        let elements = decode(&a).expect("decodes");
        let profile = elements
            .iter()
            .find(|e| e.name.as_deref() == Some("profile"))
            .expect("a profile");
        let policydb = Element::find(profile.children(), "policydb").expect("a policydb");
        let entry0_allow = &Element::find(policydb.children(), "perms")
            .expect("a permission table")
            .children()
            .iter()
            .find(|c| matches!(c.value, Value::Array(_)))
            .expect("entries")
            .children()[1];
        assert_eq!(
            entry0_allow.as_u32(),
            Some(0x8000),
            "lock, as compute_perms_entry gives"
        );
        let mut b = a.clone();
        let at = entry0_allow.offset + 1;
        b[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
        let c = cmp(&a, &b);
        assert_eq!(c.differences.len(), 1, "{c}");
        let d = &c.differences[0];
        assert_eq!(
            d.place,
            "policy automaton (what an input matching nothing gets)"
        );
        assert_eq!(
            (d.witness.as_ref(), d.a.as_str(), d.b.as_str()),
            (None, "allow 0x8000", "nothing")
        );
    }

    #[test]
    fn record_fields_are_compared() {
        let a = compile(
            "profile t flags=(complain) {\n  capability chown,\n}\n",
            ALL,
        );
        let b = compile(
            "profile t {\n  capability chown, capability fowner,\n}\n",
            ALL,
        );
        let c = cmp(&a, &b);
        let places: Vec<&str> = c.differences.iter().map(|d| d.place.as_str()).collect();
        assert!(places.contains(&"flags.mode"), "{c}");
        assert!(places.contains(&"capabilities allowed"), "{c}");
    }

    #[test]
    fn the_command_exits_0_1_2() {
        let dir = super::super::support::repo().join("target/inspect-against");
        std::fs::create_dir_all(&dir).expect("mkdir under target/");
        let write = |n: &str, b: &[u8]| {
            let p = dir.join(n);
            std::fs::write(&p, b).expect("write under target/");
            p
        };
        let a = write("a.bin", &compile(&profile("  /a r,"), ALL));
        let b = write("b.bin", &compile(&profile("  /a rw,"), ALL));
        let bad = write("bad.bin", b"not a policy");
        let run = |x: &std::path::Path, y: &std::path::Path| {
            std::process::Command::new(env!("CARGO_BIN_EXE_aaprof"))
                .arg("inspect")
                .arg(x)
                .arg("--against")
                .arg(y)
                .output()
                .expect("aaprof runs")
        };
        let same = run(&a, &a);
        assert_eq!(same.status.code(), Some(0));
        assert_eq!(
            String::from_utf8_lossy(&same.stdout),
            "semantically equal (byte-identical)\n"
        );
        let differ = run(&a, &b);
        assert_eq!(differ.status.code(), Some(1));
        let text = String::from_utf8_lossy(&differ.stdout);
        assert!(text.contains("t: file automaton on \"/a\""), "{text}");
        let broken = run(&a, &bad);
        assert_eq!(broken.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&broken.stderr).contains("bad.bin: not a binary policy"));
    }
}

/// A sample of the apparmor.d tree (every 45th profile, 30 in all),
/// compiled by the 6.0 reference for legacy accept tables and for
/// permission tables: each policy equals itself, and the file automata
/// of the two encodings mean the same but for the start-state quirk of
/// `permission_tables_drop_the_start_states_permissions`.
#[test]
fn apparmor_d_sample_compares_equal_to_itself_and_across_encodings() {
    use super::support::par_map;
    use aaprof::binpolicy::compare::compare;
    let tree = shared().join("corpora/apparmor.d");
    let mut profiles = aaprof::resolve::walk_dir(&tree.join("profiles")).expect("profiles");
    profiles.sort();
    let sample: Vec<_> = profiles.into_iter().step_by(45).take(30).collect();
    let mappings = tree.join("mappings");
    let results = par_map(&sample, |p| {
        let args = [
            Path::new("-b"),
            tree.as_path(),
            Path::new("-I"),
            mappings.as_path(),
        ];
        let build = |f: &str| Reference::Upstream.compile_for(f, &args, &tree, Some(p), None);
        let (legacy, table) = (
            build("features.all")?,
            build("features.extended-perms-policydb")?,
        );
        let mut problems = Vec::new();
        for (what, bin) in [("legacy", &legacy), ("table", &table)] {
            let c = compare(bin, bin).expect("decodes");
            if !(c.equal() && c.byte_identical) {
                problems.push(format!("{what} against itself: {c}"));
            }
        }
        let c = compare(&legacy, &table).expect("decodes");
        for d in c.differences.iter().filter(|d| d.place == "file automaton") {
            let start_quirk = d.witness_text.as_deref() == Some("")
                && d.a.contains("change_profile")
                && !d.b.contains("change_profile");
            if !start_quirk {
                problems.push(d.to_string());
            }
        }
        Some((p.display().to_string(), problems))
    });
    assert!(results.len() >= 25, "only {} compiled", results.len());
    let failed: Vec<_> = results.iter().filter(|(_, v)| !v.is_empty()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

/// Where state `s`'s ACCEPT word sits in `bin`, for the automaton blob
/// whose data begins at `at` (header, then ACCEPT first, big endian).
fn accept_word_at(bin: &[u8], at: usize, s: usize) -> usize {
    let pad = (0..8)
        .find(|&i| bin[at + i..at + i + 4] == 0x1B5E_783Du32.to_be_bytes())
        .expect("magic");
    let h = at + pad;
    let hsize = u32::from_be_bytes([bin[h + 4], bin[h + 5], bin[h + 6], bin[h + 7]]) as usize;
    assert_eq!(
        u16::from_be_bytes([bin[h + hsize], bin[h + hsize + 1]]),
        1,
        "ACCEPT first"
    );
    h + hsize + 12 + 4 * s
}

/// A change to any one accepting state of a real profile's file
/// automaton is found, and the witness reported leads to that state.
#[test]
fn a_change_to_any_accepting_state_is_found_at_that_state() {
    use aaprof::binpolicy::compare::compare;
    let base = shared().join("corpora/upstream");
    let args = [Path::new("-b"), base.as_path()];
    let bin = Reference::Upstream
        .compile(&args, &base, Some(&base.join("Xorg")), None)
        .expect("the reference compiles Xorg");
    let recs = records(&decode(&bin).expect("decodes")).expect("records");
    // the record with the biggest file automaton
    let (dfa, at) = recs
        .iter()
        .filter_map(|r| {
            let fields = r.profile.children();
            match fields
                .iter()
                .rev()
                .find(|e| e.name.as_deref() == Some("aadfa"))
            {
                Some(Element {
                    value: Value::Blob(blob, at),
                    ..
                }) => Some((Dfa::decode(blob, *at).expect("decodes"), at)),
                _ => None,
            }
        })
        .max_by_key(|(d, _)| d.states())
        .expect("a file automaton");
    let accepting: Vec<u32> = (2..dfa.states() as u32)
        .filter(|&s| dfa.accept(s) & 0x7f != 0)
        .collect();
    assert!(accepting.len() > 50, "{} accepting states", accepting.len());
    for &s in accepting.iter().step_by(accepting.len() / 20) {
        let mut changed = bin.clone();
        let w = accept_word_at(&bin, *at, s as usize);
        let old = u32::from_be_bytes([bin[w], bin[w + 1], bin[w + 2], bin[w + 3]]);
        assert_eq!(old, dfa.accept(s), "the ACCEPT word of state {s}");
        // the owner loses or gains append
        changed[w..w + 4].copy_from_slice(&(old ^ 0x8).to_be_bytes());
        let c = compare(&bin, &changed).expect("decodes");
        assert!(!c.equal(), "state {s}: {c}");
        let d = &c.differences[0];
        assert_eq!(d.place, "file automaton", "{d}");
        let witness = d.witness.as_ref().expect("a witness");
        let end = witness.iter().fold(1u32, |st, &b| dfa.next(st, b as u8));
        assert_eq!(
            end, s,
            "the witness {:?} leads to state {s}",
            d.witness_text
        );
    }
}

/// The reference's optimisations change the tables, not the meaning:
/// Xorg compiled with equivalence classes, or without minimisation,
/// compares equal to the default output (and not byte-identical), in
/// both encodings.
#[test]
fn equivalence_classes_and_unminimised_automata_mean_the_same() {
    use aaprof::binpolicy::compare::compare;
    let base = shared().join("corpora/upstream");
    let xorg = base.join("Xorg");
    for features in ["features.all", "features.extended-perms-policydb"] {
        let build = |opt: &[&str]| {
            let mut args = vec![Path::new("-b"), base.as_path()];
            args.extend(opt.iter().map(Path::new));
            Reference::Upstream
                .compile_for(features, &args, &base, Some(&xorg), None)
                .expect("the reference compiles Xorg")
        };
        let plain = build(&[]);
        for opt in [["-O", "equiv"], ["-O", "no-minimize"]] {
            let other = build(&opt);
            let c = compare(&plain, &other).expect("decodes");
            assert!(c.equal() && !c.byte_identical, "{features} {opt:?}: {c}");
        }
        // the equivalence classes are really there
        let equiv = build(&["-O", "equiv"]);
        let recs = records(&decode(&equiv).expect("decodes")).expect("records");
        let mut all = Vec::new();
        automata(&recs[0].profile, &mut all);
        assert!(
            all.iter()
                .any(|(_, d)| d.table(aaprof::binpolicy::dfa::id::EC).is_some()),
            "{features}: an EC table"
        );
    }
}
