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

type Fnv = std::hash::BuildHasherDefault<FnvHasher>;

#[derive(Default)]
struct FnvHasher(u64);

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Build the deterministic automaton of `exprs`, each with its tag; fail
/// past `max_states` states.
pub fn build(exprs: &[(Regex, u32)], budget: Budget) -> Result<Built, TooLarge> {
    let mut ps = Positions::default();
    let mut start: Vec<u32> = Vec::new();
    for (r, tag) in exprs {
        let i = ps.walk(r);
        let acc = ps.add(Pos::Accept(*tag));
        ps.link(&i.last, &[acc]);
        start.extend(i.first);
        if i.nullable {
            start.push(acc);
        }
    }
    for f in &mut ps.follow {
        f.sort_unstable();
        f.dedup();
    }
    start.sort_unstable();
    start.dedup();

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
