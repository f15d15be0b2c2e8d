use super::*;
use crate::vocab;

#[test]
fn every_capability_and_flag_has_a_meaning() {
    for c in vocab::CAPABILITIES {
        assert!(capability(c).is_some(), "capability {c}");
    }
    for f in vocab::PROFILE_FLAG_NAMES {
        assert!(flag(f).is_some(), "flag {f}");
    }
    assert!(flag("kill.signal=hup").is_some());
    assert!(capability("cap_chown").is_none());
}

#[test]
fn a_file_mode_is_explained_letter_by_letter_with_exec_modes_whole() {
    let m: Vec<String> = file_mode("mrPix").into_iter().map(|(l, _)| l).collect();
    assert_eq!(m, ["m", "r", "Pix"]);
    let m: Vec<String> = file_mode("rwlk").into_iter().map(|(l, _)| l).collect();
    assert_eq!(m, ["r", "w", "l", "k"]);
    let m: Vec<String> = file_mode("ix").into_iter().map(|(l, _)| l).collect();
    assert_eq!(m, ["ix"]);
    // an unknown letter is left out
    assert_eq!(file_mode("rq").len(), 1);
}

#[test]
fn rule_keywords_have_meanings() {
    for k in [
        "capability",
        "network",
        "file",
        "deny",
        "owner",
        "include",
        "change_profile",
    ] {
        assert!(keyword(k).is_some(), "{k}");
    }
    assert!(keyword("nonsense").is_none());
}

#[test]
fn every_permission_word_of_every_rule_family_has_a_meaning() {
    use crate::vocab::PermFamily as F;
    let families = [
        ("network", F::Network),
        ("unix", F::Unix),
        ("dbus", F::Dbus),
        ("signal", F::Signal),
        ("ptrace", F::Ptrace),
        ("mqueue", F::Mqueue),
        ("io_uring", F::IoUring),
        ("userns", F::Userns),
    ];
    for (keyword, family) in families {
        assert_eq!(PermFamily::of_keyword(keyword), Some(family));
        for p in family.perms() {
            assert!(access(family, p).is_some(), "{keyword} {p}");
        }
    }
    assert_eq!(access(F::Signal, "bind"), None);
    assert_eq!(PermFamily::of_keyword("file"), None);
}
