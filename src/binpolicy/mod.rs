//! The kernel's binary policy, decoded: what `apparmor_parser -S` writes
//! and `/sys/kernel/security/apparmor/.replace` reads.
//!
//! A policy is a sequence of typed elements, each a type byte and a little
//! endian payload, a name element before the element it names. [`decode`]
//! reads any such sequence into [`Element`]s; [`records`] groups them into
//! the records of a policy (one per profile, hat and child); [`dfa`]
//! decodes the automata the `aadfa` blobs hold. `aaprof inspect` prints
//! them (see [`describe`]).

pub mod compare;
mod describe;
pub mod dfa;
pub mod perms;

pub use describe::describe;

use thiserror::Error;

/// Why a byte sequence is not a binary policy.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error("byte {offset}: unknown element type 0x{code:02x}")]
    UnknownType { offset: usize, code: u8 },
    #[error("byte {offset}: the policy ends inside {what}")]
    Truncated { offset: usize, what: &'static str },
    #[error("byte {offset}: a name is not followed by an element")]
    DanglingName { offset: usize },
    #[error("byte {offset}: {what} is not closed")]
    Unclosed { offset: usize, what: &'static str },
    #[error("byte {offset}: an end of {what} where none is open")]
    UnexpectedEnd { offset: usize, what: &'static str },
    #[error("byte {offset}: a string that is not NUL-terminated UTF-8")]
    BadString { offset: usize },
    #[error("byte {offset}: the policy does not start with a `version` element")]
    NoVersion { offset: usize },
    #[error("DFA at byte {offset}: {why}")]
    BadDfa { offset: usize, why: String },
}

/// The element types (the reference's `sd_code`).
mod code {
    pub const U8: u8 = 0;
    pub const U16: u8 = 1;
    pub const U32: u8 = 2;
    pub const U64: u8 = 3;
    pub const NAME: u8 = 4;
    pub const STRING: u8 = 5;
    pub const BLOB: u8 = 6;
    pub const STRUCT: u8 = 7;
    pub const STRUCTEND: u8 = 8;
    pub const LIST: u8 = 9;
    pub const LISTEND: u8 = 10;
    pub const ARRAY: u8 = 11;
    pub const ARRAYEND: u8 = 12;
}

/// One element, with the name written before it, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    pub name: Option<String>,
    pub value: Value,
    /// Where the element (its name, if it has one) begins.
    pub offset: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    String(String),
    /// A blob, with the offset of its first byte (for the DFA's alignment).
    Blob(Vec<u8>, usize),
    Struct(Vec<Element>),
    List(Vec<Element>),
    Array(Vec<Element>),
}

impl Element {
    /// The named element among `elements`.
    pub fn find<'a>(elements: &'a [Element], name: &str) -> Option<&'a Element> {
        elements.iter().find(|e| e.name.as_deref() == Some(name))
    }

    pub fn as_u32(&self) -> Option<u32> {
        match self.value {
            Value::U32(v) => Some(v),
            _ => None,
        }
    }

    pub fn children(&self) -> &[Element] {
        match &self.value {
            Value::Struct(v) | Value::List(v) | Value::Array(v) => v,
            _ => &[],
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                let s = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(DecodeError::Truncated {
                offset: self.pos,
                what,
            }),
        }
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        let at = self.pos;
        let len = usize::from(self.u16("a string's length")?);
        let b = self.take(len, "a string")?;
        match b.split_last() {
            Some((0, s)) => std::str::from_utf8(s)
                .map(str::to_string)
                .map_err(|_| DecodeError::BadString { offset: at }),
            _ => Err(DecodeError::BadString { offset: at }),
        }
    }

    /// Elements up to the end marker `end` (consumed), or to the end of the
    /// input when `end` is `None`.
    fn elements(&mut self, end: Option<(u8, &'static str)>) -> Result<Vec<Element>, DecodeError> {
        let start = self.pos;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.bytes.get(self.pos) else {
                return match end {
                    None => Ok(out),
                    Some((_, what)) => Err(DecodeError::Unclosed {
                        offset: start,
                        what,
                    }),
                };
            };
            if let Some((e, _)) = end {
                if c == e {
                    self.pos += 1;
                    return Ok(out);
                }
            }
            let offset = self.pos;
            let mut name = None;
            if c == code::NAME {
                self.pos += 1;
                name = Some(self.string()?);
                if self.pos >= self.bytes.len() {
                    return Err(DecodeError::DanglingName { offset });
                }
            }
            let value = self.value()?;
            out.push(Element {
                name,
                value,
                offset,
            });
        }
    }

    fn value(&mut self) -> Result<Value, DecodeError> {
        let offset = self.pos;
        let c = self.take(1, "an element")?[0];
        Ok(match c {
            code::U8 => Value::U8(self.take(1, "a u8")?[0]),
            code::U16 => Value::U16(self.u16("a u16")?),
            code::U32 => Value::U32(self.u32("a u32")?),
            code::U64 => {
                let b = self.take(8, "a u64")?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Value::U64(u64::from_le_bytes(a))
            }
            code::STRING => Value::String(self.string()?),
            code::BLOB => {
                let len = self.u32("a blob's length")? as usize;
                let at = self.pos;
                Value::Blob(self.take(len, "a blob")?.to_vec(), at)
            }
            code::STRUCT => Value::Struct(self.elements(Some((code::STRUCTEND, "a struct")))?),
            code::LIST => Value::List(self.elements(Some((code::LISTEND, "a list")))?),
            code::ARRAY => {
                // the count is a hint the end marker confirms
                let _count = self.u16("an array's count")?;
                Value::Array(self.elements(Some((code::ARRAYEND, "an array")))?)
            }
            code::STRUCTEND => {
                return Err(DecodeError::UnexpectedEnd {
                    offset,
                    what: "struct",
                });
            }
            code::LISTEND => {
                return Err(DecodeError::UnexpectedEnd {
                    offset,
                    what: "list",
                });
            }
            code::ARRAYEND => {
                return Err(DecodeError::UnexpectedEnd {
                    offset,
                    what: "array",
                });
            }
            code => return Err(DecodeError::UnknownType { offset, code }),
        })
    }
}

