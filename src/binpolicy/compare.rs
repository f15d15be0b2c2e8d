//! Whether two binary policies mean the same, and where they do not.
//!
//! Records are matched by namespace and name; their fields other than
//! the automata are compared as decoded values; each automaton pair
//! (attachment, policy, file) is compared by walking the product of the
//! two automata from their start states over every byte (and the
//! out-of-band symbol where an automaton has one), comparing at every
//! pair of states what the kernel makes of their accept entries
//! ([`perms`](super::perms)): permission-table indexes stand for the
//! permissions they index, legacy accept words for what the kernel maps
//! them to, and exec transitions for the names of their targets. Where
//! the two differ, the shortest input that shows it (a witness) is
//! reported with the two meanings.

use super::dfa::{Dfa, TRAP};
use super::perms::{Encoding, Kind, Meaning, Perms, decode_table};
use super::{DecodeError, Element, Value, decode, records};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;

/// The outcome of [`compare`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// The two inputs are the same bytes.
    pub byte_identical: bool,
    /// How many bytes differ (position by position, plus the difference
    /// in length).
    pub bytes_differing: usize,
    /// Where the meanings differ; empty when semantically equal.
    pub differences: Vec<Difference>,
}

impl Comparison {
    /// Whether the two policies mean the same.
    pub fn equal(&self) -> bool {
        self.differences.is_empty()
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.byte_identical {
            return writeln!(f, "semantically equal (byte-identical)");
        }
        if self.equal() {
            return writeln!(
                f,
                "semantically equal, {} bytes differ",
                self.bytes_differing
            );
        }
        writeln!(f, "{} differences:", self.differences.len())?;
        for d in &self.differences {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

/// One place where two policies differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The record (`name`, or `:namespace:name`).
    pub record: String,
    /// A field's name, an automaton's (`file automaton`), or `record`
    /// when the record is in one policy only.
    pub place: String,
    /// For an automaton: the input that reaches the differing states, as
    /// the bytes (256 stands for the out-of-band transition).
    pub witness: Option<Vec<u16>>,
    /// The witness shown with escapes.
    pub witness_text: Option<String>,
    /// The first policy's side, in words.
    pub a: String,
    /// The second policy's side, in words.
    pub b: String,
    /// For an automaton: what the two sides' states mean (with their
    /// transition tables, for exec targets).
    pub meanings: Option<(Meaning, Meaning)>,
}

/// What one side allows that the other does not, in words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Change {
    /// Allowed by the second policy, not by the first.
    pub gained: String,
    /// Allowed by the first policy, not by the second.
    pub lost: String,
}

/// Permission bits of a policy-automaton class in words (the bits of
/// classes not named here, and bits not known, in hex).
fn class_perms(class: u8, bits: u32) -> String {
    if bits == 0 {
        return String::new();
    }
    let names = crate::compile::perm_words(class);
    let mut out: Vec<String> = Vec::new();
    // the kernel's mapping of a legacy accept word sets LOCK on every
    // state: it says nothing of these classes
    let mut rest = if names.is_empty() {
        bits
    } else {
        bits & !super::perms::file::LOCK
    };
    for (n, b) in &names {
        if bits & b != 0 && rest & b != 0 {
            out.push(n.to_string());
            rest &= !b;
        }
    }
    if rest != 0 {
        out.push(format!("0x{rest:x}"));
    }
    out.join(" ")
}

/// A policy-automaton input in words: its class and fields (a signal's
/// number and peer, a dbus message's bus, name, peer, path, interface
/// and member), escaped where not printable.
pub fn policy_input(w: &[u16]) -> String {
    use crate::compile::class as c;
    let Some((&first, rest)) = w.split_first() else {
        return String::new();
    };
    let Ok(class) = u8::try_from(first) else {
        return escape(w, true);
    };
    let Some(name) = c::name(class) else {
        return escape(w, true);
    };
    match class {
        c::SIGNAL if !rest.is_empty() => {
            let sig = crate::vocab::signal_name(u32::from(rest[0]))
                .unwrap_or_else(|| format!("#{}", rest[0]));
            format!("signal {sig} to peer \"{}\"", escape(&rest[1..], false))
        }
        c::DBUS => {
            let labels = ["bus", "name", "peer", "path", "interface", "member"];
            let fields: Vec<String> = rest
                .split(|&b| b == 0)
                .zip(labels)
                .filter(|(f, _)| !f.is_empty())
                .map(|(f, l)| format!("{l}={}", escape(f, false)))
                .collect();
            format!("dbus {}", fields.join(" "))
        }
        _ if rest.is_empty() => name.to_string(),
        _ => format!("{name} \"{}\"", escape(rest, false)),
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.gained.is_empty(), self.lost.is_empty()) {
            (true, true) => write!(
                f,
                "the same permissions, audited, quieted or exec'd otherwise"
            ),
            (false, true) => write!(f, "now allows `{}`", self.gained),
            (true, false) => write!(f, "no longer allows `{}`", self.lost),
            (false, false) => write!(
                f,
                "now allows `{}` and no longer `{}`",
                self.gained, self.lost
            ),
        }
    }
}

