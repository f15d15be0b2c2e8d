//! network and unix rules, and the rule-shape helpers shared with the other
//! socket-like and IPC families ([`super::ipc`]).
//!
//! What is checked follows the reference parser (AppArmor 6.0): the grammar
//! of each family (which elements may follow the keyword, in which order),
//! the permission words, the conditionals each family knows (where they may
//! be written, with which operator, how many values, at most once) and the
//! values the parser validates before building automata (IP addresses,
//! ports, socket families and types, unix addresses, AppArmor regex syntax).
use super::Ctx;
use crate::diag::{Diagnostic, code};
use crate::policy::network as policy;
use crate::source::Span;
use crate::syntax::ast::{Cond, CondOp, Elem, Rule, Word, WordKind};
use crate::vocab;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

// ---------------------------------------------------------------------------
// Rule shape
// ---------------------------------------------------------------------------

/// The element kinds a family's grammar allows after its keyword, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Slot {
    /// An optional permission: one permission word or a `( ... )` list.
    Perm,
    /// Up to N plain words (names).
    Ids(usize),
    /// Any number of `name=value` conditionals.
    Conds,
    /// One optional `name=( ... )` conditional group.
    CondList,
}

/// A permission as written: the word and whether it stood in a list.
pub(super) struct PermWord<'a> {
    pub word: &'a Word,
    pub in_list: bool,
}

/// A conditional group (`peer=( ... )`).
pub(super) struct Group<'a> {
    pub name: &'a Word,
    pub conds: &'a [Cond],
    pub span: Span,
}

/// A rule split along its family's grammar.
pub(super) struct Parts<'a> {
    pub keyword: &'a Word,
    /// Whether a permission element was written (even `()`).
    pub has_perm: bool,
    pub perms: Vec<PermWord<'a>>,
    pub ids: Vec<&'a Word>,
    pub conds: Vec<&'a Cond>,
    pub group: Option<Group<'a>>,
}

fn describe(e: &Elem) -> String {
    match e {
        Elem::Word(w) => format!("`{}`", w.text),
        Elem::Cond(c) => format!("conditional `{}`", c.name.text),
        Elem::CondList { name, .. } => format!("conditional group `{}=(...)`", name.text),
        Elem::Flags { .. } => "`flags=`".into(),
        Elem::List { .. } => "a parenthesised list".into(),
        Elem::Arrow { .. } => "`->`".into(),
        Elem::Le { .. } => "`<=`".into(),
        Elem::Identities { .. } => "`+`".into(),
    }
}

/// Splits a rule along `slots`. `is_perm_word` decides which plain words are
/// permissions. Reports the first element out of place and returns `None`.
pub(super) fn split<'a>(
    rule: &'a Rule,
    ctx: &mut Ctx,
    family: &str,
    slots: &[Slot],
    is_perm_word: &dyn Fn(&Word) -> bool,
) -> Option<Parts<'a>> {
    let Some(Elem::Word(keyword)) = rule.elems.first() else {
        return None;
    };
    let mut parts = Parts {
        keyword,
        has_perm: false,
        perms: Vec::new(),
        ids: Vec::new(),
        conds: Vec::new(),
        group: None,
    };
    let mut slot = 0usize;
    for e in rule.elems.iter().skip(1) {
        let mut placed = false;
        while slot < slots.len() {
            let fits = match (slots[slot], e) {
                (Slot::Perm, Elem::List { .. }) => !parts.has_perm,
                (Slot::Perm, Elem::Word(w)) => !parts.has_perm && is_perm_word(w),
                (Slot::Ids(n), Elem::Word(w)) => {
                    parts.ids.len() < n && !matches!(w.kind, WordKind::Key | WordKind::Mode)
                }
                (Slot::Conds, Elem::Cond(_)) => true,
                (Slot::CondList, Elem::CondList { .. }) => parts.group.is_none(),
                _ => false,
            };
            if fits {
                match e {
                    Elem::List { values, .. } => {
                        parts.has_perm = true;
                        parts.perms.extend(values.iter().map(|word| PermWord {
                            word,
                            in_list: true,
                        }));
                    }
                    Elem::Word(w) if slots[slot] == Slot::Perm => {
                        parts.has_perm = true;
                        parts.perms.push(PermWord {
                            word: w,
                            in_list: false,
                        });
                    }
                    Elem::Word(w) => parts.ids.push(w),
                    Elem::Cond(c) => parts.conds.push(c),
                    Elem::CondList { name, conds, span } => {
                        parts.group = Some(Group {
                            name,
                            conds,
                            span: *span,
                        })
                    }
                    _ => {}
                }
                placed = true;
                break;
            }
            slot += 1;
        }
        if !placed {
            ctx.error(misplaced(e, family, slots, &parts));
            return None;
        }
    }
    Some(parts)
}

