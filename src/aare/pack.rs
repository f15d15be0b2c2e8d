//! The kernel's tables for an [`Automaton`]: byte equivalence classes,
//! comb packing into BASE/DEF/NXT/CHK, the `aadfa` blob the kernel
//! unpacks ([`Tables::to_blob`]), and [`verify`], the checks the kernel
//! makes when it unpacks one.
//!
//! The packing is the reference compiler's (chfa.cc), placement for
//! placement: the trap state is state 0 with base 0 and default 0, and
//! slot 0 of NXT/CHK is reserved for it; the other states are inserted in
//! their order (the start first), each with a default state, the target
//! most of its bytes go to (the trap state on a tie, else the lowest
//! state); the symbols that go elsewhere are stored at the lowest base
//! where none of their slots is taken (first fit), a state with none
//! stored has base 0. NXT/CHK start as long as the transitions stored for
//! the states after the start plus two, at least 256, and grow to base +
//! 256 for every state placed. Re-packing an automaton the reference
//! wrote gives its blob byte for byte (see the tests). Free slots are
//! found with a bitset of taken slots, a summary bit per full word and,
//! per set of symbols, the base its last placement found (slots are only
//! ever taken, so that base only grows): first fit costs a few word
//! operations per window of 64 bases, not a scan of the table per state.

use super::automaton::{Automaton, TRAP};
use crate::binpolicy::dfa::{MAGIC, flag, id};
use std::collections::HashMap;
use thiserror::Error;

/// The classes of bytes that every state of `a` treats alike: `ec[b]` is
/// the class of byte `b`. Classes are numbered in the order of their first
/// byte (byte 0 is in class 0), so the numbering depends only on the
/// automaton's transitions.
pub fn equivalence_classes(a: &Automaton) -> [u8; 256] {
    let mut class = [0u16; 256];
    let mut count = 1usize;
    let mut target = [TRAP; 256];
    // the first target seen per class in the current row, valid where
    // `stamp` is the row's number
    let mut first = [0u32; 256];
    let mut stamp = [usize::MAX; 256];
    for (r, row) in a.rows.iter().enumerate() {
        if count == 256 {
            break;
        }
        target.fill(TRAP);
        for &(lo, hi, t) in row {
            if lo <= hi {
                target[usize::from(lo)..=usize::from(hi)].fill(t);
            }
        }
        let splits = (0..256).any(|b| {
            let c = usize::from(class[b]);
            if stamp[c] != r {
                stamp[c] = r;
                first[c] = target[b];
                false
            } else {
                first[c] != target[b]
            }
        });
        if !splits {
            continue;
        }
        // refine: new classes by (old class, target), numbered by first byte
        let mut pairs: Vec<(u16, u32)> = Vec::new();
        for b in 0..256 {
            let key = (class[b], target[b]);
            let n = match pairs.iter().position(|&p| p == key) {
                Some(n) => n,
                None => {
                    pairs.push(key);
                    pairs.len() - 1
                }
            };
            class[b] = n as u16;
        }
        count = pairs.len();
    }
    let mut out = [0u8; 256];
    for (o, &c) in out.iter_mut().zip(class.iter()) {
        *o = c as u8;
    }
    out
}

/// How to pack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PackOptions {
    /// Write an EC table and pack transitions over byte classes.
    pub equivalence_classes: bool,
    /// Allow 32-bit DEF/NXT/CHK tables when the automaton has more states
    /// than 16 bits can number (the kernel's `policy/state32`).
    pub state32: bool,
    /// Write the ACCEPT2 table (the legacy accept encoding and the file
    /// automaton of permission tables v3 have it; the other automata of
    /// permission tables do not, and the kernel refuses it there).
    pub accept2: bool,
}

impl Default for PackOptions {
    fn default() -> Self {
        PackOptions {
            equivalence_classes: false,
            state32: false,
            accept2: true,
        }
    }
}

