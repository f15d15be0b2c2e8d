//! `network` and `unix` rules in the binary policy, as the 6.0 reference
//! compiles them (its `network.cc`, `af_unix.cc`, the grammar's
//! `network_rule` action and `parser_interface.c`'s `net_allowed_af`).
//!
//! What a rule becomes depends on the kernel:
//! - with `network_v8`/`network_v9`, a network rule becomes entries of the
//!   policy automaton (class 14 or 15: family, type, protocol, and for
//!   `inet`/`inet6` with `network_v8/af_inet` the address and port
//!   fields); without, it only reaches the legacy table `net_allowed_af`
//!   (per family: the socket types allowed, audited and quieted);
//! - a unix rule becomes entries under class 4 (`network/af_unix`), or 14
//!   or 15 when the kernel has those, and is downgraded besides (an allow
//!   unix rule also allows its type in the legacy table and, with
//!   `network_v8`, becomes a network rule for `AF_UNIX`);
//! - a network rule that names `AF_UNIX` (as `network,` does) also becomes
//!   unix rules, one per socket type it names.
//!
//! The legacy table is one table for the whole file in the reference: each
//! profile's record carries the union of the network rules of the file
//! ([`LegacyTable::of`]), except those read before a `{ }` block closed
//! or a conditional ended (the reference frees the table then).

use super::regex::{self, Regex, filter_slashes, glob, glob_with};
use super::{Abi, Rules, audit_of};
use crate::diag::{Diagnostic, code};
use crate::policy::network::{Ip, NetConds, NetPerms, Network, SockKind, Unix, UnixAddr};
use crate::policy::{Mode, Qualifiers, Rule, RuleKind};
use crate::resolve::{Policy, ResolvedProfile};
use crate::source::Span;
use std::collections::BTreeMap;

/// The number of address families the reference knows (its `AF_MAX`).
pub const AF_MAX: usize = 46;

const AF_UNIX: u32 = 1;
const AF_INET: u32 = 2;
const AF_INET6: u32 = 10;
const SOCK_PACKET: u32 = 10;
/// Every socket type the family tables name (`stream` ... `packet`).
const ALL_TYPES: u32 = 0x43e;
const ANY: u32 = 0xffff_ffff;

/// The reference's network permission bits (`network.h`).
mod net {
    pub const SEND: u32 = 0x0002;
    pub const RECEIVE: u32 = 0x0004;
    pub const CREATE: u32 = 0x0010;
    pub const SHUTDOWN: u32 = 0x0020;
    pub const CONNECT: u32 = 0x0040;
    pub const SETATTR: u32 = 0x0100;
    pub const GETATTR: u32 = 0x0200;
    pub const ACCEPT: u32 = 0x0010_0000;
    pub const BIND: u32 = 0x0020_0000;
    pub const LISTEN: u32 = 0x0040_0000;
    pub const SETOPT: u32 = 0x0100_0000;
    pub const GETOPT: u32 = 0x0200_0000;
    pub const CONT_MATCH: u32 = 0x0800_0000;
    pub const SET_LABEL: u32 = 0x8000_0000;
    pub const VALID: u32 = SEND
        | RECEIVE
        | CREATE
        | SHUTDOWN
        | CONNECT
        | SETATTR
        | GETATTR
        | BIND
        | ACCEPT
        | LISTEN
        | SETOPT
        | GETOPT
        | SET_LABEL
        | CONT_MATCH;
    pub const LOCAL: u32 =
        CREATE | SHUTDOWN | SETATTR | GETATTR | BIND | ACCEPT | LISTEN | SETOPT | GETOPT;
    pub const OPT: u32 = SETOPT | GETOPT;
    pub const LOCAL_CMD: u32 = LISTEN | OPT;
    pub const PEER: u32 = VALID & (!LOCAL | ACCEPT);
    /// The policy automaton's "continue matching" bit.
    pub const COMPAT_CONT_MATCH: u32 = 0x0800_0000 << 1;
}

/// The kernel's encoding of network permissions (`map_perms`).
fn map_perms(m: u32) -> u32 {
    (m & 0x7f)
        | ((m & (net::GETATTR | net::SETATTR)) << (14 - 8))
        | ((m & (net::ACCEPT | net::BIND | net::LISTEN)) >> 4)
        | ((m & (net::SETOPT | net::GETOPT)) >> 5)
}

/// Network permission words and their bits as the kernel reads them
/// (the accept words hold them as [`map_perms`] moves them, which the
/// kernel's reading moves back).
pub fn words() -> Vec<(&'static str, u32)> {
    NetPerms::NAMES
        .iter()
        .map(|&(n, b)| (n, ref_perms(NetPerms(b))))
        .collect()
}

