//! ## What it does
//! Flags regular-expression syntax inside an AppArmor pattern: `+` after a
//! class or group, `(a|b)` groups, `\d`/`\w`/`\s`, `^` or `$` anchors, and
//! `{m,n}` counts after a class.
//!
//! ## Why is this bad?
//! AppArmor patterns are globs, not regular expressions. `[0-9]+` matches a
//! digit followed by a literal `+`; `(a|b)` matches those five characters;
//! `[0-9]{1,3}` means "a digit, then `1` or `3`". The rule silently grants
//! something other than what was meant — usually nothing at all.
//!
//! ## Example
//! ```apparmor
//! /proc/[0-9]+/stat r,
//! /var/(log|cache)/myapp/** rw,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! /proc/[0-9]*/stat r,
//! /var/{log,cache}/myapp/** rw,
//! ```

use crate::diag::Diagnostic;
use crate::lint::facts::ast_rules;
use crate::lint::{Context, finding};
use crate::syntax::ast::{Elem, WordKind};

rule!("L105", "regex-in-aare", Correctness, Warning, true, None);

/// What in `text` looks like regular-expression syntax, if anything.
pub fn regex_syntax(text: &str) -> Option<&'static str> {
    let b = text.as_bytes();
    let mut depth_paren = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let prev = if i > 0 { b[i - 1] } else { 0 };
        match c {
            b'\\' => {
                if let Some(n) = b.get(i + 1) {
                    if matches!(n, b'd' | b'w' | b's' | b'D' | b'W' | b'S') {
                        return Some("`\\d`, `\\w` and `\\s` are regular-expression classes");
                    }
                }
                i += 2;
                continue;
            }
            b'+' if matches!(prev, b']' | b')' | b'.') => {
                return Some("`+` repeats nothing in a pattern: it is a literal `+`");
            }
            b'(' => depth_paren += 1,
            b'|' if depth_paren > 0 => {
                return Some("`(a|b)` is not an alternation in a pattern: write `{a,b}`");
            }
            b'{' if prev == b']' => {
                let rest = &text[i + 1..];
                if let Some(end) = rest.find('}') {
                    let inner = &rest[..end];
                    if !inner.is_empty()
                        && inner.bytes().all(|x| x.is_ascii_digit() || x == b',')
                    {
                        return Some("`{m,n}` is not a repeat count in a pattern: it is an alternation");
                    }
                }
            }
            b'^' if i == 0 => return Some("`^` does not anchor a pattern"),
            b'$' if i == b.len() - 1 => return Some("`$` does not anchor a pattern"),
            _ => {}
        }
        i += 1;
    }
    None
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for r in ast_rules(&cx.ast.items) {
        for e in &r.elems {
            let Elem::Word(w) = e else { continue };
            // the text as written: decoding drops the escapes that matter here
            let raw = cx.slice(w.span).trim_matches('"');
            if !matches!(w.kind, WordKind::Id) || !(raw.starts_with(['/', '@']) || raw.starts_with("^/")) {
                continue;
            }
            if let Some(why) = regex_syntax(raw) {
                out.push(
                    finding(
                        &RULE,
                        w.span,
                        format!("regular-expression syntax in the pattern `{raw}`"),
                    )
                    .note(why)
                    .help("AppArmor patterns are globs: `*`, `**`, `?`, `[...]` and `{a,b}`"),
                );
            }
        }
    }
}
