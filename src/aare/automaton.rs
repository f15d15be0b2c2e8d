//! A deterministic automaton in the kernel's shape, before its tables are
//! packed: state 0 is the trap state (it goes nowhere and accepts
//! nothing), state 1 the start state; every state has its transitions as
//! byte ranges and two accept words, whose meaning the compiler chose
//! (permission bits, or an index into a permission table).

/// One state's transitions: sorted, disjoint, inclusive byte ranges and
/// the state each goes to. A byte no range covers goes to the trap state.
pub type Row = Vec<(u8, u8, u32)>;

/// A deterministic automaton over bytes with two accept words per state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Automaton {
    pub rows: Vec<Row>,
    /// The first accept word of each state (the kernel's ACCEPT table).
    pub accept: Vec<u32>,
    /// The second accept word of each state (ACCEPT2).
    pub accept2: Vec<u32>,
}

/// The trap state.
pub const TRAP: u32 = 0;
/// The start state.
pub const START: u32 = 1;

impl Automaton {
    /// An automaton with the trap state and a start state that accepts
    /// nothing and goes nowhere.
    pub fn empty() -> Automaton {
        Automaton {
            rows: vec![Vec::new(), Vec::new()],
            accept: vec![0, 0],
            accept2: vec![0, 0],
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Where `state` goes on byte `c`.
    pub fn next(&self, state: u32, c: u8) -> u32 {
        let row = &self.rows[state as usize];
        match row.binary_search_by(|&(lo, hi, _)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        }) {
            Ok(i) => row[i].2,
            Err(_) => TRAP,
        }
    }

    /// The state reached from the start on `input` (the trap state once
    /// no path goes on).
    pub fn walk(&self, input: &[u8]) -> u32 {
        let mut s = START;
        for &c in input {
            s = self.next(s, c);
            if s == TRAP {
                break;
            }
        }
        s
    }

    /// Build a row from a full 256-entry table of targets.
    pub fn row_of(targets: &[u32; 256]) -> Row {
        let mut row: Row = Vec::new();
        for (c, &t) in targets.iter().enumerate() {
            let c = c as u8;
            if t == TRAP {
                continue;
            }
            match row.last_mut() {
                Some((_, hi, to)) if *to == t && u16::from(*hi) + 1 == u16::from(c) => *hi = c,
                _ => row.push((c, c, t)),
            }
        }
        row
    }
}

/// Automata one after the other, joined by out-of-band transitions: from
/// every accepting state of a part (accept word not 0) to the start of
/// the next. The first part keeps its numbering; each later part's
/// states follow, its trap state being the shared one. Returns the
/// automaton and each state's out-of-band target ([`TRAP`] for none).
pub fn chain_out_of_band(parts: &[Automaton]) -> (Automaton, Vec<u32>) {
    let mut out = Automaton {
        rows: vec![Vec::new()],
        accept: vec![0],
        accept2: vec![0],
    };
    let mut oob = vec![TRAP];
    // the states of the part before, awaiting the next part's start
    let mut waiting: Vec<u32> = Vec::new();
    for part in parts {
        // where the part's states go: the trap state stays 0
        let offset = out.len() as u32 - 1;
        let at = |s: u32| if s == TRAP { TRAP } else { s + offset };
        for &w in &waiting {
            oob[w as usize] = at(START);
        }
        waiting.clear();
        for s in 1..part.len() {
            let row = part.rows[s]
                .iter()
                .map(|&(lo, hi, t)| (lo, hi, at(t)))
                .collect();
            out.rows.push(row);
            out.accept.push(part.accept[s]);
            out.accept2.push(part.accept2[s]);
            oob.push(TRAP);
            if part.accept[s] != 0 {
                waiting.push(at(s as u32));
            }
        }
    }
    (out, oob)
}
