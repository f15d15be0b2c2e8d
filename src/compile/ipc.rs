//! The policy automaton's entries of `signal`, `ptrace`, `mqueue`,
//! `io_uring` and `userns` rules, as the reference's `gen_policy_re` of
//! each family builds them (parser/signal.cc, ptrace.cc, mqueue.cc,
//! io_uring.cc, userns.cc).
//!
//! Every entry begins with its class byte (policydb.h). A rule whose class
//! the kernel does not mediate (its feature is missing) adds nothing: the
//! reference warns and compiles the rest of the profile. A rule grants or
//! denies where it matches; its audit bits are its permissions when it is
//! audited (allow) or quieted (a deny without `audit`), as the reference's
//! `audit == audit_t::FORCE` reads its `IMPLIED` audit of a deny.
//!
//! `mqueue` and `io_uring` rules add entries that depend on the union of
//! the permissions of rules equal but for their permissions (the
//! reference merges such rules before it compiles them), so they go
//! through [`Merged`]; the other families' entries are the same merged or
//! not.

use super::perms::bit;
use super::regex::{self, Regex, any_byte};
use super::{Abi, Rules, audit_of, bad_glob};
use crate::aare::ByteSet;
use crate::diag::Diagnostic;
use crate::policy::ipc::{
    IoUring, IoUringPerms, Mqueue, MqueuePerms, MqueueType, Ptrace, PtracePerms, Signal,
    SignalPerms, Userns,
};
use crate::policy::{Qualifiers, Rule};

use super::class;

/// Permission bits of the families (signal.h, ptrace.h, mqueue.h,
/// io_uring.h, userns.h).
mod perm {
    use super::bit;
    pub const SEND: u32 = bit::WRITE;
    pub const RECEIVE: u32 = bit::READ;
    pub const TRACE: u32 = bit::WRITE;
    pub const READ: u32 = bit::READ;
    pub const TRACEDBY: u32 = bit::APPEND;
    pub const READBY: u32 = 0x10;
    pub const MQ_WRITE: u32 = bit::WRITE;
    pub const MQ_READ: u32 = bit::READ;
    pub const MQ_CREATE: u32 = 0x10;
    pub const MQ_DELETE: u32 = 0x20;
    pub const MQ_OPEN: u32 = 0x40;
    pub const MQ_SETATTR: u32 = 0x100;
    pub const MQ_GETATTR: u32 = 0x200;
    /// What a queue needs when it is created (`mq_open` with `O_CREAT |
    /// O_RDWR` asks for all three at once).
    pub const MQ_CREATE_PERMS: u32 = MQ_CREATE | MQ_READ | MQ_WRITE;
    pub const MQ_VALID: u32 =
        MQ_WRITE | MQ_READ | MQ_CREATE | MQ_DELETE | MQ_OPEN | MQ_SETATTR | MQ_GETATTR;
    pub const OVERRIDE_CREDS: u32 = bit::APPEND;
    pub const SQPOLL: u32 = 0x10;
    pub const USERNS_CREATE: u32 = 8;
}

/// The bits of signal permissions.
pub fn signal_bits(p: SignalPerms) -> u32 {
    (if p.send { perm::SEND } else { 0 }) | (if p.receive { perm::RECEIVE } else { 0 })
}

