//! The canonical layout of policy text (`aaprof fmt`).
//!
//! The formatter works on the token stream and its trivia (comments and
//! newlines), not on the tree, so nothing the author wrote is lost: every
//! token is reprinted from its source text, every comment is kept where it
//! was (trailing a line, on a line of its own, or dangling before a `}`),
//! and a blank line between groups stays one blank line.
//!
//! What changes: indentation (two spaces a level), one statement a line
//! (a rule the author wrapped keeps its line breaks, continued under its
//! first word), runs of blanks inside a line become one space, no space
//! before `,` or `)` nor after `(`, one after a `,` inside parentheses and
//! before `{`; `#include` is written `include`; file permissions are
//! written in the order `m r w a l k` before the exec mode.
//!
//! The result is checked before it is returned: lexing it must give the same
//! tokens as the original (up to the two rewrites above). A file with syntax
//! errors is refused with its diagnostics.

use crate::diag::{Diagnostic, code};
use crate::source::{FileId, Span};
use crate::syntax::lexer::{self, Spanned, TriviaKind};
use crate::syntax::token::Tok;

/// Why a file was not formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The file has syntax errors (formatting would guess).
    Syntax(Vec<Diagnostic>),
    /// The formatted text would not mean the same; nothing is written. A
    /// bug in the formatter, reported with the first differing token.
    Unstable(Box<Diagnostic>),
}

/// Format policy text.
pub fn format(src: &str, file: FileId) -> Result<String, FormatError> {
    let parsed = crate::syntax::parse(src, file);
    let errors: Vec<Diagnostic> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    if !errors.is_empty() {
        return Err(FormatError::Syntax(errors));
    }
    let (tokens, trivia, _) = lexer::lex(src, file);
    let mut printer = Printer::new(src);
    printer.base = base_depth(&parsed.ast);
    printer.depth = printer.base;
    let out = printer.run(&tokens, &trivia);
    verify(src, &out, file, &tokens)?;
    Ok(out)
}

/// Files of rules meant to be included into a profile body (abstractions)
/// are laid out as the body they land in: one level in.
fn base_depth(ast: &crate::syntax::ast::File) -> usize {
    use crate::syntax::ast::{Item, ProfileKeyword};
    let body = ast.items.iter().any(|i| match i {
        Item::Rule(_) | Item::Block { .. } => true,
        Item::Profile(p) => matches!(p.keyword, ProfileKeyword::Hat | ProfileKeyword::Caret),
        _ => false,
    });
    usize::from(body)
}

/// The canonical order of file permission letters, before the exec mode.
const PERM_ORDER: &[u8] = b"mrwalk";

/// `wr` → `rw`, `Pxr` → `rPx`; anything but plain permission letters
/// followed or preceded by an exec mode is left as written.
pub fn canonical_mode(mode: &str) -> String {
    if !mode
        .bytes()
        .all(|c| b"mrwalkixpcuPCUIX".contains(&c) || c == b'x')
    {
        return mode.to_string();
    }
    let mut plain: Vec<u8> = mode.bytes().filter(|c| PERM_ORDER.contains(c)).collect();
    plain.sort_by_key(|c| PERM_ORDER.iter().position(|p| p == c));
    let exec: String = mode
        .chars()
        .filter(|c| !PERM_ORDER.contains(&(*c as u8)))
        .collect();
    let mut s = String::from_utf8(plain).unwrap_or_default();
    s.push_str(&exec);
    s
}

/// Tokens compared for equivalence: the rewrites the formatter makes are
/// undone.
fn normal(t: &Tok) -> Tok {
    match t {
        Tok::Include(i) => {
            let mut i = i.clone();
            i.hash = false;
            Tok::Include(i)
        }
        Tok::Mode(m) => {
            let mut b: Vec<char> = m.chars().collect();
            b.sort_unstable();
            Tok::Mode(b.into_iter().collect())
        }
        t => t.clone(),
    }
}

