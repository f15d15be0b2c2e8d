//! The modal lexer: a stack of lexer modes around the logos token set.
//!
//! AppArmor's lexing depends on context: the same characters are a path, a
//! permission string, an identifier or a value depending on the rule they sit
//! in, and variable assignments end at a newline. The reference lexer keeps a
//! stack of start conditions; this driver keeps the same stack ([`Mode`]) and
//! decides, at each position, which token the current mode produces. logos
//! recognises the fixed tokens; words, whose extent depends on the mode, are
//! measured by the scanners at the bottom of this file.
//!
//! Comments, newlines and blank lines are recorded as [`Trivia`]. Problems
//! (an unexpected character, a trailing comma in a variable declaration) are
//! recorded as diagnostics and lexing goes on, so the parser always sees a
//! complete token stream.

use super::recover;
use super::token::{IncludeTok, Raw, Tok};
use crate::diag::{Diagnostic, code};
use crate::source::{FileId, Span};
use logos::Logos;

pub use super::nesting::MAX_NESTING;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleMode {
    Network,
    Unix,
    Dbus,
    Signal,
    Ptrace,
    Mqueue,
    Mount,
    Userns,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Initial,
    SubId,
    SubIdWs,
    SubValue,
    IdentityValue,
    ExtCond,
    ExtCondList,
    ListVal,
    ListCond,
    ListCondVal,
    ListCondParenVal,
    Assign,
    Rlimit,
    Rule(RuleMode),
    ChangeProfile,
    Include { exists: bool, hash: bool },
    Abi,
    Integer,
    Expr,
    AssignExpr,
    AssignExprStart,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriviaKind {
    Comment,
    Newline,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trivia {
    pub kind: TriviaKind,
    pub span: Span,
}

pub type Spanned = (usize, Tok, usize);

pub struct Lexer<'s> {
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
    file: FileId,
    modes: Vec<Mode>,
    nesting: super::nesting::Nesting,
    stopped: bool,
    /// where each open `(` of the mode stack is
    parens: Vec<usize>,
    /// the last token was `->`
    after_arrow: bool,
    /// a `mount` or `change_profile` rule has had its `-> target`, or a
    /// rule of one path (`remount`, `umount`, `mqueue`) its path
    after_target: bool,
    /// the rule in progress takes one path and nothing after it
    one_path: bool,
    pub trivia: Vec<Trivia>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Lexes a whole file: tokens, trivia and lexer diagnostics.
pub fn lex(src: &str, file: FileId) -> (Vec<Spanned>, Vec<Trivia>, Vec<Diagnostic>) {
    let mut lx = Lexer::new(src, file);
    let toks: Vec<Spanned> = lx.by_ref().collect();
    (toks, lx.trivia, lx.diagnostics)
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// `[^ \t\r\n"!,]`: the characters of an unquoted word.
fn idc(c: u8) -> bool {
    !matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'!' | b',')
}

const ID_ESCAPES: &[u8] = b" \t\"!,#";

impl<'s> Lexer<'s> {
    pub fn new(src: &'s str, file: FileId) -> Lexer<'s> {
        Lexer {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            file,
            modes: vec![Mode::Initial],
            nesting: super::nesting::Nesting::default(),
            stopped: false,
            parens: Vec::new(),
            after_arrow: false,
            after_target: false,
            one_path: false,
            trivia: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    fn mode(&self) -> Mode {
        self.modes.last().copied().unwrap_or(Mode::Initial)
    }

    fn push(&mut self, m: Mode) {
        if m != Mode::Initial {
            if is_paren_mode(m) {
                self.parens.push(self.pos);
            }
            self.modes.push(m);
        }
    }

    fn pop(&mut self) {
        if self.modes.len() > 1 && self.modes.pop().is_some_and(is_paren_mode) {
            self.parens.pop();
        }
    }

    /// A line that starts a new rule or ends a block (see
    /// [`recover::starts_line_of_new_rule`]) ends every open mode. An open
    /// `(` is reported where it opened and the rule is cut. Returns the
    /// made-up token, if any.
    fn end_modes_at_new_line(&mut self) -> Option<Spanned> {
        if self.modes.len() <= 1
            || matches!(
                self.mode(),
                Mode::Assign | Mode::AssignExpr | Mode::AssignExprStart | Mode::Include { .. }
            )
        {
            return None;
        }
        // blanks, and whole comment lines
        let mut i = self.pos;
        let mut newline = false;
        while let Some(c) = self.at(i) {
            match c {
                b' ' | b'\t' | b'\r' => i += 1,
                b'\n' => {
                    newline = true;
                    i += 1;
                }
                b'#' if newline => {
                    i = self.src[i..].find('\n').map_or(self.src.len(), |n| i + n);
                }
                _ => break,
            }
        }
        let inside = recover::Inside {
            network: self.modes.contains(&Mode::Rule(RuleMode::Network)),
            parens: !self.parens.is_empty(),
            cond_list: self.modes.contains(&Mode::ListCond),
            no_paths: matches!(
                self.mode(),
                Mode::Rlimit
                    | Mode::Rule(
                        RuleMode::Network
                            | RuleMode::Dbus
                            | RuleMode::Unix
                            | RuleMode::Signal
                            | RuleMode::Ptrace
                            | RuleMode::Userns
                    )
            ),
            after_target: self.after_target
                && matches!(
                    self.mode(),
                    Mode::Rule(RuleMode::Mount | RuleMode::Mqueue) | Mode::ChangeProfile
                ),
        };
        if !newline || !recover::starts_line_of_new_rule(self.src, i, inside) {
            return None;
        }
        self.modes.truncate(1);
        let open = self.parens.first().copied();
        self.parens.clear();
        let open = open?;
        let next_end = scan_ids(self.bytes, i).max(i + 1).min(self.src.len());
        self.diagnostics.push(recover::unclosed(
            self.span(open, open + 1),
            '(',
            Some((
                self.span(i, next_end),
                "reading goes on here, with the next rule",
            )),
            "the rule is skipped",
        ));
        Some((self.pos, Tok::Cut, self.pos))
    }

    /// A `{` that ends its line inside a `(`: the list of a profile header
    /// was never closed and the profile's block starts here. The `(` is
    /// reported and a `)` made up, so the header and its block are read.
    fn block_opens_in_parens(&mut self) -> Option<Spanned> {
        let open = *self.parens.first()?;
        let i = self.after_blanks(self.pos);
        if self.at(i) != Some(b'{') {
            return None;
        }
        let j = self.after_blanks(i + 1);
        if !matches!(self.at(j), None | Some(b'\n' | b'\r' | b'#')) {
            return None;
        }
        self.diagnostics.push(recover::unclosed(
            self.span(open, open + 1),
            '(',
            Some((self.span(i, i + 1), "the block starts here")),
            "the list is read as if it ended before the `{`",
        ));
        let outer = self
            .modes
            .iter()
            .position(|m| is_paren_mode(*m))
            .unwrap_or(1);
        self.modes.truncate(outer.max(1));
        self.parens.clear();
        Some((self.pos, Tok::CloseParen, self.pos))
    }

    /// A quote that is never closed (see [`recover::quote_never_closed`])
    /// is reported, its line skipped and the rule cut.
    fn runaway_quote(&mut self) -> Option<Spanned> {
        let mut i = self.pos;
        while self.at(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        if self.at(i) != Some(b'"') {
            return None;
        }
        if !recover::quote_never_closed(self.src, i, self.quoted_end(i)) {
            return None;
        }
        self.diagnostics.push(recover::unclosed(
            self.span(i, i + 1),
            '"',
            None,
            "the rest of its line is skipped",
        ));
        self.skip_space(true);
        self.pos = self.comment_end();
        self.modes.truncate(1);
        self.parens.clear();
        Some((i, Tok::Cut, i))
    }

    /// Replace the current mode (flex's BEGIN).
    fn begin(&mut self, m: Mode) {
        if self.modes.len() > 1 {
            self.modes.pop();
        }
        self.push(m);
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).copied()
    }

    fn peek(&self) -> Option<u8> {
        self.at(self.pos)
    }

    fn rest(&self) -> &'s str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn raw(&self) -> Option<(Raw, usize)> {
        let mut lx = Raw::lexer(self.rest());
        match lx.next() {
            Some(Ok(r)) => Some((r, lx.span().end)),
            _ => None,
        }
    }

    fn error(&mut self, start: usize, end: usize, msg: String) {
        self.diagnostics.push(Diagnostic::error(
            code::LEX_ERROR,
            self.span(start, end.max(start + 1).min(self.src.len().max(start))),
            msg,
        ));
    }

    fn unexpected(&mut self) {
        let c = self.rest().chars().next().unwrap_or('\0');
        let len = c.len_utf8();
        let shown = if c.is_control() {
            format!("{:#04x}", c as u32)
        } else {
            format!("'{c}'")
        };
        self.error(
            self.pos,
            self.pos + len,
            format!("unexpected character {shown} here"),
        );
        self.pos += len;
    }

    /// Skips blanks (and newlines when `newlines`), recording newlines and
    /// comments as trivia only in the modes that have comments.
    fn skip_space(&mut self, newlines: bool) {
        while let Some(c) = self.peek() {
            if is_blank(c) {
                self.pos += 1;
            } else if newlines
                && (c == b'\n' || (c == b'\r' && self.at(self.pos + 1) == Some(b'\n')))
            {
                let len = if c == b'\r' { 2 } else { 1 };
                self.trivia.push(Trivia {
                    kind: TriviaKind::Newline,
                    span: self.span(self.pos, self.pos + len),
                });
                self.pos += len;
            } else {
                break;
            }
        }
    }

    fn comment_end(&self) -> usize {
        self.rest()
            .find('\n')
            .map(|i| self.pos + i)
            .unwrap_or(self.src.len())
    }

    fn record_comment(&mut self) {
        let end = self.comment_end();
        let end_trim = if end > self.pos && self.at(end - 1) == Some(b'\r') {
            end - 1
        } else {
            end
        };
        self.trivia.push(Trivia {
            kind: TriviaKind::Comment,
            span: self.span(self.pos, end_trim),
        });
        self.pos = end;
    }

    // ----- trailing-context helpers -------------------------------------

    /// Position after blanks starting at `i`.
    fn after_blanks(&self, mut i: usize) -> usize {
        while self.at(i).is_some_and(is_blank) {
            i += 1;
        }
        i
    }

    /// `NAME/{WS}*=` — and not `==`? (the reference lexer does not exclude
    /// it; neither do we).
    fn ctx_eq(&self, end: usize) -> bool {
        self.at(self.after_blanks(end)) == Some(b'=')
    }

    fn ctx_eq_paren(&self, end: usize) -> bool {
        let i = self.after_blanks(end);
        self.at(i) == Some(b'=') && self.at(self.after_blanks(i + 1)) == Some(b'(')
    }

    /// `NAME/{WS}+in{WS}*\(`
    fn ctx_in_paren(&self, end: usize) -> bool {
        let i = self.after_blanks(end);
        i > end
            && self.at(i) == Some(b'i')
            && self.at(i + 1) == Some(b'n')
            && self.at(self.after_blanks(i + 2)) == Some(b'(')
    }

    fn keyword_at(&self, i: usize, kw: &str) -> bool {
        self.src.get(i..i + kw.len()) == Some(kw)
    }

    // ----- words ---------------------------------------------------------

    fn word_tok(&self, start: usize, end: usize, make: fn(String) -> Tok) -> Tok {
        make(process_id(self.src.get(start..end).unwrap_or("")))
    }

    /// The shared conditional-name rules of INITIAL and the rule modes.
    /// Returns the token and its end if one applies at a name.
    fn cond_name(&mut self, name: &str, end: usize) -> Option<Tok> {
        match name {
            "identities" if self.ctx_eq(end) => {
                self.push(Mode::ExtCond);
                Some(Tok::Identities)
            }
            "peer" | "xattrs" if self.ctx_eq_paren(end) => {
                self.push(Mode::ExtCondList);
                Some(Tok::CondListId(name.to_string()))
            }
            "priority" if self.ctx_eq(end) => {
                self.push(Mode::Integer);
                Some(Tok::Priority)
            }
            "flags" if self.ctx_eq(end) => {
                self.push(Mode::ExtCond);
                Some(Tok::Flags)
            }
            _ if self.ctx_eq(end) || self.ctx_in_paren(end) => {
                self.push(Mode::ExtCond);
                Some(Tok::CondId(name.to_string()))
            }
            _ => None,
        }
    }

    fn label_len(&self, i: usize) -> Option<usize> {
        label_end(self.bytes, i).map(|e| e - i)
    }

    fn quoted_end(&self, i: usize) -> Option<usize> {
        quoted_end(self.bytes, i)
    }

    // ----- the mode dispatch ---------------------------------------------

    fn next_token(&mut self) -> Option<Spanned> {
        loop {
            if self.stopped || self.pos >= self.bytes.len() {
                return None;
            }
            let start_pos = self.pos;
            let start_modes = self.modes.len();
            if let Some(t) = self.end_modes_at_new_line() {
                return Some(t);
            }
            if let Some(t) = self.runaway_quote() {
                return Some(t);
            }
            if let Some(t) = self.block_opens_in_parens() {
                return Some(t);
            }
            let out = match self.mode() {
                Mode::Initial => self.lex_initial(),
                Mode::SubId | Mode::SubValue => self.lex_sub(),
                Mode::SubIdWs => {
                    self.skip_space(true);
                    self.peek()?;
                    self.lex_sub()
                }
                Mode::IdentityValue => self.lex_identity(),
                Mode::ExtCond => self.lex_extcond(),
                Mode::ExtCondList => self.lex_extcondlist(),
                Mode::ListVal => self.lex_listval(),
                Mode::ListCond => self.lex_listcond(),
                Mode::ListCondVal | Mode::ListCondParenVal => self.lex_listcondval(),
                Mode::Assign => self.lex_assign(),
                Mode::Rlimit => self.lex_rlimit(),
                Mode::Rule(r) => self.lex_rule(r),
                Mode::ChangeProfile => self.lex_change_profile(),
                Mode::Include { exists, hash } => self.lex_include(exists, hash),
                Mode::Abi => self.lex_abi(),
                Mode::Integer => self.lex_integer(),
                Mode::Expr | Mode::AssignExpr => self.lex_expr(),
                Mode::AssignExprStart => self.lex_assign_expr_start(),
            };
            if let Some((s, tok, e)) = out {
                if self.nesting.step(&tok) > MAX_NESTING {
                    self.diagnostics.push(
                        Diagnostic::error(
                            code::TOO_DEEP,
                            self.span(s, e),
                            format!("blocks and conditions nested more than {MAX_NESTING} deep"),
                        )
                        .note("the rest of the file is not read"),
                    );
                    self.stopped = true;
                    return None;
                }
                self.after_target = match &tok {
                    Tok::Id(_) | Tok::Value(_) if self.after_arrow => true,
                    Tok::Id(p) if self.one_path && (p.starts_with('/') || p.starts_with('@')) => {
                        true
                    }
                    Tok::Comma | Tok::Open | Tok::Close => false,
                    _ => self.after_target && self.modes.len() > 1,
                };
                self.after_arrow = tok == Tok::Arrow;
                return Some((s, tok, e));
            }
            if self.pos == start_pos
                && self.modes.len() >= start_modes
                && self.pos < self.bytes.len()
            {
                // No progress and no token: never loop forever (a mode
                // that ends without a token is progress).
                self.unexpected();
            }
        }
    }

    fn tok(&mut self, start: usize, end: usize, tok: Tok) -> Option<Spanned> {
        self.pos = end;
        Some((start, tok, end))
    }

    fn lex_initial(&mut self) -> Option<Spanned> {
        self.skip_space(true);
        let start = self.pos;
        let c = self.peek()?;
        if c == b'#' {
            // `#include` followed by anything up to a newline is an include.
            if self.keyword_at(start, "#include") && self.rest().contains('\n') {
                let after = start + "#include".len();
                let i = self.after_blanks(after);
                if i > after && self.keyword_at(i, "if") {
                    let j = self.after_blanks(i + 2);
                    if j > i + 2
                        && self.keyword_at(j, "exists")
                        && self.at(j + 6).is_some_and(is_blank)
                    {
                        self.pos = j + 6;
                        self.push(Mode::Include {
                            exists: true,
                            hash: true,
                        });
                        return None;
                    }
                }
                self.pos = after;
                self.push(Mode::Include {
                    exists: false,
                    hash: true,
                });
                return None;
            }
            self.record_comment();
            return None;
        }
        let (raw, len) = match self.raw() {
            Some(r) => r,
            None => (Raw::Comment, 0), // placeholder: handled by the word rules below
        };
        let end = start + len;
        if len > 0 {
            match raw {
                Raw::Name => return self.initial_name(start, end),
                Raw::SetVar => {
                    if let Some(l) = self.label_len(start) {
                        return self.word(start, start + l, Tok::Id);
                    }
                    // `@NAME=...` (no braces, the operator right after the
                    // name) is one word to the reference, as its ID rule
                    // matches longer: no assignment
                    let op = matches!(
                        (self.at(end), self.at(end + 1)),
                        (Some(b'='), _) | (Some(b'+' | b'?' | b':'), Some(b'='))
                    );
                    if op && self.at(start + 1) != Some(b'{') {
                        let e = scan_ids(self.bytes, start);
                        return self.word(start, e, Tok::Id);
                    }
                    let name = self.src[start..end].to_string();
                    return self.tok(start, end, Tok::SetVar(name));
                }
                Raw::BoolVar => {
                    let name = self.src[start..end].to_string();
                    let i = self.after_blanks(end);
                    let assign = matches!(self.at(i), Some(b'='))
                        || (matches!(self.at(i), Some(b'+' | b'?' | b':'))
                            && self.at(i + 1) == Some(b'='));
                    if assign {
                        self.push(Mode::AssignExprStart);
                    }
                    return self.tok(start, end, Tok::BoolVar(name));
                }
                _ => {
                    // punctuation: the token, and the mode it starts
                    let punct = match raw {
                        Raw::Caret => Some((Tok::Caret, Some(Mode::SubId))),
                        Raw::Arrow => Some((Tok::Arrow, Some(Mode::SubIdWs))),
                        Raw::Eq => Some((Tok::Equals, Some(Mode::Assign))),
                        // no `==` here: `=`, and a value that begins with `=`
                        Raw::EqEq => Some((Tok::Equals, Some(Mode::Assign))),
                        Raw::AddAssign => Some((Tok::AddAssign, Some(Mode::Assign))),
                        Raw::CondAssign => Some((Tok::CondAssign, Some(Mode::Assign))),
                        Raw::OverrideAssign => Some((Tok::OverrideAssign, Some(Mode::Assign))),
                        Raw::Plus => Some((Tok::Plus, Some(Mode::IdentityValue))),
                        Raw::LBrace => Some((Tok::Open, None)),
                        Raw::RBrace => Some((Tok::Close, None)),
                        Raw::LParen => Some((Tok::OpenParen, Some(Mode::ListVal))),
                        Raw::Comma => Some((Tok::Comma, None)),
                        _ => None,
                    };
                    if let Some((tok, mode)) = punct {
                        let end = if raw == Raw::EqEq { start + 1 } else { end };
                        if let Some(m) = mode {
                            self.push(m);
                        }
                        return self.tok(start, end, tok);
                    }
                }
            }
        }
        // Labels: `/...`, `@{var}...`, `:ns...`, `&...`, and quoted labels.
        if let Some(l) = self.label_len(start) {
            return self.word(start, start + l, Tok::Id);
        }
        if c == b':' {
            return self.tok(start, start + 1, Tok::Colon);
        }
        if c == b'"' {
            if let (Some(e), Some(b'/' | b'@' | b':' | b'&')) =
                (self.quoted_end(start), self.at(start + 1))
            {
                return self.word(start, e, Tok::Id);
            }
            if self.quoted_end(start).is_none() {
                self.error(
                    start,
                    self.comment_end(),
                    "unterminated quoted string".into(),
                );
                self.pos = self.comment_end();
                return None;
            }
        }
        self.unexpected();
        None
    }

    fn word(&mut self, start: usize, end: usize, make: fn(String) -> Tok) -> Option<Spanned> {
        let t = self.word_tok(start, end, make);
        self.tok(start, end, t)
    }

    fn initial_name(&mut self, start: usize, end: usize) -> Option<Spanned> {
        let name = self.src[start..end].to_string();
        if let Some(t) = self.cond_name(&name, end) {
            return self.tok(start, end, t);
        }
        if name == "include" && self.at(end).is_some_and(is_blank) {
            let i = self.after_blanks(end);
            if self.keyword_at(i, "if") {
                let j = self.after_blanks(i + 2);
                if j > i + 2 && self.keyword_at(j, "exists") && self.at(j + 6).is_some_and(is_blank)
                {
                    self.pos = j + 6;
                    self.push(Mode::Include {
                        exists: true,
                        hash: false,
                    });
                    return None;
                }
            }
            self.pos = end;
            self.push(Mode::Include {
                exists: false,
                hash: false,
            });
            return None;
        }
        if name == "all" {
            if let Some(n) = self.at(end) {
                if !(n.is_ascii_alphanumeric() || n == b'_') {
                    return self.tok(start, end, Tok::Key(name));
                }
            }
        }
        if is_modes(&name)
            && self
                .at(end)
                .is_some_and(|n| n.is_ascii_whitespace() || n == b',')
        {
            return self.tok(start, end, Tok::Mode(name));
        }
        if name == "hat" || name == "profile" {
            let e = self.after_blanks(end);
            let t = if name == "hat" {
                Tok::Hat
            } else {
                Tok::Profile
            };
            self.push(Mode::SubId);
            self.pos = e;
            return Some((start, t, end));
        }
        let (tok, mode) = keyword(&name);
        self.one_path = matches!(name.as_str(), "remount" | "umount" | "unmount" | "mqueue");
        if let Some(m) = mode {
            self.push(m);
        }
        self.tok(start, end, tok)
    }

    fn lex_sub(&mut self) -> Option<Spanned> {
        let start = self.pos;
        let value = self.mode() == Mode::SubValue;
        let make: fn(String) -> Tok = if value { Tok::Value } else { Tok::Id };
        if self.peek() == Some(b'"') {
            if let Some(e) = self.quoted_end(start) {
                self.pop();
                return self.word(start, e, make);
            }
        }
        let e = scan_ids(self.bytes, start);
        self.pop();
        if e > start {
            return self.word(start, e, make);
        }
        let what = if value { "a value" } else { "a name" };
        let found = match self.peek() {
            Some(b'\n') | Some(b'\r') => "end of line".to_string(),
            Some(b' ') | Some(b'\t') => "a space".to_string(),
            _ => format!("`{}`", self.rest().chars().next().unwrap_or(' ')),
        };
        self.error(
            start,
            start + 1,
            format!("expected {what} directly here, found {found}"),
        );
        None
    }

    fn lex_identity(&mut self) -> Option<Spanned> {
        self.skip_space(true);
        let start = self.pos;
        if self.keyword_at(start, "identities") && self.ctx_eq(start + 10) {
            self.begin(Mode::ExtCond);
            return self.tok(start, start + 10, Tok::Identities);
        }
        if self.peek() == Some(b'"') {
            if let Some(e) = self.quoted_end(start) {
                self.pop();
                return self.word(start, e, Tok::Value);
            }
        }
        let e = scan(
            self.bytes,
            start,
            |c| idc(c) && !matches!(c, b'{' | b'}' | b'\\' | b'='),
            |c| idc(c) && !matches!(c, b'{' | b'}' | b'\\' | b'='),
            false,
            b"",
        );
        self.pop();
        if e > start {
            return self.word(start, e, Tok::Value);
        }
        self.unexpected();
        None
    }

    fn lex_extcond(&mut self) -> Option<Spanned> {
        self.skip_space(true);
        let start = self.pos;
        match self.peek()? {
            b'=' => {
                let i = self.after_blanks(start + 1);
                match self.at(i) {
                    Some(c) if c != b'(' && c != b'\n' && !is_blank(c) => {
                        self.begin(Mode::SubValue);
                        self.pos = i;
                        Some((start, Tok::Equals, start + 1))
                    }
                    _ => self.tok(start, start + 1, Tok::Equals),
                }
            }
            b'(' => {
                self.begin(Mode::ListVal);
                self.tok(start, start + 1, Tok::OpenParen)
            }
            b'i' if self.at(start + 1) == Some(b'n') => self.tok(start, start + 2, Tok::In),
            _ => {
                self.pop();
                self.unexpected();
                None
            }
        }
    }

    fn lex_extcondlist(&mut self) -> Option<Spanned> {
        self.skip_space(true);
        let start = self.pos;
        match self.peek()? {
            b'=' => self.tok(start, start + 1, Tok::Equals),
            b'(' => {
                self.begin(Mode::ListCond);
                self.tok(start, start + 1, Tok::OpenParen)
            }
            _ => {
                self.pop();
                self.unexpected();
                None
            }
        }
    }

    fn lex_listval(&mut self) -> Option<Spanned> {
        self.skip_space(true);
        let start = self.pos;
        match self.peek()? {
            b')' => {
                self.pop();
                self.tok(start, start + 1, Tok::CloseParen)
            }
            b',' => {
                self.pos += 1;
                None
            }
            b'"' => match self.quoted_end(start) {
                Some(e) => self.word(start, e, Tok::Value),
                None => {
                    self.unexpected();
                    None
                }
            },
            _ => {
                let e = scan_list_value(self.bytes, start);
                if e > start {
                    self.word(start, e, Tok::Value)
                } else {
                    self.unexpected();
                    None
                }
            }
        }
    }

    fn lex_listcond(&mut self) -> Option<Spanned> {
        self.skip_space(true);
        let start = self.pos;
        match self.peek()? {
            b')' => {
                self.pop();
                self.tok(start, start + 1, Tok::CloseParen)
            }
            b',' => {
                self.pos += 1;
                None
            }
            b'=' => {
                let i = self.after_blanks(start + 1);
                if self.at(i) == Some(b'(') {
                    self.pos = i;
                    self.push(Mode::ListCondParenVal);
                    self.pos = i + 1;
                    Some((start, Tok::Equals, start + 1))
                } else {
                    self.push(Mode::ListCondVal);
                    self.tok(start, start + 1, Tok::Equals)
                }
            }
            _ => {
                let e = scan(
                    self.bytes,
                    start,
                    |c| idc(c) && c != b'=' && c != b')',
                    |c| idc(c) && c != b'=' && c != b')',
                    false,
                    b"",
                );
                if e > start {
                    self.word(start, e, Tok::CondId)
                } else {
                    self.unexpected();
                    None
                }
            }
        }
    }

    fn lex_listcondval(&mut self) -> Option<Spanned> {
        self.skip_space(true);
        let start = self.pos;
        let paren = self.mode() == Mode::ListCondParenVal;
        match self.peek()? {
            b')' if paren => {
                self.pop();
                self.pos += 1;
                None
            }
            b'"' => match self.quoted_end(start) {
                Some(e) if e > start + 2 => {
                    if !paren {
                        self.pop();
                    }
                    self.word(start, e, Tok::Value)
                }
                _ => {
                    self.pop();
                    self.unexpected();
                    None
                }
            },
            _ => {
                let e = scan_list_value(self.bytes, start);
                if e > start {
                    if !paren {
                        self.pop();
                    }
                    self.word(start, e, Tok::Value)
                } else {
                    self.pop();
                    self.unexpected();
                    None
                }
            }
        }
    }

    fn lex_assign(&mut self) -> Option<Spanned> {
        self.skip_space(false);
        let start = self.pos;
        match self.peek()? {
            // a comma before a word is part of the word (`IDS`), as in the
            // reference: `@{X}=,a` has the value `,a`
            b',' if !self.at(start + 1).is_some_and(idc) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        code::TRAILING_COMMA,
                        self.span(start, start + 1),
                        "variable declarations do not accept trailing commas",
                    )
                    .help("separate values with spaces and end the declaration at the end of the line"),
                );
                self.pos += 1;
                None
            }
            b'#' => {
                self.record_comment();
                self.pop();
                None
            }
            b'\\' if self.at(start + 1) == Some(b'\n') => {
                self.pos += 2;
                None
            }
            b'\\' if self.at(start + 1) == Some(b'\r') && self.at(start + 2) == Some(b'\n') => {
                self.pos += 3;
                None
            }
            b'\n' | b'\r' => {
                self.skip_one_newline();
                self.pop();
                None
            }
            b'"' => match self.quoted_end(start) {
                Some(e) => self.word(start, e, Tok::Value),
                None => {
                    self.error(
                        start,
                        self.comment_end(),
                        "unterminated quoted string".into(),
                    );
                    self.pos = self.comment_end();
                    None
                }
            },
            _ => {
                let e = scan_ids(self.bytes, start);
                if e > start {
                    self.word(start, e, Tok::Value)
                } else {
                    self.unexpected();
                    None
                }
            }
        }
    }

    fn skip_one_newline(&mut self) {
        let start = self.pos;
        let len = match (self.peek(), self.at(self.pos + 1)) {
            (Some(b'\r'), Some(b'\n')) => 2,
            (Some(b'\n'), _) => 1,
            _ => {
                self.unexpected();
                return;
            }
        };
        self.trivia.push(Trivia {
            kind: TriviaKind::Newline,
            span: self.span(start, start + len),
        });
        self.pos += len;
    }

    fn lex_rlimit(&mut self) -> Option<Spanned> {
        self.skip_space(true);
        let start = self.pos;
        let c = self.peek()?;
        if c == b',' {
            self.pop();
            return self.tok(start, start + 1, Tok::Comma);
        }
        if c == b'<' && self.at(start + 1) == Some(b'=') {
            return self.tok(start, start + 2, Tok::Le);
        }
        let digits_from = if c == b'-' { start + 1 } else { start };
        let e = scan(
            self.bytes,
            digits_from,
            |c| c.is_ascii_digit(),
            |c| c.is_ascii_digit(),
            false,
            b"",
        );
        if e > digits_from {
            return self.word(start, e, Tok::Value);
        }
        let e = scan(
            self.bytes,
            start,
            |c| c.is_ascii_alphabetic() || c == b'_',
            |c| c.is_ascii_alphabetic() || c == b'_',
            false,
            b"",
        );
        if e > start {
            let w = &self.src[start..e];
            let t = if w == "infinity" {
                Tok::Value(w.into())
            } else {
                Tok::Id(w.into())
            };
            return self.tok(start, e, t);
        }
        self.unexpected();
        None
    }

    fn lex_rule(&mut self, r: RuleMode) -> Option<Spanned> {
        self.skip_space(true);
        let start = self.pos;
        let c = self.peek()?;
        if c == b',' {
            self.pop();
            return self.tok(start, start + 1, Tok::Comma);
        }
        // A lone `}` cannot continue a rule: the block ends (the parser
        // reports the missing `,`).
        if c == b'}'
            && self
                .at(start + 1)
                .is_none_or(|n| n.is_ascii_whitespace() || n == b'#')
        {
            self.pop();
            return None;
        }
        // conditional names
        if c.is_ascii_alphabetic() {
            let e = scan(
                self.bytes,
                start,
                |c| c.is_ascii_alphabetic(),
                |c| c.is_ascii_alphanumeric() || c == b'_',
                false,
                b"",
            );
            let name = self.src[start..e].to_string();
            if r != RuleMode::Userns {
                if let Some(t) = self.cond_name(&name, e) {
                    return self.tok(start, e, t);
                }
            }
        }
        if r == RuleMode::Userns {
            if self.keyword_at(start, "create") {
                return self.tok(start, start + 6, Tok::Key("create".into()));
            }
            self.unexpected();
            return None;
        }
        if c == b'(' && r != RuleMode::Mount {
            self.push(Mode::ListVal);
            return self.tok(start, start + 1, Tok::OpenParen);
        }
        // the longest of: a permission keyword, a mode, IDS_NOEQ, LABEL, QUOTED_ID
        let noeq = scan_ids_noeq(self.bytes, start);
        let label = label_end(self.bytes, start).unwrap_or(start);
        let quoted = if c == b'"' {
            self.quoted_end(start).unwrap_or(start)
        } else {
            start
        };
        let longest = noeq.max(label).max(quoted);
        if r == RuleMode::Mount && self.keyword_at(start, "->") && longest <= start + 2 {
            return self.tok(start, start + 2, Tok::Arrow);
        }
        if longest == start {
            self.unexpected();
            return None;
        }
        let text = &self.src[start..longest];
        if rule_keyword(r, text) {
            return self.tok(start, longest, Tok::Key(text.to_string()));
        }
        if r != RuleMode::Mount
            && matches!(text, "r" | "w" | "rw" | "wr")
            && self
                .at(longest)
                .is_some_and(|n| n.is_ascii_whitespace() || n == b',')
        {
            return self.tok(start, longest, Tok::Mode(text.to_string()));
        }
        self.word(start, longest, Tok::Id)
    }

    fn lex_change_profile(&mut self) -> Option<Spanned> {
        self.skip_space(true);
        let start = self.pos;
        let c = self.peek()?;
        if c == b',' {
            self.pop();
            return self.tok(start, start + 1, Tok::Comma);
        }
        if c == b'"' {
            if let Some(e) = self.quoted_end(start) {
                return self.word(start, e, Tok::Id);
            }
        }
        let e = scan_ids(self.bytes, start);
        if self.keyword_at(start, "->") && e <= start + 2 {
            self.push(Mode::SubIdWs);
            return self.tok(start, start + 2, Tok::Arrow);
        }
        if e == start {
            self.unexpected();
            return None;
        }
        let text = &self.src[start..e];
        if text == "safe" || text == "unsafe" {
            return self.tok(start, e, Tok::Key(text.to_string()));
        }
        self.word(start, e, Tok::Id)
    }

    fn lex_include(&mut self, exists: bool, hash: bool) -> Option<Spanned> {
        self.skip_space(true);
        let start = self.pos;
        let (end, inner, angle) = self.include_path(start)?;
        self.pop();
        let path = process_id(inner.trim());
        self.tok(
            start,
            end,
            Tok::Include(IncludeTok {
                path,
                angle,
                if_exists: exists,
                hash,
            }),
        )
    }

    /// `<name>`, `<"name">`, `"name"` or a bare name.
    fn include_path(&mut self, start: usize) -> Option<(usize, &'s str, bool)> {
        let src = self.src;
        match self.peek()? {
            b'<' => {
                let mut i = start + 1;
                let q0 = self.after_blanks(i);
                if self.at(q0) == Some(b'"') {
                    if let Some(q) = self.quoted_end(q0) {
                        let close = self.after_blanks(q);
                        if self.at(close) == Some(b'>') {
                            return Some((close + 1, &src[q0..q], true));
                        }
                    }
                }
                while let Some(c) = self.at(i) {
                    if matches!(c, b'"' | b'>' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    i += 1;
                }
                if self.at(i) == Some(b'>') && i > start + 1 {
                    Some((i + 1, &src[start + 1..i], true))
                } else {
                    self.error(start, i, "unterminated include path: expected `>`".into());
                    self.pos = i;
                    self.pop();
                    None
                }
            }
            b'"' => match self.quoted_end(start) {
                Some(e) => Some((e, &src[start..e], false)),
                None => {
                    self.unexpected();
                    self.pop();
                    None
                }
            },
            _ => {
                let e = scan(
                    self.bytes,
                    start,
                    |c| idc(c) && c != b'<' && c != b'>',
                    |c| idc(c) && c != b'<' && c != b'>',
                    true,
                    ID_ESCAPES,
                );
                if e > start {
                    Some((e, &src[start..e], false))
                } else {
                    self.unexpected();
                    self.pop();
                    None
                }
            }
        }
    }

    fn lex_abi(&mut self) -> Option<Spanned> {
        self.skip_space(true);
        let start = self.pos;
        if self.peek()? == b',' {
            self.pop();
            return self.tok(start, start + 1, Tok::Comma);
        }
        let (end, inner, angle) = self.include_path(start)?;
        // include_path pops on failure only; stay in ABI mode until `,`
        let text = process_id(inner.trim());
        self.tok(
            start,
            end,
            if angle {
                Tok::Id(text)
            } else {
                Tok::Value(text)
            },
        )
    }

    fn lex_integer(&mut self) -> Option<Spanned> {
        self.skip_space(true);
        let start = self.pos;
        let c = self.peek()?;
        if c == b'=' {
            return self.tok(start, start + 1, Tok::Equals);
        }
        let digits = if c == b'+' || c == b'-' {
            start + 1
        } else {
            start
        };
        let e = scan(
            self.bytes,
            digits,
            |c| c.is_ascii_digit(),
            |c| c.is_ascii_digit(),
            false,
            b"",
        );
        self.pop();
        if e > digits {
            return self.word(start, e, Tok::Value);
        }
        self.error(start, start + 1, "expected an integer here".into());
        None
    }

    fn lex_assign_expr_start(&mut self) -> Option<Spanned> {
        self.skip_space(false);
        let start = self.pos;
        let (tok, len) = match (self.peek()?, self.at(start + 1)) {
            (b'=', _) => (Tok::Equals, 1),
            (b'+', Some(b'=')) => (Tok::AddAssign, 2),
            (b'?', Some(b'=')) => (Tok::CondAssign, 2),
            (b':', Some(b'=')) => (Tok::OverrideAssign, 2),
            _ => {
                self.pop();
                self.unexpected();
                return None;
            }
        };
        self.begin(Mode::AssignExpr);
        self.tok(start, start + len, tok)
    }

    fn lex_expr(&mut self) -> Option<Spanned> {
        let assign = self.mode() == Mode::AssignExpr;
        self.skip_space(!assign);
        let start = self.pos;
        let c = self.peek()?;
        if assign {
            match c {
                b',' => {
                    self.diagnostics.push(Diagnostic::error(
                        code::TRAILING_COMMA,
                        self.span(start, start + 1),
                        "variable declarations do not accept trailing commas",
                    ));
                    self.pos += 1;
                    return None;
                }
                b'#' => {
                    self.record_comment();
                    self.pop();
                    return None;
                }
                b'\\' if self.at(start + 1) == Some(b'\n') => {
                    self.pos += 2;
                    return None;
                }
                b'\n' | b'\r' => {
                    self.skip_one_newline();
                    self.pop();
                    return None;
                }
                _ => {}
            }
        }
        let two = self.src.get(start..start + 2).unwrap_or("");
        let fixed = match two {
            "==" => Some((Tok::EqOp, 2)),
            "!=" => Some((Tok::NeOp, 2)),
            ">=" => Some((Tok::Ge, 2)),
            "<=" => Some((Tok::Le, 2)),
            _ => match c {
                b'{' if !assign => Some((Tok::Open, 1)),
                b'(' => Some((Tok::OpenParen, 1)),
                b')' => Some((Tok::CloseParen, 1)),
                b'>' => Some((Tok::Gt, 1)),
                b'<' => Some((Tok::Lt, 1)),
                _ => None,
            },
        };
        // As in the reference's lexer, the longest match wins and a tie goes
        // to the operator: `{x}`, `<{V}` or `{@V}` is one word (an operand),
        // a `{` or `<` standing alone is the block or the operator.
        if let Some((t, l)) = fixed
            && scan_ids_noeq(self.bytes, start) <= start + l
        {
            if t == Tok::Open {
                self.pop();
            }
            return self.tok(start, start + l, t);
        }
        if let Some((Raw::SetVar | Raw::BoolVar, len)) = self.raw() {
            let e = start + len;
            let label = label_end(self.bytes, start).unwrap_or(start);
            if label <= e {
                let name = self.src[start..e].to_string();
                let t = if c == b'@' {
                    Tok::SetVar(name)
                } else {
                    Tok::BoolVar(name)
                };
                return self.tok(start, e, t);
            }
        }
        let noeq = scan_ids_noeq(self.bytes, start);
        let label = label_end(self.bytes, start).unwrap_or(start);
        let quoted = if c == b'"' {
            self.quoted_end(start).unwrap_or(start)
        } else {
            start
        };
        let longest = noeq.max(label).max(quoted);
        if longest == start {
            self.unexpected();
            return None;
        }
        let t = match &self.src[start..longest] {
            "and" => Tok::And,
            "or" => Tok::Or,
            "not" => Tok::Not,
            "defined" => Tok::Defined,
            "in" => Tok::In,
            _ => return self.word(start, longest, Tok::Id),
        };
        self.tok(start, longest, t)
    }
}

impl Iterator for Lexer<'_> {
    type Item = Spanned;
    fn next(&mut self) -> Option<Spanned> {
        self.next_token()
    }
}

/// Modes entered at a `(` and left at its `)`.
fn is_paren_mode(m: Mode) -> bool {
    matches!(m, Mode::ListVal | Mode::ListCond | Mode::ListCondParenVal)
}

/// The keyword table of the INITIAL mode: the token a bare name becomes and
/// the mode it starts.
fn keyword(name: &str) -> (Tok, Option<Mode>) {
    let key = |m: Option<Mode>| (Tok::Key(name.to_string()), m);
    match name {
        "network" => key(Some(Mode::Rule(RuleMode::Network))),
        "unix" => key(Some(Mode::Rule(RuleMode::Unix))),
        "dbus" => key(Some(Mode::Rule(RuleMode::Dbus))),
        "signal" => key(Some(Mode::Rule(RuleMode::Signal))),
        "ptrace" => key(Some(Mode::Rule(RuleMode::Ptrace))),
        "mqueue" => key(Some(Mode::Rule(RuleMode::Mqueue))),
        "userns" => key(Some(Mode::Rule(RuleMode::Userns))),
        "mount" | "remount" | "umount" | "unmount" => key(Some(Mode::Rule(RuleMode::Mount))),
        "change_profile" => key(Some(Mode::ChangeProfile)),
        "rlimit" => key(Some(Mode::Rlimit)),
        "capability" | "unsafe" | "safe" | "link" | "subset" | "set" | "file" | "pivot_root"
        | "send" | "receive" | "bind" | "read" | "write" | "eavesdrop" | "peer" | "trace"
        | "tracedby" | "readby" | "io_uring" => key(None),
        "if" => (Tok::If, Some(Mode::Expr)),
        "else" => (Tok::Else, None),
        "not" => (Tok::Not, None),
        "defined" => (Tok::Defined, None),
        "in" => (Tok::In, None),
        "owner" | "user" => (Tok::Owner, None),
        "other" => (Tok::Other, None),
        "audit" => (Tok::Audit, None),
        "deny" => (Tok::Deny, None),
        "allow" => (Tok::Allow, None),
        "prompt" => (Tok::Prompt, None),
        "alias" | "rewrite" => (Tok::Alias, None),
        "abi" => (Tok::Abi, Some(Mode::Abi)),
        _ => (Tok::Id(process_id(name)), None),
    }
}

/// Permission keywords of the rule modes.
fn rule_keyword(r: RuleMode, w: &str) -> bool {
    use RuleMode::*;
    match w {
        "listen" | "accept" | "connect" | "getopt" | "setopt" | "shutdown" => {
            matches!(r, Unix | Network)
        }
        "create" => matches!(r, Unix | Userns | Mqueue | Network),
        "open" | "delete" => r == Mqueue,
        "getattr" | "setattr" => matches!(r, Unix | Mqueue | Network),
        "bind" => matches!(r, Dbus | Unix | Network),
        "eavesdrop" => r == Dbus,
        "send" | "receive" => matches!(r, Dbus | Signal | Unix | Network),
        "trace" | "readby" | "tracedby" => r == Ptrace,
        "read" | "write" => matches!(r, Dbus | Signal | Ptrace | Unix | Mqueue | Network),
        _ => false,
    }
}

/// Whether a word is a file permission string (`MODES` of the reference lexer).
pub fn is_modes(w: &str) -> bool {
    let b = w.as_bytes();
    if b.is_empty() {
        return false;
    }
    // reachable[i]: a prefix of length i is a sequence of mode tokens
    let mut ok = vec![false; b.len() + 1];
    ok[0] = true;
    for i in 0..b.len() {
        if !ok[i] {
            continue;
        }
        let x = |k: usize| b.get(i + k).is_some_and(|c| *c == b'x' || *c == b'X');
        let c = b[i];
        if matches!(
            c,
            b'R' | b'r' | b'W' | b'w' | b'a' | b'L' | b'l' | b'M' | b'm' | b'k' | b'X' | b'x'
        ) {
            ok[i + 1] = true;
        }
        if matches!(c, b'P' | b'p' | b'C' | b'c' | b'I' | b'i' | b'U' | b'u') && x(1) {
            ok[i + 2] = true;
        }
        if matches!(c, b'P' | b'p' | b'C' | b'c')
            && b.get(i + 1)
                .is_some_and(|c| matches!(c, b'I' | b'i' | b'U' | b'u'))
            && x(2)
        {
            ok[i + 3] = true;
        }
    }
    ok[b.len()]
}

/// Generic scanner: `first` for the first byte, `rest` for the others,
/// `join` lets a comma followed by a word byte continue the word, and a
/// backslash before one of `escapes` is part of the word.
fn scan(
    b: &[u8],
    start: usize,
    first: impl Fn(u8) -> bool,
    rest: impl Fn(u8) -> bool,
    join: bool,
    escapes: &[u8],
) -> usize {
    let mut i = start;
    while i < b.len() {
        let c = b[i];
        let ok = if i == start { first(c) } else { rest(c) };
        if c == b'\\' && b.get(i + 1).is_some_and(|n| escapes.contains(n)) {
            i += 2;
        } else if ok {
            i += 1;
        } else if join && c == b',' && b.get(i + 1).is_some_and(|n| rest(*n)) {
            i += 2;
        } else {
            break;
        }
    }
    i
}

/// `IDS`: any word, commas inside allowed when not followed by a delimiter.
fn scan_ids(b: &[u8], start: usize) -> usize {
    scan(b, start, idc, idc, true, ID_ESCAPES)
}

/// `IDS_NOEQ`: a word that stops at `=` and `)`.
fn scan_ids_noeq(b: &[u8], start: usize) -> usize {
    scan(
        b,
        start,
        |c| idc(c) && !matches!(c, b'=' | b'(' | b')' | b'+' | b'&'),
        |c| idc(c) && !matches!(c, b'=' | b')'),
        true,
        b" \t\"!,=()",
    )
}

/// `LIST_VALUE_ID`: a list element; parentheses and commas end it.
fn scan_list_value(b: &[u8], start: usize) -> usize {
    let ok = |c: u8| idc(c) && c != b'(' && c != b')';
    scan(b, start, ok, ok, false, b" \t\"!,()")
}

/// End of a `"..."` string starting at `i`.
fn quoted_end(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'"' => return Some(j + 1),
            0 => return None,
            b'\\' if j + 1 < b.len() && b[j + 1] != 0 => j += 2,
            _ => j += 1,
        }
    }
    None
}