/// The packed tables of one automaton, values widened to u32.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tables {
    /// The header flags (no diff-encoding; [`flag::OOB`] when a state has
    /// an out-of-band transition).
    pub flags: u16,
    pub accept: Vec<u32>,
    pub accept2: Option<Vec<u32>>,
    /// The equivalence classes (256 entries) when transitions are packed
    /// over classes.
    pub ec: Option<Vec<u8>>,
    pub base: Vec<u32>,
    pub default: Vec<u32>,
    pub next: Vec<u32>,
    pub check: Vec<u32>,
    /// The width in bytes of DEF, NXT and CHK: 2, or 4 for `state32`.
    pub state_width: u16,
}

/// Why an automaton cannot be packed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PackError {
    #[error("{states} states do not fit the kernel's tables (at most {max})")]
    TooManyStates { states: usize, max: usize },
    #[error("the transition table would need {len} entries, past the 24-bit base")]
    TooManyTransitions { len: usize },
    #[error("not an automaton in the kernel's shape: {0}")]
    Malformed(String),
}

/// The largest number of states 16-bit tables number (the reference
/// stops one short of it, at 65534, and uses 32-bit tables only past
/// 65535 with `policy/state32`).
pub const MAX_STATES16: usize = 1 << 16;
/// The largest number of states 32-bit tables number: the reference keeps
/// states below 2^24, as the bases are (their top byte holds flags).
pub const MAX_STATES32: usize = (1 << 24) - 1;
/// The bits of a base that are its index into NXT/CHK.
const BASE_MASK: u32 = 0x00ff_ffff;

/// Taken slots of NXT/CHK: a bitset and a summary bit per full word.
/// Slots past the end are free.
struct Slots {
    taken: Vec<u64>,
    full: Vec<u64>,
    first_free: usize,
}

impl Slots {
    fn word(&self, w: usize) -> u64 {
        self.taken.get(w).copied().unwrap_or(0)
    }

    /// 64 slots from `p` on, bit i for slot p + i.
    fn bits64(&self, p: usize) -> u64 {
        let (w, o) = (p / 64, p % 64);
        let lo = self.word(w) >> o;
        if o == 0 {
            lo
        } else {
            lo | self.word(w + 1) << (64 - o)
        }
    }

    /// The first free slot at or after `p`.
    fn next_free(&self, p: usize) -> usize {
        let mut w = p / 64;
        if w >= self.taken.len() {
            return p;
        }
        let free = !self.taken[w] & (!0u64 << (p % 64));
        if free != 0 {
            return w * 64 + free.trailing_zeros() as usize;
        }
        w += 1;
        loop {
            if w >= self.taken.len() {
                return w * 64;
            }
            let sw = w / 64;
            let summary = self.full.get(sw).copied().unwrap_or(0);
            let open = !summary & (!0u64 << (w % 64));
            if open == 0 {
                w = (sw + 1) * 64;
                continue;
            }
            w = sw * 64 + open.trailing_zeros() as usize;
            if w >= self.taken.len() {
                return w * 64;
            }
            return w * 64 + (!self.taken[w]).trailing_zeros() as usize;
        }
    }

    fn take(&mut self, p: usize) {
        let w = p / 64;
        if w >= self.taken.len() {
            self.taken.resize(w + 1, 0);
            self.full.resize(w / 64 + 1, 0);
        }
        self.taken[w] |= 1 << (p % 64);
        if self.taken[w] == !0 {
            self.full[w / 64] |= 1 << (w % 64);
        }
        if p == self.first_free {
            self.first_free = self.next_free(p);
        }
    }

    /// The lowest base at least `from` at which every symbol of `syms`
    /// (ascending, not empty) lands on a free slot.
    fn first_fit(&self, syms: &[u16], from: usize) -> usize {
        let c0 = usize::from(syms[0]);
        let mut x = self.first_free.max(c0).max(from + c0);
        loop {
            x = self.next_free(x);
            let b0 = x - c0;
            let mut fits = !self.bits64(x);
            for &c in &syms[1..] {
                if fits == 0 {
                    break;
                }
                fits &= !self.bits64(b0 + usize::from(c));
            }
            if fits != 0 {
                return b0 + fits.trailing_zeros() as usize;
            }
            x += 64;
        }
    }
}

