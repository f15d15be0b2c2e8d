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