fn misplaced(e: &Elem, family: &str, slots: &[Slot], parts: &Parts) -> Diagnostic {
    let takes = |s: Slot| slots.contains(&s);
    let max_ids = slots
        .iter()
        .find_map(|s| match s {
            Slot::Ids(n) => Some(*n),
            _ => None,
        })
        .unwrap_or(0);
    let (code, msg, help): (_, String, Option<String>) = match e {
        Elem::Word(w) if matches!(w.kind, WordKind::Key | WordKind::Mode) && takes(Slot::Perm) => {
            if parts.has_perm {
                (
                    code::SYNTAX_ERROR,
                    format!("only one permission may be written bare in a {family} rule"),
                    Some("put several permissions in parentheses: `(send receive)`".into()),
                )
            } else {
                (
                    code::BAD_PERMISSION,
                    format!("`{}` is not a {family} permission", w.text),
                    None,
                )
            }
        }
        Elem::Word(w) if max_ids == 0 => (
            code::SYNTAX_ERROR,
            format!("unexpected `{}` in a {family} rule", w.text),
            None,
        ),
        Elem::Word(w) if parts.ids.len() >= max_ids => (
            code::SYNTAX_ERROR,
            format!("unexpected `{}` in a {family} rule", w.text),
            Some(if max_ids == 1 {
                format!("a {family} rule takes at most one name")
            } else {
                format!("a {family} rule takes at most {max_ids} names")
            }),
        ),
        Elem::Word(w) => (
            code::SYNTAX_ERROR,
            format!("`{}` is out of place in a {family} rule", w.text),
            Some(order_help(family, slots)),
        ),
        Elem::List { .. } if parts.has_perm || !takes(Slot::Perm) => (
            code::SYNTAX_ERROR,
            format!("unexpected parenthesised list in a {family} rule"),
            Some(order_help(family, slots)),
        ),
        Elem::Cond(c) if !takes(Slot::Conds) => (
            code::BAD_CONDITIONAL,
            format!(
                "{family} rules take no conditionals, found `{}`",
                c.name.text
            ),
            None,
        ),
        Elem::CondList { name, .. } if !takes(Slot::CondList) => (
            code::BAD_CONDITIONAL,
            format!(
                "{family} rules take no conditional group, found `{}=(...)`",
                name.text
            ),
            if name.text == "peer" && family != "io_uring" {
                Some("write the peer as a plain conditional: `peer=LABEL`".into())
            } else {
                None
            },
        ),
        Elem::CondList { .. } if parts.group.is_some() => (
            code::SYNTAX_ERROR,
            format!("a {family} rule takes only one conditional group"),
            None,
        ),
        _ => (
            code::SYNTAX_ERROR,
            format!("{} is out of place in a {family} rule", describe(e)),
            Some(order_help(family, slots)),
        ),
    };
    let d = super::bad(code, e, msg);
    match help {
        Some(h) => d.help(h),
        None => d,
    }
}

fn order_help(family: &str, slots: &[Slot]) -> String {
    let names: Vec<&str> = slots
        .iter()
        .map(|s| match s {
            Slot::Perm => "permissions",
            Slot::Ids(1) => "name",
            Slot::Ids(_) => "names",
            Slot::Conds => "conditionals",
            Slot::CondList => "peer=(...)",
        })
        .collect();
    format!("write a {family} rule in the order: {}", names.join(", "))
}