/// Pack `a` into the kernel's tables. State `i` of `a` is state `i` of the
/// tables (0 the trap state, 1 the start); see the module documentation
/// for how states are placed. With `opts.equivalence_classes` the
/// transitions are over the classes of [`equivalence_classes`].
pub fn pack(a: &Automaton, opts: &PackOptions) -> Result<Tables, PackError> {
    let ec = opts.equivalence_classes.then(|| equivalence_classes(a));
    pack_tables(a, ec, None, opts)
}

/// [`pack`] with an out-of-band transition out of some states: `oob[s]`
/// is where state `s` goes on it ([`TRAP`] for none). The kernel finds
/// that transition one slot before the state's base (which carries
/// `MATCH_FLAG_OOB_TRANSITION`, and the header the OOB flag); no byte
/// class maps to it.
pub fn pack_with_oob(a: &Automaton, oob: &[u32], opts: &PackOptions) -> Result<Tables, PackError> {
    if oob.len() != a.len() {
        return Err(PackError::Malformed(format!(
            "{} states with {} out-of-band transitions",
            a.len(),
            oob.len()
        )));
    }
    let ec = opts.equivalence_classes.then(|| equivalence_classes(a));
    pack_tables(a, ec, Some(oob), opts)
}

/// [`pack`] over given byte classes `ec` (the reference's, say), whatever
/// `opts.equivalence_classes` says: every state must treat the bytes of a
/// class alike, else the automaton is [`PackError::Malformed`].
pub fn pack_with_classes(
    a: &Automaton,
    ec: &[u8; 256],
    opts: &PackOptions,
) -> Result<Tables, PackError> {
    pack_tables(a, Some(*ec), None, opts)
}