fn verify(src: &str, out: &str, file: FileId, before: &[Spanned]) -> Result<(), FormatError> {
    let (after, _, _) = lexer::lex(out, file);
    let a = before.iter().map(|t| normal(&t.1));
    let b = after.iter().map(|t| normal(&t.1));
    if a.clone().eq(b) {
        return Ok(());
    }
    let i = before
        .iter()
        .zip(&after)
        .position(|(x, y)| normal(&x.1) != normal(&y.1))
        .unwrap_or(before.len().min(after.len()));
    let at = before.get(i).map_or(src.len(), |t| t.0);
    Err(FormatError::Unstable(Box::new(
        Diagnostic::new(
            code::FORMAT_UNSTABLE,
            "the formatted text would read differently from the original here; the file was left unchanged",
        )
        .at(Span::new(file, at, at), "")
        .note("this is a bug in aaprof's formatter; please report it with the file"),
    )))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Event {
    Tok(usize),
    Comment(usize, usize),
    Newline(usize),
}

struct Printer<'s> {
    src: &'s str,
    out: String,
    /// The level of the file's top (1 for abstractions).
    base: usize,
    depth: usize,
    /// No token printed yet: comments stay at the left margin (a file's
    /// header).
    header: bool,
    /// The line being built (without its indentation).
    line: String,
    line_indent: usize,
    /// A statement is under way (a continuation line follows a break).
    in_stmt: bool,
    /// The statement ended (`,`, `{`, `}`, an include); the next token
    /// starts a new line.
    done: bool,
    /// The line holds just a `}` (an `else` may follow on it).
    after_close: bool,
    /// The current statement is a variable assignment (ends at a newline).
    assign: bool,
    /// Indentation of continuation lines of the current statement.
    cont_indent: usize,
    /// Open parentheses in the current statement.
    parens: usize,
    /// Newlines seen since the last content (2 means a blank line).
    newlines: usize,
    /// Nothing printed yet in the current block (no blank line first).
    block_start: bool,
    prev_end: usize,
    prev_tok: Option<Tok>,
}