/// Checks each permission word with `valid`; reports unknown ones.
pub(super) fn check_perm_words(
    parts: &Parts,
    ctx: &mut Ctx,
    family: &str,
    candidates: &[&str],
    valid: &dyn Fn(&str) -> bool,
) -> bool {
    let mut ok = true;
    for p in &parts.perms {
        if !valid(&p.word.text) {
            ok = false;
            let d = Diagnostic::error(
                code::BAD_PERMISSION,
                p.word.span,
                format!("invalid {family} permission `{}`", p.word.text),
            );
            let d = match crate::suggest::did_you_mean(&p.word.text, candidates.iter().copied()) {
                Some(s) => d.did_you_mean(p.word.span, s, s),
                None => d.help(format!(
                    "{family} permissions are: {}",
                    candidates.join(", ")
                )),
            };
            ctx.error(d);
        }
    }
    ok
}

/// The operator of a conditional, with `name:=` (how `:=` reaches us)
/// recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    In,
    Set,
}

/// A conditional's name without a trailing `:` and its operator.
pub(super) fn cond_op(c: &Cond) -> (&str, Op) {
    match c.name.text.strip_suffix(':') {
        Some(n) => (n, Op::Set),
        None => (
            c.name.text.as_str(),
            match c.op {
                CondOp::Eq => Op::Eq,
                CondOp::In => Op::In,
            },
        ),
    }
}

/// Reports a conditional written with `in` where only `=` is allowed.
pub(super) fn only_eq(c: &Cond, ctx: &mut Ctx, family: &str) -> bool {
    let (name, op) = cond_op(c);
    match op {
        Op::Eq => true,
        Op::In => {
            ctx.error(
                Diagnostic::error(
                    code::BAD_CONDITIONAL,
                    c.span,
                    format!("the `in` operator is not allowed in {family} rules"),
                )
                .help(format!("write `{name}=VALUE`")),
            );
            false
        }
        Op::Set => {
            ctx.error(
                Diagnostic::error(
                    code::BAD_CONDITIONAL,
                    c.span,
                    format!("the `:=` operator is not allowed for `{name}` in {family} rules"),
                )
                .help(format!("write `{name}=VALUE`")),
            );
            false
        }
    }
}

/// Reports a conditional with more than one value.
pub(super) fn single_value(c: &Cond, ctx: &mut Ctx, family: &str) -> bool {
    if c.values.len() > 1 {
        let (name, _) = cond_op(c);
        ctx.error(
            Diagnostic::error(
                code::BAD_CONDITIONAL,
                c.span,
                format!("{family} conditional `{name}` takes a single value"),
            )
            .help("write one value, or one rule per value"),
        );
        return false;
    }
    true
}

/// Reports a conditional written without a value.
pub(super) fn has_value(c: &Cond, ctx: &mut Ctx, family: &str) -> bool {
    if c.values.is_empty() || c.values.iter().all(|v| v.text.is_empty()) {
        let (name, _) = cond_op(c);
        ctx.error(Diagnostic::error(
            code::BAD_VALUE,
            c.span,
            format!("{family} conditional `{name}` needs a value"),
        ));
        return false;
    }
    true
}

/// Reports a conditional given twice (`first` is where it was given before).
pub(super) fn duplicate(c: &Cond, first: Span, ctx: &mut Ctx, family: &str) {
    let (name, _) = cond_op(c);
    ctx.error(
        Diagnostic::error(
            code::BAD_CONDITIONAL,
            c.span,
            format!("{family} conditional `{name}` can only be given once"),
        )
        .label(first, "first given here"),
    );
}

/// Reports an unknown conditional, suggesting a known one.
pub(super) fn unknown_cond(c: &Cond, ctx: &mut Ctx, what: &str, known: &[&str]) {
    let (name, _) = cond_op(c);
    let d = Diagnostic::error(
        code::BAD_CONDITIONAL,
        c.name.span,
        format!("unknown {what} conditional `{name}`"),
    );
    let d = match crate::suggest::did_you_mean(name, known.iter().copied()) {
        Some(s) if name == c.name.text => d.did_you_mean(c.name.span, s, s),
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None if known.is_empty() => d,
        None => d.help(format!("known conditionals: {}", known.join(", "))),
    };
    ctx.error(d);
}