/// The reference's bits of a rule's permissions (every bit, with the
/// internal ones, when the rule names none).
fn ref_perms(p: NetPerms) -> u32 {
    if p == NetPerms::ALL {
        return net::VALID;
    }
    let map = [
        (NetPerms::CREATE, net::CREATE),
        (NetPerms::BIND, net::BIND),
        (NetPerms::LISTEN, net::LISTEN),
        (NetPerms::ACCEPT, net::ACCEPT),
        (NetPerms::CONNECT, net::CONNECT),
        (NetPerms::SHUTDOWN, net::SHUTDOWN),
        (NetPerms::GETATTR, net::GETATTR),
        (NetPerms::SETATTR, net::SETATTR),
        (NetPerms::GETOPT, net::GETOPT),
        (NetPerms::SETOPT, net::SETOPT),
        (NetPerms::SEND, net::SEND),
        (NetPerms::RECEIVE, net::RECEIVE),
    ];
    map.iter()
        .filter(|(m, _)| p.0 & m != 0)
        .fold(0, |acc, (_, r)| acc | r)
}

/// A socket type's number (`net_find_type_val`).
fn type_number(name: &str) -> Option<u32> {
    Some(match name {
        "none" => 0,
        "stream" => 1,
        "dgram" => 2,
        "raw" => 3,
        "rdm" => 4,
        "seqpacket" => 5,
        "dccp" => 6,
        "packet" => 10,
        _ => return None,
    })
}

/// One row of the reference's `network_mappings`.
struct Mapping {
    family_name: &'static str,
    family: u32,
    type_name: &'static str,
    sock_type: u32,
    protocol: u32,
}

/// The reference's table of family, type and protocol words, in its order.
fn mappings() -> Vec<Mapping> {
    let gen_types: [(&str, u32); 6] = [
        ("stream", 1),
        ("dgram", 2),
        ("seqpacket", 5),
        ("rdm", 4),
        ("raw", 3),
        ("packet", 10),
    ];
    let mut v = Vec::new();
    for &(name, af) in crate::vocab::ADDRESS_FAMILIES {
        for (t, n) in gen_types {
            v.push(Mapping {
                family_name: name,
                family: af,
                type_name: t,
                sock_type: n,
                protocol: 0xff_ffff,
            });
        }
    }
    // the mapped rows (the protocol's name is not a word of the rule)
    let mut m = |fname, family, tname, t, _protocol_name: &str, p| {
        v.push(Mapping {
            family_name: fname,
            family,
            type_name: tname,
            sock_type: t,
            protocol: p,
        })
    };
    m("inet", AF_INET, "raw", 3, "tcp", 1 << 6);
    m("inet", AF_INET, "raw", 3, "udp", 1 << 17);
    m("inet", AF_INET, "raw", 3, "icmp", 1 << 1);
    m("inet", AF_INET, "tcp", 1, "", ANY);
    m("inet", AF_INET, "udp", 2, "", ANY);
    m("inet", AF_INET, "icmp", 3, "", 1 << 1);
    m("inet6", AF_INET6, "tcp", 1, "", ANY);
    m("inet6", AF_INET6, "udp", 2, "", ANY);
    v
}

/// The rows `net_find_mapping` returns for a family and type word (no
/// protocol word: the grammar never passes one).
fn find(table: &[Mapping], family: Option<&str>, ty: Option<&str>) -> Vec<(u32, u32, u32)> {
    table
        .iter()
        .filter(|m| family.is_none_or(|f| f == m.family_name))
        .filter(|m| ty.is_none_or(|t| t == m.type_name))
        .map(|m| (m.family, m.sock_type, m.protocol))
        .collect()
}

/// A network rule as the reference's `network_rule` holds it.
struct NetRule {
    /// (family, type, protocol) entries, in the order found.
    entries: Vec<(u32, u32, u32)>,
    /// Per family: the type mask and the protocol mask.
    perms: BTreeMap<u32, (u32, u32)>,
}

impl NetRule {
    fn push(&mut self, family: u32, ty: u32, protocol: u32) {
        self.entries.push((family, ty, protocol));
        let e = self.perms.entry(family).or_insert((0, 0));
        e.0 |= if ty > SOCK_PACKET { ty } else { 1 << ty };
        e.1 |= protocol;
    }

