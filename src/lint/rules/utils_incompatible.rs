//! ## What it does
//! Flags syntax that the AppArmor Python utilities (`aa-logprof`,
//! `aa-genprof`, `aa-enforce`, `aa-complain`) cannot parse: the `prompt`
//! qualifier, `priority=`, conditionals (`if`), and `mqueue`, `io_uring`
//! and `all` rules.
//!
//! ## Why is this bad?
//! The profile loads, but the utilities stop with a parse error on it, so
//! administrators cannot switch it to complain mode or update it from
//! the logs with the usual tools.
//!
//! ## Example
//! ```apparmor
//! priority=1 /etc/hosts r,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! /etc/hosts r,
//! ```

use crate::check::{Family, family};
use crate::diag::Diagnostic;
use crate::lint::facts::ast_rules;
use crate::lint::{Context, finding};
use crate::syntax::ast::{Item, PrefixItem, Qualifier};

rule!("L403", "utils-incompatible", Portability, Info, true, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let msg = |what: &str| format!("{what} cannot be parsed by aa-logprof and the other AppArmor utilities");
    let help = "if the profile is maintained with aa-logprof or aa-complain, keep to the syntax they read";
    for r in ast_rules(&cx.ast.items) {
        for p in &r.prefix {
            match p {
                PrefixItem::Qualifier(Qualifier::Prompt, s) => {
                    out.push(finding(&RULE, *s, msg("`prompt`")).help(help))
                }
                PrefixItem::Priority { span, .. } => {
                    out.push(finding(&RULE, *span, msg("`priority=`")).help(help))
                }
                _ => {}
            }
        }
        let what = match family(r) {
            Family::Mqueue => "an `mqueue` rule",
            Family::IoUring => "an `io_uring` rule",
            Family::All => "the `all` rule",
            _ => continue,
        };
        out.push(finding(&RULE, r.span, msg(what)).help(help));
    }
    let mut spans = Vec::new();
    crate::lint::facts::visit(&cx.ast.items, &mut |i| {
        if let Item::If(f) = i {
            spans.push(f.span);
        }
    });
    for s in spans {
        let end = cx.text[s.start as usize..].find('{').map_or(s.end as usize, |i| s.start as usize + i);
        out.push(finding(&RULE, cx.span(s.start as usize, end), msg("a conditional")).help(help));
    }
}
