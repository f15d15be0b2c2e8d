//! Minimisation of an [`Automaton`] by partition refinement, and
//! [`same_language`], the product walk that tells whether two automata
//! accept the same inputs with the same accept words.
//!
//! The work is done over each state's byte ranges, as the automaton holds
//! them (a state of a path automaton has about four: most bytes go to one
//! state), never over a 256-entry array or a dense row per byte class:
//! refining by byte classes made every state cost one transition per
//! class, about 60 on apparmor.d's automata, fifteen times the ranges.

use super::automaton::{Automaton, Row, START, TRAP};
use std::collections::{HashMap, VecDeque};

/// The states reachable from the start (the trap state first, the start
/// second, then breadth first in byte order).
fn reachable(a: &Automaton) -> Vec<u32> {
    let n = a.len();
    let mut order = Vec::new();
    let mut seen = vec![false; n];
    for s in [TRAP, START] {
        if (s as usize) < n && !seen[s as usize] {
            seen[s as usize] = true;
            order.push(s);
        }
    }
    let mut i = 0;
    while i < order.len() {
        let s = order[i];
        i += 1;
        for &(_, _, t) in &a.rows[s as usize] {
            if (t as usize) < n && !seen[t as usize] {
                seen[t as usize] = true;
                order.push(t);
            }
        }
    }
    order
}

/// A refinable partition of `0..n` (Valmari and Lehtinen's layout): the
/// elements of a block are contiguous in `elems`, and marking an element
/// moves it to the front part of its block and records the block as
/// touched; [`refine`] splits the touched blocks.
struct Partition {
    elems: Vec<u32>,
    loc: Vec<u32>,
    block: Vec<u32>,
    first: Vec<u32>,
    end: Vec<u32>,
    /// How many elements of each block are marked.
    marked: Vec<u32>,
    touched: Vec<u32>,
}

impl Partition {
    /// The partition of `0..keys.len()` by equal keys, blocks in the
    /// order of their keys.
    fn by_keys<K: Ord + Copy>(keys: &[K]) -> Partition {
        let mut elems: Vec<u32> = (0..keys.len() as u32).collect();
        elems.sort_by_key(|&s| (keys[s as usize], s));
        Partition::of_sorted(keys, elems)
    }

    /// The partition of `0..keys.len()` whose elements `elems` are sorted
    /// by key.
    fn of_sorted<K: Eq + Copy>(keys: &[K], elems: Vec<u32>) -> Partition {
        let n = keys.len();
        let mut p = Partition {
            loc: vec![0; n],
            block: vec![0; n],
            elems,
            first: Vec::new(),
            end: Vec::new(),
            marked: Vec::new(),
            touched: Vec::new(),
        };
        for i in 0..n {
            let s = p.elems[i] as usize;
            p.loc[s] = i as u32;
            if i == 0 || keys[p.elems[i - 1] as usize] != keys[s] {
                if i > 0 {
                    p.end.push(i as u32);
                }
                p.first.push(i as u32);
                p.marked.push(0);
            }
            p.block[s] = (p.first.len() - 1) as u32;
        }
        if n > 0 {
            p.end.push(n as u32);
        }
        p
    }

    fn blocks(&self) -> usize {
        self.first.len()
    }

    #[inline]
    fn mark(&mut self, s: u32) {
        let b = self.block[s as usize] as usize;
        let i = self.loc[s as usize];
        let m = self.first[b] + self.marked[b];
        if i < m {
            return; // already marked
        }
        if self.marked[b] == 0 {
            self.touched.push(b as u32);
        }
        let other = self.elems[m as usize];
        self.elems.swap(i as usize, m as usize);
        self.loc[s as usize] = m;
        self.loc[other as usize] = i;
        self.marked[b] += 1;
    }
}

/// How [`minimize_with`] numbers the states and whether the start state
/// may merge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MinimizeOptions {
    /// Keep the start state apart from every other state, as the
    /// reference does (its minimisation starts with the start state in a
    /// partition of its own), even when another state is equivalent.
    pub start_alone: bool,
    /// Breadth first, visit each state's default target (the one most of
    /// its bytes go to, see [`super::pack`]) before the others in byte
    /// order: the order in which the reference creates states (a state's
    /// "otherwise" transition first, then its characters in order) and
    /// numbers them after minimising. Without it, targets are visited in
    /// byte order only.
    pub default_first: bool,
}

