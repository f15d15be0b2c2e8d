//! ## What it does
//! Flags an `include` of a file that the same block already includes.
//!
//! ## Why is this bad?
//! The second include is skipped silently (the parser reads a file once per
//! block), so it does nothing; it is usually a merge leftover, and it makes
//! the profile look as if it depended on include order.
//!
//! ## Example
//! ```apparmor
//! profile foo {
//!   include <abstractions/base>
//!   include <abstractions/nameservice-strict>
//!   include <abstractions/base>
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile foo {
//!   include <abstractions/base>
//!   include <abstractions/nameservice-strict>
//! }
//! ```
//!
//! ## Fix safety
//! Safe: the repeated include is removed, which the parser skips anyway.

use crate::diag::Diagnostic;
use crate::lint::fix::edit;
use crate::lint::{Context, finding};
use crate::syntax::ast::{Else, Item};
use std::collections::HashMap;

rule!("L107", "duplicate-include", Correctness, Warning, true, Safe);

fn block(cx: &Context, items: &[Item], out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<(String, bool), crate::source::Span> = HashMap::new();
    for i in items {
        match i {
            Item::Include { inc, .. } => {
                let span = &cx.stmt_span(i);
                let key = (inc.path.clone(), inc.angle);
                if let Some(first) = seen.get(&key) {
                    let shown = inc.shown();
                    let d = finding(
                        &RULE,
                        *span,
                        format!("{shown} is already included in this block"),
                    )
                    .label(*first, "first included here")
                    .note("the parser reads a file once per block: this include does nothing")
                    .help("remove this include");
                    out.push(Diagnostic {
                        fix: Some(edit::safe(
                            "remove the repeated include",
                            vec![edit::replace(edit::delete_statement(cx.text, *span), "")],
                        )),
                        ..d
                    });
                } else {
                    seen.insert(key, *span);
                }
            }
            Item::Profile(p) => block(cx, &p.items, out),
            Item::Block { items, .. } => block(cx, items, out),
            Item::If(f) => {
                block(cx, &f.then, out);
                let mut e = &f.otherwise;
                while let Some(x) = e {
                    match x {
                        Else::If(g) => {
                            block(cx, &g.then, out);
                            e = &g.otherwise;
                        }
                        Else::Block(items, _) => {
                            block(cx, items, out);
                            break;
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    block(cx, &cx.ast.items, out);
}