/// The bits of ptrace permissions.
pub fn ptrace_bits(p: PtracePerms) -> u32 {
    [
        (p.trace, perm::TRACE),
        (p.read, perm::READ),
        (p.tracedby, perm::TRACEDBY),
        (p.readby, perm::READBY),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .fold(0, |a, (_, b)| a | b)
}

/// Signal permission words and their bits.
pub fn signal_words() -> Vec<(&'static str, u32)> {
    vec![("send", perm::SEND), ("receive", perm::RECEIVE)]
}

/// Ptrace permission words and their bits.
pub fn ptrace_words() -> Vec<(&'static str, u32)> {
    vec![
        ("trace", perm::TRACE),
        ("read", perm::READ),
        ("tracedby", perm::TRACEDBY),
        ("readby", perm::READBY),
    ]
}

/// Userns permission words and their bits.
pub fn userns_words() -> Vec<(&'static str, u32)> {
    vec![("create", perm::USERNS_CREATE)]
}

/// The bits of mqueue permissions, before [`map_mqueue`].
pub fn mqueue_bits(p: MqueuePerms) -> u32 {
    [
        (p.create, perm::MQ_CREATE),
        (p.open, perm::MQ_OPEN),
        (p.delete, perm::MQ_DELETE),
        (p.getattr, perm::MQ_GETATTR),
        (p.setattr, perm::MQ_SETATTR),
        (p.read, perm::MQ_READ),
        (p.write, perm::MQ_WRITE),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .fold(0, |a, (_, b)| a | b)
}

/// The bits of io_uring permissions.
pub fn io_uring_bits(p: IoUringPerms) -> u32 {
    (if p.override_creds {
        perm::OVERRIDE_CREDS
    } else {
        0
    }) | (if p.sqpoll { perm::SQPOLL } else { 0 })
}

/// mqueue permissions as the automaton holds them: `setattr` and
/// `getattr` moved to the bits of the other half (mqueue.h's
/// `map_mqueue_perms`).
pub fn map_mqueue(mask: u32) -> u32 {
    (mask & 0x7f)
        | ((mask & (perm::MQ_GETATTR | perm::MQ_SETATTR)) << (super::perms::OTHER_SHIFT - 8))
}

/// `[^\000]*`: any name (the reference's `default_match_pattern`).
fn default_match() -> Regex {
    Regex::Star(Box::new(Regex::Set(ByteSet::any())))
}

/// `[^\000]+`: any label (the reference's `anyone_match_pattern`).
fn anyone_match() -> Regex {
    let b = Regex::Set(ByteSet::any());
    Regex::Cat(vec![b.clone(), Regex::Star(Box::new(b))])
}

/// A conditional's value as the reference's `convert_entry` translates it.
fn pattern(r: &Rule, text: &str) -> Result<Regex, Box<Diagnostic>> {
    regex::glob(text).map_err(|e| bad_glob(r.span, text, e))
}

/// A peer label, or anyone.
fn label_or_anyone(r: &Rule, label: Option<&str>) -> Result<Regex, Box<Diagnostic>> {
    label.map_or_else(|| Ok(anyone_match()), |l| pattern(r, l))
}

/// The bits of `p` that `q` audits (an allow) or quiets (a deny).
fn audit_bits(q: &Qualifiers, p: u32) -> u32 {
    if audit_of(q) { p } else { 0 }
}

fn add(rules: &mut Rules, q: &Qualifiers, re: Regex, p: u32) {
    rules.add(re, q.priority, q.mode, p, audit_bits(q, p));
}

/// The entry the kernel checks to know that a class is mediated, at the
/// rule's own priority (so that it is never above the rule).
fn mediates(rules: &mut Rules, q: &Qualifiers, class: u8) {
    rules.add(
        Regex::byte(class),
        q.priority,
        crate::policy::Mode::Allow,
        bit::READ,
        0,
    );
}

/// `signal`: `\x0a` then the signal number and the peer label; without a
/// `set=` also `\x10\x0a` then the peer (the label class).
pub fn signal(r: &Rule, s: &Signal, abi: &Abi, rules: &mut Rules) -> Result<(), Box<Diagnostic>> {
    if !abi.features.supports_signal() {
        return Ok(());
    }
    let head = if s.signals.is_empty() {
        // `(\x10\xa|\x0a.)`
        Regex::Alt(vec![
            Regex::literal(&[class::LABEL, class::SIGNAL]),
            Regex::Cat(vec![Regex::byte(class::SIGNAL), Regex::Set(any_byte())]),
        ])
    } else {
        // `\x0a[\x01\x14...]`
        let mut set = ByteSet::EMPTY;
        for n in &s.signals {
            if let Ok(b) = u8::try_from(*n) {
                set.insert(b);
            }
        }
        Regex::Cat(vec![Regex::byte(class::SIGNAL), Regex::Set(set)])
    };
    let re = head.then(label_or_anyone(r, s.peer.as_deref())?);
    let p = signal_bits(s.perms);
    if p & (perm::SEND | perm::RECEIVE) != 0 {
        add(rules, &r.qualifiers, re, p);
    }
    Ok(())
}

/// `ptrace`: `(\x10|)\x09` then the peer label.
pub fn ptrace(r: &Rule, t: &Ptrace, abi: &Abi, rules: &mut Rules) -> Result<(), Box<Diagnostic>> {
    if !abi.features.supports_ptrace() {
        return Ok(());
    }
    let re = Regex::Cat(vec![
        Regex::Alt(vec![Regex::byte(class::LABEL), Regex::Empty]),
        Regex::byte(class::PTRACE),
    ])
    .then(label_or_anyone(r, t.peer.as_deref())?);
    let p = ptrace_bits(t.perms);
    if p != 0 {
        add(rules, &r.qualifiers, re, p);
    }
    Ok(())
}

/// `userns`: the class byte alone, and the class's mediates entry at the
/// rule's priority.
pub fn userns(r: &Rule, u: &Userns, abi: &Abi, rules: &mut Rules) -> Result<(), Box<Diagnostic>> {
    if !abi.features.supports_userns() {
        return Ok(());
    }
    let p = if u.perms.create {
        perm::USERNS_CREATE
    } else {
        0
    };
    if p != 0 {
        add(rules, &r.qualifiers, Regex::byte(class::NS), p);
        mediates(rules, &r.qualifiers, class::NS);
    }
    Ok(())
}

/// One rule after the reference's merge: its first rule (for the span and
/// qualifiers) and the union of the permissions of the rules equal to it
/// but for them.
struct Group<'a, T> {
    rule: &'a Rule,
    value: T,
    perms: u32,
}

/// The `mqueue` and `io_uring` rules of a profile, merged as the
/// reference merges them (rules with equal qualifiers and conditionals
/// become one with the union of their permissions) before their entries
/// are added.
#[derive(Default)]
pub struct Merged<'a> {
    mqueue: Vec<Group<'a, &'a Mqueue>>,
    io_uring: Vec<Group<'a, &'a IoUring>>,
}