/// `LABEL`: `/`, `&`, `:X` (X not `=`) or a variable followed by a word
/// character, then any word characters.
fn label_end(b: &[u8], i: usize) -> Option<usize> {
    let c = *b.get(i)?;
    let body = match c {
        b'/' | b'&' => i + 1,
        b':' => match b.get(i + 1) {
            Some(n) if *n != b'=' && !n.is_ascii_whitespace() => i + 2,
            _ => return None,
        },
        b'@' => {
            let mut j = i + 1;
            if b.get(j) == Some(&b'{') {
                j += 1;
                let s = j;
                while b
                    .get(j)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    j += 1;
                }
                if j == s || !b[s].is_ascii_alphabetic() || b.get(j) != Some(&b'}') {
                    return None;
                }
                j += 1;
            } else {
                let s = j;
                while b
                    .get(j)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    j += 1;
                }
                if j == s || !b[s].is_ascii_alphabetic() {
                    return None;
                }
            }
            let post = |c: u8| idc(c) && !matches!(c, b'=' | b'+' | b'?');
            match b.get(j) {
                Some(&n) if post(n) => j + 1,
                Some(b',') if b.get(j + 1).is_some_and(|n| post(*n)) => j + 2,
                Some(b'\\') if b.get(j + 1).is_some_and(|n| b" \t\"!,()".contains(n)) => j + 2,
                _ => return None,
            }
        }
        b'"' => return None,
        _ => return None,
    };
    Some(scan(b, body, idc, idc, true, ID_ESCAPES).max(body))
}

