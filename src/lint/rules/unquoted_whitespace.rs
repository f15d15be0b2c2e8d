//! ## What it does
//! Flags a path or name that holds a space written as `\ ` instead of
//! being quoted: `profile m /opt/Mullvad\ VPN/gui {`.
//!
//! ## Why is this bad?
//! Not every tool reads the escape: the AppArmor utilities, older parsers
//! and editors' syntax rules split the word at the space, so the profile
//! breaks or attaches to the wrong path for them. A quoted path means the
//! same to all of them.
//!
//! ## Example
//! ```apparmor
//! profile mullvad /opt/Mullvad\ VPN/mullvad-gui {
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile mullvad "/opt/Mullvad VPN/mullvad-gui" {
//! }
//! ```
//!
//! ## Fix safety
//! Safe: the quoted path is the same path.

use crate::diag::Diagnostic;
use crate::lint::facts::{ast_profiles, ast_rules};
use crate::lint::fix::edit;
use crate::lint::{Context, finding};
use crate::syntax::ast::{Elem, Word, WordKind};

rule!("L112", "unquoted-whitespace", Correctness, Warning, true, Safe);

fn word(cx: &Context, w: &Word, out: &mut Vec<Diagnostic>) {
    if !matches!(w.kind, WordKind::Id | WordKind::Value) || !cx.is_local(w.span) {
        return;
    }
    let raw = cx.slice(w.span);
    if raw.starts_with('"') || !raw.contains("\\ ") {
        return;
    }
    let quoted = format!("\"{}\"", raw.replace("\\ ", " "));
    let mut d = finding(&RULE, w.span, format!("`{raw}` escapes a space instead of quoting the path"))
        .help(format!("write {quoted}"));
    d.fix = Some(edit::safe(format!("write {quoted}"), vec![edit::replace(w.span, quoted)]));
    out.push(d);
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for p in ast_profiles(&cx.ast.items) {
        word(cx, &p.name, out);
        for e in &p.header {
            if let Elem::Word(w) = e {
                word(cx, w, out);
            }
        }
    }
    for r in ast_rules(&cx.ast.items) {
        for e in &r.elems {
            match e {
                Elem::Word(w) => word(cx, w, out),
                Elem::Arrow { target: Some(w), .. } => word(cx, w, out),
                _ => {}
            }
        }
    }
}