impl Difference {
    /// The difference in words: the input, its class first (`file
    /// "/etc/motd"`, `signal kill to peer "q"`, a dbus message), and what
    /// is now allowed on it or no longer; capabilities by name; other
    /// fields as their two values.
    /// For a difference in a capability set: the first policy's and the
    /// second's bits.
    pub fn capabilities(&self) -> Option<(u64, u64)> {
        self.place.strip_prefix("capabilities ")?;
        let bits = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok();
        Some((bits(&self.a)?, bits(&self.b)?))
    }

    pub fn summary(&self) -> String {
        if let Some(cap) = self.place.strip_prefix("capabilities ") {
            if let Some((x, y)) = self.capabilities() {
                let names = |v: u64| -> String {
                    (0..64)
                        .filter(|i| v & (1u64 << i) != 0)
                        .map(|i| {
                            crate::vocab::CAPABILITIES
                                .get(i)
                                .map_or_else(|| format!("#{i}"), |n| n.to_string())
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let c = Change {
                    gained: names(y & !x),
                    lost: names(x & !y),
                };
                return format!("capabilities ({cap}): {c}");
            }
        }
        let policy = Kind::Policy.to_string();
        let file = Kind::File.to_string();
        let input = |w: &str| match &self.witness {
            Some(raw) if self.place == policy => policy_input(raw),
            _ if self.place == file => format!("file \"{w}\""),
            _ => format!("{} on \"{w}\"", self.place),
        };
        match (&self.witness_text, self.change()) {
            (Some(w), Some(c)) => format!("{}: {c}", input(w)),
            _ => format!("{}: `{}` becomes `{}`", self.place, self.a, self.b),
        }
    }

    /// For an automaton: the permissions the second policy allows on the
    /// witness that the first does not, and the reverse (owner and other
    /// named apart where they differ); `None` for other fields.
    pub fn change(&self) -> Option<Change> {
        let (a, b) = self.meanings?;
        let words = |bits: u32, file: bool| -> String {
            if bits == 0 {
                String::new()
            } else if file {
                super::perms::file_bits(bits)
            } else {
                format!("0x{bits:x}")
            }
        };
        let class = self.witness.as_ref().and_then(|w| w.first()).copied();
        let one = |x: &Perms, y: &Perms, file: bool| {
            let w = |bits: u32| match class {
                Some(c) if !file => class_perms(c as u8, bits),
                _ => words(bits, file),
            };
            (w(y.allow & !x.allow), w(x.allow & !y.allow))
        };
        Some(match (a, b) {
            (Meaning::One(x), Meaning::One(y)) => {
                let (gained, lost) = one(&x, &y, false);
                Change { gained, lost }
            }
            (Meaning::File(x), Meaning::File(y)) => {
                let (gu, lu) = one(&x.user, &y.user, true);
                let (go, lo) = one(&x.other, &y.other, true);
                let both = |u: String, o: String| match (u.is_empty(), o.is_empty()) {
                    _ if u == o => u,
                    (false, true) => format!("{u} (owner)"),
                    (true, false) => format!("{o} (other)"),
                    _ => format!("{u} (owner), {o} (other)"),
                };
                Change {
                    gained: both(gu, go),
                    lost: both(lu, lo),
                }
            }
            _ => Change::default(),
        })
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.record, self.place)?;
        if let Some(w) = &self.witness_text {
            write!(f, " on \"{w}\"")?;
        }
        write!(f, "\n  A: {}\n  B: {}", self.a, self.b)
    }
}

/// How much [`compare_with`] looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Witnesses reported per automaton pair before the walk stops.
    pub witnesses: usize,
    /// Pairs of states the walk visits at most per automaton pair; past
    /// it the pair is reported as undecided (a difference, so that an
    /// undecided comparison never passes as equal).
    pub max_pairs: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            witnesses: 3,
            max_pairs: 20_000_000,
        }
    }
}

