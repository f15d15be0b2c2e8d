//! AppArmor patterns (globs) as automata.
//!
//! A pattern such as `/usr/{lib,lib64}/**.so` is compiled to a small
//! nondeterministic automaton over bytes, following the reference parser's
//! translation of globs to regular expressions: `*` matches any run of
//! characters except `/`, `**` any run at all, `?` one character except
//! `/`, `[...]` a class, `{a,b}` an alternation, and a `*` or `**` that
//! forms a whole path segment must match at least one character. On these
//! automata we answer: does a pattern match a path, do two patterns overlap
//! (with a witness path), does one include the other. Automata are explored
//! lazily (subset construction on the fly), so only the reachable part of a
//! product is ever built. [`set`] joins many tagged patterns into one
//! automaton and determinizes it, tags on the accepting states — the shape
//! the kernel compiler's tables take.

pub mod automaton;
pub mod literal;
pub mod minimize;
pub mod pack;
pub mod set;

pub use automaton::Automaton;
pub use set::{Dfa, PatternSet};
use std::collections::{HashMap, VecDeque};
use std::fmt;

/// A set of bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ByteSet([u64; 4]);

impl ByteSet {
    pub const EMPTY: ByteSet = ByteSet([0; 4]);

    pub fn single(b: u8) -> ByteSet {
        let mut s = ByteSet::EMPTY;
        s.insert(b);
        s
    }

    /// Every byte except NUL (which never occurs in a path).
    pub fn any() -> ByteSet {
        let mut s = ByteSet([u64::MAX; 4]);
        s.remove(0);
        s
    }

    /// Every byte except NUL and `/`.
    pub fn not_slash() -> ByteSet {
        let mut s = ByteSet::any();
        s.remove(b'/');
        s
    }

    pub fn insert(&mut self, b: u8) {
        self.0[(b >> 6) as usize] |= 1 << (b & 63);
    }

    pub fn remove(&mut self, b: u8) {
        self.0[(b >> 6) as usize] &= !(1 << (b & 63));
    }

    pub fn contains(&self, b: u8) -> bool {
        self.0[(b >> 6) as usize] & (1 << (b & 63)) != 0
    }

    pub fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }

    pub fn intersect(&self, o: &ByteSet) -> ByteSet {
        ByteSet([
            self.0[0] & o.0[0],
            self.0[1] & o.0[1],
            self.0[2] & o.0[2],
            self.0[3] & o.0[3],
        ])
    }

    pub fn union(&self, o: &ByteSet) -> ByteSet {
        ByteSet([
            self.0[0] | o.0[0],
            self.0[1] | o.0[1],
            self.0[2] | o.0[2],
            self.0[3] | o.0[3],
        ])
    }

    /// The bytes of `self` not in `o`.
    pub fn minus(&self, o: &ByteSet) -> ByteSet {
        ByteSet([
            self.0[0] & !o.0[0],
            self.0[1] & !o.0[1],
            self.0[2] & !o.0[2],
            self.0[3] & !o.0[3],
        ])
    }

    /// How many bytes the set holds.
    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The members, in increasing order.
    pub fn bytes(&self) -> impl Iterator<Item = u8> + '_ {
        (0..=255u8).filter(|b| self.contains(*b))
    }

    pub fn complement(&self) -> ByteSet {
        let mut s = ByteSet([!self.0[0], !self.0[1], !self.0[2], !self.0[3]]);
        s.remove(0);
        s
    }

    /// A representative member, preferring readable characters.
    pub fn pick(&self) -> Option<u8> {
        b"abcxyz0123456789ABCXYZ._-/"
            .iter()
            .copied()
            .find(|b| self.contains(*b))
            .or_else(|| (1..=255u8).find(|b| self.contains(*b)))
    }
}

impl fmt::Debug for ByteSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = (0..=255u8).filter(|b| self.contains(*b)).count();
        write!(f, "ByteSet({n} bytes)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    UnclosedBrace,
    UnmatchedCloseBrace,
    UnclosedClass,
    TooDeep,
    TooLarge,
    SingleAlternative,
    UnmatchedCloseBracket,
    TrailingBackslash,
}