/// Every element of a binary policy, in order.
pub fn decode(bytes: &[u8]) -> Result<Vec<Element>, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    Reader { bytes, pos: 0 }.elements(None)
}

/// One record of a policy: its header elements (`version`, `namespace`)
/// and the `profile` struct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub version: Option<u32>,
    pub namespace: Option<String>,
    pub profile: Element,
}

impl Record {
    /// The name a comparison matches records by: the profile's name, after
    /// `:namespace:` where it has one.
    pub fn key(&self) -> String {
        let name = self.name().unwrap_or("?");
        match &self.namespace {
            Some(ns) => format!(":{ns}:{name}"),
            None => name.to_string(),
        }
    }

    /// The profile's name (`parent//child` for hats and children).
    pub fn name(&self) -> Option<&str> {
        match self.profile.children().first().map(|e| &e.value) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        }
    }
}

/// The records of a decoded policy. The first must carry a `version`; the
/// following ones repeat it (one load buffer per record) or not.
pub fn records(elements: &[Element]) -> Result<Vec<Record>, DecodeError> {
    match elements.first() {
        Some(e) if e.name.as_deref() == Some("version") => {}
        first => {
            return Err(DecodeError::NoVersion {
                offset: first.map_or(0, |e| e.offset),
            });
        }
    }
    let mut out = Vec::new();
    let (mut version, mut namespace) = (None, None);
    for e in elements {
        match (e.name.as_deref(), &e.value) {
            (Some("version"), Value::U32(v)) => version = Some(*v),
            (Some("namespace"), Value::String(s)) => namespace = Some(s.clone()),
            (Some("profile"), Value::Struct(_)) => out.push(Record {
                version: version.take(),
                namespace: namespace.take(),
                profile: e.clone(),
            }),
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