/// Compare two binary policies (see the module's documentation).
pub fn compare(a: &[u8], b: &[u8]) -> Result<Comparison, DecodeError> {
    compare_with(a, b, &Options::default())
}

/// [`compare`] with [`Options`].
pub fn compare_with(a: &[u8], b: &[u8], opts: &Options) -> Result<Comparison, DecodeError> {
    let bytes_differing =
        a.iter().zip(b).filter(|(x, y)| x != y).count() + a.len().abs_diff(b.len());
    let (va, vb) = (views(a)?, views(b)?);
    let mut differences = Vec::new();
    for (key, ra) in &va {
        let Some(rb) = vb.get(key) else {
            differences.push(only(key, "A"));
            continue;
        };
        compare_records(key, ra, rb, opts, &mut differences)?;
    }
    for key in vb.keys().filter(|k| !va.contains_key(*k)) {
        differences.push(only(key, "B"));
    }
    Ok(Comparison {
        byte_identical: a == b,
        bytes_differing,
        differences,
    })
}

/// What the automaton of `kind` of the record `key` (see
/// [`Record::key`](super::Record::key)) gives `input`, walked as the
/// kernel walks it (256 stands for the out-of-band transition), with the
/// record's transition table (for exec targets); `None` when the policy
/// has no such record or automaton.
pub fn lookup(
    bytes: &[u8],
    key: &str,
    kind: Kind,
    input: &[u16],
) -> Result<Option<(Meaning, Vec<String>)>, DecodeError> {
    Ok(walk_input(bytes, key, kind, input)?.map(|w| {
        let last = w.states.last().map(|(_, m)| *m);
        (last.unwrap_or(Meaning::One(Perms::default())), w.xtable)
    }))
}

/// An input walked through one automaton of a record.
#[derive(Clone, Debug)]
pub struct Walk {
    /// The state and its meaning after each prefix of the input, the
    /// empty one first (a walk that has left the automaton stays in
    /// [`super::dfa::TRAP`]).
    pub states: Vec<(u32, Meaning)>,
    /// The record's transition table (for exec targets).
    pub xtable: Vec<String>,
    /// Whether the kernel reads `lock` into every state's permissions
    /// (a legacy accept table of a policy of kernel abi 8 or older): the
    /// bit then says nothing.
    pub lock_everywhere: bool,
}

/// [`lookup`] with every state on the way.
pub fn walk_input(
    bytes: &[u8],
    key: &str,
    kind: Kind,
    input: &[u16],
) -> Result<Option<Walk>, DecodeError> {
    let v = views(bytes)?;
    let Some(a) = v.get(key).and_then(|r| r.automata.get(&kind)) else {
        return Ok(None);
    };
    let p = Packed::new(a)?;
    let mut s = super::dfa::START;
    let mut states = vec![(s, p.meaning(s))];
    for &c in input {
        s = p.step(s, c);
        states.push((s, p.meaning(s)));
    }
    Ok(Some(Walk {
        states,
        xtable: a.xtable.clone(),
        lock_everywhere: a.encoding.table.is_none() && a.encoding.kabi <= 8,
    }))
}

/// A field of the record `key` as [`Difference`]s render it (an array as
/// `{a, b, ...}`), `None` when the record or the field is missing.
pub fn field(bytes: &[u8], key: &str, name: &str) -> Result<Option<String>, DecodeError> {
    Ok(views(bytes)?
        .get(key)
        .and_then(|r| r.fields.get(name).cloned()))
}

/// The difference of a record (named by [`Record::key`](super::Record::key))
/// that only policy `side` ("A" or "B") has.
pub fn only_in(key: &str, side: &str) -> Difference {
    only(key, side)
}

fn only(key: &str, side: &str) -> Difference {
    Difference {
        record: key.to_string(),
        place: "record".into(),
        witness: None,
        witness_text: None,
        a: if side == "A" { "present" } else { "absent" }.into(),
        b: if side == "B" { "present" } else { "absent" }.into(),
        meanings: None,
    }
}

/// One automaton of a record with how to read its accept tables and the
/// transition table its exec entries refer to.
struct Automaton {
    dfa: Dfa,
    encoding: Encoding,
    xtable: Vec<String>,
    offset: usize,
}

