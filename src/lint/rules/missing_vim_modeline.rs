//! ## What it does
//! With the `apparmor.d` preset: flags a profile file without the
//! `# vim:syntax=apparmor` modeline.
//!
//! ## Why is this bad?
//! Profile files have no extension, so editors cannot tell they are
//! AppArmor policy; the modeline turns on syntax highlighting. The
//! apparmor.d project requires it as the file's last line.
//!
//! ## Example
//! ```apparmor
//! profile foo {
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile foo {
//! }
//!
//! # vim:syntax=apparmor
//! ```
//!
//! ## Fix safety
//! Safe: the fix adds a comment at the end of the file.

use crate::diag::Diagnostic;
use crate::lint::fix::edit;
use crate::lint::{Context, Preset, finding};

rule!("L311", "missing-vim-modeline", Style, Info, false, Safe);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.preset != Preset::ApparmorD || !cx.has_profiles() {
        return;
    }
    if cx.text.contains("vim:syntax=apparmor") || cx.text.contains("vim: syntax=apparmor") {
        return;
    }
    let end = cx.text.len();
    let lead = if cx.text.ends_with('\n') || cx.text.is_empty() { "\n" } else { "\n\n" };
    // located on the last line there is (a place past it would point
    // nowhere in an editor or a code-scanning view)
    let last = cx.text.trim_end().len();
    let mut d = finding(&RULE, cx.span(last, last), "no `# vim:syntax=apparmor` modeline")
        .help("end the file with `# vim:syntax=apparmor`");
    d.fix = Some(edit::safe(
        "add the modeline",
        vec![edit::replace(cx.span(end, end), format!("{lead}# vim:syntax=apparmor\n"))],
    ));
    out.push(d);
}