/// The first value of a conditional (what upstream keeps).
pub(super) fn first_value(c: &Cond) -> Option<&Word> {
    c.values.first()
}

// ---------------------------------------------------------------------------
// AppArmor regex (AARE) syntax
// ---------------------------------------------------------------------------

/// Why an AppArmor pattern does not convert, as the reference parser sees it.
///
/// Text that still holds a variable reference (`@{...}`, left for a later
/// stage to expand) is not judged.
pub(super) fn aare_error(s: &str) -> Option<&'static str> {
    // values still holding a variable (a rule of a branch not taken) are
    // judged after expansion; an `@{` that is no reference is text
    if holds_variable(s) {
        return None;
    }
    crate::aare::check_syntax(s).err().map(|e| e.message())
}

/// `s` holds a reference `@{name}`.
fn holds_variable(s: &str) -> bool {
    s.match_indices("@{").any(|(i, _)| {
        let rest = &s[i + 2..];
        rest.find('}').is_some_and(|end| {
            end > 0
                && rest[..end]
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_')
        })
    })
}

/// Reports a value that is not a valid AppArmor pattern.
pub(super) fn check_pattern(w: &Word, ctx: &mut Ctx, what: &str) -> bool {
    match aare_error(&w.text) {
        Some(why) => {
            let mut d = Diagnostic::error(
                code::BAD_PATTERN,
                w.span,
                format!("invalid {what} pattern `{}`: {why}", w.text),
            );
            // `{a,b}` in a conditional list is cut at the comma
            if w.text.starts_with('{') && !w.text.contains('}') {
                d = d.help("inside `peer=(...)` a `,` separates values: quote an alternation, as in `label=\"{a,b}\"`");
            }
            ctx.error(d);
            false
        }
        None => true,
    }
}

// ---------------------------------------------------------------------------
// Permissions of network and unix rules
// ---------------------------------------------------------------------------

/// The permission bits of a network/unix permission word (decoded in
/// [`policy::NetPerms::of_word`]).
fn net_perm_bits(w: &str) -> Option<u32> {
    policy::NetPerms::of_word(w).map(|p| p.0)
}

const PEER_PERMS: u32 = policy::NetPerms::PEER;

/// The permissions a rule grants: every one when none was written.
fn model_perms(parts: &Parts, bits: u32) -> policy::NetPerms {
    if parts.has_perm {
        policy::NetPerms(bits)
    } else {
        policy::NetPerms::ALL
    }
}

fn is_net_perm_word(w: &Word) -> bool {
    matches!(w.kind, WordKind::Key | WordKind::Mode)
}

/// Parses and checks the permissions of a network/unix rule; `None` when
/// one was invalid (already reported).
fn net_perms(parts: &Parts, ctx: &mut Ctx, family: &str) -> Option<u32> {
    if !check_perm_words(parts, ctx, family, vocab::NETWORK_PERMS, &|w| {
        net_perm_bits(w).is_some()
    }) {
        return None;
    }
    Some(
        parts
            .perms
            .iter()
            .filter_map(|p| net_perm_bits(&p.word.text))
            .fold(0, |a, b| a | b),
    )
}

/// Reports permissions that cannot go with peer conditionals.
fn check_peer_perms(parts: &Parts, ctx: &mut Ctx, family: &str, peer_span: Span) {
    let bad: Vec<&PermWord> = parts
        .perms
        .iter()
        .filter(|p| net_perm_bits(&p.word.text).is_some_and(|b| b & !PEER_PERMS != 0))
        .collect();
    if let Some(first) = bad.first() {
        let names: Vec<String> = bad.iter().map(|p| format!("`{}`", p.word.text)).collect();
        ctx.error(
            Diagnostic::error(
                code::BAD_PERMISSION,
                first.word.span,
                format!(
                    "{family} permission {} cannot be used with peer conditionals",
                    names.join(", ")
                ),
            )
            .label(peer_span, "peer conditionals given here")
            .help("only `connect`, `accept`, `send` and `receive` apply to a peer; split the rule"),
        );
    }
}