/// A record decoded for comparison.
struct View {
    fields: BTreeMap<String, String>,
    automata: BTreeMap<Kind, Automaton>,
}

fn views(bytes: &[u8]) -> Result<BTreeMap<String, View>, DecodeError> {
    let elements = decode(bytes)?;
    let mut out = BTreeMap::new();
    let mut version = None;
    for r in records(&elements)? {
        // a record without a version element has the previous one's
        version = r.version.or(version);
        let key = r.key();
        let mut v = view(&r.profile, version.unwrap_or(0))?;
        if let Some(ver) = version {
            v.fields.insert("version".into(), format!("0x{ver:08x}"));
        }
        out.insert(key, v);
    }
    Ok(out)
}

const CAPS: [&str; 4] = [
    "capabilities allowed",
    "capabilities audited",
    "capabilities quieted",
    "capabilities reserved",
];
const FLAGS: [&str; 3] = ["flags.profile flags", "flags.mode", "flags.audit"];

fn view(profile: &Element, version: u32) -> Result<View, DecodeError> {
    let kabi = version & 0x3ff;
    let mut fields = BTreeMap::new();
    let mut automata = BTreeMap::new();
    let mut seen_flags = false;
    let mut caps = CAPS.iter();
    let mut after_attachment = false;
    let mut pending = Pending::default();
    let mut profile_xtable = None;
    for (i, e) in profile.children().iter().enumerate().skip(1) {
        let was_attachment = std::mem::take(&mut after_attachment);
        match (e.name.as_deref(), &e.value) {
            (Some("aadfa"), Value::Blob(b, at)) => {
                let kind = if seen_flags {
                    Kind::File
                } else {
                    after_attachment = true;
                    Kind::Attachment
                };
                automata.insert(kind, pending.automaton(kind, b, *at, kabi)?);
            }
            (Some("perms"), _) => pending.table = Some(decode_table(e)?),
            (Some("permsv"), Value::U32(v)) => pending.owner_flags = *v >= 3,
            (Some("xtable"), _) => {
                let t = xtable(e);
                if let Some(f) = automata.get_mut(&Kind::File) {
                    f.xtable = t.clone();
                }
                profile_xtable = Some(t);
            }
            (Some("policydb"), _) => {
                let mut p = Pending::default();
                let mut policy = None;
                let mut policy_xtable = None;
                for c in e.children() {
                    match (c.name.as_deref(), &c.value) {
                        (Some("aadfa"), Value::Blob(b, at)) => {
                            policy = Some(p.automaton(Kind::Policy, b, *at, kabi)?)
                        }
                        (Some("perms"), _) => p.table = Some(decode_table(c)?),
                        (Some("permsv"), Value::U32(v)) => p.owner_flags = *v >= 3,
                        (Some("xtable"), _) => policy_xtable = Some(xtable(c)),
                        (n, _) => {
                            fields
                                .insert(format!("policydb.{}", n.unwrap_or("-")), render(&c.value));
                        }
                    }
                }
                if let Some(mut a) = policy {
                    a.xtable = policy_xtable.unwrap_or_default();
                    automata.insert(Kind::Policy, a);
                }
            }
            (Some("flags"), _) => {
                seen_flags = true;
                let mut names = FLAGS.iter();
                for c in e.children() {
                    let label = match &c.name {
                        Some(n) => format!("flags.{n}"),
                        None => names.next().map_or("flags.-".into(), |n| n.to_string()),
                    };
                    fields.insert(label, render(&c.value));
                }
            }
            (None, _) if seen_flags && caps.len() > 0 => {
                if let Some(n) = caps.next() {
                    fields.insert(n.to_string(), render(&e.value));
                }
            }
            (None, _) if was_attachment => {
                fields.insert("attachment match length".into(), render(&e.value));
            }
            (name, v) => {
                let label = name.map_or_else(|| format!("element {i}"), str::to_string);
                fields.insert(label, render(v));
            }
        }
    }
    // the policy automaton's exec entries use the profile's table where
    // the policydb has none of its own
    if let (Some(p), Some(t)) = (automata.get_mut(&Kind::Policy), profile_xtable) {
        if p.xtable.is_empty() {
            p.xtable = t;
        }
    }
    Ok(View { fields, automata })
}

