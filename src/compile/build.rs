//! From expressions to a deterministic automaton: the positions of every
//! expression (Glushkov's construction, as the reference's `followpos`),
//! then the subset construction over sets of positions, breadth first.
//! Each expression ends in an accepting position carrying a tag; a state
//! accepts the tags of the accepting positions it holds.

use super::regex::Regex;
use crate::aare::ByteSet;
use crate::aare::automaton::Row;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};

/// How far a construction may go: states, and positions held in the
/// state sets (each four bytes, stored twice: the memory the construction
/// needs grows with it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub states: usize,
    pub positions: usize,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            states: 250_000,
            positions: 40_000_000,
        }
    }
}

/// A construction that went past its budget.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TooLarge {
    #[error("the automaton grows past {0} states")]
    States(usize),
    #[error("the automaton's states hold more than {0} positions (about {mb} MB)", mb = .0 * 8 / 1_000_000)]
    Positions(usize),
}

/// The automaton the construction built: state 0 is the trap state, 1 the
/// start state, rows over bytes, and each state's accepted tags (sorted).
#[derive(Debug, Default)]
pub struct Built {
    pub rows: Vec<Row>,
    pub tags: Vec<Vec<u32>>,
}

enum Pos {
    Byte(ByteSet),
    Accept(u32),
}

#[derive(Default)]
struct Positions {
    pos: Vec<Pos>,
    follow: Vec<Vec<u32>>,
}

struct Info {
    nullable: bool,
    first: Vec<u32>,
    last: Vec<u32>,
}

impl Positions {
    fn add(&mut self, p: Pos) -> u32 {
        self.pos.push(p);
        self.follow.push(Vec::new());
        (self.pos.len() - 1) as u32
    }

    fn link(&mut self, from: &[u32], to: &[u32]) {
        for &f in from {
            self.follow[f as usize].extend_from_slice(to);
        }
    }

    fn walk(&mut self, r: &Regex) -> Info {
        match r {
            Regex::Empty => Info {
                nullable: true,
                first: vec![],
                last: vec![],
            },
            Regex::Set(s) => {
                let p = self.add(Pos::Byte(*s));
                Info {
                    nullable: false,
                    first: vec![p],
                    last: vec![p],
                }
            }
            Regex::Cat(v) => {
                let mut acc = Info {
                    nullable: true,
                    first: vec![],
                    last: vec![],
                };
                for r in v {
                    let i = self.walk(r);
                    self.link(&acc.last, &i.first);
                    if acc.nullable {
                        acc.first.extend_from_slice(&i.first);
                    }
                    if i.nullable {
                        acc.last.extend_from_slice(&i.last);
                    } else {
                        acc.last = i.last;
                    }
                    acc.nullable &= i.nullable;
                }
                acc
            }
            Regex::Alt(v) => {
                let mut acc = Info {
                    nullable: false,
                    first: vec![],
                    last: vec![],
                };
                for r in v {
                    let i = self.walk(r);
                    acc.nullable |= i.nullable;
                    acc.first.extend(i.first);
                    acc.last.extend(i.last);
                }
                acc
            }
            Regex::Star(r) => {
                let i = self.walk(r);
                self.link(&i.last, &i.first);
                Info {
                    nullable: true,
                    first: i.first,
                    last: i.last,
                }
            }
        }
    }
}

use crate::aare::BuildFnv as Fnv;

/// The expressions as a trie of their concatenated parts: expressions
/// that begin alike share those parts, and so their positions, which keeps
/// the state sets of the subset construction small (the reference factors
/// its expression tree for the same reason).
#[derive(Default)]
struct Trie {
    accepts: Vec<u32>,
    children: Vec<(Regex, Trie)>,
    index: HashMap<Regex, usize>,
}

impl Trie {
    fn insert(&mut self, parts: &[Regex], tag: u32) {
        match parts.split_first() {
            None => {
                if !self.accepts.contains(&tag) {
                    self.accepts.push(tag);
                }
            }
            Some((first, rest)) => {
                let i = match self.index.get(first) {
                    Some(i) => *i,
                    None => {
                        self.children.push((first.clone(), Trie::default()));
                        self.index.insert(first.clone(), self.children.len() - 1);
                        self.children.len() - 1
                    }
                };
                self.children[i].1.insert(rest, tag);
            }
        }
    }
}