// ---------------------------------------------------------------------------
// network
// ---------------------------------------------------------------------------

const NETWORK_SLOTS: &[Slot] = &[Slot::Perm, Slot::Ids(2), Slot::Conds, Slot::CondList];
const NETWORK_COND_NAMES: &[&str] = &["ip", "port", "interface", "label"];

/// An IPv4 or IPv6 address `ip=` accepts.
fn parse_ip(s: &str) -> Option<IpAddr> {
    s.parse::<Ipv6Addr>()
        .map(IpAddr::V6)
        .or_else(|_| s.parse::<Ipv4Addr>().map(IpAddr::V4))
        .ok()
}

/// `strtoul`-style parse of a whole port number (0..=65535).
fn parse_port_number(s: &str) -> Option<u16> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = match digits.parse() {
        Ok(n) => n,
        Err(_) => return None,
    };
    if neg && n != 0 {
        return None;
    }
    u16::try_from(n).ok()
}

/// A `port=` value: a port or a `LOW-HIGH` range, or why it is invalid.
fn parse_port(s: &str) -> Result<policy::PortRange, String> {
    if let Some((a, b)) = s.split_once('-') {
        if let (Some(low), Some(high)) = (parse_port_number(a), parse_port_number(b)) {
            if low > high {
                return Err(format!("the range {low}-{high} is reversed"));
            }
            return Ok(policy::PortRange { low, high });
        }
    }
    match parse_port_number(s) {
        Some(p) => Ok(policy::PortRange { low: p, high: p }),
        None => Err("expected a port number 0-65535 or a range `LOW-HIGH`".into()),
    }
}

#[derive(Default)]
struct IpConds {
    ip: Option<Span>,
    port: Option<Span>,
    interface: Option<Span>,
    label: Option<Span>,
    /// The values, as the model has them.
    value: policy::NetConds,
}

impl IpConds {
    fn has_conds(&self) -> bool {
        self.ip.is_some() || self.port.is_some()
    }
}

fn network_conds(conds: &[&Cond], peer: bool, ctx: &mut Ctx) -> IpConds {
    let mut out = IpConds::default();
    for c in conds {
        let (name, op) = cond_op(c);
        let slot = match name {
            "label" => {
                if op == Op::In {
                    ctx.error(
                        Diagnostic::error(
                            code::BAD_CONDITIONAL,
                            c.span,
                            "the `in` operator is not allowed for `label` in network rules",
                        )
                        .help("write `label=LABEL` or `label:=LABEL`"),
                    );
                    continue;
                }
                &mut out.label
            }
            "ip" | "port" | "interface" => {
                if !only_eq(c, ctx, "network") {
                    continue;
                }
                match name {
                    "ip" => &mut out.ip,
                    "port" => &mut out.port,
                    _ => &mut out.interface,
                }
            }
            _ => {
                unknown_cond(c, ctx, "network", NETWORK_COND_NAMES);
                continue;
            }
        };
        if let Some(first) = *slot {
            duplicate(c, first, ctx, "network");
            continue;
        }
        *slot = Some(c.span);
        let Some(v) = first_value(c) else {
            has_value(c, ctx, "network");
            continue;
        };
        match name {
            "ip" if v.text == "none" => out.value.ip = Some(policy::Ip::None),
            "ip" => {
                if let Some(a) = parse_ip(&v.text) {
                    out.value.ip = Some(policy::Ip::Addr(a));
                    continue;
                }
                let mut d = Diagnostic::error(
                    code::BAD_VALUE,
                    v.span,
                    format!("invalid ip address `{}`", v.text),
                );
                d = if v.text.contains('/') || v.text.contains('-') {
                    d.help("`ip=` takes one IPv4 or IPv6 address; subnets and ranges are not supported")
                } else {
                    d.help("write an IPv4 (`10.0.0.1`) or IPv6 (`::1`) address, or `none`")
                };
                ctx.error(d);
            }
            "port" => match parse_port(&v.text) {
                Ok(p) => out.value.port = Some(p),
                Err(why) => ctx.error(Diagnostic::error(
                    code::BAD_VALUE,
                    v.span,
                    format!("invalid port `{}`: {why}", v.text),
                )),
            },
            "interface" => {
                if peer {
                    ctx.error(
                        Diagnostic::error(
                            code::BAD_CONDITIONAL,
                            c.span,
                            "`interface` cannot be given for the peer in network rules",
                        )
                        .help("move `interface=` out of `peer=(...)`"),
                    );
                } else {
                    check_pattern(v, ctx, "interface");
                    out.value.interface = Some(v.text.clone());
                }
            }
            _ => {
                out.value.label = Some(if op == Op::Set {
                    policy::NetLabel::Set(v.text.clone())
                } else {
                    policy::NetLabel::Match(v.text.clone())
                });
            }
        }
    }
    out
}