fn pack_tables(
    a: &Automaton,
    ec: Option<[u8; 256]>,
    oob: Option<&[u32]>,
    opts: &PackOptions,
) -> Result<Tables, PackError> {
    let n = a.len();
    if n < 2 {
        return Err(PackError::Malformed(format!(
            "{n} states, where the trap and start states are two"
        )));
    }
    if a.accept.len() != n || a.accept2.len() != n {
        return Err(PackError::Malformed(format!(
            "{n} states with {} and {} accept words",
            a.accept.len(),
            a.accept2.len()
        )));
    }
    let state_width = if n <= MAX_STATES16 {
        2
    } else if opts.state32 && n <= MAX_STATES32 {
        4
    } else {
        return Err(PackError::TooManyStates {
            states: n,
            max: if opts.state32 {
                MAX_STATES32
            } else {
                MAX_STATES16
            },
        });
    };
    let symbols = match &ec {
        Some(ec) => usize::from(ec.iter().copied().max().unwrap_or(0)) + 1,
        None => 256,
    };

    // each state's default and the transitions stored (symbol, target)
    let mut defaults = vec![TRAP; n];
    let mut starts = vec![0usize; n + 1];
    let mut syms: Vec<u16> = Vec::new();
    let mut targets: Vec<u32> = Vec::new();
    let mut per_byte = [TRAP; 256];
    // where each symbol goes; NONE for a class no byte is in
    const NONE: u32 = u32::MAX;
    let mut per_symbol = vec![NONE; symbols];
    let mut counts: Vec<(u32, usize)> = Vec::new();
    // the states with an out-of-band transition
    let mut shifted = vec![false; n];
    for s in 1..n {
        let row = &a.rows[s];
        per_byte.fill(TRAP);
        for &(lo, hi, t) in row {
            if lo > hi || t as usize >= n {
                return Err(PackError::Malformed(format!(
                    "state {s} has a transition {lo}-{hi} to state {t} of {n}"
                )));
            }
            per_byte[usize::from(lo)..=usize::from(hi)].fill(t);
        }
        match &ec {
            Some(ec) => {
                per_symbol.fill(NONE);
                for (b, (&c, &t)) in ec.iter().zip(per_byte.iter()).enumerate() {
                    let slot = &mut per_symbol[usize::from(c)];
                    if *slot == NONE {
                        *slot = t;
                    } else if *slot != t {
                        return Err(PackError::Malformed(format!(
                            "state {s} treats byte {b} unlike the other bytes of class {c}"
                        )));
                    }
                }
            }
            None => per_symbol.copy_from_slice(&per_byte),
        }
        // the default: the target most bytes go to; the trap state on a
        // tie, else the lowest state
        counts.clear();
        for &t in per_byte.iter() {
            match counts.last_mut() {
                Some((last, c)) if *last == t => *c += 1,
                _ => counts.push((t, 1)),
            }
        }
        counts.sort_unstable_by_key(|&(t, _)| t);
        counts.dedup_by(|x, y| {
            if x.0 == y.0 {
                y.1 += x.1;
                true
            } else {
                false
            }
        });
        let best = counts.iter().map(|&(_, c)| c).max().unwrap_or(0);
        let d = counts
            .iter()
            .find(|&&(_, c)| c == best)
            .map_or(TRAP, |&(t, _)| t);
        defaults[s] = d;
        // an out-of-band transition is symbol -1: the state's symbols
        // are stored one up, the transition as 0
        let out_of_band = oob.map_or(TRAP, |o| o[s]);
        if out_of_band as usize >= n {
            return Err(PackError::Malformed(format!(
                "state {s} has an out-of-band transition to state {out_of_band} of {n}"
            )));
        }
        let shift = u16::from(out_of_band != TRAP);
        if shift == 1 {
            syms.push(0);
            targets.push(out_of_band);
            shifted[s] = true;
        }
        for (c, &t) in per_symbol.iter().enumerate() {
            if t != d && t != NONE {
                syms.push(c as u16 + shift);
                targets.push(t);
            }
        }
        starts[s + 1] = syms.len();
    }

    // the reference sizes NXT/CHK for the transitions of every state but
    // the start, plus two, and at least the 256 of one full state
    let stored_after_start = syms.len() - starts[2];
    let mut len = (stored_after_start + 2).max(256);
    let mut next = vec![TRAP; len];
    let mut check = vec![TRAP; len];
    let mut base = vec![0u32; n];
    let mut slots = Slots {
        taken: Vec::new(),
        full: Vec::new(),
        first_free: 0,
    };
    slots.take(0); // the trap state's
    // slots are only ever taken, so the lowest base that fits a set of
    // symbols only grows: the search for a set starts where the last one
    // for the same set ended
    let mut lowest: HashMap<(bool, &[u16]), usize> = HashMap::new();
    for s in 1..n {
        let (from, to) = (starts[s], starts[s + 1]);
        if from == to {
            continue;
        }
        let shape = &syms[from..to];
        let hint = lowest.get(&(shifted[s], shape)).copied().unwrap_or(0);
        let b = slots.first_fit(shape, hint);
        lowest.insert((shifted[s], shape), b);
        // the slots of a shifted state start one before its base
        let shift = usize::from(shifted[s]);
        if b + shift > BASE_MASK as usize {
            return Err(PackError::TooManyTransitions { len: b + 256 });
        }
        base[s] = (b + shift) as u32;
        if shifted[s] {
            base[s] |= MATCH_FLAG_OOB_TRANSITION;
        }
        if b + shift + 256 > len {
            len = b + shift + 256;
            next.resize(len, TRAP);
            check.resize(len, TRAP);
        }
        for (&c, &t) in syms[from..to].iter().zip(&targets[from..to]) {
            let p = b + usize::from(c);
            slots.take(p);
            next[p] = t;
            check[p] = s as u32;
        }
    }
    Ok(Tables {
        flags: if shifted.contains(&true) {
            flag::OOB
        } else {
            0
        },
        accept: a.accept.clone(),
        accept2: opts.accept2.then(|| a.accept2.clone()),
        ec: ec.map(|ec| ec.to_vec()),
        base,
        default: defaults,
        next,
        check,
        state_width,
    })
}

