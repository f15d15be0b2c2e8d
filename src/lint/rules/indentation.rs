//! ## What it does
//! Flags a statement (rule, include, variable, profile line or closing
//! brace) not indented two spaces per level of nesting. With the
//! `apparmor.d` preset a rule may also be indented by the width of a
//! qualifier (`owner `, `deny `, `priority=1 `...), so that its path lines
//! up with the paths of qualified rules, as that project writes. Files of rules
//! meant to be included (abstractions) are laid out one level in, as the
//! body they land in. Continuation lines of a wrapped rule, and lines
//! indented with tabs (see `tab-indentation`), are not checked.
//!
//! ## Why is this bad?
//! Consistent indentation shows which profile or block a rule belongs to;
//! misleading indentation hides a rule in the wrong child profile.
//!
//! ## Example
//! ```apparmor
//! profile foo {
//!     /etc/hosts r,
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
//! Safe: only the blanks before the statement change.

use crate::diag::Diagnostic;
use crate::lint::fix::edit;
use crate::lint::{Context, Preset, finding};
use crate::syntax::ast::{Else, Item, ProfileKeyword};
use crate::source::LineIndex;
use std::collections::HashMap;

rule!("L306", "indentation", Style, Warning, false, Safe);

/// Line (zero-based) -> expected indentation width, for every line where a
/// statement or a closing brace starts.
pub fn expected_indents(cx: &Context) -> HashMap<usize, usize> {
    let lines = cx.lines();
    let body = cx.ast.items.iter().any(|i| match i {
        Item::Rule(_) | Item::Block { .. } => true,
        Item::Profile(p) => matches!(p.keyword, ProfileKeyword::Hat | ProfileKeyword::Caret),
        _ => false,
    });
    let mut out = HashMap::new();
    walk(cx, lines, &cx.ast.items, usize::from(body), &mut out);
    out
}

fn first_on_line(cx: &Context, lines: &LineIndex, offset: usize) -> Option<usize> {
    if offset >= cx.text.len() {
        return None; // a place made up at the end of a broken file
    }
    let l = lines.line(offset);
    cx.text[lines.start(l)..offset].trim().is_empty().then_some(l)
}

fn walk(
    cx: &Context,
    lines: &LineIndex,
    items: &[Item],
    depth: usize,
    out: &mut HashMap<usize, usize>,
) {
    let mark = |off: u32, d: usize, out: &mut HashMap<usize, usize>| {
        if let Some(l) = first_on_line(cx, lines, off as usize) {
            out.entry(l).or_insert(2 * d);
        }
    };
    for i in items {
        let span = i.span();
        if span.file != cx.file {
            continue;
        }
        mark(cx.stmt_start(i), depth, out);
        match i {
            Item::Profile(p) => {
                walk(cx, lines, &p.items, depth + 1, out);
                mark(p.close.start, depth, out);
            }
            Item::Block { items, span, .. } => {
                walk(cx, lines, items, depth + 1, out);
                let close = span.end.saturating_sub(1);
                if cx.text.as_bytes().get(close as usize) == Some(&b'}') {
                    mark(close, depth, out);
                }
            }
            Item::If(f) => {
                walk(cx, lines, &f.then, depth + 1, out);
                let mut e = &f.otherwise;
                while let Some(x) = e {
                    match x {
                        Else::If(g) => {
                            walk(cx, lines, &g.then, depth + 1, out);
                            e = &g.otherwise;
                        }
                        Else::Block(items, _) => {
                            walk(cx, lines, items, depth + 1, out);
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
    let lines = cx.lines();
    let mut expected: Vec<(usize, usize)> = expected_indents(cx).into_iter().collect();
    expected.sort_unstable();
    for (l, want) in expected {
        let text = lines.text(cx.text, l);
        let indent_len = text.len() - text.trim_start_matches([' ', '\t']).len();
        let indent = &text[..indent_len];
        // the widths of `deny `, `owner `/`audit `, `priority=N `
        // and `priority=NN `/`audit owner `
        let aligned = cx.preset == Preset::ApparmorD
            && [5, 6, 11, 12].contains(&indent_len.saturating_sub(want))
            && !text.trim_start().starts_with(['}', '#'])
            && !text.trim_start().starts_with("include");
        if indent.contains('\t') || indent_len == want || aligned {
            continue;
        }
        let s = lines.start(l);
        let span = cx.span(s, s + indent_len);
        let mut d = finding(
            &RULE,
            cx.span(s + indent_len, s + indent_len),
            format!("indented {indent_len} spaces, expected {want}"),
        )
        .help("indent two spaces per level");
        d.fix = Some(edit::safe("re-indent", vec![edit::replace(span, " ".repeat(want))]));
        out.push(d);
    }
}
