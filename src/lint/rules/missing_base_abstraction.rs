//! ## What it does
//! Flags a top-level profile that does not include `abstractions/base`,
//! directly or through another include. Profiles that confine nothing on
//! purpose (`flags=(unconfined)`, `allow all,`) are not flagged.
//!
//! ## Why is this bad?
//! `abstractions/base` grants what nearly every program needs: the dynamic
//! loader and C library, locale files, `/dev/null`, its own `/proc` entries.
//! Profiles without it fail on the first library load, unless they are
//! written to stand alone — in which case suppress this finding.
//!
//! ## Example
//! ```apparmor
//! profile foo /usr/bin/foo {
//!   /etc/foo.conf r,
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile foo /usr/bin/foo {
//!   include <abstractions/base>
//!   /etc/foo.conf r,
//! }
//! ```

use crate::diag::Diagnostic;
use crate::lint::{Context, finding};
use crate::syntax::ast::ProfileKeyword;

rule!("L111", "missing-base-abstraction", Correctness, Info, true, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut names: std::collections::HashMap<crate::source::FileId, bool> = Default::default();
    for p in &cx.policy.profiles {
        if !cx.is_local(p.span)
            || p.synthetic
            || matches!(p.keyword, ProfileKeyword::Hat | ProfileKeyword::Caret)
            || p.flags.iter().any(|f| f == "unconfined" || f == "default_allow")
            || p.rules.iter().any(|r| crate::check::family(r) == crate::check::Family::All)
        {
            continue;
        }
        let has_base = p.rules.iter().any(|r| {
            *names.entry(r.span.file).or_insert_with(|| {
                let n = cx.file_of(r.span);
                n.ends_with("abstractions/base") || n.ends_with("abstractions/base.d")
            })
        });
        if !has_base {
            // an include the search path lacks would make the profile fail
            let help = if cx.search.find("abstractions/base", true).is_some() {
                "add `include <abstractions/base>` at the top of the profile"
            } else {
                "grant what every program needs (the C library, locales, /dev/null, ...): \
                 abstractions/base is not in the include path, so do not include it here"
            };
            out.push(
                finding(
                    &RULE,
                    cx.name_span(p.span),
                    format!("profile `{}` does not include <abstractions/base>", p.name),
                )
                .help(help),
            );
        }
    }
}