impl<'s> Printer<'s> {
    fn new(src: &'s str) -> Printer<'s> {
        Printer {
            src,
            out: String::with_capacity(src.len() + src.len() / 8),
            base: 0,
            depth: 0,
            header: true,
            line: String::new(),
            line_indent: 0,
            in_stmt: false,
            done: false,
            after_close: false,
            assign: false,
            cont_indent: 0,
            parens: 0,
            newlines: 0,
            block_start: true,
            prev_end: 0,
            prev_tok: None,
        }
    }

    fn run(mut self, tokens: &[Spanned], trivia: &[lexer::Trivia]) -> String {
        let mut events: Vec<(usize, Event)> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.0, Event::Tok(i)))
            .collect();
        for t in trivia {
            let (s, e) = (t.span.start as usize, t.span.end as usize);
            events.push(match t.kind {
                TriviaKind::Comment => (s, Event::Comment(s, e)),
                TriviaKind::Newline => (s, Event::Newline(s)),
            });
        }
        events.sort_by_key(|(pos, _)| *pos);
        for (_, ev) in events {
            match ev {
                Event::Tok(i) => self.token(&tokens[i]),
                Event::Comment(s, e) => self.comment(s, e),
                Event::Newline(pos) => self.newline(pos),
            }
        }
        self.flush();
        let trimmed = self.out.trim_end_matches('\n').len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }

    fn indent(&self) -> usize {
        self.depth * 2
    }

    /// Write the current line out.
    fn flush(&mut self) {
        if self.line.is_empty() {
            return;
        }
        for _ in 0..self.line_indent {
            self.out.push(' ');
        }
        self.out.push_str(self.line.trim_end());
        self.out.push('\n');
        self.line.clear();
        self.after_close = false;
    }

    /// Start a line of content, with at most one blank line before it.
    fn begin_line(&mut self, indent: usize) {
        self.flush();
        if self.newlines >= 2 && !self.block_start && !self.out.is_empty() {
            self.out.push('\n');
        }
        self.newlines = 0;
        self.block_start = false;
        self.line_indent = indent;
    }

    fn gap_has_space(&self, start: usize) -> bool {
        self.src
            .get(self.prev_end..start)
            .is_some_and(|g| !g.is_empty())
    }

    fn token(&mut self, t: &Spanned) {
        self.header = false;
        let (s, tok, e) = (t.0, &t.1, t.2);
        let text = self.text_of(s, tok, e);
        let spaced = self.gap_has_space(s);
        match tok {
            Tok::Close => {
                self.flush();
                self.depth = self.depth.saturating_sub(1).max(self.base);
                // a blank line before `}` is dropped
                self.newlines = 0;
                self.block_start = false;
                self.line_indent = self.indent();
                self.line.push('}');
                self.after_close = true;
                self.done = true;
                self.in_stmt = false;
                self.assign = false;
                self.parens = 0;
            }
            Tok::Else if self.after_close => {
                self.line.push_str(" else");
                self.after_close = false;
                self.done = false;
                self.in_stmt = true;
            }
            _ => {
                if self.done || self.line.is_empty() && !self.in_stmt {
                    // a new statement
                    let indent = self.indent();
                    self.begin_line(indent);
                    self.line.push_str(&text);
                    self.in_stmt = true;
                    self.done = false;
                    self.parens = 0;
                    self.assign = matches!(tok, Tok::SetVar(_) | Tok::BoolVar(_));
                    self.cont_indent = indent + text.chars().count().min(16) + 1;
                } else if self.line.is_empty() {
                    // a continuation line of a wrapped statement
                    let indent = self.cont_indent;
                    self.begin_line(indent);
                    self.line.push_str(&text);
                } else {
                    // separators the lexer does not make tokens of (the
                    // commas of a flag list) are kept
                    let extra = self.gap_text(s);
                    let gap = self.src.get(self.prev_end..s).unwrap_or("");
                    if extra == "\\" && gap.contains('\n') {
                        // a backslash continues an assignment on the next line
                        self.line.push_str(" \\");
                        let indent = self.cont_indent;
                        self.flush();
                        self.line_indent = indent;
                        self.line.push_str(&text);
                        self.prev_end = e;
                        self.prev_tok = Some(tok.clone());
                        self.after_token(tok);
                        return;
                    }
                    if !extra.is_empty() {
                        self.line.push_str(&extra);
                        self.line.push(' ');
                        self.line.push_str(&text);
                        self.prev_end = e;
                        self.prev_tok = Some(tok.clone());
                        self.after_token(tok);
                        return;
                    }
                    let space = match (self.prev_tok.as_ref(), tok) {
                        (_, Tok::Comma) => false,
                        (_, Tok::CloseParen) if self.parens > 0 => false,
                        (Some(Tok::OpenParen), _) => false,
                        (Some(Tok::Comma), _) if self.parens > 0 => true,
                        (_, Tok::Open) => true,
                        _ => spaced,
                    };
                    if space {
                        self.line.push(' ');
                    }
                    self.line.push_str(&text);
                }
                self.after_token(tok);
            }
        }
        self.prev_end = e;
        self.prev_tok = Some(tok.clone());
    }

    fn after_token(&mut self, tok: &Tok) {
        {
            {
                match tok {
                    Tok::OpenParen => self.parens += 1,
                    Tok::CloseParen => self.parens = self.parens.saturating_sub(1),
                    Tok::Comma if self.parens == 0 => self.end_statement(),
                    Tok::Include(_) => self.end_statement(),
                    Tok::Open => {
                        self.end_statement();
                        self.depth += 1;
                        self.block_start = true;
                    }
                    _ => {}
                }
            }
        }
    }

    /// What stands between the previous token and `start` besides blanks
    /// and comments.
    fn gap_text(&self, start: usize) -> String {
        let gap = self.src.get(self.prev_end..start).unwrap_or("");
        let mut out = String::new();
        for line in gap.split('\n') {
            let code = line.split('#').next().unwrap_or("");
            out.extend(code.chars().filter(|c| !c.is_whitespace()));
        }
        out
    }

    fn end_statement(&mut self) {
        self.done = true;
        self.in_stmt = false;
        self.assign = false;
        self.parens = 0;
    }

    /// The text a token is printed as.
    fn text_of(&self, s: usize, tok: &Tok, e: usize) -> String {
        let raw = self.src.get(s..e).unwrap_or("");
        match tok {
            Tok::Include(i) => {
                let mut t = String::from("include ");
                if i.if_exists {
                    t.push_str("if exists ");
                }
                t.push_str(raw);
                t
            }
            Tok::Mode(_) => canonical_mode(raw),
            _ => raw.to_string(),
        }
    }

    fn comment(&mut self, s: usize, e: usize) {
        let text = self.src.get(s..e).unwrap_or("").trim_end();
        let same_line =
            !self.line.is_empty() && !self.src.get(self.prev_end..s).unwrap_or("").contains('\n');
        if same_line {
            let spaced = self.gap_has_space(s);
            self.take_gap(s);
            // `word#x` is one word to the reference lexer; keep it together
            if spaced {
                self.line.push(' ');
            }
            self.line.push_str(text);
            self.prev_end = e;
            return;
        }
        let indent = if self.header {
            0
        } else if self.in_stmt && !self.done {
            self.cont_indent
        } else {
            self.indent()
        };
        self.begin_line(indent);
        self.line.push_str(text);
        self.flush();
        self.prev_end = e;
    }

    /// Keep a separator written at the end of a line (a flag list split
    /// after a comma).
    fn take_gap(&mut self, pos: usize) {
        if self.line.is_empty() || pos < self.prev_end {
            return;
        }
        let extra = self.gap_text(pos);
        if !extra.is_empty() {
            self.line.push_str(&extra);
        }
        self.prev_end = pos;
    }

    fn newline(&mut self, pos: usize) {
        self.take_gap(pos);
        if self.assign {
            // a newline ends an assignment
            self.end_statement();
        }
        // (after a `}`, an `else` can no longer join it)
        self.flush();
        self.newlines += 1;
    }
}
