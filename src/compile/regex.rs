//! Patterns as the kernel compiler reads them: a glob of the policy
//! language translated into a regular expression tree, as the reference's
//! `convert_aaregex_to_pcre` and its expression parser do together.
//!
//! The translation differs from [`crate::aare`]'s (which answers the
//! linter's questions about paths): it works on bytes, including NUL (the
//! separator of link pairs and of the policy automaton's fields), a
//! negated class or `.` matches NUL too, and a `*` or `**` that forms a
//! whole path segment must match a character only when a `/` precedes it
//! and a `/` or the end follows it, as the reference decides.

use crate::aare::ByteSet;
use crate::syntax::lexer::escape_number as number;

/// A regular expression over bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Regex {
    /// The empty string.
    Empty,
    /// One byte of the set.
    Set(ByteSet),
    Cat(Vec<Regex>),
    Alt(Vec<Regex>),
    /// Zero or more.
    Star(Box<Regex>),
}

/// Why a glob has no regular expression (the checks report these first;
/// the compiler only meets them on input the checks did not see).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GlobError {
    #[error("unbalanced `{{`…`}}` or `[`…`]`")]
    Unbalanced,
    #[error("`{{…}}` with a single alternative")]
    SingleAlternative,
    #[error("trailing backslash")]
    TrailingBackslash,
}

impl Regex {
    pub fn byte(b: u8) -> Regex {
        Regex::Set(ByteSet::single(b))
    }

    /// The literal bytes `s`.
    pub fn literal(s: &[u8]) -> Regex {
        Regex::Cat(s.iter().map(|&b| Regex::byte(b)).collect())
    }

    /// `a` then `b`.
    pub fn then(self, b: Regex) -> Regex {
        match self {
            Regex::Cat(mut v) => {
                v.push(b);
                Regex::Cat(v)
            }
            a => Regex::Cat(vec![a, b]),
        }
    }

    /// Whether the expression has no wildcard: the reference gives exec
    /// permissions of such a rule precedence over a glob's.
    pub fn is_exact(&self) -> bool {
        match self {
            Regex::Empty => true,
            // a negated class or `.` is a wildcard; a positive class not
            Regex::Set(s) => s.len() < 128,
            Regex::Cat(v) | Regex::Alt(v) => v.iter().all(Regex::is_exact),
            Regex::Star(_) => false,
        }
    }

    /// The length the kernel ranks an attachment by, as the reference
    /// computes it (`min_match_len`) on its simplified expression tree
    /// (see [`super::simplify`]), for an automaton of this one rule.
    pub fn match_len(&self) -> usize {
        super::simplify::min_match_len(&[self])
    }
}

/// Every byte.
pub fn any_byte() -> ByteSet {
    ByteSet::any().union(&ByteSet::single(0))
}

/// Bytes except `/` and NUL.
fn segment_byte() -> ByteSet {
    ByteSet::not_slash()
}

/// The reference's `filter_slashes`: runs of `/` become one, except that a
/// path starting with exactly two slashes keeps them.
pub fn filter_slashes(path: &str) -> String {
    let b = path.as_bytes();
    if b.len() < 2 {
        return path.to_string();
    }
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    if b[0] == b'/' && b[1] == b'/' && b.get(2) != Some(&b'/') {
        out.push_str("//");
        rest = &path[2..];
    }
    let mut seen = false;
    for c in rest.chars() {
        if c == '/' {
            if !seen {
                out.push('/');
            }
            seen = true;
        } else {
            seen = false;
            out.push(c);
        }
    }
    out
}

/// The reference's `strn_escseq` on `b[i..]` (after a backslash): the
/// byte and where the sequence ends, or `None` for an unknown escape.
fn escape(b: &[u8], i: usize, also: &[u8]) -> Option<(u8, usize)> {
    let c = *b.get(i)?;
    match c {
        b'0'..=b'7' => number(b, i, 8, 3),
        b'd' => number(b, i + 1, 10, 3),
        b'x' => number(b, i + 1, 16, 2),
        b'\\' => Some((b'\\', i + 1)),
        b'"' => Some((b'"', i + 1)),
        b'a' => Some((7, i + 1)),
        b'e' => Some((0x1b, i + 1)),
        b'f' => Some((0x0c, i + 1)),
        b'n' => Some((b'\n', i + 1)),
        b'r' => Some((b'\r', i + 1)),
        b't' => Some((b'\t', i + 1)),
        c if also.contains(&c) => Some((c, i + 1)),
        _ => None,
    }
}

struct Glob<'a> {
    b: &'a [u8],
    i: usize,
    /// `**` and `*` may match NUL-free bytes only (the default) or, for
    /// xattr values, any byte but `/`.
    null_glob: bool,
    /// `{a}` is the group `a` (where the reference ignores the error it
    /// reports for it: xattr values).
    single_alternative: bool,
    /// The last byte the reference's translation wrote was a `/`.
    after_slash: bool,
}

