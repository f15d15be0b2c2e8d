//! Applying fixes: the edits of the findings' fixes, safe ones only unless
//! unsafe fixes are allowed, re-linting after each pass until nothing
//! changes. A pass whose result would no longer parse, would lose a
//! comment, or would give the checks an error the text did not have (a
//! profile that no longer loads), is undone and the loop stops.

use crate::diag::Diagnostic;
use crate::source::FileId;
use crate::syntax::{self, lexer::TriviaKind};

/// The most passes `fix_until_stable` makes.
pub const MAX_PASSES: usize = 10;

/// Apply the non-overlapping fixes of `diags` that edit `file` only.
/// Returns the new text and how many fixes were applied.
pub fn apply(text: &str, file: FileId, diags: &[Diagnostic], unsafe_ok: bool) -> (String, usize) {
    // While the file does not parse, only the fixes of its syntax errors
    // apply: the other findings are made on a guess at its structure.
    let syntax =
        |d: &Diagnostic| d.code.id.starts_with("E01") && d.span().is_some_and(|s| s.file == file);
    let broken = diags.iter().any(|d| syntax(d) && d.is_error());
    let fixes: Vec<&crate::diag::Fix> = diags
        .iter()
        .filter(|d| !broken || syntax(d))
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| f.safe || unsafe_ok)
        .collect();
    apply_fixes(text, file, fixes)
}

/// Apply the non-overlapping ones of `fixes` that edit `file` only (a fix
/// that overlaps one before it is left out). Returns the new text and how
/// many fixes were applied.
pub fn apply_fixes<'f>(
    text: &str,
    file: FileId,
    fixes: impl IntoIterator<Item = &'f crate::diag::Fix>,
) -> (String, usize) {
    let mut fixes: Vec<&crate::diag::Fix> = fixes
        .into_iter()
        .filter(|f| !f.edits.is_empty() && f.edits.iter().all(|e| e.span.file == file))
        .collect();
    fixes.sort_by_key(|f| f.edits.iter().map(|e| e.span.start).min());
    let mut taken: Vec<(usize, usize, &str)> = Vec::new();
    let mut count = 0;
    for f in fixes {
        let edits: Vec<(usize, usize, &str)> = f
            .edits
            .iter()
            .map(|e| {
                (
                    e.span.start as usize,
                    e.span.end as usize,
                    e.replacement.as_str(),
                )
            })
            .collect();
        let clash = edits.iter().any(|(s, e, _)| {
            *e > text.len()
                || !text.is_char_boundary(*s)
                || !text.is_char_boundary(*e)
                || taken.iter().any(|(ts, te, _)| {
                    (s < te && ts < e) || (s == e && ts == s) || (ts == te && s == ts)
                })
        });
        if clash {
            continue;
        }
        taken.extend(edits);
        count += 1;
    }
    taken.sort_by_key(|(s, e, _)| (*s, *e));
    // inserted lines end as the file's lines do
    let crlf = text.contains("\r\n");
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e, r) in taken {
        out.push_str(&text[at..s]);
        if crlf {
            out.push_str(&r.replace("\r\n", "\n").replace('\n', "\r\n"));
        } else {
            out.push_str(r);
        }
        at = e;
    }
    out.push_str(&text[at..]);
    (out, count)
}

/// The result of fixing one file.
#[derive(Debug, Clone)]
pub struct Fixed {
    pub text: String,
    /// Fixes applied over all passes.
    pub applied: usize,
    pub passes: usize,
    /// Why fixing stopped early, if it did.
    pub stopped: Option<String>,
}

/// Syntax errors and comments of a text (what a fix must not change for
/// the worse).
fn shape(text: &str) -> (usize, usize) {
    let parsed = syntax::parse(text, FileId(0));
    let errors = parsed.diagnostics.iter().filter(|d| d.is_error()).count();
    let comments = parsed
        .trivia
        .iter()
        .filter(|t| t.kind == TriviaKind::Comment)
        .count();
    (errors, comments)
}

