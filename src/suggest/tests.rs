use super::*;

const CAPS: &[&str] = &[
    "chown",
    "dac_override",
    "dac_read_search",
    "sys_admin",
    "sys_ptrace",
    "net_admin",
    "net_raw",
];

#[test]
fn distances() {
    assert_eq!(edit_distance("", ""), 0);
    assert_eq!(edit_distance("abc", ""), 3);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("complian", "complain"), 1); // adjacent swap
    assert_eq!(edit_distance("ca", "abc"), 3); // OSA, not unrestricted Damerau
    assert_eq!(edit_distance("sys_admin", "sys_admin"), 0);
    assert_eq!(edit_distance("héllo", "hello"), 1); // characters, not bytes
}

#[test]
fn suggests_close_words() {
    assert_eq!(
        did_you_mean("sys_admn", CAPS.iter().copied()),
        Some("sys_admin")
    );
    assert_eq!(
        did_you_mean("sysadmin", CAPS.iter().copied()),
        Some("sys_admin")
    );
    assert_eq!(did_you_mean("chonw", CAPS.iter().copied()), Some("chown"));
    assert_eq!(
        did_you_mean("net_rwa", CAPS.iter().copied()),
        Some("net_raw")
    );
    assert_eq!(
        did_you_mean("Complain", ["enforce", "complain"]),
        Some("complain")
    );
    assert_eq!(
        did_you_mean(
            "namepace_relative",
            ["chroot_relative", "namespace_relative"]
        ),
        Some("namespace_relative")
    );
}

#[test]
fn rejects_far_words() {
    assert_eq!(did_you_mean("foo", CAPS.iter().copied()), None);
    assert_eq!(did_you_mean("capability", CAPS.iter().copied()), None);
    assert_eq!(did_you_mean("", CAPS.iter().copied()), None);
    assert_eq!(did_you_mean("x", ["yz"]), None);
    assert_eq!(did_you_mean("chown", std::iter::empty()), None);
    // short words allow a single edit
    assert_eq!(did_you_mean("rx", ["r", "w"]), Some("r"));
    assert_eq!(did_you_mean("ab", ["xy"]), None);
}

#[test]
fn threshold_grows_with_length() {
    // 9 characters: up to 3 edits
    assert_eq!(
        did_you_mean("dac_overr", ["dac_override"]),
        Some("dac_override")
    );
    // 5 characters: 1 edit only
    assert_eq!(did_you_mean("chxxn", ["chown"]), None);
}

#[test]
fn tie_break_is_deterministic() {
    // "cat" is one edit from both; the lexicographically smaller wins,
    // whatever the order of the candidates.
    assert_eq!(did_you_mean("cat", ["hat", "bat"]), Some("bat"));
    assert_eq!(did_you_mean("cat", ["bat", "hat"]), Some("bat"));
    // exact case wins a tie on the case-folded distance
    assert_eq!(did_you_mean("b", ["B", "b"]), Some("b"));
    assert_eq!(did_you_mean("B", ["B", "b"]), Some("B"));
    assert_eq!(did_you_mean("M", ["m", "M"]), Some("M"));
    // closer length wins before alphabetical order
    assert_eq!(did_you_mean("abcd", ["abcde", "abc", "abed"]), Some("abed"));
    // exact match
    assert_eq!(did_you_mean("chown", CAPS.iter().copied()), Some("chown"));
}

#[test]
fn works_with_owned_candidates() {
    let owned: Vec<String> = vec!["ptrace".into(), "signal".into()];
    assert_eq!(
        did_you_mean("ptrce", owned.iter().map(String::as_str)),
        Some("ptrace")
    );
}

#[test]
fn hostile_input_is_cheap() {
    let long = "a".repeat(100_000);
    assert_eq!(did_you_mean(&long, CAPS.iter().copied()), None);
    assert_eq!(did_you_mean("chown", [long.as_str()]), None);
    assert_eq!(did_you_mean("\u{0}\u{ffff}", ["\u{0}"]), Some("\u{0}"));
}