impl Glob<'_> {
    fn star_set(&self, double: bool) -> ByteSet {
        match (double, self.null_glob) {
            (true, false) => ByteSet::any(),
            (true, true) => any_byte(),
            (false, false) => segment_byte(),
            (false, true) => any_byte().minus(&ByteSet::single(b'/')),
        }
    }

    /// A sequence up to `,` or `}` inside braces, or the end.
    fn seq(&mut self, depth: usize) -> Result<Vec<Regex>, GlobError> {
        let mut out = Vec::new();
        while self.i < self.b.len() {
            let c = self.b[self.i];
            let mut slash = false;
            match c {
                b'}' | b',' if depth > 0 => break,
                b'}' => return Err(GlobError::Unbalanced),
                b'{' => {
                    self.i += 1;
                    self.after_slash = false;
                    let mut alts = Vec::new();
                    loop {
                        alts.push(Regex::Cat(self.seq(depth + 1)?));
                        match self.b.get(self.i) {
                            Some(b',') => {
                                self.i += 1;
                                self.after_slash = false;
                            }
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(GlobError::Unbalanced),
                        }
                    }
                    if alts.len() < 2 && !self.single_alternative {
                        return Err(GlobError::SingleAlternative);
                    }
                    out.push(Regex::Alt(alts));
                    self.after_slash = false;
                    continue;
                }
                b'*' => {
                    let double = self.b.get(self.i + 1) == Some(&b'*');
                    if self.after_slash {
                        let mut j = self.i;
                        while self.b.get(j) == Some(&b'*') {
                            j += 1;
                        }
                        if matches!(self.b.get(j), None | Some(b'/')) {
                            out.push(Regex::Set(self.star_set(false)));
                        }
                    }
                    out.push(Regex::Star(Box::new(Regex::Set(self.star_set(double)))));
                    self.i += if double { 2 } else { 1 };
                    self.after_slash = false;
                    continue;
                }
                b'?' => out.push(Regex::Set(self.star_set(false))),
                b'[' => {
                    out.push(Regex::Set(self.class()?));
                    self.after_slash = false;
                    continue;
                }
                b']' => return Err(GlobError::Unbalanced),
                b'\\' => {
                    let n = *self.b.get(self.i + 1).ok_or(GlobError::TrailingBackslash)?;
                    match n {
                        b'\\' | b'*' | b'?' | b'[' | b']' | b'{' | b'}' | b',' | b'^' | b'$'
                        | b'.' | b'+' | b'|' | b'(' | b')' => {
                            out.push(Regex::byte(n));
                            self.i += 2;
                        }
                        _ => match escape(self.b, self.i + 1, b"") {
                            Some((v, end)) => {
                                out.push(Regex::byte(v));
                                self.i = end;
                            }
                            None => {
                                // an unneeded escape: the character itself
                                slash = n == b'/';
                                out.push(Regex::byte(n));
                                self.i += 2;
                            }
                        },
                    }
                    self.after_slash = slash;
                    continue;
                }
                _ => {
                    slash = c == b'/';
                    out.push(Regex::byte(c));
                }
            }
            self.i += 1;
            self.after_slash = slash;
        }
        Ok(out)
    }

    /// A `[...]` class, as the reference's expression parser reads the
    /// text its translation copied.
    fn class(&mut self) -> Result<ByteSet, GlobError> {
        self.i += 1;
        let mut negate = false;
        if self.b.get(self.i) == Some(&b'^') {
            negate = true;
            self.i += 1;
        }
        let mut set = ByteSet::EMPTY;
        let mut first = true;
        let mut prev: Option<u8> = None;
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err(GlobError::Unbalanced);
            };
            if c == b']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            // one member, escapes decoded
            let member = if c == b'\\' {
                match self.b.get(self.i + 1) {
                    None => return Err(GlobError::TrailingBackslash),
                    Some(&n) => match escape(self.b, self.i + 1, b"*+.|^$-[](){}") {
                        Some((v, end)) => {
                            self.i = end;
                            v
                        }
                        None => {
                            // kept as a backslash, the next byte read on
                            // its own
                            let _ = n;
                            self.i += 1;
                            b'\\'
                        }
                    },
                }
            } else {
                self.i += 1;
                c
            };
            // a range `a-z`
            if member == b'-' && c == b'-' {
                if let (Some(lo), Some(&hi)) = (prev, self.b.get(self.i)) {
                    if hi != b']' {
                        self.i += 1;
                        for x in lo..=hi {
                            set.insert(x);
                        }
                        prev = None;
                        continue;
                    }
                }
            }
            set.insert(member);
            prev = Some(member);
        }
        Ok(if negate { any_byte().minus(&set) } else { set })
    }
}

/// The expression of a glob (after [`filter_slashes`], where the caller
/// applies it).
pub fn glob(text: &str) -> Result<Regex, GlobError> {
    glob_with(text, false)
}

