//! ## What it does
//! Flags a set variable (`@{name} = ...`) defined in a profile file that no
//! rule, profile header or condition of the file uses. Tunables files (files
//! without profiles) are not checked: their variables are for the files
//! that include them.
//!
//! ## Why is this bad?
//! An unused variable is usually a typo in the place meant to use it (which
//! then refers to another variable, or to nothing), or a leftover after a
//! rule was removed.
//!
//! ## Example
//! ```apparmor
//! @{conf_dirs} = /etc/myapp/ /usr/share/myapp/
//! profile myapp /usr/bin/myapp {
//!   /etc/myapp/** r,
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! @{conf_dirs} = /etc/myapp/ /usr/share/myapp/
//! profile myapp /usr/bin/myapp {
//!   @{conf_dirs}** r,
//! }
//! ```

use crate::diag::Diagnostic;
use crate::lint::{Context, finding};

rule!("L103", "unused-variable", Correctness, Warning, true, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if !cx.has_profiles() {
        return;
    }
    let mut unused: Vec<_> = cx
        .policy
        .vars
        .iter()
        .filter(|(_, v)| !v.used && cx.is_local(v.span))
        .collect();
    unused.sort_by_key(|(_, v)| v.span.start);
    for (name, v) in unused {
        out.push(
            finding(
                &RULE,
                v.span,
                format!("variable `@{{{name}}}` is defined but never used"),
            )
            .help("use it, or remove the definition"),
        );
    }
}
