//! dbus, signal, ptrace, mqueue, io_uring and userns rules.
//!
//! Each check follows the reference parser (AppArmor 6.0): the family's
//! grammar, its permission words, its conditionals and the values it
//! validates before building automata. The rule-shape helpers live in
//! [`super::network`].
use super::Ctx;
use super::network::{
    Parts, Slot, aare_error, check_pattern, check_perm_words, cond_op, duplicate, first_value,
    has_value, only_eq, single_value, split, unknown_cond,
};
use crate::diag::{Diagnostic, code};
use crate::policy::ipc::{self as policy, PermSet};
use crate::source::Span;
use crate::syntax::ast::{Cond, Rule, Word, WordKind};
use crate::vocab::{self, PermFamily};

fn is_key_or_mode(w: &Word) -> bool {
    matches!(w.kind, WordKind::Key | WordKind::Mode)
}

/// Checks permission words against a [`PermFamily`]; `true` when all valid.
fn family_perms(parts: &Parts, ctx: &mut Ctx, family: &str, pf: PermFamily) -> bool {
    check_perm_words(parts, ctx, family, pf.perms(), &|w| pf.is_valid_perm(w))
}

/// The permissions a rule grants: those its words give, or the implied
/// ones (every permission of the family) when they give none.
fn perms<T: PermSet>(parts: &Parts) -> T {
    T::of_words(parts.perms.iter().map(|p| p.word.text.as_str()))
}

/// Conditionals seen so far, for duplicate detection.
#[derive(Default)]
struct Seen<'a>(Vec<(&'a str, Span)>);

impl<'a> Seen<'a> {
    /// Records `c`; reports and returns `false` when already seen.
    fn first(&mut self, name: &'a str, c: &Cond, ctx: &mut Ctx, family: &str) -> bool {
        if let Some(&(_, first)) = self.0.iter().find(|(n, _)| *n == name) {
            duplicate(c, first, ctx, family);
            return false;
        }
        self.0.push((name, c.span));
        true
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| *n == name)
    }

    fn span(&self, name: &str) -> Option<Span> {
        self.0.iter().find(|(n, _)| *n == name).map(|&(_, s)| s)
    }
}

// ---------------------------------------------------------------------------
// dbus
// ---------------------------------------------------------------------------

const DBUS_SLOTS: &[Slot] = &[Slot::Perm, Slot::Conds, Slot::CondList];
const DBUS_COND_NAMES: &[&str] = &["bus", "name", "path", "interface", "member", "label"];