fn is_inet(family: &str) -> bool {
    family == "inet" || family == "inet6"
}

pub fn check_network(rule: &Rule, ctx: &mut Ctx) -> Option<policy::Network> {
    let parts = split(rule, ctx, "network", NETWORK_SLOTS, &is_net_perm_word)?;
    let perms = net_perms(&parts, ctx, "network");
    let local = network_conds(&parts.conds, false, ctx);
    let mut peer = IpConds::default();
    if let Some(g) = &parts.group {
        if g.name.text != "peer" {
            ctx.error(
                Diagnostic::error(
                    code::BAD_CONDITIONAL,
                    g.name.span,
                    format!("invalid network conditional group `{}=(...)`", g.name.text),
                )
                .help("the only conditional group is `peer=(...)`"),
            );
        } else {
            let conds: Vec<&Cond> = g.conds.iter().collect();
            peer = network_conds(&conds, true, ctx);
        }
    }
    let inet_conds = local.has_conds() || peer.has_conds();
    let conds_span = local
        .ip
        .or(local.port)
        .or(peer.ip)
        .or(peer.port)
        .unwrap_or(parts.keyword.span);

    let mut family = None;
    let mut kind = None;
    match parts.ids.as_slice() {
        [] => {}
        [first] => {
            let f = first.text.as_str();
            if vocab::NETWORK_DOMAINS.contains(&f) {
                family = Some(first.text.clone());
                if inet_conds && !is_inet(f) {
                    family_no_conds(first, conds_span, ctx);
                }
            } else if vocab::NETWORK_TYPES.contains(&f) {
                kind = Some(policy::SockKind::Type(first.text.clone()));
            } else if vocab::NETWORK_PROTOCOLS.contains(&f) {
                kind = Some(policy::SockKind::Protocol(first.text.clone()));
            } else {
                let cands = vocab::NETWORK_DOMAINS
                    .iter()
                    .chain(vocab::NETWORK_TYPES)
                    .chain(vocab::NETWORK_PROTOCOLS)
                    .copied();
                ctx.error(
                    super::unknown_name("network family or socket type", first, cands).note(
                        "a network rule names an address family, a socket type or a protocol",
                    ),
                );
            }
        }
        [first, second, ..] => {
            let f = first.text.as_str();
            let t = second.text.as_str();
            if !vocab::NETWORK_DOMAINS.contains(&f) {
                ctx.error(super::unknown_name(
                    "network family",
                    first,
                    vocab::NETWORK_DOMAINS.iter().copied(),
                ));
            } else if !vocab::is_valid_network_spec(f, Some(t)) {
                let known =
                    vocab::NETWORK_TYPES.contains(&t) || vocab::NETWORK_PROTOCOLS.contains(&t);
                if known {
                    ctx.error(Diagnostic::error(
                        code::BAD_VALUE,
                        second.span,
                        format!("network family `{f}` has no socket type or protocol `{t}`"),
                    ));
                } else {
                    ctx.error(super::unknown_name(
                        "network socket type",
                        second,
                        vocab::NETWORK_TYPES
                            .iter()
                            .chain(vocab::NETWORK_PROTOCOLS)
                            .copied(),
                    ));
                }
            } else {
                family = Some(first.text.clone());
                kind = Some(if vocab::NETWORK_TYPES.contains(&t) {
                    policy::SockKind::Type(second.text.clone())
                } else {
                    policy::SockKind::Protocol(second.text.clone())
                });
                if inet_conds && !is_inet(f) {
                    family_no_conds(first, conds_span, ctx);
                }
            }
        }
    }

    if perms.is_some_and(|p| p & !PEER_PERMS != 0) && peer.has_conds() {
        let span = parts.group.as_ref().map_or(parts.keyword.span, |g| g.span);
        check_peer_perms(&parts, ctx, "network", span);
    }
    Some(policy::Network {
        perms: model_perms(&parts, perms?),
        family,
        kind,
        local: local.value,
        peer: peer.value,
    })
}

