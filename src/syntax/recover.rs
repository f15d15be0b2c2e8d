//! Syntax error recovery: every token the parser sees that was not written
//! in the file, and every diagnostic about the shape of the text.
//!
//! One mistake costs one diagnostic, at the place of the mistake, and the
//! rest of the file is still read:
//!
//! - **A missing `,`** ([`comma_for`]): when the parser stops at a token that
//!   could start an item and would have accepted a `,`, a `,` is made up
//!   after the previous token and the file is parsed again. A rule run into
//!   the next one without the parser noticing (a rule keyword, or a path in
//!   a rule that takes none) is split by [`split_run_on_rules`].
//! - **An unclosed `(` or quote** ([`starts_line_of_new_rule`],
//!   [`quote_never_closed`]): the lexer ends every open mode at a line that
//!   starts with a rule keyword, a qualifier or `}`, and emits [`Tok::Cut`]:
//!   the grammar turns the broken rule into an error item.
//! - **An unclosed `{`** ([`close_blocks`]): a made-up `}` where the
//!   indentation of the following lines shows the block ended, else at the
//!   end of the file.
//! - parse errors the grammar could not recover from ([`parse_error`]).

use super::ast::{Elem, File, Item, Rule, Word, WordKind};
use super::lexer::Spanned;
use super::parse::Never;
use super::token::Tok;
use crate::diag::{Diagnostic, Edit, Fix, code};
use crate::source::{FileId, Span};
use lalrpop_util::{ErrorRecovery, ParseError};

/// Qualifiers: they only ever start a rule.
const QUALIFIERS: &[&str] = &["audit", "deny", "allow", "prompt", "owner", "user", "other"];

/// Keywords that start a rule of their own class.
const RULE_STARTERS: &[&str] = &[
    "capability",
    "network",
    "mount",
    "remount",
    "umount",
    "unmount",
    "pivot_root",
    "ptrace",
    "signal",
    "dbus",
    "unix",
    "change_profile",
    "userns",
    "mqueue",
    "io_uring",
    "link",
    "file",
];

/// The diagnostic of a rule that lacks its `,`: `at` is the empty span
/// right after the rule, `next` what follows it.
pub fn missing_comma(at: Span, next: Span, next_is: &str) -> Diagnostic {
    let mut d = Diagnostic::error(
        code::SYNTAX_ERROR,
        at,
        "missing `,` at the end of this rule",
    )
    .label(next, next_is)
    .help("end each rule with `,`");
    d.fix = Some(Fix {
        message: "add the `,`".into(),
        edits: vec![Edit {
            span: at,
            replacement: ",".into(),
        }],
        safe: false,
    });
    d
}

/// The diagnostic of a `(` or a quote that is never closed: `next` is
/// where the lexer picked up again, `then` what became of the text after it.
pub fn unclosed(open: Span, delim: char, next: Option<(Span, &str)>, then: &str) -> Diagnostic {
    let closer = if delim == '(' { ')' } else { delim };
    let mut d = Diagnostic::error(
        code::SYNTAX_ERROR,
        open,
        format!("this `{delim}` is never closed"),
    );
    if let Some((n, what)) = next {
        d = d.label(n, what);
    }
    d.help(format!("add the missing `{closer}`; {then}"))
}

// ----- the lexer's side: where an open mode ends ---------------------------

/// What the lexer is inside when a line starts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Inside {
    /// a `network` rule: `unix` is an address family there
    pub network: bool,
    /// a parenthesised list: `remount` and `user` are mount options there
    pub parens: bool,
    /// a `peer=(...)`/`xattrs=(...)` list: a path cannot be a condition
    pub cond_list: bool,
    /// a rule that takes no bare path (`network`, `dbus`, `unix`,
    /// `signal`, `ptrace`, `userns`)
    pub no_paths: bool,
    /// after the `-> target` of a `mount` or `change_profile` rule: nothing
    /// can follow it
    pub after_target: bool,
}

fn word_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while b
        .get(j)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        j += 1;
    }
    j
}