    fn of(n: &Network) -> NetRule {
        let mut r = NetRule {
            entries: Vec::new(),
            perms: BTreeMap::new(),
        };
        let conds = has_local_conds(&n.local) || has_peer_conds(&n.peer);
        let kind = n.kind.as_ref().map(|k| match k {
            SockKind::Type(t) | SockKind::Protocol(t) => t.as_str(),
        });
        let table = mappings();
        // the words as the grammar passes them: the first is the family
        let (first, second) = match (&n.family, kind) {
            (Some(f), k) => (Some(f.as_str()), k),
            (None, k) => (k, None),
        };
        match first {
            None if conds => {
                for fam in ["inet", "inet6"] {
                    for (f, t, p) in find(&table, Some(fam), None) {
                        r.push(f, t, p);
                    }
                }
            }
            None => {
                for af in 0..AF_MAX as u32 {
                    r.push(af, ANY, ANY);
                }
            }
            Some(first) => {
                for (f, t, p) in find(&table, Some(first), second) {
                    r.push(f, t, p);
                }
                if second.is_none() && r.entries.is_empty() {
                    // the word is a type or protocol of every family
                    for (f, t, p) in find(&table, None, Some(first)) {
                        if conds && f != AF_INET && f != AF_INET6 {
                            continue;
                        }
                        r.push(f, t, p);
                    }
                }
            }
        }
        r
    }
}

fn has_local_conds(c: &NetConds) -> bool {
    c.ip.is_some() || c.port.is_some() || c.interface.is_some() || c.label.is_some()
}

fn has_peer_conds(c: &NetConds) -> bool {
    c.ip.is_some() || c.port.is_some()
}

/// The legacy network table (`net_allowed_af`): per address family, the
/// socket types allowed, audited, denied and quieted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacyTable {
    pub allow: [u32; AF_MAX],
    pub audit: [u32; AF_MAX],
    pub deny: [u32; AF_MAX],
    pub quiet: [u32; AF_MAX],
}

impl LegacyTable {
    fn new() -> LegacyTable {
        LegacyTable {
            allow: [0; AF_MAX],
            audit: [0; AF_MAX],
            deny: [0; AF_MAX],
            quiet: [0; AF_MAX],
        }
    }

    /// The table the reference writes in every record of a file, when
    /// the kernel mediates network by family and type only (`network`
    /// without `network_v8`/`network_v9`): every network rule of every
    /// profile of the file, and every allow unix rule's downgrade. `None`
    /// when the file has neither kind of rule or the kernel another
    /// encoding.
    pub fn of(policy: &Policy, abi: &Abi) -> Option<LegacyTable> {
        let f = &abi.features;
        if f.supports_network_v8() || f.supports_network_v9() || !f.supports_network() {
            return None;
        }
        let mut t: Option<LegacyTable> = None;
        let profiles = || policy.profiles.iter().filter(|p| !p.synthetic);
        for p in profiles() {
            parse_network(&mut t, p);
        }
        for p in profiles() {
            downgrade_unix(&mut t, p);
        }
        for p in profiles() {
            implied_by_all(&mut t, p);
        }
        t
    }

    /// The entries the kernel reads: per family, the types allowed,
    /// audited and quieted (16 bits each).
    pub fn entries(&self) -> impl Iterator<Item = [u16; 3]> + '_ {
        (0..AF_MAX).map(|i| {
            let allowed = self.allow[i] & !self.deny[i];
            [
                allowed as u16,
                (allowed & self.audit[i]) as u16,
                (self.deny[i] & self.quiet[i]) as u16,
            ]
        })
    }

    fn add(&mut self, q: &Qualifiers, family: u32, mask: u32) {
        let i = family as usize;
        if i >= AF_MAX {
            return;
        }
        if q.mode == Mode::Deny {
            self.deny[i] |= mask;
            // the reference tests the audit it keeps, which is implied
            // for a plain deny and cleared for `audit deny`
            if q.audit {
                self.quiet[i] |= mask;
            }
        } else {
            self.allow[i] |= mask;
            if q.audit {
                self.audit[i] |= mask;
            }
        }
    }
}