impl PatternError {
    pub fn message(&self) -> &'static str {
        match self {
            PatternError::UnclosedBrace => "unclosed `{` alternation",
            PatternError::UnmatchedCloseBrace => "`}` without a matching `{`",
            PatternError::UnclosedClass => "unclosed `[` character class",
            PatternError::TooDeep => "alternations nested too deeply",
            PatternError::TooLarge => "pattern too large",
            PatternError::SingleAlternative => {
                "`{...}` needs at least two alternatives separated by `,`"
            }
            PatternError::UnmatchedCloseBracket => "`]` without a matching `[`",
            PatternError::TrailingBackslash => "trailing backslash",
        }
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for PatternError {}

/// The reference parser's limit on `{}` nesting.
const MAX_DEPTH: usize = 50;
const MAX_STATES: usize = 200_000;

#[derive(Debug, Clone)]
enum Node {
    Set(ByteSet),
    /// Zero or more bytes from the set.
    Star(ByteSet),
    Alt(Vec<Vec<Node>>),
}

#[derive(Debug, Clone, Default)]
struct State {
    eps: Vec<usize>,
    edges: Vec<(ByteSet, usize)>,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    states: Vec<State>,
    start: usize,
    accept: usize,
    literal: bool,
    text: String,
    /// The text's literal beginnings and end, worked out when first asked.
    literals: std::sync::OnceLock<Literals>,
    /// When the text is one alternation `{x,y,...}` as a whole, its
    /// alternatives, worked out when first asked.
    alternatives: std::sync::OnceLock<Option<Vec<Alternative>>>,
}

/// One alternative of a pattern that is an alternation as a whole: its
/// literals, and its pattern, parsed when first asked (`None` when it does
/// not parse alone).
#[derive(Debug, Clone)]
struct Alternative {
    literals: Literals,
    text: String,
    pattern: std::sync::OnceLock<Option<Box<Pattern>>>,
}

impl Alternative {
    fn pattern(&self) -> Option<&Pattern> {
        self.pattern
            .get_or_init(|| Pattern::parse(&self.text).ok().map(Box::new))
            .as_deref()
    }
}

pub use literal::Literals;

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    literal: bool,
}

impl Parser<'_> {
    /// Parse a sequence up to `,` or `}` (inside braces) or the end.
    fn seq(&mut self, depth: usize) -> Result<Vec<Node>, PatternError> {
        let mut out = Vec::new();
        while self.i < self.b.len() {
            let c = self.b[self.i];
            match c {
                b'}' | b',' if depth > 0 => break,
                b'}' => return Err(PatternError::UnmatchedCloseBrace),
                b'{' => {
                    if depth >= MAX_DEPTH {
                        return Err(PatternError::TooDeep);
                    }
                    self.i += 1;
                    let mut alts = Vec::new();
                    loop {
                        alts.push(self.seq(depth + 1)?);
                        match self.b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(PatternError::UnclosedBrace),
                        }
                    }
                    if alts.len() < 2 {
                        return Err(PatternError::SingleAlternative);
                    }
                    out.push(Node::Alt(alts));
                }
                b'*' => {
                    self.literal = false;
                    let double = self.b.get(self.i + 1) == Some(&b'*');
                    let start = self.i;
                    self.i += if double { 2 } else { 1 };
                    while self.b.get(self.i) == Some(&b'*') {
                        self.i += 1;
                    }
                    let set = if double {
                        ByteSet::any()
                    } else {
                        ByteSet::not_slash()
                    };
                    let seg_start = start == 0 || self.b[start - 1] == b'/';
                    let seg_end = matches!(
                        self.b.get(self.i),
                        None | Some(b'/') | Some(b'}') | Some(b',')
                    );
                    if seg_start && seg_end && start > 0 {
                        // a whole segment must not be empty
                        out.push(Node::Set(ByteSet::not_slash()));
                    }
                    out.push(Node::Star(set));
                }
                b'?' => {
                    self.literal = false;
                    self.i += 1;
                    out.push(Node::Set(ByteSet::not_slash()));
                }
                b'[' => {
                    // a positive class still matches finitely many paths; a
                    // negated one is a wildcard
                    if matches!(self.b.get(self.i + 1), Some(b'^') | Some(b'!')) {
                        self.literal = false;
                    }
                    out.push(Node::Set(self.class()?));
                }
                b'\\' if self.i + 1 < self.b.len() => {
                    out.push(Node::Set(ByteSet::single(self.b[self.i + 1])));
                    self.i += 2;
                }
                b'\\' => return Err(PatternError::TrailingBackslash),
                b']' => return Err(PatternError::UnmatchedCloseBracket),
                b'/' => {
                    // consecutive slashes match one slash
                    if !matches!(out.last(), Some(Node::Set(s)) if *s == ByteSet::single(b'/')) {
                        out.push(Node::Set(ByteSet::single(b'/')));
                    }
                    self.i += 1;
                }
                _ => {
                    out.push(Node::Set(ByteSet::single(c)));
                    self.i += 1;
                }
            }
        }
        Ok(out)
    }

    fn class(&mut self) -> Result<ByteSet, PatternError> {
        self.i += 1; // [
        let mut negate = false;
        if matches!(self.b.get(self.i), Some(b'^') | Some(b'!')) {
            negate = true;
            self.i += 1;
        }
        let mut set = ByteSet::EMPTY;
        let mut first = true;
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err(PatternError::UnclosedClass);
            };
            if c == b']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            let lo = if c == b'\\' && self.i + 1 < self.b.len() {
                self.i += 1;
                self.b[self.i]
            } else {
                c
            };
            self.i += 1;
            if self.b.get(self.i) == Some(&b'-')
                && self.b.get(self.i + 1).is_some_and(|n| *n != b']')
            {
                let mut hi = self.b[self.i + 1];
                self.i += 2;
                if hi == b'\\' && self.i < self.b.len() {
                    hi = self.b[self.i];
                    self.i += 1;
                }
                for x in lo.min(hi)..=lo.max(hi) {
                    set.insert(x);
                }
            } else {
                set.insert(lo);
            }
        }
        set.remove(0);
        Ok(if negate {
            let mut s = set.complement();
            s.remove(b'/');
            s
        } else {
            set
        })
    }
}

