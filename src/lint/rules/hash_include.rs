//! ## What it does
//! Flags the deprecated `#include` form.
//!
//! ## Why is this bad?
//! `#include` looks like a comment, and editors and tools that are not
//! AppArmor-aware treat it as one; the parser warns that it is deprecated.
//! `include` means the same.
//!
//! ## Example
//! ```apparmor
//! #include <tunables/global>
//! ```
//!
//! ## Use instead
//! ```apparmor
//! include <tunables/global>
//! ```
//!
//! ## Fix safety
//! Safe: both forms include the same file.

use crate::diag::Diagnostic;
use crate::lint::fix::edit;
use crate::lint::{Context, finding};
use crate::lint::facts::ast_includes;

rule!("L404", "hash-include", Portability, Warning, true, Safe);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (inc, item) in ast_includes(&cx.ast.items) {
        if !inc.hash {
            continue;
        }
        let span = cx.stmt_span(item);
        let text = cx.slice(span);
        let mut d = finding(&RULE, span, "`#include` is deprecated: write `include`").help("drop the `#`");
        if text.starts_with('#') {
            let s = span.start as usize;
            d.fix = Some(edit::safe("write `include`", vec![edit::replace(cx.span(s, s + 1), "")]));
        }
        out.push(d);
    }
}
