//! The automata of a binary policy (`aadfa` blobs): a header and the
//! comb-packed tables, big endian, as the kernel unpacks them.

use super::DecodeError;

/// The header's magic number.
pub const MAGIC: u32 = 0x1B5E_783D;

/// Table ids.
pub mod id {
    pub const ACCEPT: u16 = 1;
    pub const BASE: u16 = 2;
    pub const CHECK: u16 = 3;
    pub const DEFAULT: u16 = 4;
    pub const EC: u16 = 5;
    pub const ACCEPT2: u16 = 7;
    pub const NEXT: u16 = 8;
}

/// Header flags.
pub mod flag {
    /// States may default to a state with a lower number and diff-encode.
    pub const DIFF_ENCODE: u16 = 1;
    /// An out-of-band transition (for xattrs and the like) follows 255.
    pub const OOB: u16 = 2;
}

/// One table: its id and width in bytes (1, 2 or 4), the values widened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub id: u16,
    pub width: u16,
    pub data: Vec<u32>,
}

/// A decoded automaton.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dfa {
    pub flags: u16,
    pub tables: Vec<Table>,
}

/// What a state does on one byte: the state it goes to.
pub const TRAP: u32 = 0;
/// The start state.
pub const START: u32 = 1;

impl Dfa {
    /// Decode the blob of an `aadfa` element. The reference pads the blob
    /// so that the header is 8-aligned relative to the profile; the pad is
    /// what comes before the magic number.
    pub fn decode(blob: &[u8], offset: usize) -> Result<Dfa, DecodeError> {
        let bad = |why: String| DecodeError::BadDfa { offset, why };
        let start = (0..blob.len().min(8))
            .find(|&i| blob.get(i..i + 4) == Some(&MAGIC.to_be_bytes()[..]))
            .ok_or_else(|| bad("no header (magic number) in its first bytes".into()))?;
        let b = &blob[start..];
        let be32 = |i: usize| -> Option<u32> {
            b.get(i..i + 4)
                .map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]))
        };
        let be16 =
            |i: usize| -> Option<u16> { b.get(i..i + 2).map(|x| u16::from_be_bytes([x[0], x[1]])) };
        let hsize = be32(4).ok_or_else(|| bad("header cut short".into()))? as usize;
        let flags = be16(12).ok_or_else(|| bad("header cut short".into()))?;
        if hsize < 16 || hsize > b.len() {
            return Err(bad(format!("header size {hsize} out of range")));
        }
        let mut pos = hsize;
        let mut tables = Vec::new();
        while pos + 12 <= b.len() {
            let (Some(id), Some(width), Some(len)) = (be16(pos), be16(pos + 2), be32(pos + 8))
            else {
                break;
            };
            let len = len as usize;
            let w = usize::from(width);
            if !matches!(w, 1 | 2 | 4) {
                return Err(bad(format!("table {id} has width {width}")));
            }
            let data_at = pos + 12;
            let bytes = len
                .checked_mul(w)
                .filter(|n| data_at + n <= b.len())
                .ok_or_else(|| bad(format!("table {id} runs past the blob")))?;
            let raw = &b[data_at..data_at + bytes];
            let data = raw
                .chunks(w)
                .map(|c| match w {
                    1 => u32::from(c[0]),
                    2 => u32::from(u16::from_be_bytes([c[0], c[1]])),
                    _ => u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                })
                .collect();
            tables.push(Table { id, width, data });
            // each table is padded to 8 bytes
            pos = (data_at + bytes).div_ceil(8) * 8;
        }
        let dfa = Dfa { flags, tables };
        for t in [id::ACCEPT, id::BASE, id::DEFAULT, id::NEXT, id::CHECK] {
            if dfa.table(t).is_none() {
                return Err(bad(format!("no table {t}")));
            }
        }
        Ok(dfa)
    }

    pub fn table(&self, id: u16) -> Option<&[u32]> {
        self.tables
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.data.as_slice())
    }

    fn get(&self, id: u16, i: usize) -> u32 {
        self.table(id).and_then(|t| t.get(i)).copied().unwrap_or(0)
    }

    /// The number of states (state 0 is the trap state).
    pub fn states(&self) -> usize {
        self.table(id::BASE).map_or(0, <[u32]>::len)
    }

    pub fn accept(&self, state: u32) -> u32 {
        self.get(id::ACCEPT, state as usize)
    }

    pub fn accept2(&self, state: u32) -> u32 {
        self.get(id::ACCEPT2, state as usize)
    }

    /// Where `state` goes on byte `c`, as the kernel walks the packed
    /// tables (equivalence classes and diff-encoded defaults included).
    pub fn next(&self, state: u32, c: u8) -> u32 {
        let c = match self.table(id::EC) {
            Some(ec) => ec.get(usize::from(c)).copied().unwrap_or(0),
            None => u32::from(c),
        } as usize;
        let mut s = state;
        // a default chain is at most as long as the number of states
        for _ in 0..=self.states() {
            let base = self.get(id::BASE, s as usize);
            let pos = (base & 0x00ff_ffff) as usize + c;
            if self.get(id::CHECK, pos) == s && pos < self.table(id::NEXT).map_or(0, <[u32]>::len) {
                return self.get(id::NEXT, pos);
            }
            // with diff-encoding a state marked in its base's top byte
            // goes on from its default; otherwise the default is the answer
            let diff = self.flags & flag::DIFF_ENCODE != 0 && base & 0x8000_0000 != 0;
            let d = self.get(id::DEFAULT, s as usize);
            if !diff {
                return d;
            }
            s = d;
        }
        TRAP
    }

    /// Each state's transitions as (first byte, last byte, target) runs,
    /// with the runs that go to the trap state left out.
    pub fn transitions(&self, state: u32) -> Vec<(u8, u8, u32)> {
        let mut out: Vec<(u8, u8, u32)> = Vec::new();
        for c in 0..=255u8 {
            let t = self.next(state, c);
            match out.last_mut() {
                Some((_, hi, to)) if *to == t && *hi as u16 + 1 == c as u16 => *hi = c,
                _ => out.push((c, c, t)),
            }
        }
        out.retain(|r| r.2 != TRAP);
        out
    }
}