pub fn check_dbus(rule: &Rule, ctx: &mut Ctx) -> Option<policy::Dbus> {
    let parts = split(rule, ctx, "dbus", DBUS_SLOTS, &is_key_or_mode)?;
    let perms_ok = family_perms(&parts, ctx, "dbus", PermFamily::Dbus);

    let mut seen = Seen::default();
    let mut local_name = false;
    let mut value = policy::Dbus::unconditional(policy::DbusPerms::default());
    let peer_conds: Vec<&Cond> = match &parts.group {
        Some(g) if g.name.text != "peer" => {
            ctx.error(
                Diagnostic::error(
                    code::BAD_CONDITIONAL,
                    g.name.span,
                    format!("invalid dbus conditional group `{}=(...)`", g.name.text),
                )
                .help("the only conditional group is `peer=(...)`"),
            );
            Vec::new()
        }
        Some(g) => g.conds.iter().collect(),
        None => Vec::new(),
    };
    for (peer, conds) in [(false, &parts.conds), (true, &peer_conds)] {
        for c in conds.iter() {
            let (name, _) = cond_op(c);
            if !DBUS_COND_NAMES.contains(&name) {
                unknown_cond(c, ctx, "dbus", DBUS_COND_NAMES);
                continue;
            }
            if !only_eq(c, ctx, "dbus") || !single_value(c, ctx, "dbus") {
                continue;
            }
            if !seen.first(name, c, ctx, "dbus") {
                continue;
            }
            if name == "name" && !peer {
                local_name = true;
            }
            if name == "label" && !peer {
                ctx.error(
                    Diagnostic::error(
                        code::BAD_CONDITIONAL,
                        c.span,
                        "dbus conditional `label` is only allowed inside `peer=(...)`",
                    )
                    .help("write `peer=(label=LABEL)`"),
                );
                continue;
            }
            match first_value(c) {
                Some(v) => {
                    check_pattern(v, ctx, &format!("dbus {name}"));
                    let slot = match (name, peer) {
                        ("bus", _) => &mut value.bus,
                        ("path", _) => &mut value.path,
                        ("interface", _) => &mut value.interface,
                        ("member", _) => &mut value.member,
                        ("name", false) => &mut value.name,
                        ("name", true) => &mut value.peer_name,
                        _ => &mut value.peer_label,
                    };
                    *slot = Some(v.text.clone());
                }
                None => {
                    has_value(c, ctx, "dbus");
                }
            }
        }
    }

    let message_conds: Vec<&str> = ["path", "interface", "member", "label"]
        .into_iter()
        .filter(|n| seen.has(n))
        .chain((seen.has("name") && !local_name).then_some("peer name"))
        .collect();
    let message_rule = !message_conds.is_empty();
    let service_rule = local_name;
    let at = |n: &str| {
        let n = if n == "peer name" { "name" } else { n };
        seen.span(n).unwrap_or(parts.keyword.span)
    };
    if message_rule && service_rule {
        ctx.error(
            Diagnostic::error(
                code::BAD_CONDITIONAL,
                at("name"),
                "dbus rule mixes a service conditional (`name=`) with message conditionals",
            )
            .label(at(message_conds[0]), "message conditional given here")
            .help("a local `name=` makes a `bind` rule; write the message conditionals in another rule"),
        );
        return None;
    }
    if !perms_ok {
        return None;
    }
    // no permission written (or `()`): the implied ones, checked below
    let bits = parts
        .perms
        .iter()
        .map(|p| policy::DbusPerms::from_word(&p.word.text))
        .fold(policy::DbusPerms::default(), policy::DbusPerms::union);
    let perm_at = |has: fn(policy::DbusPerms) -> bool| {
        parts
            .perms
            .iter()
            .find(|p| has(policy::DbusPerms::from_word(&p.word.text)))
            .map_or(parts.keyword.span, |p| p.word.span)
    };
    if message_rule && bits.bind {
        ctx.error(
            Diagnostic::error(
                code::BAD_PERMISSION,
                perm_at(|p| p.bind),
                "dbus `bind` cannot be used with message conditionals",
            )
            .label(at(message_conds[0]), "message conditional given here")
            .help("`bind` takes only `bus=` and `name=`"),
        );
    } else if service_rule && (bits.send || bits.receive) {
        ctx.error(
            Diagnostic::error(
                code::BAD_PERMISSION,
                perm_at(|p| p.send || p.receive),
                "dbus `send` and `receive` cannot be used with a service `name=` conditional",
            )
            .label(at("name"), "service name given here")
            .help("to match the peer's name, write `peer=(name=NAME)`"),
        );
    } else if bits.eavesdrop {
        let other = ["name", "path", "interface", "member", "label"]
            .into_iter()
            .find(|n| seen.has(n));
        if let Some(n) = other {
            ctx.error(
                Diagnostic::error(
                    code::BAD_PERMISSION,
                    perm_at(|p| p.eavesdrop),
                    "dbus `eavesdrop` can only be used with a `bus=` conditional",
                )
                .label(at(n), "conditional given here"),
            );
        }
    }
    value.perms = if !bits.is_empty() {
        bits
    } else if message_rule {
        policy::DbusPerms {
            send: true,
            receive: true,
            ..policy::DbusPerms::default()
        }
    } else if service_rule {
        policy::DbusPerms {
            bind: true,
            ..policy::DbusPerms::default()
        }
    } else {
        policy::DbusPerms::ALL
    };
    Some(value)
}