/// The reference's parse of a file, as far as the legacy table goes:
/// network rules add to it as they are read, and the table is lost each
/// time a `{ }` block closes or a conditional ends, whether a branch was
/// taken or not (a temporary profile is deleted, and every profile's
/// destructor frees the one static table). Children are read where
/// they are written among their parent's rules (by their place in the
/// same file).
fn parse_network(t: &mut Option<LegacyTable>, p: &ResolvedProfile) {
    let n = p.model.len();
    let place = |c: &ResolvedProfile| {
        p.rules
            .iter()
            .position(|r| r.span.file == c.span.file && r.span.start > c.span.start)
            .unwrap_or(n)
    };
    let places: Vec<usize> = p.children.iter().map(place).collect();
    for i in 0..=n {
        // before rule i: the children read there and the blocks closed
        // there, a block before the children read after it closed
        let mut closes: Vec<usize> = p
            .blocks
            .iter()
            .filter(|b| b.rules.end == i)
            .map(|b| b.children)
            .collect();
        closes.sort_unstable();
        let mut closed = 0;
        for (k, c) in p.children.iter().enumerate() {
            if places[k] != i {
                continue;
            }
            while closes.get(closed).is_some_and(|&before| before <= k) {
                *t = None;
                closed += 1;
            }
            parse_network(t, c);
        }
        if closed < closes.len() {
            *t = None;
        }
        if i == n {
            break;
        }
        if let Some(Rule {
            kind: RuleKind::Network(net),
            qualifiers,
            ..
        }) = p.model[i].as_deref()
        {
            let table = t.get_or_insert_with(LegacyTable::new);
            for (family, ty, _) in NetRule::of(net).entries {
                let mask = if ty > SOCK_PACKET { ty } else { 1 << ty };
                table.add(qualifiers, family, mask);
            }
        }
    }
}

/// The unix rules' downgrade, after the whole file is read: an allow rule
/// allows its type of `AF_UNIX`; any unix rule makes the table exist.
fn downgrade_unix(t: &mut Option<LegacyTable>, p: &ResolvedProfile) {
    for r in p.model.iter().flatten() {
        if let RuleKind::Unix(u) = &r.kind {
            let table = t.get_or_insert_with(LegacyTable::new);
            if r.qualifiers.mode != Mode::Deny {
                let mask = unix_type(u).map_or(ANY, |n| 1 << n);
                table.add(&r.qualifiers, AF_UNIX, mask);
            }
        }
    }
    for c in &p.children {
        downgrade_unix(t, c);
    }
}

/// The network rule each `all` implies, added after the whole file is
/// read: every type of every family.
fn implied_by_all(t: &mut Option<LegacyTable>, p: &ResolvedProfile) {
    for r in p.model.iter().flatten() {
        if matches!(r.kind, RuleKind::All) {
            let table = t.get_or_insert_with(LegacyTable::new);
            let q = super::all::qualifiers(&r.qualifiers);
            for (family, ty, _) in NetRule::of(&super::all::network()).entries {
                let mask = if ty > SOCK_PACKET { ty } else { 1 << ty };
                table.add(&q, family, mask);
            }
        }
    }
    for c in &p.children {
        implied_by_all(t, c);
    }
}

fn unix_type(u: &Unix) -> Option<u32> {
    u.sock_type.as_deref().and_then(type_number)
}

fn bad(span: Span, what: String) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(code::BAD_PATTERN, span, what))
}

/// An expression of the reference's syntax that the compiler writes.
fn expr(text: &str, span: Span) -> Result<Regex, Box<Diagnostic>> {
    regex::parse(text).map_err(|e| bad(span, format!("`{text}`: {e}")))
}

fn hex(b: u32) -> String {
    format!("\\x{:02x}", b & 0xff)
}

fn u16_be(v: u32) -> String {
    format!("{}{}", hex(v >> 8), hex(v))
}

/// A rule's policy automaton entries being built: expressions as pieces
/// (the reference's text, and globs).
#[derive(Clone, Default)]
struct Stream(Vec<Regex>);

impl Stream {
    fn text(&mut self, t: &str, span: Span) -> Result<(), Box<Diagnostic>> {
        self.0.push(expr(t, span)?);
        Ok(())
    }

    fn re(&self) -> Regex {
        Regex::Cat(self.0.clone())
    }
}

/// What every entry of one rule shares.
struct Ctx<'a> {
    rules: &'a mut Rules,
    priority: i32,
    mode: Mode,
    /// The reference's rule permissions.
    perms: u32,
    /// Whether the rule's audit compares equal to `FORCE`.
    audit: bool,
    span: Span,
}

impl Ctx<'_> {
    fn add(&mut self, re: Regex, mode: Mode, perms: u32, audit: u32) {
        self.rules.add(re, self.priority, mode, perms, audit);
    }

    fn audit_of(&self, perms: u32) -> u32 {
        if self.audit { map_perms(perms) } else { 0 }
    }
}