/// Whether the line whose first character is at `i` starts a new rule or
/// ends a block, so that whatever the lexer was in the middle of (a rule, a
/// list, a condition) is over: `}`, a qualifier, `priority=`, a rule
/// keyword, `include` or `profile`.
pub fn starts_line_of_new_rule(src: &str, i: usize, inside: Inside) -> bool {
    let b = src.as_bytes();
    let ends_word = |j: usize| {
        b.get(j)
            .is_none_or(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b','))
    };
    match b.get(i) {
        Some(b'}') => {
            return b
                .get(i + 1)
                .is_none_or(|c| c.is_ascii_whitespace() || *c == b'#');
        }
        Some(b'/') | Some(b'@') => {
            return inside.cond_list || inside.no_paths || inside.after_target;
        }
        Some(c) if c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    let e = word_end(b, i);
    let w = &src[i..e];
    let blanks_after = |mut j: usize| {
        while b.get(j).is_some_and(|c| *c == b' ' || *c == b'\t') {
            j += 1;
        }
        j
    };
    // `PERMS /path`: a file rule, where no path can follow
    if (inside.no_paths || inside.after_target)
        && super::lexer::is_modes(w)
        && blanks_after(e) > e
        && matches!(b.get(blanks_after(e)), Some(b'/' | b'@' | b'"'))
    {
        return true;
    }
    if w == "set" {
        let j = blanks_after(e);
        return j > e && src[j..].starts_with("rlimit");
    }
    if w == "all" {
        return matches!(b.get(blanks_after(e)), Some(b','));
    }
    if w == "priority" {
        let mut j = e;
        while b.get(j).is_some_and(|c| *c == b' ' || *c == b'\t') {
            j += 1;
        }
        return b.get(j) == Some(&b'=');
    }
    if !ends_word(e) {
        return false;
    }
    // `network unix ...` goes on; `unix (perms)` and `unix cond=` start a
    // rule
    if w == "unix" && inside.network {
        let j = blanks_after(e);
        let k = word_end(b, j);
        return b.get(j) == Some(&b'(') || (k > j && b.get(k) == Some(&b'='));
    }
    // mount options
    if (w == "remount" || w == "user") && inside.parens {
        return false;
    }
    QUALIFIERS.contains(&w) || RULE_STARTERS.contains(&w) || w == "include" || w == "profile"
}

/// Whether the quoted string opening at `i` is never closed: no `"` ends it,
/// or it runs on across line breaks although its first line ends like a
/// rule (with `,`), or across a line that starts a new rule (see
/// [`starts_line_of_new_rule`]) or looks like a whole file rule
/// (`/path ... ,`).
pub fn quote_never_closed(src: &str, i: usize, end: Option<usize>) -> bool {
    let Some(end) = end else { return true };
    let inner = &src[i..end];
    let mut at = i;
    for (n, line) in inner.split_inclusive('\n').enumerate() {
        at += line.len();
        if !line.ends_with('\n') {
            break;
        }
        let text = line.trim();
        if text.ends_with(',') && (n == 0 || text.starts_with('/') || text.starts_with('@')) {
            return true;
        }
        let b = src.as_bytes();
        let mut j = at;
        while b.get(j).is_some_and(|c| *c == b' ' || *c == b'\t') {
            j += 1;
        }
        if j < end && starts_line_of_new_rule(src, j, Inside::default()) {
            return true;
        }
    }
    false
}

// ----- the parser's side -----------------------------------------------------

/// Tokens that can start an item: before one of them, a `,` the parser
/// expected was forgotten.
fn starts_item(t: &Tok) -> bool {
    matches!(
        t,
        Tok::Id(_)
            | Tok::Key(_)
            | Tok::Mode(_)
            | Tok::SetVar(_)
            | Tok::BoolVar(_)
            | Tok::CondId(_)
            | Tok::CondListId(_)
            | Tok::Include(_)
            | Tok::Profile
            | Tok::Hat
            | Tok::Caret
            | Tok::Colon
            | Tok::If
            | Tok::Alias
            | Tok::Abi
            | Tok::Audit
            | Tok::Deny
            | Tok::Allow
            | Tok::Prompt
            | Tok::Owner
            | Tok::Other
            | Tok::Priority
            | Tok::Close
    )
}