// ---------------------------------------------------------------------------
// signal
// ---------------------------------------------------------------------------

const SIGNAL_SLOTS: &[Slot] = &[Slot::Perm, Slot::Conds];

/// The AppArmor number of a signal name as the reference parser maps it:
/// named signals, and `rtmin+N` (`N` read like `strtoul`, at most 32) as
/// `128 + N`.
pub(super) fn signal_num(name: &str) -> Option<u32> {
    if let Some(rest) = name.strip_prefix("rtmin+") {
        let t = rest.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
        let (neg, t) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Some(vocab::RTMIN_BASE);
        }
        let n = digits.parse::<u64>().ok()?;
        if (neg && n != 0) || n > u64::from(vocab::MAX_RTMIN_OFFSET) {
            return None;
        }
        return u32::try_from(n).ok().map(|n| vocab::RTMIN_BASE + n);
    }
    vocab::signal_number(name)
}

/// A signal name the reference parser accepts (see [`signal_num`]).
pub(super) fn is_signal(name: &str) -> bool {
    signal_num(name).is_some()
}

fn check_label_values(c: &Cond, ctx: &mut Ctx, what: &str) {
    if c.values.is_empty() {
        has_value(c, ctx, what);
    }
    for v in &c.values {
        check_pattern(v, ctx, "peer");
    }
}

pub fn check_signal(rule: &Rule, ctx: &mut Ctx) -> Option<policy::Signal> {
    let parts = split(rule, ctx, "signal", SIGNAL_SLOTS, &is_key_or_mode)?;
    family_perms(&parts, ctx, "signal", PermFamily::Signal);
    let mut seen = Seen::default();
    let mut signals = std::collections::BTreeSet::new();
    let mut peer = None;
    for c in &parts.conds {
        let (name, _) = cond_op(c);
        if name != "set" && name != "peer" {
            unknown_cond(c, ctx, "signal", &["set", "peer"]);
            continue;
        }
        if !only_eq(c, ctx, "signal") {
            continue;
        }
        if name == "set" {
            if c.values.is_empty() {
                has_value(c, ctx, "signal");
            }
            for v in &c.values {
                if let Some(n) = signal_num(&v.text) {
                    signals.insert(n);
                } else {
                    let bare = v.text.to_ascii_lowercase();
                    let bare = bare.strip_prefix("sig").unwrap_or(&bare);
                    // no name to suggest for a real-time signal out of range
                    let rt = v.text.starts_with("rtmin");
                    let names = vocab::SIGNALS.iter().copied().filter(|_| !rt);
                    let d = super::unknown_name("signal", v, names);
                    let d = if rt {
                        d.help("real-time signals are written `rtmin+N` with N from 0 to 32")
                    } else if bare != v.text && is_signal(bare) {
                        d.did_you_mean(v.span, bare, bare).help(format!(
                            "signals are named without `SIG`: did you mean `{bare}`?"
                        ))
                    } else {
                        d
                    };
                    ctx.error(d);
                }
            }
            continue;
        }
        if !seen.first(name, c, ctx, "signal") {
            continue;
        }
        check_label_values(c, ctx, "signal");
        peer = first_value(c).map(|v| v.text.clone());
    }
    Some(policy::Signal {
        perms: perms::<policy::SignalPerms>(&parts),
        signals,
        peer,
    })
}

// ---------------------------------------------------------------------------
// ptrace
// ---------------------------------------------------------------------------

const PTRACE_SLOTS: &[Slot] = &[Slot::Perm, Slot::Conds];