/// The policy automaton's entries of a `network` rule (and of the unix
/// rules it implies for `AF_UNIX`).
pub fn network(r: &Rule, n: &Network, abi: &Abi, rules: &mut Rules) -> Result<(), Box<Diagnostic>> {
    let f = &abi.features;
    let nr = NetRule::of(n);
    let q = &r.qualifiers;
    // the unix rules a network rule of AF_UNIX implies, before it
    if f.supports_unix() || f.has("network_v9/af_unix") {
        for &(family, ty, _) in &nr.entries {
            if family != AF_UNIX {
                continue;
            }
            let u = Unix {
                perms: NetPerms::ALL,
                sock_type: None,
                addr: None,
                peer_addr: None,
                peer_label: None,
            };
            let ty = (ty != ANY).then_some(ty);
            unix_entries(&u, ty, 0, q.mode, q.audit, abi, r.span, rules)?;
        }
    }
    network_alone(r, n, abi, rules)
}

/// The policy automaton's entries of a `network` rule itself (what `all`
/// implies: no unix rules come with it).
pub fn network_alone(
    r: &Rule,
    n: &Network,
    abi: &Abi,
    rules: &mut Rules,
) -> Result<(), Box<Diagnostic>> {
    let f = &abi.features;
    let nr = NetRule::of(n);
    let q = &r.qualifiers;
    if !(f.supports_network_v8() || f.supports_network_v9()) {
        return Ok(());
    }
    if f.has("network_v9_skb") {
        return Err(Box::new(super::unsupported(
            r.span,
            "network rules for kernels with `network_v9_skb`",
        )));
    }
    let mut ctx = Ctx {
        rules,
        priority: 0,
        mode: q.mode,
        perms: ref_perms(n.perms),
        audit: audit_of(q),
        span: r.span,
    };
    for (&family, &(ty, protocol)) in &nr.perms {
        net_rule(&mut ctx, abi, n, family, ty, protocol)?;
    }
    Ok(())
}

/// `gen_net_rule` for one family.
fn net_rule(
    ctx: &mut Ctx,
    abi: &Abi,
    n: &Network,
    family: u32,
    ty: u32,
    protocol: u32,
) -> Result<(), Box<Diagnostic>> {
    let f = &abi.features;
    let class = if f.supports_network_v9() { 15 } else { 14 };
    let span = ctx.span;
    let mut b = format!("{}{}", hex(class), u16_be(family));
    if ty > 0xffff || ty == ALL_TYPES {
        b.push_str("..");
    } else {
        let single = ty != 0 && ty & (ty - 1) == 0;
        let alts: Vec<String> = (0..16).filter(|t| ty & (1 << t) != 0).map(u16_be).collect();
        if single {
            b.push_str(&alts.concat());
        } else {
            b.push_str(&format!("({})", alts.join("|")));
        }
    }
    let inet = f.supports_network_inet() || f.has("network_v9/af_inet");
    let perms = ctx.perms;
    if !inet || (family != AF_INET && family != AF_INET6) {
        let re = expr(&b, span)?;
        let a = ctx.audit_of(perms);
        ctx.add(re, ctx.mode, map_perms(perms), a);
        return Ok(());
    }
    let base = expr(&b, span)?;
    ctx.add(base.clone(), Mode::Allow, net::COMPAT_CONT_MATCH, 0);
    if perms & net::CREATE != 0 {
        let a = ctx.audit_of(net::CREATE);
        ctx.add(
            base,
            ctx.mode,
            map_perms(net::CREATE) | net::COMPAT_CONT_MATCH,
            a,
        );
    }
    if protocol > 0xffff {
        b.push_str("..");
    } else {
        b.push_str(&u16_be(protocol));
    }
    let mut start = Stream::default();
    start.text(&b, span)?;
    if perms & net::PEER != 0 {
        let mut streams = vec![start.clone()];
        ip_conds(ctx, &mut streams, &n.peer, true, false)?;
        for s in &mut streams {
            s.text(&hex(1), span)?;
        }
        ip_conds(ctx, &mut streams, &n.local, false, true)?;
    }
    let mut streams = vec![start];
    ip_conds(ctx, &mut streams, &n.local, false, false)?;
    if perms & net::LISTEN != 0 {
        for s in &streams {
            let mut l = s.clone();
            l.text(&format!("{}..", hex(2)), span)?;
            let a = ctx.audit_of(perms);
            ctx.add(l.re(), ctx.mode, map_perms(perms), a);
        }
    }
    if perms & net::OPT != 0 {
        for s in &streams {
            let mut o = s.clone();
            o.text(&format!("{}....", hex(4)), span)?;
            let a = ctx.audit_of(perms);
            ctx.add(o.re(), ctx.mode, map_perms(perms), a);
        }
    }
    Ok(())
}