/// The parts of an expression, nested concatenations flattened.
fn parts(r: &Regex, out: &mut Vec<Regex>) {
    match r {
        Regex::Cat(v) => v.iter().for_each(|x| parts(x, out)),
        Regex::Empty => {}
        x => out.push(x.clone()),
    }
}

impl Positions {
    /// The positions a trie node starts with (its accepting positions and
    /// its children's first ones).
    fn walk_trie(&mut self, t: &Trie) -> Vec<u32> {
        let mut first = Vec::new();
        for &tag in &t.accepts {
            first.push(self.add(Pos::Accept(tag)));
        }
        for (item, child) in &t.children {
            let i = self.walk(item);
            let next = self.walk_trie(child);
            self.link(&i.last, &next);
            first.extend_from_slice(&i.first);
            if i.nullable {
                first.extend_from_slice(&next);
            }
        }
        first
    }
}

/// Which tags can still be accepted after a position.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tags {
    None,
    One(u32),
    Many,
}

impl Tags {
    fn with(self, o: Tags) -> Tags {
        match (self, o) {
            (Tags::None, x) | (x, Tags::None) => x,
            (Tags::One(a), Tags::One(b)) if a == b => self,
            _ => Tags::Many,
        }
    }
}

/// Positions that make others redundant: a position that loops on a set
/// of bytes and accepts a tag after each (the tail of `/dir/** rw`)
/// accepts that tag on every continuation over those bytes, so a position
/// of the same state that can only ever accept that tag, over those bytes
/// only, adds nothing to the state. Dropping such positions keeps the
/// states of rules with the same permissions from multiplying (the
/// minimal automaton is the same either way).
struct Dominance {
    /// For a looping tail: its tag and its bytes.
    tail: Vec<Option<(u32, ByteSet)>>,
    /// The bytes that can follow a position (its own included).
    bytes: Vec<ByteSet>,
    tags: Vec<Tags>,
}