/// A `,` to make up for the first parse error that is a forgotten `,`: the
/// index in `tokens` to insert it at, the token, and its diagnostic.
pub fn comma_for(
    file: FileId,
    tokens: &[Spanned],
    errors: &[ErrorRecovery<usize, Tok, Never>],
    fatal: Option<&ParseError<usize, Tok, Never>>,
) -> Option<(usize, Spanned, Diagnostic)> {
    let first = errors.iter().map(|e| &e.error).chain(fatal).next()?;
    let (at_tok, expected) = match first {
        ParseError::UnrecognizedToken {
            token: (l, tok, _),
            expected,
        } if starts_item(tok) => (Some((*l, tok)), expected),
        ParseError::UnrecognizedEof { expected, .. } => (None, expected),
        _ => return None,
    };
    if !expected.iter().any(|e| e == "\",\"") {
        return None;
    }
    let idx = match at_tok {
        Some((l, tok)) => tokens.iter().position(|(s, t, _)| *s == l && t == tok)?,
        None => tokens.len(),
    };
    let prev = idx.checked_sub(1).and_then(|i| tokens.get(i))?;
    if matches!(prev.1, Tok::Comma | Tok::Cut) {
        return None;
    }
    let end = prev.2;
    let at = Span::new(file, end, end);
    let d = match tokens.get(idx) {
        Some((l, Tok::Close, r)) if l < r => {
            missing_comma(at, Span::new(file, *l, *r), "the block ends here")
        }
        Some((l, _, r)) if l < r => {
            missing_comma(at, Span::new(file, *l, *r), "the next rule starts here")
        }
        _ => missing_comma(at, at, "the rule ends here"),
    };
    Some((idx, (end, Tok::Comma, end), d))
}

/// A rule the grammar accepted that runs into the next one because its `,`
/// is missing: a rule keyword after the first word, a path in a rule class
/// that takes none, or a path or keyword after a complete file rule. Split
/// it into the two rules, so both are checked, and report the `,`.
pub fn split_run_on_rules(file: &mut File, diags: &mut Vec<Diagnostic>) {
    split_items(&mut file.items, diags);
}

fn split_items(items: &mut Vec<Item>, diags: &mut Vec<Diagnostic>) {
    let mut out = Vec::with_capacity(items.len());
    for item in std::mem::take(items) {
        match item {
            Item::Rule(rule) => split_rule(rule, &mut out, diags),
            mut other => {
                match &mut other {
                    Item::Profile(p) => split_items(&mut p.items, diags),
                    Item::Block { items, .. } => split_items(items, diags),
                    Item::If(f) => split_if(f, diags),
                    _ => {}
                }
                out.push(other);
            }
        }
    }
    *items = out;
}

/// Push `rule` to `out`, as as many rules as it runs into.
fn split_rule(rule: Rule, out: &mut Vec<Item>, diags: &mut Vec<Diagnostic>) {
    let mut cuts = Vec::new();
    let mut start = 0;
    while let Some(k) = run_on_at(&rule.elems[start..]) {
        let prev = rule.elems[start + k - 1].span();
        let at = Span {
            start: prev.end,
            ..prev
        };
        diags.push(missing_comma(
            at,
            rule.elems[start + k].span(),
            "the next rule starts here",
        ));
        start += k;
        cuts.push(start);
    }
    if cuts.is_empty() {
        out.push(Item::Rule(rule));
        return;
    }
    let Rule {
        prefix,
        elems,
        span,
    } = rule;
    let mut prefix = Some(prefix);
    let mut elems = elems.into_iter();
    let mut from = 0;
    for end in cuts.into_iter().chain(std::iter::once(usize::MAX)) {
        let piece: Vec<Elem> = elems.by_ref().take(end - from).collect();
        from = end;
        let (Some(first), Some(last)) = (piece.first(), piece.last()) else {
            continue;
        };
        let piece_span = Span {
            start: if prefix.is_some() {
                span.start
            } else {
                first.span().start
            },
            end: if end == usize::MAX {
                span.end
            } else {
                last.span().end
            },
            ..span
        };
        out.push(Item::Rule(Rule {
            prefix: prefix.take().unwrap_or_default(),
            elems: piece,
            span: piece_span,
        }));
    }
}

fn split_if(f: &mut super::ast::If, diags: &mut Vec<Diagnostic>) {
    split_items(&mut f.then, diags);
    match &mut f.otherwise {
        Some(super::ast::Else::If(g)) => split_if(g, diags),
        Some(super::ast::Else::Block(items, _)) => split_items(items, diags),
        None => {}
    }
}

fn is_key(e: &Elem, k: &str) -> bool {
    matches!(e, Elem::Word(w) if w.is_key(k))
}