impl MinimizeOptions {
    /// The reference's numbering and start rule: with them, minimising an
    /// automaton the reference wrote gives it back state for state, and
    /// [`super::pack::pack`] then gives its blob byte for byte.
    pub const REFERENCE: MinimizeOptions = MinimizeOptions {
        start_alone: true,
        default_first: true,
    };
}

/// [`minimize_with`] with the default options: states numbered breadth
/// first in byte order.
pub fn minimize(a: &Automaton) -> Automaton {
    minimize_with(a, &MinimizeOptions::default())
}

/// The minimal automaton accepting what `a` accepts, with the same accept
/// words: states with the same (accept, accept2) pair and equivalent
/// futures are merged (by [`refine`]), unreachable states are
/// dropped. The states equivalent to the trap state become state 0, the
/// start is state 1, the others are numbered breadth first from the start,
/// each state's targets visited in byte order (or its default first, see
/// [`MinimizeOptions`]), so equal languages give equal output.
///
/// `a` must be in the kernel's shape: state 0 the trap state (no
/// transitions, accept words 0), state 1 the start; a target out of range
/// is read as the trap state.
pub fn minimize_with(a: &Automaton, opts: &MinimizeOptions) -> Automaton {
    if a.len() < 2 {
        return Automaton::empty();
    }
    let order = reachable(a);
    let mut index = vec![u32::MAX; a.len()];
    for (i, &s) in order.iter().enumerate() {
        index[s as usize] = i as u32;
    }
    let sp = Sparse::build(a, &order, &index);
    let keys: Vec<(u32, u32, bool)> = order
        .iter()
        .map(|&s| {
            let alone = opts.start_alone && s == START;
            let s = s as usize;
            (
                a.accept.get(s).copied().unwrap_or(0),
                a.accept2.get(s).copied().unwrap_or(0),
                alone,
            )
        })
        .collect();
    let (block, blocks) = refine(&keys, &sp);
    // a member of each block
    let mut member = vec![usize::MAX; blocks];
    for (s, &b) in block.iter().enumerate().rev() {
        member[b as usize] = s;
    }

    // number the blocks: trap, start, then breadth first in byte order
    let trap_block = block[0] as usize;
    let start_block = block[1] as usize;
    if trap_block == start_block {
        return Automaton::empty();
    }
    let mut number = vec![u32::MAX; blocks];
    number[trap_block] = TRAP;
    number[start_block] = START;
    let mut reps: Vec<usize> = vec![0, 1];
    // (block, bytes, first byte) of each target block
    let mut weights: Vec<(usize, usize, u8)> = Vec::new();
    let mut i = 1;
    while i < reps.len() {
        let s = reps[i];
        i += 1;
        if opts.default_first {
            weights.clear();
            let mut lo = 0usize;
            for j in sp.segments(s) {
                let tb = block[sp.to[j] as usize] as usize;
                let hi = usize::from(sp.hi[j]);
                match weights.iter_mut().find(|w| w.0 == tb) {
                    Some(w) => w.1 += hi + 1 - lo,
                    None => weights.push((tb, hi + 1 - lo, lo as u8)),
                }
                lo = hi + 1;
            }
            // the most bytes; on a tie the trap, then the lowest number
            // given, then the first in byte order
            let best = weights.iter().map(|w| w.1).max().unwrap_or(0);
            let d = weights
                .iter()
                .filter(|w| w.1 == best)
                .min_by_key(|w| (number[w.0], w.2))
                .map(|w| w.0);
            if let Some(tb) = d {
                if number[tb] == u32::MAX {
                    number[tb] = reps.len() as u32;
                    reps.push(member[tb]);
                }
            }
        }
        for j in sp.segments(s) {
            let tb = block[sp.to[j] as usize] as usize;
            if number[tb] == u32::MAX {
                number[tb] = reps.len() as u32;
                reps.push(member[tb]);
            }
        }
    }
    let mut out = Automaton {
        rows: Vec::with_capacity(reps.len()),
        accept: Vec::with_capacity(reps.len()),
        accept2: Vec::with_capacity(reps.len()),
    };
    for (new, &s) in reps.iter().enumerate() {
        let mut row: Row = Vec::new();
        if new != TRAP as usize {
            let mut lo = 0u8;
            for j in sp.segments(s) {
                let t = number[block[sp.to[j] as usize] as usize];
                let hi = sp.hi[j];
                if t != TRAP {
                    match row.last_mut() {
                        Some((_, h, to)) if *to == t && u16::from(*h) + 1 == u16::from(lo) => {
                            *h = hi
                        }
                        _ => row.push((lo, hi, t)),
                    }
                }
                lo = hi.wrapping_add(1);
            }
        }
        out.rows.push(row);
        out.accept.push(keys[s].0);
        out.accept2.push(keys[s].1);
    }
    out
}

