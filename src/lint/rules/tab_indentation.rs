//! ## What it does
//! Flags a line indented with tabs.
//!
//! ## Why is this bad?
//! Tabs render at different widths in different editors, so rules that
//! look aligned are not; both the upstream and apparmor.d conventions
//! indent with two spaces a level.
//!
//! ## Example
//! ```apparmor
//! profile foo {
//! →/etc/hosts r,
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile foo {
//!   /etc/hosts r,
//! }
//! ```
//!
//! ## Fix safety
//! Safe: the indentation is rewritten with spaces (two a level, as
//! `aaprof fmt` lays it out).

use crate::diag::Diagnostic;
use crate::lint::fix::edit;
use crate::lint::rules::indentation::expected_indents;
use crate::lint::{Context, finding};

rule!("L305", "tab-indentation", Style, Warning, false, Safe);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let expected = expected_indents(cx);
    let mut at = 0;
    for (n, line) in cx.text.split_inclusive('\n').enumerate() {
        let indent_len = line.len() - line.trim_start_matches([' ', '\t']).len();
        let indent = &line[..indent_len];
        if indent.contains('\t') && !line.trim().is_empty() {
            let span = cx.span(at, at + indent_len);
            let mut d = finding(&RULE, span, "line indented with a tab").help("indent with two spaces a level");
            let width = expected.get(&n).copied().unwrap_or_else(|| indent.replace('\t', "  ").len());
            d.fix = Some(edit::safe("indent with spaces", vec![edit::replace(span, " ".repeat(width))]));
            out.push(d);
        }
        at += line.len();
    }
}