pub fn check_ptrace(rule: &Rule, ctx: &mut Ctx) -> Option<policy::Ptrace> {
    let parts = split(rule, ctx, "ptrace", PTRACE_SLOTS, &is_key_or_mode)?;
    family_perms(&parts, ctx, "ptrace", PermFamily::Ptrace);
    let mut seen = Seen::default();
    let mut peer = None;
    for c in &parts.conds {
        let (name, _) = cond_op(c);
        if name != "peer" {
            unknown_cond(c, ctx, "ptrace", &["peer"]);
            continue;
        }
        if !only_eq(c, ctx, "ptrace") || !seen.first(name, c, ctx, "ptrace") {
            continue;
        }
        check_label_values(c, ctx, "ptrace");
        peer = first_value(c).map(|v| v.text.clone());
    }
    Some(policy::Ptrace {
        perms: perms::<policy::PtracePerms>(&parts),
        peer,
    })
}

// ---------------------------------------------------------------------------
// mqueue
// ---------------------------------------------------------------------------

const MQUEUE_SLOTS: &[Slot] = &[Slot::Perm, Slot::Conds, Slot::Ids(1)];

pub fn check_mqueue(rule: &Rule, ctx: &mut Ctx) -> Option<policy::Mqueue> {
    let parts = split(rule, ctx, "mqueue", MQUEUE_SLOTS, &is_key_or_mode)?;
    family_perms(&parts, ctx, "mqueue", PermFamily::Mqueue);
    let mut seen = Seen::default();
    let mut qtype: Option<(&str, Span)> = None;
    let mut label = None;
    for c in &parts.conds {
        let (name, _) = cond_op(c);
        if name != "type" && name != "label" {
            unknown_cond(c, ctx, "mqueue", &["type", "label"]);
            continue;
        }
        if !only_eq(c, ctx, "mqueue") || !seen.first(name, c, ctx, "mqueue") {
            continue;
        }
        let Some(v) = first_value(c).filter(|v| !v.text.is_empty()) else {
            has_value(c, ctx, "mqueue");
            continue;
        };
        if name == "type" {
            if vocab::MQUEUE_TYPES.contains(&v.text.as_str()) {
                qtype = Some((if v.text == "posix" { "posix" } else { "sysv" }, v.span));
            } else {
                ctx.error(super::unknown_name(
                    "mqueue type",
                    v,
                    vocab::MQUEUE_TYPES.iter().copied(),
                ));
            }
        } else {
            check_pattern(v, ctx, "label");
            label = Some(v.text.clone());
        }
    }
    if let Some(q) = parts.ids.first() {
        let name = q.text.as_str();
        let numeric = !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit());
        if name.starts_with('/') {
            if let Some(("sysv", at)) = qtype {
                ctx.error(
                    Diagnostic::error(
                        code::BAD_VALUE,
                        q.span,
                        format!("invalid sysv message queue name `{name}`"),
                    )
                    .label(at, "type=sysv given here")
                    .help("sysv message queues are named by a positive integer"),
                );
            } else if let Some(why) = aare_error(name) {
                ctx.error(Diagnostic::error(
                    code::BAD_PATTERN,
                    q.span,
                    format!("invalid message queue name pattern `{name}`: {why}"),
                ));
            }
        } else if numeric {
            if let Some(("posix", at)) = qtype {
                ctx.error(
                    Diagnostic::error(
                        code::BAD_VALUE,
                        q.span,
                        format!("invalid posix message queue name `{name}`"),
                    )
                    .label(at, "type=posix given here")
                    .help("posix message queue names begin with `/`"),
                );
            }
        } else {
            ctx.error(
                Diagnostic::error(
                    code::BAD_VALUE,
                    q.span,
                    format!("invalid message queue name `{name}`"),
                )
                .help(
                    "a message queue name begins with `/` (posix) or is a positive integer (sysv)",
                ),
            );
        }
    }
    Some(policy::Mqueue {
        perms: perms::<policy::MqueuePerms>(&parts),
        // a name says its kind: `/NAME` is posix, a number sysv
        qtype: match (qtype, parts.ids.first()) {
            (Some(("posix", _)), _) => Some(policy::MqueueType::Posix),
            (Some(_), _) => Some(policy::MqueueType::Sysv),
            (None, Some(q)) if q.text.starts_with('/') => Some(policy::MqueueType::Posix),
            (None, Some(_)) => Some(policy::MqueueType::Sysv),
            (None, None) => None,
        },
        label,
        name: parts.ids.first().map(|q| q.text.clone()),
    })
}

