//! ## What it does
//! With the `apparmor.d` preset: flags a file whose first profile is not
//! named like the file (`profile foo` in the file `foo`).
//!
//! ## Why is this bad?
//! The apparmor.d project finds a profile's file, its `local/` include and
//! its entries in the build's flag lists by name; a mismatch breaks all
//! three silently.
//!
//! ## Example
//! ```apparmor
//! # in the file `foo`
//! profile foo-daemon /usr/bin/foo {
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! # in the file `foo`
//! profile foo /usr/bin/foo {
//! }
//! ```

use crate::diag::Diagnostic;
use crate::lint::{Context, Preset, finding};
use crate::syntax::ast::Item;

rule!("L310", "profile-name-mismatch", Style, Info, false, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.preset != Preset::ApparmorD || cx.name == "-" {
        return;
    }
    let file = cx.name.rsplit('/').next().unwrap_or(cx.name);
    let Some(p) = cx.ast.items.iter().find_map(|i| match i {
        Item::Profile(p) => Some(p),
        _ => None,
    }) else {
        return;
    };
    if p.name.text != file {
        out.push(
            finding(
                &RULE,
                p.name.span,
                format!("profile `{}` is in the file `{file}`", p.name.text),
            )
            .help(format!("name the profile `{file}`, or rename the file")),
        );
    }
}