fn family_no_conds(family: &Word, conds: Span, ctx: &mut Ctx) {
    ctx.error(
        Diagnostic::error(
            code::BAD_CONDITIONAL,
            family.span,
            format!(
                "network family `{}` does not support `ip=` or `port=` conditionals",
                family.text
            ),
        )
        .label(conds, "conditional given here")
        .help("`ip=` and `port=` apply only to `inet` and `inet6`"),
    );
}

// ---------------------------------------------------------------------------
// unix
// ---------------------------------------------------------------------------

const UNIX_SLOTS: &[Slot] = &[Slot::Perm, Slot::Conds, Slot::CondList];
const UNIX_LOCAL_CONDS: &[&str] = &["type", "protocol", "addr"];

fn check_unix_addr(v: &Word, ctx: &mut Ctx) {
    if !vocab::is_valid_unix_addr(&v.text) {
        ctx.error(
            Diagnostic::error(
                code::BAD_VALUE,
                v.span,
                format!("invalid unix address `{}`", v.text),
            )
            .help("an address is abstract (`@name`), `none` (unnamed) or `auto` (autobind)"),
        );
    } else if let Some(rest) = v.text.strip_prefix('@').filter(|_| !ctx.unused) {
        if let Some(why) = aare_error(rest) {
            ctx.error(Diagnostic::error(
                code::BAD_PATTERN,
                v.span,
                format!("invalid unix address pattern `{}`: {why}", v.text),
            ));
        }
    }
}

/// A valid unix address as the model has it.
fn unix_addr(text: &str) -> Option<policy::UnixAddr> {
    match text {
        "none" => Some(policy::UnixAddr::Unnamed),
        "auto" => Some(policy::UnixAddr::Auto),
        _ => text
            .strip_prefix('@')
            .map(|p| policy::UnixAddr::Abstract(p.to_string())),
    }
}