fn is_mode(e: &Elem) -> bool {
    matches!(e, Elem::Word(w) if w.kind == WordKind::Mode)
}

fn is_path(e: &Elem) -> bool {
    matches!(e, Elem::Word(w) if matches!(w.kind, WordKind::Id | WordKind::SetVar))
}

fn is_starter(w: &Word) -> bool {
    RULE_STARTERS.contains(&w.text.as_str())
        || (w.kind == WordKind::Key && (w.text == "set" || w.text == "all"))
}

fn is_rule_keyword(w: &Word) -> bool {
    RULE_STARTERS.contains(&w.text.as_str()) || w.text == "set" || w.text == "all"
}

/// Where a second rule starts inside `rule`, if it does.
fn run_on_at(elems: &[Elem]) -> Option<usize> {
    let first = match elems.first() {
        Some(Elem::Word(w)) if w.kind == WordKind::Key => Some(w.text.as_str()),
        _ => None,
    };
    match first {
        Some("file") if matches!(elems.get(1), Some(Elem::Word(w)) if w.kind == WordKind::Key && is_rule_keyword(w)) => {
            Some(1)
        }
        Some(f)
            if f != "file"
                && f != "link"
                && (RULE_STARTERS.contains(&f) || f == "set" || f == "all") =>
        {
            let takes_paths = !matches!(
                f,
                "capability"
                    | "network"
                    | "signal"
                    | "ptrace"
                    | "userns"
                    | "io_uring"
                    | "set"
                    | "all"
                    | "dbus"
                    | "unix"
            );
            // nothing follows the `-> target` of these
            let ends_at_target = matches!(
                f,
                "mount" | "remount" | "umount" | "unmount" | "pivot_root" | "change_profile"
            );
            // nothing follows the one path of these
            let ends_at_path = matches!(
                f,
                "remount" | "umount" | "unmount" | "pivot_root" | "mqueue"
            );
            let mut after_target = false;
            elems.iter().enumerate().skip(1).find_map(|(i, e)| {
                if let Elem::Arrow { target: Some(_), .. } = e {
                    after_target = ends_at_target;
                    return None;
                }
                let Elem::Word(w) = e else { return None };
                if after_target {
                    return Some(i);
                }
                if ends_at_path && (w.text.starts_with('/') || w.text.starts_with("@{")) {
                    after_target = true;
                    return None;
                }
                // `PERMS /path` where no path can be: the next rule
                if !takes_paths
                    && w.kind == WordKind::Mode
                    && matches!(elems.get(i + 1), Some(Elem::Word(p)) if p.text.starts_with('/') || p.text.starts_with("@{"))
                {
                    return Some(i);
                }
                // (in a `network` rule, `unix` is an address family unless it
                // was read as the keyword of a rule of its own)
                // (in a mount rule, a rule keyword standing as the one
                // source, right before the `->` or the end, is the source:
                // `mount options=ro umount -> /m,` is valid)
                let mount_source = matches!(f, "mount" | "remount" | "umount" | "unmount")
                    && matches!(elems.get(i + 1), None | Some(Elem::Arrow { .. }))
                    && !elems[1..i].iter().any(|e| {
                        matches!(e, Elem::Word(p) if p.text.starts_with('/') || p.text.starts_with("@{"))
                    });
                let starter = is_starter(w)
                    && !mount_source
                    && !(f == "network" && w.text == "unix" && w.kind != WordKind::Key);
                let path = !takes_paths && (w.text.starts_with('/') || w.text.starts_with("@{"));
                (starter || path).then_some(i)
            })
        }
        _ => file_run_on_at(elems),
    }
}