/// Check a pattern's syntax without building its automaton (what
/// [`Pattern::parse`] would reject), cheaply: no allocation for patterns
/// nested fewer than 16 deep.
pub fn check_syntax(text: &str) -> Result<(), PatternError> {
    let b = text.as_bytes();
    // alternatives seen at each open `{`
    let mut alts: smallvec_stack::Stack = smallvec_stack::Stack::default();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if i + 1 == b.len() => return Err(PatternError::TrailingBackslash),
            b'\\' => i += 1,
            b']' => return Err(PatternError::UnmatchedCloseBracket),
            b'{' => {
                if alts.len() >= MAX_DEPTH {
                    return Err(PatternError::TooDeep);
                }
                alts.push(1);
            }
            b',' if alts.len() > 0 => alts.bump(),
            b'}' => match alts.pop() {
                None => return Err(PatternError::UnmatchedCloseBrace),
                Some(n) if n < 2 => return Err(PatternError::SingleAlternative),
                Some(_) => {}
            },
            b'[' => {
                // find the closing `]` (a `]` right after `[` or `[^` is literal)
                let mut j = i + 1;
                if matches!(b.get(j), Some(b'^') | Some(b'!')) {
                    j += 1;
                }
                if b.get(j) == Some(&b']') {
                    j += 1;
                }
                loop {
                    match b.get(j) {
                        None => return Err(PatternError::UnclosedClass),
                        Some(b'\\') => j += 2,
                        Some(b']') => break,
                        Some(_) => j += 1,
                    }
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    if alts.len() > 0 {
        return Err(PatternError::UnclosedBrace);
    }
    Ok(())
}

/// A tiny stack of alternative counts that lives on the stack for the
/// nesting depths real patterns have.
mod smallvec_stack {
    #[derive(Default)]
    pub struct Stack {
        inline: [u32; 16],
        len: usize,
        spill: Vec<u32>,
    }

    impl Stack {
        pub fn len(&self) -> usize {
            self.len
        }
        pub fn push(&mut self, v: u32) {
            if self.len < 16 {
                self.inline[self.len] = v;
            } else {
                self.spill.push(v);
            }
            self.len += 1;
        }
        pub fn pop(&mut self) -> Option<u32> {
            if self.len == 0 {
                return None;
            }
            self.len -= 1;
            if self.len < 16 {
                Some(self.inline[self.len])
            } else {
                self.spill.pop()
            }
        }
        pub fn bump(&mut self) {
            if self.len == 0 {
                return;
            }
            if self.len <= 16 {
                self.inline[self.len - 1] += 1;
            } else if let Some(last) = self.spill.last_mut() {
                *last += 1;
            }
        }
    }
}

impl Pattern {
    /// A pattern matching `text` alone: every character a pattern reads
    /// specially (`*`, `?`, `[`, `]`, `{`, `}`, `\\`, `^`, and `@` before
    /// a variable's brace, which the escaped brace already is not)
    /// escaped with a backslash.
    pub fn escape(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\' | '^') {
                out.push('\\');
            }
            out.push(c);
        }
        out
    }

    /// Whether `text` parses as a pattern without wildcards, as
    /// [`Pattern::is_literal`] of its parse says, without building the
    /// automaton; `None` where it does not parse.
    pub fn literal_text(text: &str) -> Option<bool> {
        let mut p = Parser {
            b: text.as_bytes(),
            i: 0,
            literal: true,
        };
        p.seq(0).ok().map(|_| p.literal)
    }

    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        let mut p = Parser {
            b: text.as_bytes(),
            i: 0,
            literal: true,
        };
        let nodes = p.seq(0)?;
        let mut pat = Pattern {
            states: vec![State::default()],
            start: 0,
            accept: 0,
            literal: p.literal,
            text: text.to_string(),
            literals: std::sync::OnceLock::new(),
            alternatives: std::sync::OnceLock::new(),
        };
        let end = pat.build(&nodes, 0)?;
        pat.accept = end;
        Ok(pat)
    }

    /// The pattern text as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What the text says literally (see [`Literals`]).
    pub fn literals(&self) -> &Literals {
        self.literals.get_or_init(|| Literals::of(&self.text))
    }

    /// The alternatives of a text that is one alternation as a whole.
    fn alternatives(&self) -> Option<&[Alternative]> {
        self.alternatives
            .get_or_init(
                || match crate::syntax::quote::split_leading_alternation(&self.text) {
                    Some((alts, "")) if alts.len() > 1 => Some(
                        alts.into_iter()
                            .map(|t| Alternative {
                                literals: Literals::of(&t),
                                text: t,
                                pattern: std::sync::OnceLock::new(),
                            })
                            .collect(),
                    ),
                    _ => None,
                },
            )
            .as_deref()
    }

    /// A pattern without wildcards (`*`, `**`, `?`, `[^...]`; alternations
    /// and positive classes are allowed): the kernel lets such an exact
    /// match take precedence over wildcard matches for exec modes.
    pub fn is_literal(&self) -> bool {
        self.literal
    }

    fn new_state(&mut self) -> Result<usize, PatternError> {
        if self.states.len() >= MAX_STATES {
            return Err(PatternError::TooLarge);
        }
        self.states.push(State::default());
        Ok(self.states.len() - 1)
    }

    fn build(&mut self, nodes: &[Node], mut cur: usize) -> Result<usize, PatternError> {
        for n in nodes {
            match n {
                Node::Set(s) => {
                    let next = self.new_state()?;
                    self.states[cur].edges.push((*s, next));
                    cur = next;
                }
                Node::Star(s) => {
                    let next = self.new_state()?;
                    self.states[cur].eps.push(next);
                    self.states[next].edges.push((*s, next));
                    cur = next;
                }
                Node::Alt(alts) => {
                    let join = self.new_state()?;
                    for a in alts {
                        let start = self.new_state()?;
                        self.states[cur].eps.push(start);
                        let end = self.build(a, start)?;
                        self.states[end].eps.push(join);
                    }
                    cur = join;
                }
            }
        }
        Ok(cur)
    }

    fn closure(&self, set: &mut Vec<usize>) {
        let mut stack: Vec<usize> = set.clone();
        while let Some(s) = stack.pop() {
            for &e in &self.states[s].eps {
                if !set.contains(&e) {
                    set.push(e);
                    stack.push(e);
                }
            }
        }
        set.sort_unstable();
        set.dedup();
    }

    fn start_set(&self) -> Vec<usize> {
        let mut s = vec![self.start];
        self.closure(&mut s);
        s
    }

    fn step(&self, set: &[usize], b: u8) -> Vec<usize> {
        let mut out = Vec::new();
        for &s in set {
            for (bs, t) in &self.states[s].edges {
                if bs.contains(b) && !out.contains(t) {
                    out.push(*t);
                }
            }
        }
        self.closure(&mut out);
        out
    }

    fn accepts(&self, set: &[usize]) -> bool {
        set.contains(&self.accept)
    }

    /// Bytes that lead anywhere from a state set, partitioned into classes
    /// that behave alike (so we step once per class, not once per byte).
    fn classes(sets: &[(&Pattern, &[usize])]) -> Vec<ByteSet> {
        let mut parts: Vec<ByteSet> = vec![ByteSet::any()];
        for (p, set) in sets {
            for &s in *set {
                for (bs, _) in &p.states[s].edges {
                    let mut next = Vec::with_capacity(parts.len() * 2);
                    for part in &parts {
                        let inside = part.intersect(bs);
                        let outside = part.intersect(&bs.complement());
                        if !inside.is_empty() {
                            next.push(inside);
                        }
                        if !outside.is_empty() {
                            next.push(outside);
                        }
                    }
                    parts = next;
                }
            }
        }
        parts
    }

    /// Whether the pattern matches a concrete path.
    pub fn matches(&self, path: &str) -> bool {
        let mut set = self.start_set();
        for &b in path.as_bytes() {
            set = self.step(&set, b);
            if set.is_empty() {
                return false;
            }
        }
        self.accepts(&set)
    }
}