pub fn check_unix(rule: &Rule, ctx: &mut Ctx) -> Option<policy::Unix> {
    let parts = split(rule, ctx, "unix", UNIX_SLOTS, &is_net_perm_word)?;
    let perms = net_perms(&parts, ctx, "unix");
    let mut value = policy::Unix {
        perms: policy::NetPerms::ALL,
        sock_type: None,
        addr: None,
        peer_addr: None,
        peer_label: None,
    };

    let mut seen: Vec<(&str, Span)> = Vec::new();
    for c in &parts.conds {
        let (name, _) = cond_op(c);
        match name {
            "type" | "protocol" | "addr" => {}
            "label" => {
                ctx.error(
                    Diagnostic::error(
                        code::BAD_CONDITIONAL,
                        c.span,
                        "unix conditional `label` is only allowed inside `peer=(...)`",
                    )
                    .help("write `peer=(label=LABEL)`"),
                );
                continue;
            }
            _ => {
                unknown_cond(c, ctx, "unix", UNIX_LOCAL_CONDS);
                continue;
            }
        }
        if !only_eq(c, ctx, "unix") || !single_value(c, ctx, "unix") {
            continue;
        }
        if let Some(&(_, first)) = seen.iter().find(|(n, _)| *n == name) {
            duplicate(c, first, ctx, "unix");
            continue;
        }
        seen.push((name, c.span));
        let Some(v) = first_value(c) else {
            has_value(c, ctx, "unix");
            continue;
        };
        match name {
            "type" => {
                if vocab::UNIX_SOCKET_TYPES.contains(&v.text.as_str()) {
                    value.sock_type = Some(v.text.clone());
                } else {
                    ctx.error(super::unknown_name(
                        "unix socket type",
                        v,
                        vocab::UNIX_SOCKET_TYPES.iter().copied(),
                    ));
                }
            }
            "protocol" => {
                ctx.error(Diagnostic::error(
                    code::UNSUPPORTED_FEATURE,
                    c.span,
                    "unix conditional `protocol` is not supported",
                ));
            }
            _ => {
                check_unix_addr(v, ctx);
                value.addr = unix_addr(&v.text);
            }
        }
    }

    let mut has_peer = false;
    if let Some(g) = &parts.group {
        if g.name.text != "peer" {
            ctx.error(
                Diagnostic::error(
                    code::BAD_CONDITIONAL,
                    g.name.span,
                    format!("invalid unix conditional group `{}=(...)`", g.name.text),
                )
                .help("the only conditional group is `peer=(...)`"),
            );
        } else {
            let mut seen: Vec<(&str, Span)> = Vec::new();
            for c in g.conds {
                let (name, _) = cond_op(c);
                if !vocab::UNIX_PEER_CONDS.contains(&name) {
                    unknown_cond(c, ctx, "unix peer", vocab::UNIX_PEER_CONDS);
                    continue;
                }
                if !only_eq(c, ctx, "unix") || !single_value(c, ctx, "unix") {
                    continue;
                }
                if let Some(&(_, first)) = seen.iter().find(|(n, _)| *n == name) {
                    duplicate(c, first, ctx, "unix");
                    continue;
                }
                seen.push((name, c.span));
                has_peer = true;
                let Some(v) = first_value(c) else {
                    has_value(c, ctx, "unix");
                    continue;
                };
                if name == "addr" {
                    check_unix_addr(v, ctx);
                    value.peer_addr = unix_addr(&v.text);
                } else {
                    check_pattern(v, ctx, "label");
                    value.peer_label = Some(v.text.clone());
                }
            }
        }
    }

    if has_peer && perms.is_some_and(|p| p & !PEER_PERMS != 0) {
        let span = parts.group.as_ref().map_or(parts.keyword.span, |g| g.span);
        check_peer_perms(&parts, ctx, "unix", span);
    }
    value.perms = model_perms(&parts, perms?);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert!(parse_port("0").is_ok());
        assert!(parse_port("65535").is_ok());
        assert!(parse_port("22-443").is_ok());
        assert!(parse_port("65536").is_err());
        assert!(parse_port("-1").is_err());
        assert!(parse_port("22-").is_err());
        assert!(parse_port("22--443").is_err());
        assert!(parse_port("22-443-1024").is_err());
        assert!(parse_port("443-80").is_err());
        assert!(parse_port("test").is_err());
    }

    #[test]
    fn addresses() {
        assert!(parse_ip("127.0.0.1").is_some());
        assert!(parse_ip("fe80::fc54:ff:fece:e21f").is_some());
        assert!(parse_ip("10.2").is_none());
        assert!(parse_ip("192.168.0.1/24").is_none());
        assert!(parse_ip("[::1]").is_none());
    }

    #[test]
    fn patterns() {
        assert!(aare_error("/{a,b}").is_none());
        assert!(aare_error("a\\{b").is_none());
        assert!(aare_error("[ab]c").is_none());
        assert!(aare_error("spla{t,r").is_some());
        assert!(aare_error("abcd]efg").is_some());
        assert!(aare_error("Get,Set}").is_some());
        assert!(aare_error("s{{ession,ystem}").is_some());
        assert!(aare_error("{a}").is_some());
    }
}
