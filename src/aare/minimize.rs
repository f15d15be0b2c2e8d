//! Minimisation of an [`Automaton`] by Hopcroft's partition refinement,
//! and [`same_language`], the product walk that tells whether two
//! automata accept the same inputs with the same accept words.
//!
//! The work is done over the automaton's byte classes (bytes every state
//! treats alike, [`super::pack::equivalence_classes`]), so a state costs
//! one transition per class, never a 256-entry array: with `n` states and
//! `k` classes the refinement runs in O(n·k·log n).

use super::automaton::{Automaton, Row, START, TRAP};
use super::pack::equivalence_classes;
use std::collections::{HashMap, VecDeque};

/// The automaton's transitions over its byte classes: `classes[b]` is the
/// class of byte `b`, `reps[c]` the first byte of class `c`, and
/// `delta[s * k + c]` where state `s` goes on class `c`.
pub(crate) struct ClassTable {
    pub(crate) classes: [u8; 256],
    pub(crate) reps: Vec<u8>,
    pub(crate) delta: Vec<u32>,
}

impl ClassTable {
    /// The transitions of the states `states` (in that order) over the
    /// byte classes of `a`, targets given by `renumber` (old state to new).
    pub(crate) fn build(
        a: &Automaton,
        states: &[u32],
        renumber: impl Fn(u32) -> u32,
    ) -> ClassTable {
        let classes = equivalence_classes(a);
        let k = usize::from(classes.iter().copied().max().unwrap_or(0)) + 1;
        let mut reps = vec![0u8; k];
        let mut seen = vec![false; k];
        for (b, &c) in classes.iter().enumerate() {
            if !seen[usize::from(c)] {
                seen[usize::from(c)] = true;
                reps[usize::from(c)] = b as u8;
            }
        }
        let mut delta = Vec::with_capacity(states.len() * k);
        for &s in states {
            let row = &a.rows[s as usize];
            // the classes' first bytes are ascending: walk row and reps together
            let mut i = 0;
            for &r in &reps {
                while i < row.len() && row[i].1 < r {
                    i += 1;
                }
                let t = match row.get(i) {
                    Some(&(lo, hi, t)) if lo <= r && r <= hi => t,
                    _ => TRAP,
                };
                delta.push(renumber(t));
            }
        }
        ClassTable {
            classes,
            reps,
            delta,
        }
    }
}

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
/// elements of a block are contiguous in `elems`; marking an element moves
/// it to the front part of its block, and a split makes the smaller of the
/// marked and unmarked parts a new block (so each element moves to a new
/// block O(log n) times).
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

    /// [`Partition::by_keys`] for keys below `k`, by a counting sort.
    fn by_small_keys(keys: &[u32], k: usize) -> Partition {
        let mut at = vec![0u32; k + 1];
        for &c in keys {
            at[c as usize + 1] += 1;
        }
        for i in 1..=k {
            at[i] += at[i - 1];
        }
        let mut elems = vec![0u32; keys.len()];
        for (i, &c) in keys.iter().enumerate() {
            elems[at[c as usize] as usize] = i as u32;
            at[c as usize] += 1;
        }
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

    fn members(&self, b: usize) -> std::ops::Range<usize> {
        self.first[b] as usize..self.end[b] as usize
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

    /// Split every touched block into its marked and unmarked parts; the
    /// smaller part becomes a new block.
    fn split(&mut self) {
        while let Some(b) = self.touched.pop() {
            let b = b as usize;
            let m = self.first[b] + self.marked[b];
            self.marked[b] = 0;
            if m == self.end[b] {
                continue; // all marked: nothing splits
            }
            let (f, e) = (self.first[b], self.end[b]);
            let nb = self.first.len() as u32;
            if m - f <= e - m {
                self.first.push(f);
                self.end.push(m);
                self.first[b] = m;
            } else {
                self.first.push(m);
                self.end.push(e);
                self.end[b] = m;
            }
            self.marked.push(0);
            for i in self.members(nb as usize) {
                self.block[self.elems[i] as usize] = nb;
            }
        }
    }
}

/// The coarsest partition of the states that respects `keys` and the
/// transitions (Valmari and Lehtinen's algorithm for partial automata,
/// O(m log n) for m transitions). States that cannot reach a state whose
/// key differs from the trap's are equivalent to the trap: their incoming
/// transitions are left out, and they all go to one block, the trap's.
/// Returns each state's block and the number of blocks.
fn coarsest<K: Ord + Copy>(keys: &[K], delta: &[u32], k: usize, trap: usize) -> (Vec<u32>, usize) {
    let n = keys.len();
    // the transitions into each state, for the walk back from the states
    // that matter
    let mut in_off = vec![0u32; n + 1];
    for &t in delta {
        in_off[t as usize + 1] += 1;
    }
    for i in 1..=n {
        in_off[i] += in_off[i - 1];
    }
    let mut fill = in_off.clone();
    let mut in_from = vec![0u32; delta.len()];
    for (s, row) in delta.chunks_exact(k.max(1)).enumerate() {
        for &t in row {
            in_from[fill[t as usize] as usize] = s as u32;
            fill[t as usize] += 1;
        }
    }
    let mut useful = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    for s in 0..n {
        if keys[s] != keys[trap] {
            useful[s] = true;
            stack.push(s as u32);
        }
    }
    while let Some(t) = stack.pop() {
        for &s in &in_from[in_off[t as usize] as usize..in_off[t as usize + 1] as usize] {
            if !useful[s as usize] {
                useful[s as usize] = true;
                stack.push(s);
            }
        }
    }
    drop((in_off, in_from, fill));
    // the transitions between useful states, grouped by class (cords)
    let mut tail: Vec<u32> = Vec::new();
    let mut label: Vec<u32> = Vec::new();
    let mut head: Vec<u32> = Vec::new();
    for s in 0..n {
        if !useful[s] {
            continue;
        }
        for c in 0..k {
            let t = delta[s * k + c];
            if useful[t as usize] {
                tail.push(s as u32);
                label.push(c as u32);
                head.push(t);
            }
        }
    }
    let m = tail.len();
    // states: the useless ones in one block of their own, never split
    let skeys: Vec<(bool, K)> = (0..n).map(|s| (!useful[s], keys[s])).collect();
    let mut states = Partition::by_keys(&skeys);
    let mut cords = Partition::by_small_keys(&label, k);
    // the transitions into each state, by id
    let mut adj_off = vec![0u32; n + 1];
    for &h in &head {
        adj_off[h as usize + 1] += 1;
    }
    for i in 1..=n {
        adj_off[i] += adj_off[i - 1];
    }
    let mut fill = adj_off.clone();
    let mut adj = vec![0u32; m];
    for (t, &h) in head.iter().enumerate() {
        adj[fill[h as usize] as usize] = t as u32;
        fill[h as usize] += 1;
    }
    drop(fill);
    // every block but the first splits the cords; then every block made
    let mut b = 1;
    let mut c = 0;
    while c < cords.blocks() {
        for i in cords.members(c) {
            states.mark(tail[cords.elems[i] as usize]);
        }
        states.split();
        c += 1;
        while b < states.blocks() {
            for i in states.members(b) {
                let s = states.elems[i] as usize;
                for &t in &adj[adj_off[s] as usize..adj_off[s + 1] as usize] {
                    cords.mark(t);
                }
            }
            cords.split();
            b += 1;
        }
    }
    let blocks = states.blocks();
    (states.block, blocks)
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
/// futures are merged (Hopcroft's algorithm), unreachable states are
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
    let table = ClassTable::build(a, &order, |t| {
        index
            .get(t as usize)
            .copied()
            .filter(|&i| i != u32::MAX)
            .unwrap_or(0)
    });
    let k = table.reps.len();
    let delta = &table.delta;

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
    let (block, blocks) = coarsest(&keys, delta, k, TRAP as usize);
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
    let mut class_size = vec![0usize; k];
    for &c in &table.classes {
        class_size[usize::from(c)] += 1;
    }
    let mut reps: Vec<usize> = vec![0, 1];
    let mut weights: Vec<(usize, usize, usize)> = Vec::new();
    let mut i = 1;
    while i < reps.len() {
        let s = reps[i];
        i += 1;
        if opts.default_first {
            // (block, bytes, first class) of each target block
            weights.clear();
            for c in 0..k {
                let tb = block[delta[s * k + c] as usize] as usize;
                match weights.iter_mut().find(|w| w.0 == tb) {
                    Some(w) => w.1 += class_size[c],
                    None => weights.push((tb, class_size[c], c)),
                }
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
        for c in class_order(&table) {
            let t = delta[s * k + c] as usize;
            let tb = block[t] as usize;
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
    let mut target = vec![0u32; k];
    for (new, &s) in reps.iter().enumerate() {
        let row: Row = if new == TRAP as usize {
            Vec::new()
        } else {
            let mut row: Row = Vec::new();
            for (c, t) in target.iter_mut().enumerate() {
                *t = number[block[delta[s * k + c] as usize] as usize];
            }
            for (byte, &c) in table.classes.iter().enumerate() {
                let t = target[usize::from(c)];
                let byte = byte as u8;
                if t == TRAP {
                    continue;
                }
                match row.last_mut() {
                    Some((_, hi, to)) if *to == t && u16::from(*hi) + 1 == u16::from(byte) => {
                        *hi = byte
                    }
                    _ => row.push((byte, byte, t)),
                }
            }
            row
        };
        out.rows.push(row);
        out.accept.push(keys[s].0);
        out.accept2.push(keys[s].1);
    }
    out
}

/// The classes in the order of the bytes: each class once, at its first
/// byte (which is the class numbering order).
fn class_order(table: &ClassTable) -> std::ops::Range<usize> {
    0..table.reps.len()
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
