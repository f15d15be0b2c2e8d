//! The binary policy's element encoding, written: a type byte and a little
//! endian payload per element, a name element before a named one (see
//! [`crate::binpolicy`] for the reading side).

/// A record being written.
#[derive(Default)]
pub struct Writer {
    pub buf: Vec<u8>,
}

const U16: u8 = 1;
const U32: u8 = 2;
const U64: u8 = 3;
const NAME: u8 = 4;
const STRING: u8 = 5;
const BLOB: u8 = 6;
const STRUCT: u8 = 7;
const STRUCTEND: u8 = 8;
const ARRAY: u8 = 11;
const ARRAYEND: u8 = 12;

impl Writer {
    pub fn name(&mut self, name: Option<&str>) {
        if let Some(n) = name {
            self.buf.push(NAME);
            self.buf
                .extend_from_slice(&((n.len() + 1) as u16).to_le_bytes());
            self.buf.extend_from_slice(n.as_bytes());
            self.buf.push(0);
        }
    }

    /// A u16 (the legacy network table's entries).
    pub fn u16(&mut self, name: Option<&str>, v: u16) {
        self.name(name);
        self.buf.push(U16);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u32(&mut self, name: Option<&str>, v: u32) {
        self.name(name);
        self.buf.push(U32);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u64(&mut self, name: Option<&str>, v: u64) {
        self.name(name);
        self.buf.push(U64);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// A string of raw bytes, NUL included by the caller.
    pub fn strn(&mut self, name: Option<&str>, bytes: &[u8]) {
        self.name(name);
        self.buf.push(STRING);
        self.buf
            .extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        self.buf.extend_from_slice(bytes);
    }

    pub fn string(&mut self, name: Option<&str>, s: &str) {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        self.strn(name, &b);
    }

    pub fn struct_(&mut self, name: Option<&str>) {
        self.name(name);
        self.buf.push(STRUCT);
    }

    pub fn struct_end(&mut self) {
        self.buf.push(STRUCTEND);
    }

    pub fn array(&mut self, name: Option<&str>, count: u16) {
        self.name(name);
        self.buf.push(ARRAY);
        self.buf.extend_from_slice(&count.to_le_bytes());
    }

    pub fn array_end(&mut self) {
        self.buf.push(ARRAYEND);
    }

    /// A blob whose content starts 8-aligned relative to the record's
    /// start (the kernel reads the automaton's tables in place).
    pub fn aligned_blob(&mut self, name: &str, data: &[u8]) {
        self.name(Some(name));
        let at = self.buf.len() + 5;
        let pad = at.div_ceil(8) * 8 - at;
        self.buf.push(BLOB);
        self.buf
            .extend_from_slice(&((data.len() + pad) as u32).to_le_bytes());
        self.buf.extend(std::iter::repeat_n(0u8, pad));
        self.buf.extend_from_slice(data);
    }
}