/// Fix `text` until no fix applies (at most [`MAX_PASSES`] passes).
/// `lint` lints a version of the text and returns the file id it was
/// given and its findings.
pub fn fix_until_stable(
    text: &str,
    unsafe_ok: bool,
    mut lint: impl FnMut(&str) -> (FileId, Vec<Diagnostic>),
) -> Fixed {
    let mut cur = text.to_string();
    let (errors0, comments0) = shape(text);
    let mut applied = 0;
    let mut passes = 0;
    let mut stopped = None;
    // The errors the checks find (not the linter's findings) and whether
    // the text parses. A pass over a text that parses which adds an error,
    // say an include or abi the search path lacks, is undone. (Fixing a
    // syntax error may let the checks see more of the file: such a pass
    // is kept.)
    let checked = |file: FileId, diags: &[Diagnostic]| {
        let here = |d: &&Diagnostic| d.is_error() && d.span().is_none_or(|s| s.file == file);
        let errors = diags
            .iter()
            .filter(here)
            .filter(|d| !d.code.id.starts_with('L'))
            .count();
        let parses = !diags
            .iter()
            .filter(here)
            .any(|d| d.code.id.starts_with("E01"));
        (errors, parses)
    };
    let mut before: Option<(usize, bool)> = None;
    let mut last: Option<(String, usize)> = None;
    loop {
        let (file, diags) = lint(&cur);
        let (errors, parses) = checked(file, &diags);
        let worse = before.is_some_and(|(e, p)| p && errors > e);
        before = Some((errors, parses));
        if worse {
            if let Some((prev, n)) = last.take() {
                cur = prev;
                applied -= n;
                stopped =
                    Some("a fix would have made the file fail to check; it was not applied".into());
            }
            break;
        }
        if passes == MAX_PASSES {
            break;
        }
        let (next, n) = apply(&cur, file, &diags, unsafe_ok);
        if n == 0 || next == cur {
            break;
        }
        passes += 1;
        let (errors, comments) = shape(&next);
        if errors > errors0 {
            stopped =
                Some("a fix would have made the file fail to parse; it was not applied".into());
            break;
        }
        if comments < comments0 {
            stopped = Some("a fix would have removed a comment; it was not applied".into());
            break;
        }
        applied += n;
        last = Some((std::mem::replace(&mut cur, next), n));
    }
    if passes == MAX_PASSES && stopped.is_none() {
        stopped = Some(format!(
            "fixes still changed the file after {MAX_PASSES} passes"
        ));
    }
    Fixed {
        text: cur,
        applied,
        passes,
        stopped,
    }
}

/// Helpers rules use to build fixes.
pub mod edit {
    use crate::diag::{Edit, Fix};
    use crate::source::Span;

    pub fn replace(span: Span, with: impl Into<String>) -> Edit {
        Edit {
            span,
            replacement: with.into(),
        }
    }

    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            message: message.into(),
            edits,
            safe: true,
        }
    }

    pub fn unsafe_(message: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            message: message.into(),
            edits,
            safe: false,
        }
    }

    /// The span that deletes a whole statement at `span`: from the start of
    /// its line (when only blanks precede it) through its line break (when
    /// nothing but blanks follows it). A trailing comment stays, on its line.
    pub fn delete_statement(text: &str, span: Span) -> Span {
        let (s, e) = (span.start as usize, span.end as usize);
        let line_start = text[..s].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[e..].find('\n').map_or(text.len(), |i| e + i);
        let before_blank = text[line_start..s].trim().is_empty();
        let after = &text[e..line_end];
        if before_blank && after.trim().is_empty() {
            let end = (line_end + 1).min(text.len());
            return Span::new(span.file, line_start, end);
        }
        if before_blank {
            // a comment follows: keep it, indented where the rule was
            let blanks = after.len() - after.trim_start().len();
            return Span::new(span.file, s, e + blanks);
        }
        // something precedes: drop the blanks before the rule too
        let pre = text[..s].trim_end().len();
        Span::new(span.file, pre, e)
    }
}

/// The edit that adds `rules` (each a rule's text, `,` included) at the
/// end of the profile whose span (`profile ... { ... }`, children and
/// hats too) is `profile` in `text`: before its closing brace, each on a
/// line of its own indented as the profile's last line is (as its
/// closing brace's plus two spaces when it has none), or inside the
/// braces of a profile written on one line. `None` when the span holds
/// no closing brace.
pub fn insert_rules(
    text: &str,
    profile: crate::source::Span,
    rules: &[String],
) -> Option<crate::diag::Edit> {
    let (start, end) = (profile.start as usize, profile.end as usize);
    let body = text.get(start..end)?;
    let close = start + body.rfind('}')?;
    let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..close];
    let at = |at: usize, replacement: String| crate::diag::Edit {
        span: crate::source::Span {
            file: profile.file,
            start: at as u32,
            end: at as u32,
        },
        replacement,
    };
    if !before.trim().is_empty() {
        // `profile x { /a r, }`
        let sep = if before.ends_with(' ') { "" } else { " " };
        return Some(at(close, format!("{sep}{} ", rules.join(" "))));
    }
    // the indentation of the last line with text inside the profile
    let inner = &text[start..line_start];
    let last = inner
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .filter(|l| !l.trim_end().ends_with('{'));
    let indent = match last {
        Some(l) => l[..l.len() - l.trim_start().len()].to_string(),
        None => format!("{before}  "),
    };
    let lines: String = rules.iter().map(|r| format!("{indent}{r}\n")).collect();
    Some(at(line_start, lines))
}