/// A multiply-rotate hash taking eight bytes at a step: the state-set
/// keys of [`search`] and of the compiler's subset construction are
/// vectors of small numbers, which SipHash (the default) hashes several
/// times slower, and FNV-1a, a byte at a step, four to eight times slower.
#[derive(Default)]
pub(crate) struct WordHasher(u64);

impl WordHasher {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;

    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        // the table takes its bucket from the low bits and its tag from
        // the high ones: fold the high bits the multiply made down
        let h = self.0 ^ (self.0 >> 29);
        h.wrapping_mul(Self::K) ^ (h >> 32)
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

pub(crate) type BuildWordHasher = std::hash::BuildHasherDefault<WordHasher>;

/// A pair of NFA state sets, one per pattern.
type Pair = (Vec<usize>, Vec<usize>);

/// Explore the product of two patterns breadth first; `goal` says whether a
/// pair of state sets is what we look for. Returns a path reaching it.
fn search(
    a: &Pattern,
    b: &Pattern,
    goal: impl Fn(&[usize], &[usize]) -> bool,
    need_b_alive: bool,
) -> Option<String> {
    let start = (a.start_set(), b.start_set());
    let mut seen: HashMap<Pair, usize, BuildWordHasher> = HashMap::default();
    let mut nodes: Vec<(Pair, Option<(usize, u8)>)> = Vec::new();
    let mut queue = VecDeque::new();
    seen.insert(start.clone(), 0);
    nodes.push((start, None));
    queue.push_back(0);
    while let Some(i) = queue.pop_front() {
        let (sa, sb) = nodes[i].0.clone();
        if goal(&sa, &sb) {
            return Some(path_to(i, |k| nodes[k].1));
        }
        if nodes.len() > MAX_STATES {
            return None;
        }
        for class in Pattern::classes(&[(a, &sa), (b, &sb)]) {
            let Some(byte) = class.pick() else { continue };
            let na = a.step(&sa, byte);
            let nb = b.step(&sb, byte);
            if (na.is_empty() && !need_b_alive) || nb.is_empty() {
                continue;
            }
            if need_b_alive || !na.is_empty() {
                let key = (na, nb);
                if !seen.contains_key(&key) {
                    seen.insert(key.clone(), nodes.len());
                    nodes.push((key, Some((i, byte))));
                    queue.push_back(nodes.len() - 1);
                }
            }
        }
    }
    None
}

/// A path both patterns match, if there is one.
pub fn overlap(a: &Pattern, b: &Pattern) -> Option<String> {
    if !a.literals().may_overlap(b.literals()) || !alternatives_overlap(a, b) {
        return None;
    }
    search(a, b, |sa, sb| a.accepts(sa) && b.accepts(sb), false)
}

/// Whether some alternative of `a` shares a path with some alternative
/// of `b`, where either is one alternation `{x,y,...}` as a whole: the
/// search over the product of two such alternations visits sets of
/// states of every alternative at once, while most pairs of alternatives
/// are told apart by their literals, and the rest are small searches.
/// (The witness is then the whole search's, the shortest.)
fn alternatives_overlap(a: &Pattern, b: &Pattern) -> bool {
    let (wa, wb) = (a.alternatives(), b.alternatives());
    if wa.is_none() && wb.is_none() {
        return true;
    }
    // each side's alternatives (the pattern itself when it is none), each
    // parsed once for as long as the pattern lives
    let (xs, ys) = (sides(a, wa), sides(b, wb));
    for (lx, x) in &xs {
        for (ly, y) in &ys {
            if !lx.may_overlap(ly) {
                continue;
            }
            let (Some(px), Some(py)) = (x.pattern(a), y.pattern(b)) else {
                // an alternative that does not parse alone: decide on the whole
                return true;
            };
            if search(px, py, |sa, sb| px.accepts(sa) && py.accepts(sb), false).is_some() {
                return true;
            }
        }
    }
    false
}

/// A pattern's sides in [`alternatives_overlap`]: its alternatives (the
/// pattern itself when it is none), each parsed once for as long as the
/// pattern lives.
fn sides<'a>(p: &'a Pattern, w: Option<&'a [Alternative]>) -> Vec<(&'a Literals, Side<'a>)> {
    match w {
        Some(alts) => alts.iter().map(|x| (&x.literals, Side::Alt(x))).collect(),
        None => vec![(p.literals(), Side::Whole)],
    }
}

