//! Suppression comments.
//!
//! - `# aaprof: ignore[CODE,...]` on the line of the finding, or on a line
//!   of its own before it; `# aaprof: ignore` alone suppresses every code.
//! - `# aaprof: ignore-file[CODE,...]` anywhere (by convention in the
//!   header): the codes are suppressed in the whole file.
//! - For migration: `# apparmor-lint: ignore=CODE,...` (the
//!   apparmor-language-server's form) and `#aa:lint ignore=ID` (the
//!   apparmor.d project's form, whose check names are mapped to ours).
//!
//! Codes are rule codes (`L101`) or names (`redundant-rule`), or the codes
//! of the front end's warnings. Errors the kernel would refuse cannot be
//! suppressed. A suppression naming an unknown code, or suppressing
//! nothing, is a finding itself.

use super::{Context, Settings, registry};
use crate::diag::{Diagnostic, Severity, code};
use crate::source::{LineIndex, Span};
use crate::syntax::lexer::TriviaKind;

/// One parsed suppression comment.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// The comment.
    pub span: Span,
    /// The (zero-based) line it applies to; `None` for the whole file.
    pub line: Option<usize>,
    /// The codes named, with where each is written; empty means all.
    pub codes: Vec<(String, Span)>,
    /// Written in another tool's form (`#aa:lint`), whose checks are not
    /// exactly ours: such a suppression is never reported as unused.
    pub foreign: bool,
}

/// apparmor.d's check names, and the rule each corresponds to.
const APPARMOR_D_NAMES: &[(&str, &str)] = &[
    ("abi", "missing-abi"),
    ("abstractions", "risky-abstraction"),
    ("access", "perm-order"),
    ("directory-mark", "dir-without-slash"),
    ("include", "missing-local-include"),
    ("subprofiles", "missing-local-include"),
    ("indentation", "indentation"),
    ("profile", "profile-name-mismatch"),
    ("tabs", "tab-indentation"),
    ("trailing", "trailing-whitespace"),
    ("transition", "pix-fallback"),
    ("too-wide", "too-wide"),
    ("tunables", "prefer-tunable"),
    ("useless", "redundant-rule"),
    ("vim", "missing-vim-modeline"),
    ("sbin", "usrmerge-path"),
    ("header", "missing-spdx-header"),
];

/// Parse every suppression comment of the file.
pub fn parse(cx: &Context) -> Vec<Suppression> {
    let mut out = Vec::new();
    let lines = cx.lines();
    for t in cx.trivia {
        if t.kind != TriviaKind::Comment || t.span.file != cx.file {
            continue;
        }
        let text = cx.slice(t.span);
        let Some((body, body_at, file_wide, alias)) = directive(text) else {
            continue;
        };
        let base = t.span.start as usize + body_at;
        let mut codes = Vec::new();
        let mut pos = 0;
        for part in body.split([',', ' ', '\t']) {
            let start = pos;
            pos += part.len() + 1;
            let name = part.trim();
            if name.is_empty() {
                continue;
            }
            let name = if alias {
                APPARMOR_D_NAMES
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map_or(name, |(_, v)| *v)
            } else {
                name
            };
            codes.push((
                name.to_string(),
                cx.span(base + start, base + start + part.len()),
            ));
        }
        let start = t.span.start as usize;
        let line = lines.line(start);
        let own_line = cx.text[lines.start(line)..start].trim().is_empty();
        let applies = if file_wide {
            None
        } else if own_line {
            Some(next_code_line(cx.text, lines, line))
        } else {
            Some(line)
        };
        out.push(Suppression {
            span: t.span,
            line: applies,
            codes,
            foreign: alias,
        });
    }
    out
}

/// The directive in a comment: (codes text, its offset in the comment,
/// file-wide, apparmor.d names).
fn directive(comment: &str) -> Option<(&str, usize, bool, bool)> {
    let body = comment.strip_prefix('#')?;
    let trimmed = body.trim_start();
    let lead = comment.len() - trimmed.len();
    let forms: [(&str, bool, bool); 5] = [
        ("aaprof: ignore-file", true, false),
        ("aaprof: ignore", false, false),
        ("apparmor-lint: ignore", false, false),
        ("aa:lint ignore", false, true),
        ("aaprof:ignore", false, false),
    ];
    for (form, file_wide, alias) in forms {
        let Some(rest) = trimmed.strip_prefix(form) else {
            continue;
        };
        let at = lead + form.len();
        if rest.is_empty() || rest.starts_with(char::is_whitespace) && rest.trim().is_empty() {
            return Some(("", at, file_wide, alias));
        }
        if let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']').unwrap_or(inner.len());
            return Some((&inner[..end], at + 1, file_wide, alias));
        }
        if let Some(inner) = rest.strip_prefix('=') {
            // codes up to the first blank that does not follow a comma; a
            // trailing explanation is not a code
            let b = inner.as_bytes();
            let end = (0..b.len())
                .find(|&i| b[i].is_ascii_whitespace() && (i == 0 || b[i - 1] != b','))
                .unwrap_or(b.len());
            return Some((&inner[..end], at + 1, file_wide, alias));
        }
        if rest.starts_with(char::is_whitespace) {
            return Some(("", at, file_wide, alias));
        }
    }
    None
}

