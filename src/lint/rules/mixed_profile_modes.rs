//! ## What it does
//! Flags a child profile or hat whose mode (`complain`, `enforce`, `kill`,
//! `unconfined`, `prompt`) differs from its parent's.
//!
//! ## Why is this bad?
//! Putting a profile in complain mode to develop it leaves its children
//! enforcing unless each is changed too: the program then fails in a child
//! while the log shows no denial for the parent. The reverse, a parent
//! enforcing with a child left in complain mode, leaves that child
//! unconfined in practice.
//!
//! ## Example
//! ```apparmor
//! profile foo flags=(complain) {
//!   profile helper {
//!   }
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile foo flags=(complain) {
//!   profile helper flags=(complain) {
//!   }
//! }
//! ```

use crate::diag::Diagnostic;
use crate::lint::{Context, finding};
use crate::resolve::ResolvedProfile;

rule!("L108", "mixed-profile-modes", Correctness, Warning, true, None);

const MODES: &[&str] = &["complain", "enforce", "kill", "unconfined", "prompt", "default_allow"];

pub fn mode(p: &ResolvedProfile) -> &str {
    p.flags
        .iter()
        .map(String::as_str)
        .find(|f| MODES.contains(f))
        .unwrap_or("enforce")
}

fn walk(cx: &Context, p: &ResolvedProfile, out: &mut Vec<Diagnostic>) {
    let pm = mode(p);
    for c in &p.children {
        let cm = mode(c);
        if cm != pm && cx.is_local(c.span) {
            out.push(
                finding(
                    &RULE,
                    cx.name_span(c.span),
                    format!(
                        "`{}` is in {cm} mode but its parent `{}` is in {pm} mode",
                        c.name, p.name
                    ),
                )
                .label(cx.name_span(p.span), "the parent profile")
                .help(if pm == "enforce" {
                    format!("remove `{cm}` from the child's flags")
                } else {
                    format!("add `{pm}` to the child's flags")
                }),
            );
        }
        walk(cx, c, out);
    }
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for p in &cx.policy.profiles {
        walk(cx, p, out);
    }
}