/// `gen_port_cond`: a port range as two bytes.
fn port_cond(from: u16, to: u16) -> String {
    let byte = |v: u16| hex(u32::from(v & 0xff));
    let range = |a: u16, b: u16| {
        if a == 0 && b == 255 {
            ".".to_string()
        } else {
            format!("[{}-{}]", byte(a), byte(b))
        }
    };
    let (fh, th) = (from >> 8, to >> 8);
    if from == to {
        return if from != 0 {
            format!("{}{}", byte(fh), byte(from))
        } else {
            "..".into()
        };
    }
    if fh == th {
        return format!("{}{}", byte(fh), range(from & 0xff, to & 0xff));
    }
    let mut s = format!("({}{}|", byte(fh), range(from & 0xff, 0xff));
    if th - fh > 1 {
        s.push_str(&format!("{}.|", range(fh + 1, th - 1)));
    }
    s.push_str(&format!("{}{})", byte(th), range(0, to & 0xff)));
    s
}

/// `gen_port_cond_auto_type`: the port's type byte (privileged,
/// unprivileged, remote) and the port.
fn port_auto(from: u16, to: u16, peer: bool, bind: bool) -> String {
    const RESERVED: u16 = 1024;
    if peer {
        return format!("{}{}", hex(2), port_cond(from, to));
    }
    if bind && from < RESERVED {
        if to >= RESERVED {
            return format!(
                "({}{}|{}{})",
                hex(0),
                port_cond(RESERVED, to),
                hex(1),
                port_cond(from, RESERVED - 1)
            );
        }
        return format!("{}{}", hex(1), port_cond(from, to));
    }
    format!("{}{}", hex(0), port_cond(from, to))
}

/// `gen_ip_conds`: the port, address and label fields of one side,
/// adding the entries that end there; `streams` grow by those fields.
fn ip_conds(
    ctx: &mut Ctx,
    streams: &mut Vec<Stream>,
    c: &NetConds,
    peer: bool,
    cmd: bool,
) -> Result<(), Box<Diagnostic>> {
    let span = ctx.span;
    let perms = ctx.perms;
    for s in streams.iter_mut() {
        match c.port {
            Some(p) => s.text(
                &port_auto(p.low, p.high, peer, perms & net::BIND != 0),
                span,
            )?,
            None => s.text("...", span)?,
        }
    }
    let old = std::mem::take(streams);
    for s in old {
        match c.ip {
            Some(Ip::Addr(a)) => {
                let mut s = s;
                let t = match a {
                    std::net::IpAddr::V4(v) => {
                        hex(1)
                            + &v.octets()
                                .iter()
                                .map(|&b| hex(b.into()))
                                .collect::<String>()
                    }
                    std::net::IpAddr::V6(v) => {
                        hex(2)
                            + &v.octets()
                                .iter()
                                .map(|&b| hex(b.into()))
                                .collect::<String>()
                    }
                };
                s.text(&t, span)?;
                streams.push(s);
            }
            Some(Ip::None) => {
                let mut s = s;
                s.text(&hex(0), span)?;
                streams.push(s);
            }
            None => {
                for t in [hex(0), hex(1) + &".".repeat(4), hex(2) + &".".repeat(16)] {
                    let mut s2 = s.clone();
                    s2.text(&t, span)?;
                    streams.push(s2);
                }
            }
        }
    }
    let label = match &c.label {
        Some(crate::policy::network::NetLabel::Match(l))
        | Some(crate::policy::network::NetLabel::Set(l)) => Some(l.as_str()),
        None => None,
    };
    let (mut cond_perms, mut cond_mode) = (map_perms(perms), ctx.mode);
    if !cmd && (label.is_some() || peer) {
        cond_perms = net::COMPAT_CONT_MATCH;
        cond_mode = Mode::Allow;
    }
    for s in streams.iter_mut() {
        s.text(&hex(0), span)?;
        let a = ctx.audit_of(perms);
        ctx.add(s.re(), cond_mode, cond_perms, a);
        if label.is_some() || peer {
            let (l_perms, l_mode) = if peer {
                (cond_perms, cond_mode)
            } else {
                (map_perms(perms), ctx.mode)
            };
            s.0.push(default_cond(label, span)?);
            s.text(&hex(0), span)?;
            let a = ctx.audit_of(perms);
            ctx.add(s.re(), l_mode, l_perms, a);
        }
    }
    Ok(())
}

/// A conditional's value as a glob, or anything up to a NUL.
fn default_cond(v: Option<&str>, span: Span) -> Result<Regex, Box<Diagnostic>> {
    match v {
        Some(v) => glob(v).map_err(|e| bad(span, format!("`{v}`: {e}"))),
        None => expr("[^\\000]*", span),
    }
}