/// As [`glob`], with `*` matching any byte but `/` (xattr values).
pub fn glob_with(text: &str, null_glob: bool) -> Result<Regex, GlobError> {
    let mut g = Glob {
        b: text.as_bytes(),
        i: 0,
        null_glob,
        single_alternative: false,
        after_slash: false,
    };
    let seq = g.seq(0)?;
    Ok(Regex::Cat(seq))
}

/// An xattr value's expression: as [`glob_with`] `null_glob`, and `{a}`
/// the group `a` (the reference does not check how it translated the
/// value, and `@{x}` there is no variable but `@` and `{x}`).
pub fn xattr_value(text: &str) -> Result<Regex, GlobError> {
    let mut g = Glob {
        b: text.as_bytes(),
        i: 0,
        null_glob: true,
        single_alternative: true,
        after_slash: false,
    };
    let seq = g.seq(0)?;
    Ok(Regex::Cat(seq))
}

#[cfg(test)]
mod tests;

/// The reference's expression syntax (its `regex_parse`), for the
/// expressions the compiler writes itself: the policy automaton's class
/// bytes and fields. `.` is any byte, `[...]`/`[^...]` classes, `( | )`,
/// `*` and `+`, and `\` escapes (`\x0a`, `\d10`, `\012`, `\*`...).
pub fn parse(text: &str) -> Result<Regex, GlobError> {
    let mut p = Expr {
        b: text.as_bytes(),
        i: 0,
    };
    let r = p.alt()?;
    if p.i < p.b.len() {
        return Err(GlobError::Unbalanced);
    }
    Ok(r)
}

struct Expr<'a> {
    b: &'a [u8],
    i: usize,
}

const EXPR_ESCAPES: &[u8] = b"*+.|^$-[](){}";

impl Expr<'_> {
    fn alt(&mut self) -> Result<Regex, GlobError> {
        let mut alts = vec![self.terms()?];
        while self.b.get(self.i) == Some(&b'|') {
            self.i += 1;
            alts.push(self.terms()?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().unwrap_or(Regex::Empty)
        } else {
            Regex::Alt(alts)
        })
    }

    fn terms(&mut self) -> Result<Regex, GlobError> {
        let mut v = Vec::new();
        while let Some(&c) = self.b.get(self.i) {
            if c == b'|' || c == b')' {
                break;
            }
            let t = self.term()?;
            let t = match self.b.get(self.i) {
                Some(b'*') => {
                    self.i += 1;
                    Regex::Star(Box::new(t))
                }
                Some(b'+') => {
                    self.i += 1;
                    Regex::Cat(vec![t.clone(), Regex::Star(Box::new(t))])
                }
                _ => t,
            };
            v.push(t);
        }
        Ok(Regex::Cat(v))
    }

    /// One character, escapes decoded.
    fn char(&mut self) -> Result<u8, GlobError> {
        let c = *self.b.get(self.i).ok_or(GlobError::Unbalanced)?;
        self.i += 1;
        if c != b'\\' {
            return Ok(c);
        }
        match escape(self.b, self.i, EXPR_ESCAPES) {
            Some((v, end)) => {
                self.i = end;
                Ok(v)
            }
            // a bad escape is a backslash, the next character read anew
            None => Ok(b'\\'),
        }
    }

    fn term(&mut self) -> Result<Regex, GlobError> {
        match self.b.get(self.i) {
            Some(b'.') => {
                self.i += 1;
                Ok(Regex::Set(any_byte()))
            }
            Some(b'(') => {
                self.i += 1;
                let r = if self.b.get(self.i) == Some(&b')') {
                    Regex::Empty
                } else {
                    self.alt()?
                };
                if self.b.get(self.i) != Some(&b')') {
                    return Err(GlobError::Unbalanced);
                }
                self.i += 1;
                Ok(r)
            }
            Some(b'[') => {
                self.i += 1;
                let negate = self.b.get(self.i) == Some(&b'^');
                if negate {
                    self.i += 1;
                }
                let mut set = ByteSet::EMPTY;
                let mut first = true;
                loop {
                    match self.b.get(self.i) {
                        None => return Err(GlobError::Unbalanced),
                        Some(b']') if !first => {
                            self.i += 1;
                            break;
                        }
                        _ => {}
                    }
                    first = false;
                    let lo = self.char()?;
                    if self.b.get(self.i) == Some(&b'-')
                        && self.b.get(self.i + 1).is_some_and(|c| *c != b']')
                    {
                        self.i += 1;
                        let hi = self.char()?;
                        for x in lo..=hi {
                            set.insert(x);
                        }
                    } else {
                        set.insert(lo);
                    }
                }
                Ok(Regex::Set(if negate {
                    any_byte().minus(&set)
                } else {
                    set
                }))
            }
            Some(_) => Ok(Regex::byte(self.char()?)),
            None => Err(GlobError::Unbalanced),
        }
    }
}