impl Dominance {
    fn of(ps: &Positions) -> Dominance {
        let n = ps.pos.len();
        let mut bytes = vec![ByteSet::EMPTY; n];
        let mut tags = vec![Tags::None; n];
        for (i, p) in ps.pos.iter().enumerate() {
            match p {
                Pos::Byte(s) => bytes[i] = *s,
                Pos::Accept(t) => tags[i] = Tags::One(*t),
            }
        }
        // to a fixed point over the follow graph (later positions mostly
        // follow earlier ones, so walking backwards converges quickly)
        loop {
            let mut changed = false;
            for q in (0..n).rev() {
                let (mut b, mut t) = (bytes[q], tags[q]);
                for &f in &ps.follow[q] {
                    b = b.union(&bytes[f as usize]);
                    t = t.with(tags[f as usize]);
                }
                if b != bytes[q] || t != tags[q] {
                    bytes[q] = b;
                    tags[q] = t;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let tail = (0..n)
            .map(|i| {
                let Pos::Byte(s) = ps.pos[i] else { return None };
                let mut tag = None;
                for &f in &ps.follow[i] {
                    match ps.pos[f as usize] {
                        _ if f as usize == i => {}
                        Pos::Accept(t) if tag.is_none() || tag == Some(t) => tag = Some(t),
                        _ => return None,
                    }
                }
                let looping = ps.follow[i].binary_search(&(i as u32)).is_ok();
                tag.filter(|_| looping).map(|t| (t, s))
            })
            .collect();
        Dominance { tail, bytes, tags }
    }

    /// Drop the positions of `set` that a looping tail in it makes
    /// redundant.
    fn prune(&self, set: &mut Vec<u32>) {
        let tails: Vec<(u32, u32, ByteSet)> = set
            .iter()
            .filter_map(|&p| self.tail[p as usize].map(|(t, s)| (p, t, s)))
            .collect();
        if tails.is_empty() {
            return;
        }
        set.retain(|&q| {
            let qi = q as usize;
            // an accepting position says what the state accepts: kept
            if self.bytes[qi].is_empty() {
                return true;
            }
            !tails.iter().any(|&(p, t, s)| {
                p != q
                    && self.tags[qi] == Tags::One(t)
                    && self.bytes[qi].minus(&s).is_empty()
                    // of two tails that cover each other keep the first
                    && !(self.tail[qi].is_some_and(|(_, s2)| s.minus(&s2).is_empty()) && q < p)
            })
        });
    }
}

/// Build the deterministic automaton of `exprs`, each with its tag; fail
/// past the budget.
pub fn build(exprs: &[(Regex, u32)], budget: Budget) -> Result<Built, TooLarge> {
    let mut ps = Positions::default();
    let mut trie = Trie::default();
    let mut buf = Vec::new();
    for (r, tag) in exprs {
        buf.clear();
        parts(r, &mut buf);
        trie.insert(&buf, *tag);
    }
    let mut start = ps.walk_trie(&trie);
    drop(trie);
    for f in &mut ps.follow {
        f.sort_unstable();
        f.dedup();
    }
    start.sort_unstable();
    start.dedup();
    let dom = Dominance::of(&ps);
    dom.prune(&mut start);

    let mut index: HashMap<Vec<u32>, u32, Fnv> = HashMap::default();
    let mut sets: Vec<Vec<u32>> = vec![Vec::new(), start.clone()];
    index.insert(Vec::new(), 0);
    index.insert(start, 1);
    let mut out = Built {
        rows: vec![Vec::new(), Vec::new()],
        tags: vec![Vec::new(), Vec::new()],
    };
    let mut queue = VecDeque::from([1u32]);
    let mut held = 0usize;
    // scratch: per byte, the positions whose set holds it
    let mut by_set: Vec<(ByteSet, Vec<u32>)> = Vec::new();
    while let Some(id) = queue.pop_front() {
        let set = std::mem::take(&mut sets[id as usize]);
        by_set.clear();
        let mut tags = Vec::new();
        for &p in &set {
            match &ps.pos[p as usize] {
                Pos::Accept(t) => tags.push(*t),
                Pos::Byte(s) => match by_set.iter_mut().find(|(x, _)| x == s) {
                    Some((_, v)) => v.push(p),
                    None => by_set.push((*s, vec![p])),
                },
            }
        }
        tags.sort_unstable();
        tags.dedup();
        out.tags[id as usize] = tags;
        // the bytes that select the same sets go to the same state
        let words = by_set.len().div_ceil(64);
        let mut sig_of: Vec<Vec<u64>> = vec![vec![0u64; words]; 256];
        for (k, (s, _)) in by_set.iter().enumerate() {
            for b in s.bytes() {
                sig_of[usize::from(b)][k / 64] |= 1 << (k % 64);
            }
        }
        let mut target_of: HashMap<&[u64], u32, Fnv> = HashMap::default();
        let mut row: Row = Vec::new();
        for b in 0..=255u8 {
            let sig = &sig_of[usize::from(b)];
            let t = match target_of.get(sig.as_slice()) {
                Some(t) => *t,
                None => {
                    let mut next: Vec<u32> = Vec::new();
                    for (k, (_, v)) in by_set.iter().enumerate() {
                        if sig[k / 64] & (1 << (k % 64)) != 0 {
                            for &p in v {
                                next.extend_from_slice(&ps.follow[p as usize]);
                            }
                        }
                    }
                    next.sort_unstable();
                    next.dedup();
                    dom.prune(&mut next);
                    let t = match index.entry(next) {
                        Entry::Occupied(e) => *e.get(),
                        Entry::Vacant(e) => {
                            if out.rows.len() >= budget.states {
                                return Err(TooLarge::States(budget.states));
                            }
                            held += e.key().len();
                            if held > budget.positions {
                                return Err(TooLarge::Positions(budget.positions));
                            }
                            let t = out.rows.len() as u32;
                            sets.push(e.key().clone());
                            e.insert(t);
                            out.rows.push(Vec::new());
                            out.tags.push(Vec::new());
                            queue.push_back(t);
                            t
                        }
                    };
                    target_of.insert(sig.as_slice(), t);
                    t
                }
            };
            if t == 0 {
                continue;
            }
            match row.last_mut() {
                Some((_, hi, to)) if *to == t && u16::from(*hi) + 1 == u16::from(b) => *hi = b,
                _ => row.push((b, b, t)),
            }
        }
        out.rows[id as usize] = row;
    }
    Ok(out)
}