/// The policy automaton's entries of a `unix` rule, and on kernels with
/// `network_v8` those of the network rule it is downgraded to.
pub fn unix(r: &Rule, u: &Unix, abi: &Abi, rules: &mut Rules) -> Result<(), Box<Diagnostic>> {
    let q = &r.qualifiers;
    let f = &abi.features;
    let ty = match &u.sock_type {
        Some(t) => Some(
            type_number(t)
                .ok_or_else(|| Box::new(super::unsupported(r.span, &format!("unix type `{t}`"))))?,
        ),
        None => None,
    };
    // the downgrade: an allow rule becomes a network rule of AF_UNIX
    if q.mode != Mode::Deny && (f.supports_network_v8() || f.supports_network_v9()) {
        let class = if f.supports_network_v9() { 15 } else { 14 };
        let tmask = ty.map_or(ANY, |t| 1 << t);
        let mut b = format!("{}{}", hex(class), u16_be(AF_UNIX));
        if tmask > 0xffff {
            b.push_str("..");
        } else {
            b.push_str(&u16_be(ty.unwrap_or(0)));
        }
        let perms = ref_perms(u.perms);
        let audit = if q.audit { map_perms(perms) } else { 0 };
        rules.add(expr(&b, r.span)?, 0, q.mode, map_perms(perms), audit);
    }
    if !(f.supports_unix() || f.has("network_v9/af_unix")) {
        return Ok(());
    }
    unix_entries(u, ty, q.priority, q.mode, audit_of(q), abi, r.span, rules)
}

/// The policy automaton's entries of the unix rule `all` implies, which
/// the reference builds without a downgrade.
pub fn unix_implied(
    r: &Rule,
    u: &Unix,
    abi: &Abi,
    rules: &mut Rules,
) -> Result<(), Box<Diagnostic>> {
    let q = &r.qualifiers;
    let f = &abi.features;
    if !(f.supports_unix() || f.has("network_v9/af_unix")) {
        return Ok(());
    }
    unix_entries(u, None, q.priority, q.mode, audit_of(q), abi, r.span, rules)
}

/// `unix_rule::gen_policy_re` (without the downgrade).
#[allow(clippy::too_many_arguments)]
fn unix_entries(
    u: &Unix,
    ty: Option<u32>,
    priority: i32,
    mode: Mode,
    audit: bool,
    abi: &Abi,
    span: Span,
    rules: &mut Rules,
) -> Result<(), Box<Diagnostic>> {
    let f = &abi.features;
    let class = if f.supports_network_v9() {
        15
    } else if f.supports_network_v8() {
        14
    } else {
        4
    };
    let perms = ref_perms(u.perms);
    let peer_conds = u.peer_addr.is_some() || u.peer_label.is_some();
    let mut ctx = Ctx {
        rules,
        priority,
        mode,
        perms,
        audit,
        span,
    };
    let mut mask = perms;
    let mut b = Stream::default();
    let t = match ty {
        Some(t) => u16_be(t),
        None => "..".into(),
    };
    b.text(&format!("{}{}{}..", hex(class), u16_be(AF_UNIX), t), span)?;
    if mask & net::CREATE != 0 && !peer_conds {
        let a = ctx.audit_of(net::CREATE);
        ctx.add(b.re(), mode, map_perms(net::CREATE), a);
        mask &= !net::CREATE;
    }
    let default_label = || expr("[^\\000]*", span);
    if mask & net::BIND != 0 && matches!(u.addr, None | Some(UnixAddr::Auto)) {
        let mut t = b.clone();
        t.text(&hex(0), span)?;
        t.0.push(default_label()?);
        t.text(&hex(0), span)?;
        let a = ctx.audit_of(net::BIND);
        ctx.add(t.re(), mode, map_perms(net::BIND), a);
        if u.addr.is_some() {
            mask &= !net::BIND;
        }
    }
    if mask != 0 {
        addr(&mut b, u.addr.as_ref(), span)?;
        b.0.push(default_label()?);
        b.text(&hex(0), span)?;
        let local = if peer_conds {
            net::ACCEPT
        } else {
            net::LOCAL & !net::LOCAL_CMD
        };
        if mask & local != 0 {
            let a = ctx.audit_of(mask & local);
            ctx.add(b.re(), mode, map_perms(mask & local), a);
        }
        if mask & net::LISTEN != 0 && !peer_conds {
            let mut t = b.clone();
            t.text(&format!("{}..", hex(2)), span)?;
            let a = ctx.audit_of(net::LISTEN);
            ctx.add(t.re(), mode, map_perms(net::LISTEN), a);
        }
        if mask & net::OPT != 0 && !peer_conds {
            let mut t = b.clone();
            t.text(&format!("{}..", hex(4)), span)?;
            let a = ctx.audit_of(net::OPT);
            ctx.add(t.re(), mode, map_perms(mask & net::OPT), a);
        }
        mask &= !net::LOCAL | net::ACCEPT;
    }
    if mask & net::PEER != 0 {
        b.text(&hex(1), span)?;
        addr(&mut b, u.peer_addr.as_ref(), span)?;
        b.0.push(match &u.peer_label {
            Some(l) => glob(l).map_err(|e| bad(span, format!("`{l}`: {e}")))?,
            None => default_label()?,
        });
        let a = ctx.audit_of(perms & net::PEER);
        ctx.add(b.re(), mode, map_perms(perms & net::PEER), a);
    }
    Ok(())
}