/// The number of an escape sequence at `b[from..]`: up to `max` digits in
/// `radix`, no more than 255 (the reference's `strntol`), and where it
/// ends; `None` without a digit.
pub fn escape_number(b: &[u8], from: usize, radix: u32, max: usize) -> Option<(u8, usize)> {
    let mut v = 0u32;
    let mut k = 0;
    while k < max {
        match b.get(from + k).and_then(|d| (*d as char).to_digit(radix)) {
            Some(d) if v * radix + d <= 255 => {
                v = v * radix + d;
                k += 1;
            }
            _ => break,
        }
    }
    (k > 0).then_some((v as u8, from + k))
}

/// Decode a word as the reference parser does: strip quotes, turn escape
/// sequences into characters, but keep pattern metacharacters escaped.
pub fn process_id(s: &str) -> String {
    let inner = if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        &s[1..s.len() - 1]
    } else {
        s
    };
    // as the reference's processunquoted and strn_escseq: `\\` and `\"`,
    // octal (up to 3 digits), `\dNNN` (decimal) and `\xHH` (hex) up to 255,
    // and `\a \e \f \n \r \t` are decoded; a sequence that decodes to NUL
    // is kept as written, and any other backslash is kept with the
    // character after it left to be read on its own
    let b = inner.as_bytes();
    let mut out = String::with_capacity(inner.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            // copy one whole character
            let len = inner[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&inner[i..i + len]);
            i += len;
            continue;
        }
        let n = b[i + 1];
        // a number of up to `max` digits in `radix`, no more than 255
        let number = |from: usize, radix: u32, max: usize| {
            escape_number(b, from, radix, max).map(|(v, end)| (u32::from(v), end))
        };
        let decoded = match n {
            b'0'..=b'7' => number(i + 1, 8, 3),
            b'd' => number(i + 2, 10, 3),
            b'x' => number(i + 2, 16, 2),
            b'\\' => Some((u32::from(b'\\'), i + 2)),
            b'"' => Some((u32::from(b'"'), i + 2)),
            b'a' => Some((7, i + 2)),
            b'e' => Some((0x1b, i + 2)),
            b'f' => Some((0x0c, i + 2)),
            b'n' => Some((u32::from(b'\n'), i + 2)),
            b'r' => Some((u32::from(b'\r'), i + 2)),
            b't' => Some((u32::from(b'\t'), i + 2)),
            _ => None,
        };
        match decoded {
            Some((0, end)) => {
                out.push_str(&inner[i..end]);
                i = end;
            }
            Some((v, end)) => {
                push_decoded(&mut out, char::from_u32(v).unwrap_or('\u{fffd}'));
                i = end;
            }
            None => {
                out.push('\\');
                i += 1;
            }
        }
    }
    out
}

/// A decoded escape (never NUL: `process_id` keeps those as written),
/// escaped again where it is a pattern character, as the reference passes
/// those on to its pattern compiler.
fn push_decoded(out: &mut String, ch: char) {
    if "*?[]{}^,\\".contains(ch) {
        out.push('\\');
    }
    out.push(ch);
}

#[cfg(test)]
mod tests;
