//! `all,`: the rules the reference implies for it (its `all_rule`'s
//! implied rules), added after the profile's own rules: a bare rule of
//! every other family (`unix,` without its downgrade, `dbus,`,
//! `io_uring,`, `mqueue,`, `ptrace,`, `signal,`, `userns,`, the mount
//! family, `network,` without the unix rules its parse implies), every
//! file permission but exec on `/{**,}`, `ix` there one priority lower,
//! and every capability.

use super::perms::{OTHER_SHIFT, bit, both};
use super::{Caps, FileEntry, audit_of};
use crate::policy::ipc::{
    Dbus, DbusPerms, IoUring, IoUringPerms, Mqueue, MqueuePerms, Ptrace, PtracePerms, Signal,
    SignalPerms, Userns, UsernsPerms,
};
use crate::policy::network::{NetConds, NetPerms, Network, Unix};
use crate::policy::{Mode, Qualifiers, Rule, RuleKind};

/// The qualifiers of the rules `all` implies: its mode, and its audit
/// for an allow; a deny implies plain (quiet) denials, `audit` or not.
pub(super) fn qualifiers(q: &Qualifiers) -> Qualifiers {
    Qualifiers {
        audit: q.mode != Mode::Deny && q.audit,
        mode: q.mode,
        ..Qualifiers::default()
    }
}

/// The implied rules of the families compiled as written rules are (the
/// policy automaton's classes that need nothing of their own here).
pub(super) fn implied_rules(r: &Rule) -> Vec<Rule> {
    let q = qualifiers(&r.qualifiers);
    let kinds = [
        RuleKind::Dbus(Dbus::unconditional(DbusPerms::ALL)),
        RuleKind::IoUring(IoUring {
            perms: IoUringPerms::ALL,
            label: None,
        }),
        RuleKind::Mqueue(Mqueue {
            perms: MqueuePerms::ALL,
            qtype: None,
            label: None,
            name: None,
        }),
        RuleKind::Ptrace(Ptrace {
            perms: PtracePerms::ALL,
            peer: None,
        }),
        RuleKind::Signal(Signal {
            perms: SignalPerms::ALL,
            signals: Default::default(),
            peer: None,
        }),
        RuleKind::Userns(Userns {
            perms: UsernsPerms::ALL,
        }),
    ];
    kinds
        .into_iter()
        .map(|kind| Rule {
            span: r.span,
            qualifiers: q,
            kind,
        })
        .collect()
}

/// `network,` as `all` implies it.
pub(super) fn network() -> Network {
    Network {
        perms: NetPerms::ALL,
        family: None,
        kind: None,
        local: NetConds::default(),
        peer: NetConds::default(),
    }
}

/// `unix,` as `all` implies it.
pub(super) fn unix() -> Unix {
    Unix {
        perms: NetPerms::ALL,
        sock_type: None,
        addr: None,
        peer_addr: None,
        peer_label: None,
    }
}

/// The file entries of `all`: `rwlkma` on every path (the owner's half
/// only for a deny), then `ix` (plain exec for a deny, on both halves)
/// one priority lower.
pub(super) fn files(r: &Rule, files: &mut Vec<FileEntry>) {
    let q = qualifiers(&r.qualifiers);
    let rest = bit::READ | bit::WRITE | bit::APPEND | bit::LINK | bit::LOCK | bit::MMAP;
    let deny = q.mode == Mode::Deny;
    let exec = if deny {
        bit::EXEC
    } else {
        bit::EXEC | bit::INHERIT
    };
    for (perms, priority) in [
        (if deny { rest } else { both(rest) }, q.priority),
        (exec | exec << OTHER_SHIFT, q.priority - 1),
    ] {
        files.push(FileEntry {
            span: r.span,
            name: "/{**,}".into(),
            perms,
            audit: audit_of(&q),
            mode: q.mode,
            priority,
            link: None,
            target: None,
        });
    }
}

/// Every capability, allowed or denied: the reference quiets them for
/// `audit deny all,` and not for a plain `deny all,` (the audit a deny
/// implies reads as forced there).
pub(super) fn caps(r: &Rule, caps: &mut Caps) {
    let q = &r.qualifiers;
    match q.mode {
        Mode::Deny => {
            caps.deny = u64::MAX;
            if q.audit {
                caps.quiet = u64::MAX;
            }
        }
        _ => {
            caps.allow = u64::MAX;
            if q.audit {
                caps.audit = u64::MAX;
            }
        }
    }
}