/// `write_addr`: a unix address field and its separator.
fn addr(s: &mut Stream, a: Option<&UnixAddr>, span: Span) -> Result<(), Box<Diagnostic>> {
    match a {
        Some(UnixAddr::Unnamed) => s.text(&hex(1), span)?,
        Some(UnixAddr::Auto) => s.text("\\x00[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]", span)?,
        Some(UnixAddr::Abstract(p)) => {
            let filtered = filter_slashes(&format!("@{p}"));
            let p = &filtered[1..];
            s.text(&hex(0), span)?;
            s.0.push(glob_with(p, true).map_err(|e| bad(span, format!("`{p}`: {e}")))?);
        }
        None => s.text(".*", span)?,
    }
    s.text(&hex(0), span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perms_map_as_the_kernel_reads_them() {
        // every permission, without the internal bits
        assert_eq!(map_perms(net::VALID), 0x1f_c076);
        assert_eq!(map_perms(net::CREATE), 0x10);
        assert_eq!(map_perms(net::BIND), 0x2_0000);
        assert_eq!(map_perms(net::GETOPT), 0x10_0000);
    }

    #[test]
    fn port_ranges_split_at_byte_boundaries() {
        assert_eq!(port_cond(80, 80), "\\x00\\x50");
        assert_eq!(port_cond(0, 0), "..");
        assert_eq!(port_cond(1, 255), "\\x00[\\x01-\\xff]");
        assert_eq!(
            port_cond(21, 1027),
            "(\\x00[\\x15-\\xff]|[\\x01-\\x03].|\\x04[\\x00-\\x03])"
        );
    }

    fn rule(text: &str) -> Network {
        match crate::policy::lower_one(text).0 {
            RuleKind::Network(n) => n,
            k => panic!("{text}: {k:?}"),
        }
    }

    #[test]
    fn a_family_alone_is_every_type_of_it() {
        let r = NetRule::of(&rule("network inet,"));
        assert_eq!(r.perms.get(&AF_INET), Some(&(ALL_TYPES, ANY)));
        assert_eq!(r.perms.len(), 1);
        // no family: every family, every type and protocol
        let r = NetRule::of(&rule("network,"));
        assert_eq!(r.perms.len(), AF_MAX);
        assert_eq!(r.perms.get(&12), Some(&(ANY, ANY)));
        // a protocol alone: the families that have it
        let r = NetRule::of(&rule("network udp,"));
        assert_eq!(r.perms.keys().copied().collect::<Vec<_>>(), vec![2, 10]);
    }

    #[test]
    fn the_legacy_table_quiets_an_audited_deny() {
        // the reference compares its kept audit, which a plain deny
        // implies and `audit deny` clears
        let mut t = LegacyTable::new();
        let q = |audit| Qualifiers {
            audit,
            mode: Mode::Deny,
            ..Qualifiers::default()
        };
        t.add(&q(false), AF_INET, 2);
        t.add(&q(true), AF_INET6, 2);
        let e: Vec<[u16; 3]> = t.entries().collect();
        assert_eq!(e[AF_INET as usize], [0, 0, 0]);
        assert_eq!(e[AF_INET6 as usize], [0, 0, 2]);
    }

    #[test]
    fn family_words_find_the_reference_rows() {
        let t = mappings();
        assert_eq!(find(&t, Some("inet"), Some("tcp")), vec![(2, 1, ANY)]);
        // a type word alone names every family's type
        let stream = find(&t, None, Some("stream"));
        assert_eq!(stream.len(), crate::vocab::ADDRESS_FAMILIES.len());
        // `raw` of inet: the generic row and three protocols
        assert_eq!(find(&t, Some("inet"), Some("raw")).len(), 4);
    }
}