// ---------------------------------------------------------------------------
// io_uring
// ---------------------------------------------------------------------------

const IO_URING_SLOTS: &[Slot] = &[Slot::Perm, Slot::Conds, Slot::CondList];

pub fn check_io_uring(rule: &Rule, ctx: &mut Ctx) -> Option<policy::IoUring> {
    // io_uring rules take no names: every bare word is a permission.
    let is_perm = |w: &Word| matches!(w.kind, WordKind::Key | WordKind::Id | WordKind::Mode);
    let parts = split(rule, ctx, "io_uring", IO_URING_SLOTS, &is_perm)?;
    // Upstream ignores unknown words inside `( ... )`; bare words must be
    // permissions.
    let bare: Vec<&Word> = parts
        .perms
        .iter()
        .filter(|p| !p.in_list)
        .map(|p| p.word)
        .collect();
    for w in bare {
        if !vocab::IO_URING_PERMS.contains(&w.text.as_str()) {
            ctx.error(
                super::unknown_name(
                    "io_uring permission",
                    w,
                    vocab::IO_URING_PERMS.iter().copied(),
                )
                .help("io_uring permissions are: override_creds, sqpoll"),
            );
        }
    }
    let group: Vec<&Cond> = parts.group.iter().flat_map(|g| g.conds.iter()).collect();
    let mut seen = Seen::default();
    let mut label = None;
    for c in parts.conds.iter().copied().chain(group) {
        let (name, _) = cond_op(c);
        if name != "label" {
            unknown_cond(c, ctx, "io_uring", &["label"]);
            continue;
        }
        if !only_eq(c, ctx, "io_uring")
            || !single_value(c, ctx, "io_uring")
            || !seen.first(name, c, ctx, "io_uring")
        {
            continue;
        }
        match first_value(c).filter(|v| !v.text.is_empty()) {
            Some(v) => {
                check_pattern(v, ctx, "label");
                label = Some(v.text.clone());
            }
            None => {
                has_value(c, ctx, "io_uring");
            }
        }
    }
    Some(policy::IoUring {
        perms: perms::<policy::IoUringPerms>(&parts),
        label,
    })
}

// ---------------------------------------------------------------------------
// userns
// ---------------------------------------------------------------------------

const USERNS_SLOTS: &[Slot] = &[Slot::Perm, Slot::Conds];

pub fn check_userns(rule: &Rule, ctx: &mut Ctx) -> Option<policy::Userns> {
    let parts = split(rule, ctx, "userns", USERNS_SLOTS, &is_key_or_mode)?;
    for p in parts.perms.iter().filter(|p| !p.in_list) {
        if !vocab::USERNS_PERMS.contains(&p.word.text.as_str()) {
            ctx.error(
                super::unknown_name(
                    "userns permission",
                    p.word,
                    vocab::USERNS_PERMS.iter().copied(),
                )
                .help("the only userns permission is `create`"),
            );
        }
    }
    for c in &parts.conds {
        unknown_cond(c, ctx, "userns", &[]);
    }
    Some(policy::Userns {
        perms: perms::<policy::UsernsPerms>(&parts),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals() {
        assert!(is_signal("hup"));
        assert!(is_signal("rtmin+0"));
        assert!(is_signal("rtmin+32"));
        assert!(!is_signal("rtmin+33"));
        assert!(!is_signal("rtmin+-99"));
        assert!(!is_signal("lost"));
        assert!(!is_signal("nohup"));
    }
}