/// The header's size: magic, hsize, ssize, flags (14 bytes) and
/// `"notflex\0"`, padded to 8.
const HEADER_SIZE: usize = 24;

fn pad8(out: &mut Vec<u8>) {
    while out.len() % 8 != 0 {
        out.push(0);
    }
}

fn write_table(out: &mut Vec<u8>, id: u16, width: u16, data: impl ExactSizeIterator<Item = u32>) {
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    for v in data {
        match width {
            1 => out.push(v as u8),
            2 => out.extend_from_slice(&(v as u16).to_be_bytes()),
            _ => out.extend_from_slice(&v.to_be_bytes()),
        }
    }
    pad8(out);
}

impl Tables {
    /// The number of states.
    pub fn states(&self) -> usize {
        self.base.len()
    }

    /// The `aadfa` blob, as the reference writes it (big endian): the
    /// header (magic, header size, total size, flags, `"notflex\0"`,
    /// padded to 8), then the tables `{id, width, 0, length, data}` each
    /// padded to 8, in the order ACCEPT, ACCEPT2, EC, BASE, DEF, NXT, CHK.
    /// The pad that aligns the blob inside a policy is not part of it.
    pub fn to_blob(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&MAGIC.to_be_bytes());
        out.extend_from_slice(&(HEADER_SIZE as u32).to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes()); // total size, below
        out.extend_from_slice(&self.flags.to_be_bytes());
        out.extend_from_slice(b"notflex\0");
        pad8(&mut out);
        write_table(&mut out, id::ACCEPT, 4, self.accept.iter().copied());
        if let Some(a2) = &self.accept2 {
            write_table(&mut out, id::ACCEPT2, 4, a2.iter().copied());
        }
        if let Some(ec) = &self.ec {
            write_table(&mut out, id::EC, 1, ec.iter().map(|&c| u32::from(c)));
        }
        write_table(&mut out, id::BASE, 4, self.base.iter().copied());
        let w = self.state_width;
        write_table(&mut out, id::DEFAULT, w, self.default.iter().copied());
        write_table(&mut out, id::NEXT, w, self.next.iter().copied());
        write_table(&mut out, id::CHECK, w, self.check.iter().copied());
        let total = out.len() as u32;
        out[8..12].copy_from_slice(&total.to_be_bytes());
        out
    }

    /// Where `state` goes on byte `c`, walking the tables as the kernel
    /// does (no diff-encoding: the default is the answer); the trap state
    /// for a state out of range.
    pub fn next_state(&self, state: u32, c: u8) -> u32 {
        let c = match &self.ec {
            Some(ec) => ec.get(usize::from(c)).map_or(0, |&e| usize::from(e)),
            None => usize::from(c),
        };
        let s = state as usize;
        let Some(&base) = self.base.get(s) else {
            return TRAP;
        };
        let pos = (base & BASE_MASK) as usize + c;
        match (self.check.get(pos), self.next.get(pos)) {
            (Some(&ck), Some(&nx)) if ck == state => nx,
            _ => self.default.get(s).copied().unwrap_or(TRAP),
        }
    }
}

/// What the kernel's unpack expects of a blob beyond its bytes: which
/// accept tables the record's context asks for and whether 32-bit state
/// tables are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyOptions {
    /// ACCEPT2 is required (the legacy accept encoding, or a file
    /// automaton with `permsv` 3); without it, an ACCEPT2 table is refused.
    pub accept2: bool,
    /// Accept 32-bit DEF/NXT/CHK tables (the kernels this was checked
    /// against take only 16-bit ones).
    pub state32: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            accept2: true,
            state32: false,
        }
    }
}