impl<'a> Merged<'a> {
    /// Take an `mqueue` rule.
    pub fn mqueue(&mut self, r: &'a Rule, m: &'a Mqueue) {
        let p = mqueue_bits(m.perms);
        match self.mqueue.iter_mut().find(|g| {
            g.rule.qualifiers == r.qualifiers
                && g.value.qtype == m.qtype
                && g.value.name == m.name
                && g.value.label == m.label
        }) {
            Some(g) => g.perms |= p,
            None => self.mqueue.push(Group {
                rule: r,
                value: m,
                perms: p,
            }),
        }
    }

    /// Take an `io_uring` rule.
    pub fn io_uring(&mut self, r: &'a Rule, u: &'a IoUring) {
        let p = io_uring_bits(u.perms);
        match self
            .io_uring
            .iter_mut()
            .find(|g| g.rule.qualifiers == r.qualifiers && g.value.label == u.label)
        {
            Some(g) => g.perms |= p,
            None => self.io_uring.push(Group {
                rule: r,
                value: u,
                perms: p,
            }),
        }
    }

    /// Add the entries of every merged rule.
    pub fn add_to(&self, abi: &Abi, rules: &mut Rules) -> Vec<Diagnostic> {
        let mut errs = Vec::new();
        for g in &self.mqueue {
            rules.span = g.rule.span;
            if let Err(d) = mqueue(g.rule, g.value, g.perms, abi, rules) {
                errs.push(*d);
            }
        }
        for g in &self.io_uring {
            rules.span = g.rule.span;
            if let Err(d) = io_uring(g.rule, g.value, g.perms, abi, rules) {
                errs.push(*d);
            }
        }
        errs
    }
}

/// The key of a sysv queue name as the reference reads it (`sscanf "%d"`:
/// `strtol`, saturating, then truncated to an `int`), big-endian.
fn sysv_key(name: &str) -> [u8; 4] {
    let t = name.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: i128 = 0;
    for d in digits.bytes().take_while(u8::is_ascii_digit) {
        v = (v * 10 + i128::from(d - b'0')).min(i128::from(i64::MAX) + 1);
    }
    if neg {
        v = -v;
    }
    let long = v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    (long as i32 as u32).to_be_bytes()
}