/// A side of [`alternatives_overlap`]: one alternative, or the whole.
#[derive(Clone, Copy)]
enum Side<'a> {
    Alt(&'a Alternative),
    Whole,
}

impl<'a> Side<'a> {
    fn pattern(self, whole: &'a Pattern) -> Option<&'a Pattern> {
        match self {
            Side::Alt(x) => x.pattern(),
            Side::Whole => Some(whole),
        }
    }
}

/// The path a breadth-first search took to node `i`, given each node's
/// parent and the byte that led from it.
fn path_to(i: usize, parent: impl Fn(usize) -> Option<(usize, u8)>) -> String {
    let mut bytes = Vec::new();
    let mut k = i;
    while let Some((p, byte)) = parent(k) {
        bytes.push(byte);
        k = p;
    }
    bytes.reverse();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A state set and how it was reached (parent node, byte).
type Node1 = (Vec<usize>, Option<(usize, u8)>);

/// A shortest path the pattern matches (`None` for an empty language).
pub fn example(p: &Pattern) -> Option<String> {
    // breadth first over the pattern's own state sets
    let start = p.start_set();
    let mut seen: HashMap<Vec<usize>, (), BuildWordHasher> = HashMap::default();
    let mut nodes: Vec<Node1> = vec![(start.clone(), None)];
    seen.insert(start, ());
    let mut queue = VecDeque::from([0usize]);
    while let Some(i) = queue.pop_front() {
        if p.accepts(&nodes[i].0) {
            return Some(path_to(i, |k| nodes[k].1));
        }
        if nodes.len() > MAX_STATES {
            return None;
        }
        let set = nodes[i].0.clone();
        for class in Pattern::classes(&[(p, &set)]) {
            let Some(byte) = class.pick() else { continue };
            let next = p.step(&set, byte);
            if next.is_empty() || seen.contains_key(&next) {
                continue;
            }
            seen.insert(next.clone(), ());
            nodes.push((next, Some((i, byte))));
            queue.push_back(nodes.len() - 1);
        }
    }
    None
}

/// Whether every path `b` matches is matched by `a` (L(b) ⊆ L(a)).
pub fn includes(a: &Pattern, b: &Pattern) -> bool {
    search(a, b, |sa, sb| b.accepts(sb) && !a.accepts(sa), true).is_none()
}

#[cfg(test)]
mod tests;