/// The first line after `line` that holds something other than blanks and
/// comments (or `line + 1` at the end of the file).
fn next_code_line(text: &str, lines: &LineIndex, line: usize) -> usize {
    let mut l = line + 1;
    while l < lines.count() {
        let s = lines.text(text, l).trim();
        if !s.is_empty() && !s.starts_with('#') {
            return l;
        }
        l += 1;
    }
    line + 1
}

/// Whether `key` names a code that may be suppressed; `Err` says why not.
fn known(key: &str) -> Result<&'static str, String> {
    if let Some(r) = registry::find(key) {
        return Ok(r.id());
    }
    if let Some(c) = code::by_id_or_name(key) {
        if c.severity == Severity::Error {
            return Err(format!(
                "`{key}` is an error that makes the policy invalid; it cannot be suppressed"
            ));
        }
        return Ok(c.id);
    }
    Err(match registry::did_you_mean(key) {
        Some(s) => format!("unknown code `{key}` (did you mean `{s}`?)"),
        None => format!("unknown code `{key}`"),
    })
}

/// Drop the findings the file's suppressions cover; add findings about
/// the suppressions themselves.
pub fn apply(cx: &Context, diags: Vec<Diagnostic>, settings: &Settings) -> Vec<Diagnostic> {
    let sups = parse(cx);
    if sups.is_empty() {
        return diags;
    }
    let lines = cx.lines();
    // (suppression, code index) -> used; index usize::MAX: "all codes"
    let mut used: Vec<Vec<bool>> = sups
        .iter()
        .map(|s| vec![false; s.codes.len().max(1)])
        .collect();
    let resolved: Vec<Vec<Option<&'static str>>> = sups
        .iter()
        .map(|s| s.codes.iter().map(|(k, _)| known(k).ok()).collect())
        .collect();
    let mut out = Vec::with_capacity(diags.len());
    for d in diags {
        let Some(span) = d.span().filter(|s| s.file == cx.file) else {
            out.push(d);
            continue;
        };
        if d.severity == Severity::Error && !d.code.id.starts_with('L') {
            out.push(d);
            continue;
        }
        let line = lines.line(span.start as usize);
        let mut hit = false;
        for (i, s) in sups.iter().enumerate() {
            if s.line.is_some_and(|l| l != line) {
                continue;
            }
            if s.codes.is_empty() {
                used[i][0] = true;
                hit = true;
                continue;
            }
            for (j, c) in resolved[i].iter().enumerate() {
                if *c == Some(d.code.id) {
                    used[i][j] = true;
                    hit = true;
                }
            }
        }
        if !hit {
            out.push(d);
        }
    }
    let unknown_on = settings.is_enabled(super::rules::unknown_suppression::RULE.code.id);
    let unused_on = settings.is_enabled(super::rules::unused_suppression::RULE.code.id);
    for (i, s) in sups.iter().enumerate() {
        if s.codes.is_empty() {
            if unused_on && !s.foreign && !used[i][0] {
                out.push(
                    super::finding(
                        &super::rules::unused_suppression::RULE,
                        s.span,
                        "this suppression comment suppresses nothing",
                    )
                    .help("remove it"),
                );
            }
            continue;
        }
        for (j, (key, at)) in s.codes.iter().enumerate() {
            match known(key) {
                Err(why) => {
                    if unknown_on {
                        out.push(super::finding(
                            &super::rules::unknown_suppression::RULE,
                            *at,
                            why,
                        ));
                    }
                }
                Ok(id) => {
                    if unused_on && !s.foreign && !used[i][j] && settings_allows(settings, id) {
                        out.push(
                            super::finding(
                                &super::rules::unused_suppression::RULE,
                                *at,
                                format!("`{key}` is suppressed here but nothing reports it"),
                            )
                            .help("remove the code from the comment"),
                        );
                    }
                }
            }
        }
    }
    out
}

/// A suppression of a rule that is switched off cannot be told unused.
fn settings_allows(settings: &Settings, id: &str) -> bool {
    match registry::index_of(id) {
        Some(i) => settings.enabled[i],
        None => true,
    }
}
