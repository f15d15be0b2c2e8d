//! ## What it does
//! Flags a profile named by its path with no `profile` keyword
//! (`/usr/bin/foo { ... }`), the older form in which the name doubles as
//! the attachment.
//!
//! ## Why is this bad?
//! The profile's name then changes whenever the program moves, and every
//! place that names the profile (`Px -> ...`, `aa-exec -p`, Kubernetes
//! annotations, `local/` includes) must spell the path. Naming the profile
//! and giving the path as attachment keeps the two apart.
//!
//! ## Example
//! ```apparmor
//! /usr/bin/foo {
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile foo /usr/bin/foo {
//! }
//! ```

use crate::diag::Diagnostic;
use crate::lint::{Context, finding};
use crate::syntax::ast::{Item, ProfileKeyword};

rule!("L405", "path-as-name", Portability, Info, true, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for i in &cx.ast.items {
        let Item::Profile(p) = i else { continue };
        if p.keyword != ProfileKeyword::Bare || !p.name.text.starts_with('/') {
            continue;
        }
        let base = p.name.text.rsplit('/').next().unwrap_or("name");
        out.push(
            finding(&RULE, p.name.span, format!("profile named by its path `{}`", p.name.text))
                .help(format!("write `profile {base} {} {{`", p.name.text)),
        );
    }
}