/// The automaton's transitions as sparse rows over the states `order`
/// (renumbered by their place in it): row `i` is segments `(hi, to)`
/// from `off[i]` to `off[i + 1]`, each the bytes after the previous
/// segment's `hi` up to its own going to `to`, the last ending at 255.
/// Gaps in `a`'s rows and targets outside `order` go to state 0 (the
/// trap); neighbouring segments never share a target.
struct Sparse {
    off: Vec<u32>,
    hi: Vec<u8>,
    to: Vec<u32>,
}

impl Sparse {
    fn build(a: &Automaton, order: &[u32], index: &[u32]) -> Sparse {
        let mut sp = Sparse {
            off: Vec::with_capacity(order.len() + 1),
            hi: Vec::new(),
            to: Vec::new(),
        };
        sp.off.push(0);
        for &s in order {
            let start = sp.to.len();
            let push = |sp: &mut Sparse, hi: u8, to: u32| {
                if sp.to.len() > start && sp.to[sp.to.len() - 1] == to {
                    let last = sp.hi.len() - 1;
                    sp.hi[last] = hi;
                } else {
                    sp.hi.push(hi);
                    sp.to.push(to);
                }
            };
            let mut next = 0u16; // the first byte not yet covered
            for &(lo, hi, t) in &a.rows[s as usize] {
                if u16::from(lo) < next || lo > hi {
                    continue; // not in the kernel's shape: ignore the overlap
                }
                if u16::from(lo) > next {
                    push(&mut sp, lo - 1, 0);
                }
                let to = index
                    .get(t as usize)
                    .copied()
                    .filter(|&i| i != u32::MAX)
                    .unwrap_or(0);
                push(&mut sp, hi, to);
                next = u16::from(hi) + 1;
            }
            if next <= 255 {
                push(&mut sp, 255, 0);
            }
            sp.off.push(sp.to.len() as u32);
        }
        sp
    }

    fn segments(&self, s: usize) -> std::ops::Range<usize> {
        self.off[s] as usize..self.off[s + 1] as usize
    }

    /// Each state's predecessors, each once: `(off, from)`, the
    /// predecessors of `t` being `from[off[t]..off[t + 1]]`.
    fn predecessors(&self) -> (Vec<u32>, Vec<u32>) {
        let n = self.off.len() - 1;
        let mut stamp = vec![u32::MAX; n];
        let mut off = vec![0u32; n + 1];
        for s in 0..n {
            for &t in &self.to[self.segments(s)] {
                if stamp[t as usize] != s as u32 {
                    stamp[t as usize] = s as u32;
                    off[t as usize + 1] += 1;
                }
            }
        }
        for i in 1..=n {
            off[i] += off[i - 1];
        }
        let mut fill = off.clone();
        let mut from = vec![0u32; off[n] as usize];
        stamp.fill(u32::MAX);
        for s in 0..n {
            for &t in &self.to[self.segments(s)] {
                if stamp[t as usize] != s as u32 {
                    stamp[t as usize] = s as u32;
                    from[fill[t as usize] as usize] = s as u32;
                    fill[t as usize] += 1;
                }
            }
        }
        (off, from)
    }
}

