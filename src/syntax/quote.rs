//! Words written back as source text: quoted and escaped where an
//! unquoted word cannot hold them, and the leading alternation a rule
//! cannot start with. `emit` and the policy model's printers write their
//! words through these.

use std::fmt::Write;

/// A name, path or value as a word: as it is where an unquoted word can
/// hold it, else quoted and escaped.
pub fn name_text(t: &str) -> String {
    let plain = !t.is_empty()
        && !has_comma_outside_braces(t)
        && !t.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | '!' | '#' | '=' | '(' | ')')
        });
    if plain {
        t.to_string()
    } else {
        format!("\"{}\"", escape_quoted(t))
    }
}

/// Whether `t` has a `,` that no alternation encloses: unquoted, it would
/// end the rule.
fn has_comma_outside_braces(t: &str) -> bool {
    let mut depth = 0usize;
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => return true,
            _ => {}
        }
    }
    false
}

/// Escape for a quoted word. Pattern escapes (`\*`, `\\`) are already in
/// the text and pass through.
pub fn escape_quoted(t: &str) -> String {
    let mut s = String::with_capacity(t.len() + 2);
    // after a backslash that escapes nothing (kept as it is), a tab is
    // written as it is: `\t` there would read as an escaped backslash
    let mut lone_backslash = false;
    for c in t.chars() {
        let after_lone = lone_backslash;
        lone_backslash = c == '\\' && !after_lone;
        match c {
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            '\t' if after_lone => s.push('\t'),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(s, "\\{:03o}", c as u32);
            }
            c => s.push(c),
        }
    }
    s
}

/// The alternatives of a leading `{...}` group (split at its top-level
/// commas) and what follows it.
pub fn split_leading_alternation(t: &str) -> Option<(Vec<String>, &str)> {
    if !t.starts_with('{') {
        return None;
    }
    let mut depth = 0usize;
    let mut alts = Vec::new();
    let mut start = 1;
    let mut chars = t.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    alts.push(t[start..i].to_string());
                    return Some((alts, &t[i + 1..]));
                }
            }
            ',' if depth == 1 => {
                alts.push(t[start..i].to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    None
}
