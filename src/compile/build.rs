//! From expressions to a deterministic automaton: the positions of every
//! expression (Glushkov's construction, as the reference's `followpos`),
//! positions that behave alike merged, then the subset construction over
//! sets of positions, breadth first.
//! Each expression ends in an accepting position carrying a tag; a state
//! accepts the tags of the accepting positions it holds.

use super::regex::Regex;
use crate::aare::ByteSet;
use crate::aare::automaton::Row;
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

use crate::aare::BuildWordHasher;

/// The expressions as a trie of their concatenated parts: expressions
/// that begin alike share those parts, and so their positions, which keeps
/// the state sets of the subset construction small (the reference factors
/// its expression tree for the same reason).
#[derive(Default)]
struct Trie {
    accepts: Vec<u32>,
    children: Vec<(Regex, Trie)>,
    index: HashMap<Regex, usize, BuildWordHasher>,
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
    /// redundant (`tails` is scratch, reused from call to call).
    fn prune(&self, set: &mut Vec<u32>, tails: &mut Vec<(u32, u32, ByteSet)>) {
        tails.clear();
        tails.extend(
            set.iter()
                .filter_map(|&p| self.tail[p as usize].map(|(t, s)| (p, t, s))),
        );
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

impl Positions {
    /// The positions with those that behave alike merged: two positions
    /// are alike when they match the same bytes (or accept the same tag),
    /// both loop on themselves or neither does, and the other positions
    /// that follow them are alike in turn. One pass over the strongly
    /// connected parts of the follow graph, followers first, decides it:
    /// a position in a cycle of several (rare: the loops of globs are
    /// positions that follow themselves) is left alone. A state of the
    /// subset construction then holds one of each kind, so rules that end
    /// alike (`/a/** r`, `/b/** r`) share their tails and their
    /// combinations no longer multiply the states. Returns the merged
    /// positions and where the start positions went.
    fn merge_alike(self, start: &[u32]) -> (Positions, Vec<u32>) {
        let n = self.pos.len();
        const NONE: u32 = u32::MAX;
        let mut class = vec![NONE; n];
        let mut classes = 0u32;
        let mut known: HashMap<Vec<u32>, u32, BuildWordHasher> = HashMap::default();
        // a position's kind: its byte set or tag, numbered
        let mut kinds: HashMap<(bool, ByteSet, u32), u32, BuildWordHasher> = HashMap::default();
        let kind: Vec<u32> = self
            .pos
            .iter()
            .map(|p| {
                let key = match p {
                    Pos::Byte(s) => (false, *s, 0),
                    Pos::Accept(t) => (true, ByteSet::EMPTY, *t),
                };
                let next = kinds.len() as u32;
                *kinds.entry(key).or_insert(next)
            })
            .collect();
        drop(kinds);
        // Tarjan's algorithm, without recursion: a part is complete (and
        // every part it reaches already classed) when its root is left
        let mut index = vec![NONE; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        let mut calls: Vec<(u32, usize)> = Vec::new();
        let mut counter = 0u32;
        let mut sig: Vec<u32> = Vec::new();
        for root in 0..n {
            if index[root] != NONE {
                continue;
            }
            index[root] = counter;
            low[root] = counter;
            counter += 1;
            stack.push(root as u32);
            on_stack[root] = true;
            calls.push((root as u32, 0));
            while let Some(&mut (v, ref mut edge)) = calls.last_mut() {
                let vi = v as usize;
                if let Some(&w) = self.follow[vi].get(*edge) {
                    *edge += 1;
                    let wi = w as usize;
                    if index[wi] == NONE {
                        index[wi] = counter;
                        low[wi] = counter;
                        counter += 1;
                        stack.push(w);
                        on_stack[wi] = true;
                        calls.push((w, 0));
                    } else if on_stack[wi] {
                        low[vi] = low[vi].min(index[wi]);
                    }
                    continue;
                }
                calls.pop();
                if let Some(&(u, _)) = calls.last() {
                    low[u as usize] = low[u as usize].min(low[vi]);
                }
                if low[vi] != index[vi] {
                    continue;
                }
                // the part rooted at v
                let top = stack.last().copied();
                if top == Some(v) {
                    stack.pop();
                    on_stack[vi] = false;
                    sig.clear();
                    sig.extend(
                        self.follow[vi]
                            .iter()
                            .filter(|&&f| f != v)
                            .map(|&f| class[f as usize]),
                    );
                    sig.sort_unstable();
                    sig.dedup();
                    let looping = self.follow[vi].binary_search(&v).is_ok();
                    sig.push(kind[vi]);
                    sig.push(u32::from(looping));
                    class[vi] = match known.get(sig.as_slice()) {
                        Some(&c) => c,
                        None => {
                            known.insert(sig.clone(), classes);
                            classes += 1;
                            classes - 1
                        }
                    };
                } else {
                    while let Some(w) = stack.pop() {
                        on_stack[w as usize] = false;
                        class[w as usize] = classes;
                        classes += 1;
                        if w == v {
                            break;
                        }
                    }
                }
            }
        }
        drop(known);
        let count = classes as usize;
        // one position per class, numbered in the order of first use
        let mut pos = Vec::with_capacity(count);
        let mut rep = vec![u32::MAX; count];
        let mut of = vec![0u32; n];
        for (i, p) in self.pos.into_iter().enumerate() {
            let c = class[i] as usize;
            if rep[c] == u32::MAX {
                rep[c] = pos.len() as u32;
                pos.push((p, i));
            }
            of[i] = rep[c];
        }
        let follow = pos
            .iter()
            .map(|&(_, i)| {
                let mut f: Vec<u32> = self.follow[i].iter().map(|&x| of[x as usize]).collect();
                f.sort_unstable();
                f.dedup();
                f
            })
            .collect();
        let pos = pos.into_iter().map(|(p, _)| p).collect();
        let mut start: Vec<u32> = start.iter().map(|&x| of[x as usize]).collect();
        start.sort_unstable();
        start.dedup();
        (Positions { pos, follow }, start)
    }
}

/// The bytes that every position's byte set treats alike (classes,
/// numbered in the order of their first byte), and each position's set
/// as a set of classes: the subset construction works class by class.
struct ByteClasses {
    class: [u16; 256],
    count: usize,
    /// The distinct byte sets, as bit sets of classes.
    sets: Vec<[u64; 4]>,
    /// Each position's set (by number; `u32::MAX` for an accepting one).
    set_of: Vec<u32>,
}

impl ByteClasses {
    fn of(ps: &Positions) -> ByteClasses {
        let mut number: HashMap<ByteSet, u32, BuildWordHasher> = HashMap::default();
        let mut distinct: Vec<ByteSet> = Vec::new();
        let set_of = ps
            .pos
            .iter()
            .map(|p| match p {
                Pos::Byte(s) => *number.entry(*s).or_insert_with(|| {
                    distinct.push(*s);
                    distinct.len() as u32 - 1
                }),
                Pos::Accept(_) => u32::MAX,
            })
            .collect();
        let mut class = [0u16; 256];
        let mut count = 1usize;
        let mut renumber = [u16::MAX; 512];
        for s in &distinct {
            if count == 256 {
                break;
            }
            renumber.fill(u16::MAX);
            let mut fresh = 0u16;
            for (b, c) in class.iter_mut().enumerate() {
                let key = usize::from(*c) * 2 + usize::from(s.contains(b as u8));
                if renumber[key] == u16::MAX {
                    renumber[key] = fresh;
                    fresh += 1;
                }
                *c = renumber[key];
            }
            count = usize::from(fresh);
        }
        let sets = distinct
            .iter()
            .map(|s| {
                let mut bits = [0u64; 4];
                for b in s.bytes() {
                    let c = usize::from(class[usize::from(b)]);
                    bits[c / 64] |= 1 << (c % 64);
                }
                bits
            })
            .collect();
        ByteClasses {
            class,
            count,
            sets,
            set_of,
        }
    }

    /// The classes of set `g`.
    fn members(&self, g: u32) -> impl Iterator<Item = usize> + '_ {
        self.sets[g as usize]
            .iter()
            .enumerate()
            .flat_map(|(w, &bits)| {
                let mut bits = bits;
                std::iter::from_fn(move || {
                    (bits != 0).then(|| {
                        let i = bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        w * 64 + i
                    })
                })
            })
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
    let (ps, mut start) = ps.merge_alike(&start);
    let dom = Dominance::of(&ps);
    dom.prune(&mut start, &mut Vec::new());

    let mut index: HashMap<Vec<u32>, u32, BuildWordHasher> = HashMap::default();
    let mut sets: Vec<Vec<u32>> = vec![Vec::new(), start.clone()];
    index.insert(Vec::new(), 0);
    index.insert(start, 1);
    let mut out = Built {
        rows: vec![Vec::new(), Vec::new()],
        tags: vec![Vec::new(), Vec::new()],
    };
    let classes = ByteClasses::of(&ps);
    let k = classes.count;
    let mut queue = VecDeque::from([1u32]);
    let mut held = 0usize;
    // scratch, reused from state to state: the distinct byte sets of a
    // state's positions (by number) with the positions of each, each
    // class's signature (which of those sets hold it), the classes whose
    // signatures have a target, each class's target, and the next set
    // being gathered
    let mut distinct: Vec<u32> = Vec::new();
    let mut slot = vec![u32::MAX; classes.sets.len()];
    let mut members: Vec<Vec<u32>> = Vec::new();
    let mut sig: Vec<u64> = Vec::new();
    let mut seen: Vec<(usize, u32)> = Vec::new();
    let mut target = vec![0u32; k];
    let mut next: Vec<u32> = Vec::new();
    let mut stamp = vec![0u32; ps.pos.len()];
    let mut epoch = 0u32;
    let mut tails: Vec<(u32, u32, ByteSet)> = Vec::new();
    while let Some(id) = queue.pop_front() {
        let set = std::mem::take(&mut sets[id as usize]);
        for &g in &distinct {
            slot[g as usize] = u32::MAX;
        }
        distinct.clear();
        let mut tags = Vec::new();
        for &p in &set {
            match &ps.pos[p as usize] {
                Pos::Accept(t) => tags.push(*t),
                Pos::Byte(_) => {
                    let g = classes.set_of[p as usize] as usize;
                    if slot[g] == u32::MAX {
                        slot[g] = distinct.len() as u32;
                        distinct.push(g as u32);
                        if members.len() < distinct.len() {
                            members.push(Vec::new());
                        }
                        members[distinct.len() - 1].clear();
                    }
                    members[slot[g] as usize].push(p);
                }
            }
        }
        tags.sort_unstable();
        tags.dedup();
        out.tags[id as usize] = tags;
        // the classes that select the same sets go to the same state
        let words = distinct.len().div_ceil(64).max(1);
        sig.clear();
        sig.resize(k * words, 0);
        for (j, &g) in distinct.iter().enumerate() {
            for c in classes.members(g) {
                sig[c * words + j / 64] |= 1 << (j % 64);
            }
        }
        seen.clear();
        for c in 0..k {
            let key = &sig[c * words..][..words];
            let known = if words == 1 {
                // one word: compared as a number, not as a slice
                seen.iter().rev().find(|&&(d, _)| sig[d] == key[0])
            } else {
                seen.iter()
                    .rev()
                    .find(|&&(d, _)| &sig[d * words..][..words] == key)
            }
            .map(|&(_, t)| t);
            target[c] = match known {
                Some(t) => t,
                None => {
                    next.clear();
                    // each follower once (a stamp per position), then sorted
                    epoch += 1;
                    for (j, v) in members.iter().enumerate().take(distinct.len()) {
                        if key[j / 64] & (1 << (j % 64)) != 0 {
                            for &p in v {
                                for &f in &ps.follow[p as usize] {
                                    if stamp[f as usize] != epoch {
                                        stamp[f as usize] = epoch;
                                        next.push(f);
                                    }
                                }
                            }
                        }
                    }
                    next.sort_unstable();
                    dom.prune(&mut next, &mut tails);
                    let t = match index.get(next.as_slice()) {
                        Some(t) => *t,
                        None => {
                            if out.rows.len() >= budget.states {
                                return Err(TooLarge::States(budget.states));
                            }
                            held += next.len();
                            if held > budget.positions {
                                return Err(TooLarge::Positions(budget.positions));
                            }
                            let t = out.rows.len() as u32;
                            sets.push(next.clone());
                            index.insert(next.clone(), t);
                            out.rows.push(Vec::new());
                            out.tags.push(Vec::new());
                            queue.push_back(t);
                            t
                        }
                    };
                    seen.push((c, t));
                    t
                }
            };
        }
        let mut row: Row = Vec::new();
        for b in 0..=255u8 {
            let t = target[usize::from(classes.class[usize::from(b)])];
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