/// The signature of state `s` under the partition `block`: its segments
/// with targets replaced by their blocks, neighbours with the same block
/// merged, appended to `out` as `(hi, block)` pairs.
fn signature(sp: &Sparse, block: &[u32], s: usize, out: &mut Vec<u32>) {
    let start = out.len();
    for i in sp.segments(s) {
        let b = block[sp.to[i] as usize];
        let n = out.len();
        if n > start && out[n - 1] == b {
            out[n - 2] = u32::from(sp.hi[i]);
        } else {
            out.push(u32::from(sp.hi[i]));
            out.push(b);
        }
    }
}

fn hash_words(w: &[u32]) -> u64 {
    let mut h: u64 = 0;
    for &x in w {
        h = (h.rotate_left(5) ^ u64::from(x)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h
}

/// The coarsest partition of the states that respects `keys` and the
/// transitions: Moore's refinement, state by state, of only the states
/// whose successors changed block (a worklist). A block is split by its
/// changed members' signatures (their targets' blocks); its unchanged
/// members share one signature, which the largest part keeps. Each split
/// marks the predecessors of the states that moved, so when no state is
/// marked, every block's members have one signature and the partition is
/// the coarsest congruence. Returns each state's block and the number of
/// blocks.
fn refine<K: Ord + Copy>(keys: &[K], sp: &Sparse) -> (Vec<u32>, usize) {
    let n = keys.len();
    let (pred_off, pred) = sp.predecessors();
    let mut p = Partition::by_keys(keys);
    for s in 0..n as u32 {
        p.mark(s);
    }
    let mut sigs: Vec<u32> = Vec::new();
    // (hash, start of its signature in sigs, state) of each marked member
    let mut dirty: Vec<(u64, u32, u32)> = Vec::new();
    let mut clean_sig: Vec<u32> = Vec::new();
    let mut moved: Vec<u32> = Vec::new();
    let mut parts: Vec<(usize, usize, bool)> = Vec::new();
    let sig_of = |sigs: &[u32], at: u32, next: Option<u32>| -> std::ops::Range<usize> {
        at as usize..next.map_or(sigs.len(), |x| x as usize)
    };
    while let Some(x) = p.touched.pop() {
        let x = x as usize;
        let (f, e) = (p.first[x] as usize, p.end[x] as usize);
        let m = f + p.marked[x] as usize;
        p.marked[x] = 0;
        sigs.clear();
        dirty.clear();
        clean_sig.clear();
        if m < e {
            signature(sp, &p.block, p.elems[m] as usize, &mut clean_sig);
        }
        for i in f..m {
            let s = p.elems[i];
            let at = sigs.len() as u32;
            signature(sp, &p.block, s as usize, &mut sigs);
            dirty.push((hash_words(&sigs[at as usize..]), at, s));
        }
        // the common case: nothing splits
        let first_sig: &[u32] = if m < e {
            &clean_sig
        } else {
            &sigs[sig_of(&sigs, 0, dirty.get(1).map(|d| d.1))]
        };
        let all_same = (0..dirty.len()).all(|j| {
            let r = sig_of(&sigs, dirty[j].1, dirty.get(j + 1).map(|d| d.1));
            sigs[r] == *first_sig
        });
        if all_same {
            continue;
        }
        // the signatures' ends, before sorting reorders the members
        let ends: Vec<u32> = (0..dirty.len())
            .map(|j| dirty.get(j + 1).map_or(sigs.len() as u32, |d| d.1))
            .collect();
        let mut order: Vec<usize> = (0..dirty.len()).collect();
        let sig_at = |j: usize| &sigs[dirty[j].1 as usize..ends[j] as usize];
        let clean_hash = hash_words(&clean_sig);
        // the members with the unchanged members' signature last, the
        // others grouped by signature
        let is_clean = |j: usize| m < e && dirty[j].0 == clean_hash && sig_at(j) == &clean_sig[..];
        order.sort_unstable_by(|&a, &b| {
            (is_clean(a), dirty[a].0)
                .cmp(&(is_clean(b), dirty[b].0))
                .then_with(|| sig_at(a).cmp(sig_at(b)))
        });
        // the parts: (start, end, holds the unchanged members)
        parts.clear();
        let mut i = 0;
        while i < order.len() {
            let mut j = i + 1;
            while j < order.len() && sig_at(order[j]) == sig_at(order[i]) {
                j += 1;
            }
            let clean = is_clean(order[i]);
            parts.push((f + i, if clean { e } else { f + j }, clean));
            i = j;
        }
        if m < e && !parts.last().is_some_and(|q| q.2) {
            parts.push((m, e, true));
        }
        for (k, &j) in order.iter().enumerate() {
            let s = dirty[j].2;
            p.elems[f + k] = s;
            p.loc[s as usize] = (f + k) as u32;
        }
        // the largest part keeps the block
        let keep = (0..parts.len())
            .max_by_key(|&q| (parts[q].1 - parts[q].0, std::cmp::Reverse(q)))
            .unwrap_or(0);
        moved.clear();
        for (q, &(a, b, _)) in parts.iter().enumerate() {
            if q == keep {
                p.first[x] = a as u32;
                p.end[x] = b as u32;
                continue;
            }
            let nb = p.first.len() as u32;
            p.first.push(a as u32);
            p.end.push(b as u32);
            p.marked.push(0);
            for i in a..b {
                let s = p.elems[i];
                p.block[s as usize] = nb;
                moved.push(s);
            }
        }
        for &t in &moved {
            for &s in &pred[pred_off[t as usize] as usize..pred_off[t as usize + 1] as usize] {
                p.mark(s);
            }
        }
    }
    let blocks = p.blocks();
    (p.block, blocks)
}

/// The row of state `s`, empty for a state out of range.
fn row(m: &Automaton, s: u32) -> &[(u8, u8, u32)] {
    m.rows.get(s as usize).map_or(&[], Vec::as_slice)
}

/// The joint byte ranges of two rows: `(lo, hi)` such that every byte in
/// it goes to one state in each row.
fn joint_ranges(x: &[(u8, u8, u32)], y: &[(u8, u8, u32)]) -> Vec<(u8, u8)> {
    let mut cuts = [false; 257];
    cuts[0] = true;
    cuts[256] = true;
    for &(lo, hi, _) in x.iter().chain(y) {
        cuts[usize::from(lo)] = true;
        cuts[usize::from(hi) + 1] = true;
    }
    let mut out = Vec::new();
    let mut lo = 0usize;
    for (i, &cut) in cuts.iter().enumerate().skip(1) {
        if cut {
            out.push((lo as u8, (i - 1) as u8));
            lo = i;
        }
    }
    out
}

/// Whether `a` and `b` accept the same inputs with the same accept words
/// on every input: `None` if they do, else a shortest input on which
/// the states reached differ in (accept, accept2). The walk is over the
/// product of the two automata from their start states.
pub fn same_language(a: &Automaton, b: &Automaton) -> Option<Vec<u8>> {
    let words = |m: &Automaton, s: u32| {
        let s = s as usize;
        (
            m.accept.get(s).copied().unwrap_or(0),
            m.accept2.get(s).copied().unwrap_or(0),
        )
    };
    let start = (START.min(a.len() as u32), START.min(b.len() as u32));
    // (pair, parent index, byte)
    let mut seen: HashMap<(u32, u32), usize> = HashMap::new();
    let mut nodes: Vec<((u32, u32), usize, u8)> = vec![(start, usize::MAX, 0)];
    seen.insert(start, 0);
    let mut queue = VecDeque::from([0usize]);
    while let Some(i) = queue.pop_front() {
        let (pa, pb) = nodes[i].0;
        if words(a, pa) != words(b, pb) {
            let mut path = Vec::new();
            let mut j = i;
            while nodes[j].1 != usize::MAX {
                path.push(nodes[j].2);
                j = nodes[j].1;
            }
            path.reverse();
            return Some(path);
        }
        for (lo, _) in joint_ranges(row(a, pa), row(b, pb)) {
            let next = (
                if (pa as usize) < a.len() {
                    a.next(pa, lo)
                } else {
                    TRAP
                },
                if (pb as usize) < b.len() {
                    b.next(pb, lo)
                } else {
                    TRAP
                },
            );
            if let std::collections::hash_map::Entry::Vacant(e) = seen.entry(next) {
                e.insert(nodes.len());
                nodes.push((next, i, lo));
                queue.push_back(nodes.len() - 1);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;