/// Why the kernel would refuse a blob (it answers EPROTO to all of them).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("{0} bytes are too few for a table set header")]
    TooShort(usize),
    #[error("bad magic number 0x{0:08x}")]
    BadMagic(u32),
    #[error("header size {hsize} past the blob's {len} bytes")]
    BadHeaderSize { hsize: usize, len: usize },
    #[error("unknown header flags 0x{0:04x}")]
    BadFlags(u16),
    #[error("byte {offset}: a table header cut short")]
    TableHeaderShort { offset: usize },
    #[error("byte {offset}: table id {id} is not one the kernel knows")]
    BadTableId { offset: usize, id: u16 },
    #[error("byte {offset}: table {id} has width {width}")]
    BadWidth { offset: usize, id: u16, width: u16 },
    #[error("byte {offset}: table {id} is empty")]
    EmptyTable { offset: usize, id: u16 },
    #[error("byte {offset}: table {id} runs past the blob")]
    TableTooLong { offset: usize, id: u16 },
    #[error("table {0} appears twice")]
    DuplicateTable(u16),
    #[error("table {0} is missing")]
    MissingTable(u16),
    #[error("table {id} has {len} entries where there are {states} states")]
    WrongLength { id: u16, len: usize, states: usize },
    #[error("NXT has {next} entries and CHK {check}")]
    NextCheckLength { next: usize, check: usize },
    #[error("the EC table has {0} entries, not 256")]
    EcLength(usize),
    #[error("the automaton has no states")]
    NoStates,
    #[error("state {state}: default state {default} out of range")]
    DefaultOutOfRange { state: usize, default: u32 },
    #[error("state {state}: invalid flags in base 0x{base:08x}")]
    BadBaseFlags { state: usize, base: u32 },
    #[error("state {state}: a diff-encoded state without the header flag")]
    DiffWithoutFlag { state: usize },
    #[error("state {state}: an out-of-band transition out of range or without the header flag")]
    BadOob { state: usize },
    #[error("state {state}: base {base} + 255 is past NXT/CHK's {len} entries")]
    BaseOutOfRange { state: usize, base: u32, len: usize },
    #[error("NXT entry {pos}: state {value} out of range")]
    NextOutOfRange { pos: usize, value: u32 },
    #[error("CHK entry {pos}: state {value} out of range")]
    CheckOutOfRange { pos: usize, value: u32 },
    #[error("state {state}: its diff-encoding defaults form a cycle")]
    DiffCycle { state: usize },
}

/// Base flags (the top byte of a BASE entry).
const MATCH_FLAG_DIFF_ENCODE: u32 = 0x8000_0000;
const MATCH_FLAG_OOB_TRANSITION: u32 = 0x2000_0000;
const MATCH_FLAGS_INVALID: u32 =
    0xff00_0000 & !(MATCH_FLAG_DIFF_ENCODE | MATCH_FLAG_OOB_TRANSITION);

/// [`verify_with`] with the default options (legacy accept tables, 16-bit
/// state tables): what the kernel checks of the automata of a policy
/// without permission tables.
pub fn verify(blob: &[u8]) -> Result<(), VerifyError> {
    verify_with(blob, &VerifyOptions::default())
}