/// `mqueue` with the merged permissions `p` (unmapped): for posix queues
/// `\x11` then the name, for sysv `\x12` then the key's four bytes, each
/// alone (unless a label is given) and then with the label after a NUL;
/// `create` (with read and write) also on the name alone, since a queue
/// has no label before it exists. A rule of neither type gives both.
fn mqueue(
    r: &Rule,
    m: &Mqueue,
    p: u32,
    abi: &Abi,
    rules: &mut Rules,
) -> Result<(), Box<Diagnostic>> {
    let f = &abi.features;
    let supported = match m.qtype {
        Some(MqueueType::Posix) => f.supports_posix_mqueue(),
        Some(MqueueType::Sysv) => f.supports_sysv_mqueue(),
        None => f.supports_posix_mqueue() || f.supports_sysv_mqueue(),
    };
    if !supported || p & perm::MQ_VALID == 0 {
        return Ok(());
    }
    let q = &r.qualifiers;
    let label = m.label.as_deref();
    let entries = |name: Regex, label_re: Regex, rules: &mut Rules| {
        if label.is_none() {
            add(rules, q, name.clone(), map_mqueue(p));
        }
        if p & perm::MQ_CREATE != 0 {
            add(
                rules,
                q,
                name.clone(),
                map_mqueue(p & perm::MQ_CREATE_PERMS),
            );
        }
        add(
            rules,
            q,
            name.then(Regex::byte(0)).then(label_re),
            map_mqueue(p),
        );
    };
    if m.qtype != Some(MqueueType::Sysv) {
        let name = Regex::byte(class::POSIX_MQUEUE).then(match &m.name {
            Some(n) => pattern(r, n)?,
            None => default_match(),
        });
        entries(name, label_or_anyone(r, label)?, rules);
    }
    if m.qtype != Some(MqueueType::Posix) {
        let name = Regex::byte(class::SYSV_MQUEUE).then(match &m.name {
            Some(n) => Regex::literal(&sysv_key(n)),
            None => Regex::Cat(vec![Regex::Set(any_byte()); 4]),
        });
        let label_re = match label {
            // the reference appends the label's translation to the
            // buffer that already holds it from the posix entries
            Some(l) if m.qtype.is_none() => {
                let again = if l.ends_with('/') {
                    // the second translation follows a `/`
                    match regex::glob(&format!("/{l}")) {
                        Ok(Regex::Cat(mut v)) if !v.is_empty() => {
                            v.remove(0);
                            Regex::Cat(v)
                        }
                        Ok(other) => other,
                        Err(e) => return Err(bad_glob(r.span, l, e)),
                    }
                } else {
                    pattern(r, l)?
                };
                pattern(r, l)?.then(again)
            }
            _ => label_or_anyone(r, label)?,
        };
        entries(name, label_re, rules);
    }
    Ok(())
}

/// `io_uring` with the merged permissions `p`: `\x16` alone with them
/// and the class's mediates entry at the rule's priority; with
/// `override_creds` also `\x16` then the label.
fn io_uring(
    r: &Rule,
    u: &IoUring,
    p: u32,
    abi: &Abi,
    rules: &mut Rules,
) -> Result<(), Box<Diagnostic>> {
    if !abi.features.supports_io_uring() || p & (perm::OVERRIDE_CREDS | perm::SQPOLL) == 0 {
        return Ok(());
    }
    let q = &r.qualifiers;
    add(rules, q, Regex::byte(class::IO_URING), p);
    mediates(rules, q, class::IO_URING);
    if p & perm::OVERRIDE_CREDS != 0 {
        let label = match &u.label {
            Some(l) => pattern(r, l)?,
            None => default_match(),
        };
        add(rules, q, Regex::byte(class::IO_URING).then(label), p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mqueue_attributes_move_to_the_other_half() {
        assert_eq!(map_mqueue(perm::MQ_GETATTR), 0x8000);
        assert_eq!(map_mqueue(perm::MQ_SETATTR), 0x4000);
        assert_eq!(map_mqueue(perm::MQ_VALID), 0x76 | 0xc000);
    }

    #[test]
    fn sysv_keys_read_as_sscanf_reads_them() {
        assert_eq!(sysv_key("1"), [0, 0, 0, 1]);
        assert_eq!(sysv_key("305419896"), [0x12, 0x34, 0x56, 0x78]);
        // past an int: truncated
        assert_eq!(sysv_key("4294967297"), [0, 0, 0, 1]);
        // past a long: LONG_MAX, truncated to -1
        assert_eq!(sysv_key("99999999999999999999999"), [0xff; 4]);
    }

    #[test]
    fn permission_bits() {
        assert_eq!(signal_bits(SignalPerms::ALL), 6);
        assert_eq!(ptrace_bits(PtracePerms::ALL), 0x1e);
        assert_eq!(io_uring_bits(IoUringPerms::ALL), 0x18);
        assert_eq!(mqueue_bits(MqueuePerms::ALL), perm::MQ_VALID);
    }
}