/// The permission table and its version seen before an automaton.
#[derive(Default)]
struct Pending {
    table: Option<Vec<Perms>>,
    owner_flags: bool,
}

impl Pending {
    fn automaton(
        &mut self,
        kind: Kind,
        blob: &[u8],
        offset: usize,
        kabi: u32,
    ) -> Result<Automaton, DecodeError> {
        Ok(Automaton {
            dfa: Dfa::decode(blob, offset)?,
            encoding: Encoding {
                kind,
                table: self.table.take(),
                owner_flags: std::mem::take(&mut self.owner_flags),
                kabi,
            },
            xtable: Vec::new(),
            offset,
        })
    }
}

/// The target names of an `xtable` struct.
fn xtable(e: &Element) -> Vec<String> {
    let mut out = Vec::new();
    for c in e.children() {
        match &c.value {
            Value::String(s) => out.push(s.clone()),
            Value::Array(v) => out.extend(v.iter().filter_map(|x| match &x.value {
                Value::String(s) => Some(s.clone()),
                _ => None,
            })),
            _ => {}
        }
    }
    out
}

/// A field's value as text, for comparing and showing.
fn render(v: &Value) -> String {
    match v {
        Value::U8(x) => format!("{x}"),
        Value::U16(x) => format!("{x}"),
        Value::U32(x) => format!("0x{x:x}"),
        Value::U64(x) => format!("{x}"),
        Value::String(s) => format!("{s:?}"),
        Value::Blob(b, _) => format!("blob {}", escape(&widen(b), false)),
        Value::Struct(c) | Value::List(c) | Value::Array(c) => {
            let inner: Vec<String> = c
                .iter()
                .map(|e| match &e.name {
                    Some(n) => format!("{n}: {}", render(&e.value)),
                    None => render(&e.value),
                })
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

fn widen(b: &[u8]) -> Vec<u16> {
    b.iter().map(|&c| u16::from(c)).collect()
}

/// The out-of-band symbol of a witness.
pub const OOB: u16 = 256;

/// A witness as text: printable ASCII as is, `\\` for a backslash; in a
/// file or attachment automaton `\0` for NUL and `\xNN` for other
/// bytes, in the policy automaton (whose inputs start with a class byte)
/// `\dN` in decimal as the reference's rule dumps show them; `\oob` for
/// the out-of-band transition.
pub fn escape(w: &[u16], policy: bool) -> String {
    let mut s = String::new();
    // after a `\dN` escape a digit is escaped too, and a policy
    // automaton's class byte always is
    let mut escaped = policy;
    for &c in w {
        let digit = (0x30..=0x39).contains(&c);
        let was_escaped = std::mem::replace(&mut escaped, false);
        match c {
            _ if policy && (was_escaped && digit || s.is_empty()) => {
                escaped = true;
                s.push_str(&format!("\\d{c}"))
            }
            OOB => s.push_str("\\oob"),
            0x5c => s.push_str("\\\\"),
            0x22 => s.push_str("\\\""),
            0x20..=0x7e => s.push(char::from(c as u8)),
            _ if policy => {
                escaped = true;
                s.push_str(&format!("\\d{c}"))
            }
            0 => s.push_str("\\0"),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s
}

fn compare_records(
    key: &str,
    a: &View,
    b: &View,
    opts: &Options,
    out: &mut Vec<Difference>,
) -> Result<(), DecodeError> {
    let field = |place: &str, x: Option<&String>, y: Option<&String>| Difference {
        record: key.to_string(),
        place: place.to_string(),
        witness: None,
        witness_text: None,
        a: x.cloned().unwrap_or_else(|| "absent".into()),
        b: y.cloned().unwrap_or_else(|| "absent".into()),
        meanings: None,
    };
    for (n, x) in &a.fields {
        match b.fields.get(n) {
            Some(y) if y == x => {}
            Some(y) => {
                let (x, y) = differing_items(x, y).unwrap_or((x.clone(), y.clone()));
                out.push(field(n, Some(&x), Some(&y)));
            }
            None => out.push(field(n, Some(x), None)),
        }
    }
    for (n, y) in &b.fields {
        if !a.fields.contains_key(n) {
            out.push(field(n, None, Some(y)));
        }
    }
    for kind in [Kind::Attachment, Kind::Policy, Kind::File] {
        match (a.automata.get(&kind), b.automata.get(&kind)) {
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => {
                let p = |x: Option<&Automaton>| x.map(|_| "present".to_string());
                out.push(field(
                    &kind.to_string(),
                    p(a.automata.get(&kind)).as_ref(),
                    p(b.automata.get(&kind)).as_ref(),
                ));
            }
            (Some(x), Some(y)) => {
                let (found, complete) = walk(x, y, opts)?;
                if !complete {
                    let why = format!(
                        "undecided: walk stopped after {} state pairs",
                        opts.max_pairs
                    );
                    out.push(field(&kind.to_string(), Some(&why), Some(&why)));
                }
                for (w, ma, mb) in found {
                    out.push(Difference {
                        record: key.to_string(),
                        place: match w {
                            Some(_) => kind.to_string(),
                            None => format!("{kind} (what an input matching nothing gets)"),
                        },
                        witness_text: w.as_ref().map(|w| escape(w, kind == Kind::Policy)),
                        witness: w,
                        a: ma.text(&x.xtable),
                        b: mb.text(&y.xtable),
                        meanings: Some((ma, mb)),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Two long flat lists of the same length (`{a, b, ...}`), shown as
/// the items that differ with their positions.
fn differing_items(x: &str, y: &str) -> Option<(String, String)> {
    let items = |s: &str| -> Option<Vec<String>> {
        let inner = s.strip_prefix('{')?.strip_suffix('}')?;
        if inner.contains('{') {
            return None;
        }
        Some(inner.split(", ").map(str::to_string).collect())
    };
    let (a, b) = (items(x)?, items(y)?);
    if a.len() != b.len() || a.len() < 8 {
        return None;
    }
    let show = |v: &[String]| {
        let d: Vec<String> = (0..v.len())
            .filter(|&i| a[i] != b[i])
            .map(|i| format!("[{i}] {}", v[i]))
            .collect();
        format!("{} items, differing: {}", v.len(), d.join(", "))
    };
    Some((show(&a), show(&b)))
}

/// The packed tables of one automaton, walked as the kernel walks them.
struct Packed<'a> {
    base: &'a [u32],
    def: &'a [u32],
    next: &'a [u32],
    check: &'a [u32],
    ec: Option<&'a [u32]>,
    oob: bool,
    meanings: Vec<Meaning>,
    legacy: bool,
    accept: &'a [u32],
    accept2: &'a [u32],
}

/// The kernel's base-table flags.
const BASE_DIFF_ENCODE: u32 = 0x8000_0000;
const BASE_OOB: u32 = 0x2000_0000;
const BASE_INDEX: u32 = 0x00ff_ffff;

impl<'a> Packed<'a> {
    fn new(a: &'a Automaton) -> Result<Packed<'a>, DecodeError> {
        let d = &a.dfa;
        let t = |id| d.table(id).unwrap_or(&[]);
        use super::dfa::id;
        let n = d.states() as u32;
        let meanings = (0..n)
            .map(|s| a.encoding.meaning(s, d.accept(s), d.accept2(s)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|why| DecodeError::BadDfa {
                offset: a.offset,
                why,
            })?;
        Ok(Packed {
            base: t(id::BASE),
            def: t(id::DEFAULT),
            next: t(id::NEXT),
            check: t(id::CHECK),
            ec: d.table(id::EC),
            oob: d.flags & super::dfa::flag::OOB != 0,
            meanings,
            legacy: a.encoding.table.is_none(),
            accept: t(id::ACCEPT),
            accept2: t(id::ACCEPT2),
        })
    }

    /// Where `state` goes on `sym` (a byte, or [`OOB`]); an entry out of
    /// range goes to the trap state.
    fn step(&self, state: u32, sym: u16) -> u32 {
        let c: i64 = if sym == OOB {
            if self
                .base
                .get(state as usize)
                .is_none_or(|b| b & BASE_OOB == 0)
            {
                return TRAP;
            }
            -1
        } else {
            match self.ec {
                Some(ec) => i64::from(ec.get(usize::from(sym)).copied().unwrap_or(0)),
                None => i64::from(sym),
            }
        };
        let mut s = state;
        for _ in 0..=self.base.len() {
            let Some(&b) = self.base.get(s as usize) else {
                return TRAP;
            };
            let pos = i64::from(b & BASE_INDEX) + c;
            if let Ok(pos) = usize::try_from(pos) {
                if self.check.get(pos) == Some(&s) {
                    return self.next.get(pos).copied().unwrap_or(TRAP);
                }
            }
            let d = self.def.get(s as usize).copied().unwrap_or(TRAP);
            if b & BASE_DIFF_ENCODE == 0 {
                return d;
            }
            s = d;
        }
        TRAP
    }

    /// Whether `s` matches nothing: its entry is the trap state's, or (in
    /// legacy accept tables) its accept words are zero.
    fn no_match(&self, s: u32) -> bool {
        s == TRAP
            || self.meaning(s) == self.meaning(TRAP)
            || (self.legacy
                && self.accept.get(s as usize).is_none_or(|&w| w == 0)
                && self.accept2.get(s as usize).is_none_or(|&w| w == 0))
    }

    fn meaning(&self, s: u32) -> Meaning {
        self.meanings
            .get(s as usize)
            .or(self.meanings.first())
            .copied()
            .unwrap_or(Meaning::One(Perms::default()))
    }
}

/// Walk the product of two automata breadth first from their start
/// states; the first `limit` pairs of states whose meanings differ, each
/// with the input reaching it.
/// Whether the walk went through every pair is the second value.
/// A witness is `None` where the encodings' no-match entries differ.
type Walked = (Vec<(Option<Vec<u16>>, Meaning, Meaning)>, bool);

fn walk(a: &Automaton, b: &Automaton, opts: &Options) -> Result<Walked, DecodeError> {
    let limit = opts.witnesses;
    let (pa, pb) = (Packed::new(a)?, Packed::new(b)?);
    let mut found = Vec::new();
    // What an input that matches nothing gets is a constant of each
    // encoding (a legacy policy automaton's trap state has nothing, its
    // other states and a permission table's entry 0 have `lock`). States
    // that match nothing on both sides are alike; within one form, the
    // constants themselves must agree.
    let same_form = a.encoding.table.is_some() == b.encoding.table.is_some();
    let (no_a, no_b) = (pa.meaning(TRAP), pb.meaning(TRAP));
    if same_form && !no_a.same(&a.xtable, &no_b, &b.xtable) {
        found.push((None, no_a, no_b));
    }
    let symbols: u16 = if pa.oob || pb.oob { 257 } else { 256 };
    let start = (super::dfa::START, super::dfa::START);
    // each visited pair: its parent's index and the symbol from there
    let mut nodes: Vec<((u32, u32), usize, u16)> = vec![(start, usize::MAX, 0)];
    let mut seen: HashMap<(u32, u32), usize> = HashMap::from([(start, 0)]);
    let mut queue = VecDeque::from([0usize]);
    while let Some(i) = queue.pop_front() {
        let (sa, sb) = nodes[i].0;
        let (ma, mb) = (pa.meaning(sa), pb.meaning(sb));
        let no_match = pa.no_match(sa) && pb.no_match(sb);
        if !no_match && !ma.same(&a.xtable, &mb, &b.xtable) {
            let mut w = Vec::new();
            let mut j = i;
            while nodes[j].1 != usize::MAX {
                w.push(nodes[j].2);
                j = nodes[j].1;
            }
            w.reverse();
            found.push((Some(w), ma, mb));
            if found.len() >= limit {
                break;
            }
        }
        if (sa, sb) == (TRAP, TRAP) {
            continue;
        }
        let mut last = None;
        for c in 0..symbols {
            let t = (pa.step(sa, c), pb.step(sb, c));
            if last == Some(t) {
                continue;
            }
            last = Some(t);
            if nodes.len() >= opts.max_pairs {
                return Ok((found, false));
            }
            if let std::collections::hash_map::Entry::Vacant(v) = seen.entry(t) {
                v.insert(nodes.len());
                queue.push_back(nodes.len());
                nodes.push((t, i, c));
            }
        }
    }
    Ok((found, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn witnesses_escape_nul_and_class_bytes() {
        let w: Vec<u16> = b"/usr/bin/foo\0/bar".iter().map(|&c| c.into()).collect();
        assert_eq!(escape(&w, false), "/usr/bin/foo\\0/bar");
        assert_eq!(escape(&[2, 0x2f, OOB], true), "\\d2/\\oob");
        assert_eq!(
            escape(&[0x34, 0, 0x31, 0x61, 0x31], true),
            "\\d52\\d0\\d49a1"
        );
        assert_eq!(escape(&[0xff], false), "\\xff");
    }

    #[test]
    fn garbage_is_a_decode_error() {
        assert!(compare(b"x", b"x").is_err());
    }
}