/// In a file or link rule: the element after the complete rule
/// (`[file] [safe|unsafe] PATH PERMS [-> TARGET]`, `PERMS [subset] PATH`,
/// `link [subset] PATH -> TARGET`) when it is a path or a rule keyword.
fn file_run_on_at(elems: &[Elem]) -> Option<usize> {
    let mut i = 0;
    let link = is_key(elems.first()?, "link");
    if is_key(&elems[0], "file") || link {
        i = 1;
    }
    if link {
        if elems.get(i).is_some_and(|e| is_key(e, "subset")) {
            i += 1;
        }
        if !elems.get(i).is_some_and(is_path) {
            return None;
        }
        i += 1;
    } else {
        if elems
            .get(i)
            .is_some_and(|e| is_key(e, "safe") || is_key(e, "unsafe"))
        {
            i += 1;
        }
        match (elems.get(i), elems.get(i + 1)) {
            (Some(p), Some(m)) if is_path(p) && is_mode(m) => i += 2,
            (Some(m), _) if is_mode(m) => {
                i += 1;
                if elems.get(i).is_some_and(|e| is_key(e, "subset")) {
                    i += 1;
                }
                if !elems.get(i).is_some_and(is_path) {
                    return None;
                }
                i += 1;
            }
            _ => return None,
        }
    }
    if let Some(Elem::Arrow {
        target: Some(_), ..
    }) = elems.get(i)
    {
        i += 1;
    }
    match elems.get(i)? {
        e if is_path(e) || is_mode(e) => Some(i),
        Elem::Word(w) if w.kind == WordKind::Key && is_rule_keyword(w) => Some(i),
        _ => None,
    }
}

// ----- an unclosed `{` ---------------------------------------------------------

fn width(blanks: &str) -> usize {
    blanks
        .bytes()
        .fold(0, |w, c| if c == b'\t' { (w / 8 + 1) * 8 } else { w + 1 })
}

/// Indentation width of the line holding byte `at` (a tab to the next
/// multiple of 8), and whether `at` is the line's first non-blank byte.
fn indentation(src: &str, at: usize) -> (usize, bool) {
    let (w, blanks) = line_indent(src, at);
    let line_start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    (w, line_start + blanks.len() == at)
}

/// The indentation of the line holding byte `at`: its width and text.
fn line_indent(src: &str, at: usize) -> (usize, &str) {
    let line_start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = &src[line_start..];
    let n = line.len() - line.trim_start_matches([' ', '\t']).len();
    (width(&line[..n]), &line[..n])
}

struct Open {
    /// the `{` token
    at: (usize, usize),
    indent: usize,
    /// indentation of the block's first line, once seen
    body: Option<usize>,
}

impl Open {
    /// The block's lines are indented deeper than its `{` line: a line
    /// back at the `{` line's indentation is after the block.
    fn indented(&self) -> bool {
        self.body.is_some_and(|b| b > self.indent)
    }
}