/// The checks the kernel makes when it unpacks an `aadfa` blob
/// (`aa_dfa_unpack`, `unpack_table`, `verify_table_headers` and, as
/// paranoid loading does by default, `verify_dfa` of
/// security/apparmor/match.c). `blob` starts at the magic number (the
/// kernel drops the alignment pad before it). Checked, in the kernel's
/// order:
/// - the table set header: at least 16 bytes, the magic number, a header
///   size within the blob, no flags but diff-encode (1) and out-of-band
///   (2);
/// - each table from the header size to the end: a 12-byte header, an id
///   the kernel knows (ACCEPT, BASE, CHK, DEF, EC, ACCEPT2, NXT; never 0,
///   6 or above 8), width 1, 2 or 4, at least one entry, its data padded
///   to 8 within the blob; ACCEPT and ACCEPT2 32-bit, and ACCEPT2 only
///   where `opts.accept2`; BASE 32-bit; DEF, NXT and CHK 16-bit (or 32
///   with `opts.state32`, all three alike); EC 8-bit; no table twice;
/// - DEF, BASE, NXT and CHK present; ACCEPT present (and ACCEPT2 where
///   required), ACCEPT, ACCEPT2 and DEF as long as BASE (the number of
///   states); NXT as long as CHK; EC, when present, 256 entries;
/// - at least one state; every default below the number of states; no
///   base flags but diff-encode and out-of-band, each only with its
///   header flag, an out-of-band state's base at least 1; base + 255
///   below the length of NXT for every state; every NXT and CHK entry
///   below the number of states; the defaults of diff-encoded states form
///   no cycle.
///
/// Not checked here: the accept words against a permission table (the
/// index below its length) and the permissions themselves, which belong
/// to the record that holds the table.
pub fn verify_with(blob: &[u8], opts: &VerifyOptions) -> Result<(), VerifyError> {
    let be16 = |i: usize| u16::from_be_bytes([blob[i], blob[i + 1]]);
    let be32 = |i: usize| u32::from_be_bytes([blob[i], blob[i + 1], blob[i + 2], blob[i + 3]]);
    if blob.len() < 16 {
        return Err(VerifyError::TooShort(blob.len()));
    }
    if be32(0) != MAGIC {
        return Err(VerifyError::BadMagic(be32(0)));
    }
    let hsize = be32(4) as usize;
    if hsize > blob.len() {
        return Err(VerifyError::BadHeaderSize {
            hsize,
            len: blob.len(),
        });
    }
    let flags = be16(12);
    if flags & !(flag::DIFF_ENCODE | flag::OOB) != 0 {
        return Err(VerifyError::BadFlags(flags));
    }
    // tables by id (1..=8), each (width, values)
    let mut tables: [Option<(u16, Vec<u32>)>; 9] = Default::default();
    let mut pos = hsize;
    while pos < blob.len() {
        let offset = pos;
        if blob.len() - pos < 12 {
            return Err(VerifyError::TableHeaderShort { offset });
        }
        let tid = be16(pos);
        if tid == 0 || tid > 9 {
            return Err(VerifyError::BadTableId { offset, id: tid });
        }
        let width = be16(pos + 2);
        if !matches!(width, 1 | 2 | 4) {
            return Err(VerifyError::BadWidth {
                offset,
                id: tid,
                width,
            });
        }
        let len = be32(pos + 8) as usize;
        if len == 0 {
            return Err(VerifyError::EmptyTable { offset, id: tid });
        }
        let size = len
            .checked_mul(usize::from(width))
            .and_then(|b| b.checked_add(12 + 7))
            .map(|b| b / 8 * 8);
        let Some(size) = size.filter(|&s| s <= blob.len() - pos) else {
            return Err(VerifyError::TableTooLong { offset, id: tid });
        };
        let want: &[u16] = match tid {
            id::ACCEPT => &[4],
            id::ACCEPT2 if opts.accept2 => &[4],
            id::BASE => &[4],
            id::DEFAULT | id::NEXT | id::CHECK if opts.state32 => &[2, 4],
            id::DEFAULT | id::NEXT | id::CHECK => &[2],
            id::EC => &[1],
            _ => &[],
        };
        if want.is_empty() {
            return Err(VerifyError::BadTableId { offset, id: tid });
        }
        if !want.contains(&width) {
            return Err(VerifyError::BadWidth {
                offset,
                id: tid,
                width,
            });
        }
        let slot = &mut tables[usize::from(tid)];
        if slot.is_some() {
            return Err(VerifyError::DuplicateTable(tid));
        }
        let data = &blob[pos + 12..pos + 12 + len * usize::from(width)];
        let values = data
            .chunks_exact(usize::from(width))
            .map(|c| match c.len() {
                1 => u32::from(c[0]),
                2 => u32::from(u16::from_be_bytes([c[0], c[1]])),
                _ => u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
            })
            .collect();
        *slot = Some((width, values));
        pos += size;
    }

    let table = |tid: u16| tables[usize::from(tid)].as_ref();
    for tid in [id::DEFAULT, id::BASE, id::NEXT, id::CHECK] {
        if table(tid).is_none() {
            return Err(VerifyError::MissingTable(tid));
        }
    }
    let values = |tid: u16| table(tid).map_or(&[][..], |t| t.1.as_slice());
    let states = values(id::BASE).len();
    let mut same_length = vec![id::ACCEPT, id::DEFAULT];
    if opts.accept2 {
        same_length.insert(1, id::ACCEPT2);
    }
    for tid in same_length {
        let Some((_, v)) = table(tid) else {
            return Err(VerifyError::MissingTable(tid));
        };
        if v.len() != states {
            return Err(VerifyError::WrongLength {
                id: tid,
                len: v.len(),
                states,
            });
        }
    }
    let (next, check) = (values(id::NEXT), values(id::CHECK));
    if next.len() != check.len() {
        return Err(VerifyError::NextCheckLength {
            next: next.len(),
            check: check.len(),
        });
    }
    if let Some((_, ec)) = table(id::EC) {
        if ec.len() != 256 {
            return Err(VerifyError::EcLength(ec.len()));
        }
    }
    let widths: Vec<u16> = [id::DEFAULT, id::NEXT, id::CHECK]
        .iter()
        .filter_map(|&t| table(t).map(|t| t.0))
        .collect();
    if widths.iter().any(|&w| w != widths[0]) {
        return Err(VerifyError::BadWidth {
            offset: hsize,
            id: id::DEFAULT,
            width: widths[0],
        });
    }

    // verify_dfa
    if states == 0 {
        return Err(VerifyError::NoStates);
    }
    let (base, default) = (values(id::BASE), values(id::DEFAULT));
    for (state, (&b, &d)) in base.iter().zip(default).enumerate() {
        if d as usize >= states {
            return Err(VerifyError::DefaultOutOfRange { state, default: d });
        }
        if b & MATCH_FLAGS_INVALID != 0 {
            return Err(VerifyError::BadBaseFlags { state, base: b });
        }
        if b & MATCH_FLAG_DIFF_ENCODE != 0 && flags & flag::DIFF_ENCODE == 0 {
            return Err(VerifyError::DiffWithoutFlag { state });
        }
        if b & MATCH_FLAG_OOB_TRANSITION != 0 && ((b & BASE_MASK) < 1 || flags & flag::OOB == 0) {
            return Err(VerifyError::BadOob { state });
        }
        if (b & BASE_MASK) as usize + 255 >= next.len() {
            return Err(VerifyError::BaseOutOfRange {
                state,
                base: b & BASE_MASK,
                len: next.len(),
            });
        }
    }
    for (pos, (&nx, &ck)) in next.iter().zip(check).enumerate() {
        if nx as usize >= states {
            return Err(VerifyError::NextOutOfRange { pos, value: nx });
        }
        if ck as usize >= states {
            return Err(VerifyError::CheckOutOfRange { pos, value: ck });
        }
    }
    // diff-encoding chains: 0 unseen, 1 on the current chain, 2 verified
    let mut mark = vec![0u8; states];
    for i in 0..states {
        let mut j = i;
        while base[j] & MATCH_FLAG_DIFF_ENCODE != 0 && mark[j] != 2 {
            if mark[j] == 1 {
                return Err(VerifyError::DiffCycle { state: i });
            }
            let k = default[j] as usize;
            if k == j {
                return Err(VerifyError::DiffCycle { state: i });
            }
            mark[j] = 1;
            j = k;
        }
        let mut j = i;
        while base[j] & MATCH_FLAG_DIFF_ENCODE != 0 && mark[j] == 1 {
            mark[j] = 2;
            j = default[j] as usize;
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
