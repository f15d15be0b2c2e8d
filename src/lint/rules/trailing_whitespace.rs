//! ## What it does
//! Flags blanks (spaces or tabs) at the end of a line.
//!
//! ## Why is this bad?
//! They are invisible, make diffs noisy, and the apparmor.d project's
//! checks reject them.
//!
//! ## Example
//! ```apparmor
//! /etc/hosts r,␠␠
//! ```
//!
//! ## Use instead
//! ```apparmor
//! /etc/hosts r,
//! ```
//!
//! ## Fix safety
//! Safe: blanks at the end of a line mean nothing to the parser.

use crate::diag::Diagnostic;
use crate::lint::fix::edit;
use crate::lint::{Context, finding};

rule!("L304", "trailing-whitespace", Style, Warning, false, Safe);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut at = 0;
    for line in cx.text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let kept = body.trim_end_matches([' ', '\t']);
        if kept.len() < body.len() {
            let span = cx.span(at + kept.len(), at + body.len());
            let mut d = finding(&RULE, span, "trailing whitespace").help("remove it");
            d.fix = Some(edit::safe("remove trailing whitespace", vec![edit::replace(span, "")]));
            out.push(d);
        }
        at += line.len();
    }
}