/// A file with more `{` than `}`: make up the missing `}`. A block whose
/// lines are indented deeper than its opening line ends before the first
/// line that is not (a child profile or hat that lost its `}` is closed
/// there, not the profile around it); the others end at the end of the
/// file. Each unclosed `{` is reported where it opened.
pub fn close_blocks(src: &str, file: FileId, tokens: &mut Vec<Spanned>) -> Vec<Diagnostic> {
    let mut depth = 0usize;
    for t in tokens.iter() {
        match t.1 {
            Tok::Open => depth += 1,
            Tok::Close => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let mut missing = depth;
    if missing == 0 {
        return vec![];
    }
    let mut diags = Vec::new();
    let mut inserts: Vec<(usize, usize)> = Vec::new(); // (token index, byte)
    let mut stack: Vec<Open> = Vec::new();
    for (i, (l, tok, r)) in tokens.iter().enumerate() {
        if l == r {
            continue;
        }
        let (ind, line_first) = indentation(src, *l);
        if line_first {
            if let Some(top) = stack.last_mut() {
                let same_line = !src[top.at.1..*l].contains('\n');
                if !same_line && top.body.is_none() && *tok != Tok::Close {
                    top.body = Some(ind);
                }
            }
            // the blocks this line is outside of, by its indentation
            while missing > 0 {
                let Some(top) = stack.last() else { break };
                let outside = match tok {
                    Tok::Close => ind < top.indent,
                    _ => ind <= top.indent,
                };
                if !(top.indented() && outside) {
                    break;
                }
                let end = i.checked_sub(1).map_or(0, |p| tokens[p].2);
                let indent = line_indent(src, top.at.0).1.to_string();
                diags.push(unclosed_brace(
                    Span::new(file, top.at.0, top.at.1),
                    Span::new(file, end, end),
                    Some(Span::new(file, *l, *r)),
                    format!("\n{indent}}}"),
                ));
                inserts.push((i, end));
                stack.pop();
                missing -= 1;
            }
        }
        match tok {
            Tok::Open => stack.push(Open {
                at: (*l, *r),
                indent: line_indent(src, *l).0,
                body: None,
            }),
            Tok::Close => {
                stack.pop();
            }
            _ => {}
        }
    }
    // the rest end at the end of the file, innermost first
    let end = src.len();
    let at_end = stack.len().min(missing);
    for open in stack.iter().rev().take(at_end) {
        diags.push(unclosed_brace(
            Span::new(file, open.at.0, open.at.1),
            Span::new(file, end, end),
            None,
            "\n}".to_string(),
        ));
        inserts.push((tokens.len(), end));
    }
    diags.sort_by_key(|d| d.span().map(|s| s.start));
    inserts.sort_by_key(|(i, _)| *i);
    for (i, byte) in inserts.into_iter().rev() {
        tokens.insert(i, (byte, Tok::Close, byte));
    }
    diags
}

fn unclosed_brace(open: Span, end: Span, next: Option<Span>, insert: String) -> Diagnostic {
    let mut d = Diagnostic::error(code::SYNTAX_ERROR, open, "this `{` is never closed");
    d = match next {
        Some(n) => d
            .label(n, "by its indentation, the block ends before this line")
            .help("add the missing `}`; the block is checked as if it ended there"),
        None => d.help(
            "add the missing `}`; the file is checked as if the block ended at the end of the file",
        ),
    };
    d.fix = Some(Fix {
        message: "add the `}`".into(),
        edits: vec![Edit {
            span: end,
            replacement: insert,
        }],
        safe: false,
    });
    d
}

// ----- parse errors ------------------------------------------------------------

fn describe_expected(expected: &[String]) -> Option<String> {
    let mut names: Vec<String> = expected
        .iter()
        .filter(|e| e.as_str() != "\"cut\"")
        .map(|e| match e.as_str() {
            "\"id\"" => "a name or path".to_string(),
            "\"value\"" => "a value".to_string(),
            "\"mode\"" => "permissions".to_string(),
            "\"key\"" => "a keyword".to_string(),
            "\"setvar\"" => "a variable".to_string(),
            "\"boolvar\"" => "a boolean variable".to_string(),
            "\"condid\"" => "a condition".to_string(),
            "\"condlistid\"" => "`peer=(...)`".to_string(),
            "\"include\"" => "an include".to_string(),
            other => format!("`{}`", other.trim_matches('"')),
        })
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() || names.len() > 8 {
        return None;
    }
    Some(match names.len() {
        1 => names.remove(0),
        _ => {
            let last = names.pop().unwrap_or_default();
            format!("{} or {}", names.join(", "), last)
        }
    })
}

/// The diagnostic of a parse error; `None` for an error at a made-up
/// [`Tok::Cut`], whose cause the lexer already reported.
pub fn parse_error(
    src: &str,
    file: FileId,
    e: ParseError<usize, Tok, Never>,
) -> Option<Diagnostic> {
    Some(match e {
        ParseError::InvalidToken { location } => Diagnostic::error(
            code::SYNTAX_ERROR,
            Span::new(file, location, location + 1),
            "invalid token",
        ),
        ParseError::UnrecognizedEof { location, expected } => {
            let d = Diagnostic::error(
                code::SYNTAX_ERROR,
                Span::new(file, location.min(src.len()), location.min(src.len())),
                "unexpected end of file",
            );
            let d = if expected.iter().any(|e| e == "\"}\"") {
                d.help("a `{` block is not closed: add the missing `}`")
            } else {
                d
            };
            match describe_expected(&expected) {
                Some(x) => d.note(format!("expected {x}")),
                None => d,
            }
        }
        ParseError::UnrecognizedToken {
            token: (_, Tok::Cut, _),
            ..
        } => return None,
        ParseError::UnrecognizedToken {
            token: (l, tok, r),
            expected,
        } => {
            let mut d = Diagnostic::error(
                code::SYNTAX_ERROR,
                Span::new(file, l, r),
                format!("unexpected {tok}"),
            );
            if let Some(x) = describe_expected(&expected) {
                d = d.note(format!("expected {x}"));
            }
            d
        }
        ParseError::ExtraToken { token: (l, tok, r) } => Diagnostic::error(
            code::SYNTAX_ERROR,
            Span::new(file, l, r),
            format!("unexpected {tok} after the end of the policy"),
        ),
        ParseError::User { error } => match error {},
    })
}
