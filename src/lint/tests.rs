//! Unit tests of the linter's engine.

use super::fix::{edit, fix_until_stable};
use crate::diag::{Diagnostic, code};
use crate::source::{FileId, Span};

/// A fake lint run: `a` has a finding whose (unsafe) fix writes `b` and a
/// safe one that writes `c`; `b` gives the checks an error, `c` is clean.
fn fake(text: &str) -> (FileId, Vec<Diagnostic>) {
    let file = FileId(7);
    let whole = Span::new(file, 0, text.len());
    let finding = |to: &str, safe: bool| {
        let mut d = Diagnostic::new(super::rules::missing_abi::RULE.code, "finding").at(whole, "");
        let edits = vec![edit::replace(whole, to)];
        d.fix = Some(if safe {
            edit::safe("fix", edits)
        } else {
            edit::unsafe_("fix", edits)
        });
        d
    };
    let diags = match text {
        "a" => vec![finding("b", false)],
        "b" => vec![Diagnostic::error(code::BAD_ABI, whole, "cannot find abi")],
        "x" => vec![finding("c", true)],
        _ => Vec::new(),
    };
    (file, diags)
}

#[test]
fn a_fix_that_makes_the_checks_fail_is_undone() {
    let fixed = fix_until_stable("a", true, fake);
    assert_eq!(fixed.text, "a");
    assert_eq!(fixed.applied, 0);
    assert!(
        fixed
            .stopped
            .as_deref()
            .is_some_and(|s| s.contains("fail to check")),
        "{:?}",
        fixed.stopped
    );
}

#[test]
fn a_fix_that_keeps_the_checks_clean_is_kept() {
    let fixed = fix_until_stable("x", false, fake);
    assert_eq!(fixed.text, "c");
    assert_eq!(fixed.applied, 1);
    assert_eq!(fixed.stopped, None);
}
