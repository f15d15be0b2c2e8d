//! `mount`, `remount`, `umount` and `pivot_root` rules in the policy
//! automaton, as the reference's `mnt_rule` encodes them.
//!
//! A mount query is the class byte, the mount point, then NUL-separated
//! the source, the filesystem type, the flags (one byte `N + 1` for each
//! flag bit `N` set, in increasing order) and the data; `umount` is
//! checked after the mount point, `pivot_root` after the new root and the
//! old root. One `mount` rule becomes entries for each kind of mount it
//! allows (remount, bind, propagation change, move, new mount), each
//! keeping only the flags that kind reads.
//!
//! The reference first merges rules that differ only in their
//! permissions (a `umount /x,` with a `mount -> /x,`: each then carries
//! both permissions wherever it is encoded), so the rules of one profile
//! are compiled together, by [`mounts`].

use super::dbus::{any_field, query};
use super::regex::{self, Regex, filter_slashes};
use super::{Abi, Rules, bad_glob, class};
use crate::diag::{Diagnostic, code};
use crate::policy::mount::MountConds;
use crate::policy::{Mode, Qualifiers, Rule, RuleKind};
use crate::source::Span;
use crate::vocab::{
    MS_ALL_FLAGS, MS_BIND, MS_BIND_FLAGS, MS_CMDS, MS_MAKE_CMDS, MS_MAKE_FLAGS, MS_MOVE,
    MS_MOVE_FLAGS, MS_NEW_FLAGS, MS_REMOUNT, MS_REMOUNT_FLAGS,
};

/// `pivot_root` (the kernel's `AA_MAY_PIVOTROOT`).
pub const PIVOT_ROOT: u32 = 1;
/// `mount` and `remount`.
pub const MOUNT: u32 = 2;
/// `umount`.
pub const UMOUNT: u32 = 4;

/// Mount permission words and their bits (a remount is checked as a
/// mount).
pub fn words() -> Vec<(&'static str, u32)> {
    vec![
        ("mount", MOUNT),
        ("umount", UMOUNT),
        ("pivot_root", PIVOT_ROOT),
    ]
}

/// The source the reference reads as a detached mount (`move_mount` of a
/// tree not attached anywhere): an empty source field.
const DETACHED: &str = "detached";

/// A rule's prefixes as the reference compares them when it merges rules:
/// a written `allow` differs from none, and a `deny` is audited only
/// when `audit` is not written (an implied audit, which makes it quiet).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Prefix {
    priority: i32,
    /// 0 unspecified, 1 implied, 2 forced.
    audit: u8,
    /// 0 unspecified, 1 allow, 2 deny, 3 prompt.
    mode: u8,
}

impl Prefix {
    fn of(q: &Qualifiers, implied_by_all: bool) -> Prefix {
        let mode = match q.mode {
            Mode::Allow if q.explicit_allow => 1,
            Mode::Allow => 0,
            Mode::Deny => 2,
            Mode::Prompt => 3,
        };
        let audit = match (q.mode, q.audit) {
            // `deny` gets an implied audit; `audit deny` none, except in
            // the rules `all` implies, which see the deny alone
            (Mode::Deny, false) => 1,
            (Mode::Deny, true) if implied_by_all => 1,
            (Mode::Deny, true) => 0,
            (_, true) => 2,
            (_, false) => 0,
        };
        Prefix {
            priority: q.priority,
            audit,
            mode,
        }
    }

    /// Whether entries carry their permissions as audited (for a deny,
    /// quieted): a forced or an implied audit.
    fn audited(self) -> bool {
        self.audit != 0
    }

    fn mode(self) -> Mode {
        match self.mode {
            2 => Mode::Deny,
            3 => Mode::Prompt,
            _ => Mode::Allow,
        }
    }
}

/// One rule as the reference's `mnt_rule` holds it; everything but
/// `perms` decides whether two rules merge.
#[derive(Clone, Debug, PartialEq, Eq)]
struct MntRule {
    prefix: Prefix,
    mnt_point: Option<String>,
    device: Option<String>,
    trans: Option<String>,
    dev_type: Option<Vec<String>>,
    flagsv: Vec<u32>,
    opt_flagsv: Vec<u32>,
    perms: u32,
    span: Span,
}

impl MntRule {
    fn same_but_perms(&self, o: &MntRule) -> bool {
        self.prefix == o.prefix
            && self.mnt_point == o.mnt_point
            && self.device == o.device
            && self.trans == o.trans
            && self.dev_type == o.dev_type
            && self.flagsv == o.flagsv
            && self.opt_flagsv == o.opt_flagsv
    }
}

fn new_rule(
    r: &Rule,
    prefix: Prefix,
    conds: Option<&MountConds>,
    remount: bool,
    device: Option<&str>,
    mnt_point: Option<&str>,
    perms: u32,
) -> MntRule {
    let default = MountConds::default();
    let conds = conds.unwrap_or(&default);
    let (flagsv, opt_flagsv) = conds.flags(remount);
    MntRule {
        prefix,
        mnt_point: mnt_point.map(filter_slashes),
        device: device.map(filter_slashes),
        trans: None,
        dev_type: (!conds.fstypes.is_empty()).then(|| conds.fstypes.iter().cloned().collect()),
        flagsv,
        opt_flagsv,
        perms,
        span: r.span,
    }
}

/// The reference's rules of one model rule (`all` implies one of each
/// kind).
fn of_rule(r: &Rule) -> Vec<MntRule> {
    let q = &r.qualifiers;
    let p = Prefix::of(q, false);
    match &r.kind {
        RuleKind::Mount(m) => vec![new_rule(
            r,
            p,
            Some(&m.conds),
            false,
            m.source.as_deref(),
            m.mountpoint.as_deref(),
            MOUNT,
        )],
        RuleKind::Remount(m) => vec![new_rule(
            r,
            p,
            Some(&m.conds),
            true,
            None,
            m.mountpoint.as_deref(),
            MOUNT,
        )],
        // the conditionals of an umount rule only decide what it
        // merges with
        RuleKind::Umount(m) => vec![new_rule(
            r,
            p,
            Some(&m.conds),
            false,
            None,
            m.mountpoint.as_deref(),
            UMOUNT,
        )],
        RuleKind::PivotRoot(m) => {
            let mut e = new_rule(
                r,
                p,
                None,
                false,
                m.oldroot.as_deref(),
                m.newroot.as_deref(),
                PIVOT_ROOT,
            );
            e.trans = m.target.clone();
            vec![e]
        }
        RuleKind::All => {
            let p = Prefix::of(q, true);
            vec![
                new_rule(r, p, None, false, None, None, MOUNT),
                new_rule(r, p, None, true, None, None, MOUNT),
                new_rule(r, p, None, false, None, None, UMOUNT),
                new_rule(r, p, None, false, None, None, PIVOT_ROOT),
            ]
        }
        _ => Vec::new(),
    }
}

/// The policy automaton's entries of a profile's mount-family rules
/// (and of `all`): merged as the reference merges them, then encoded.
/// Kernels without mount mediation get none (the reference warns that
/// the rules are not enforced).
pub(super) fn mounts<'a>(
    profile_rules: impl IntoIterator<Item = &'a Rule>,
    abi: &Abi,
    rules: &mut Rules,
) -> Vec<Diagnostic> {
    if !abi.features.supports_mount() {
        return Vec::new();
    }
    let mut merged: Vec<MntRule> = Vec::new();
    for r in profile_rules {
        for m in of_rule(r) {
            match merged.iter_mut().find(|x| x.same_but_perms(&m)) {
                Some(x) => x.perms |= m.perms,
                None => merged.push(m),
            }
        }
    }
    let mut errs = Vec::new();
    for m in &merged {
        rules.span = m.span;
        if let Err(d) = encode(m, rules) {
            errs.push(*d);
        }
    }
    errs
}

fn pattern(span: Span, v: Option<&str>) -> Result<Regex, Box<Diagnostic>> {
    match v {
        Some(text) => regex::glob(text).map_err(|e| bad_glob(span, text, e)),
        None => Ok(any_field()),
    }
}

/// The flags field: `[^\000]*` for every flag, else each flag byte in
/// order, required or optional; an impossible optional byte when none.
fn flags_field(flags: u32, opt_flags: u32) -> Regex {
    if flags == MS_ALL_FLAGS {
        return any_field();
    }
    let mut v = Vec::new();
    for i in 0..32u32 {
        let b = Regex::byte(i as u8 + 1);
        if opt_flags & (1 << i) != 0 {
            v.push(Regex::Alt(vec![b, Regex::Empty]));
        } else if flags & (1 << i) != 0 {
            v.push(b);
        }
    }
    if v.is_empty() {
        v.push(Regex::Alt(vec![Regex::byte(0xfe), Regex::Empty]));
    }
    Regex::Cat(v)
}

/// The kinds of mount a rule's flags select, in the reference's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Remount,
    Bind,
    ChangeType,
    Move,
    New,
}

/// Which kinds one (flags, optional flags) pair of a rule is encoded as
/// (`gen_flag_rules`); the rule has no data conditional (the reference
/// builds none).
fn kinds(m: &MntRule, flags: u32, opt_flags: u32) -> Vec<Kind> {
    if m.perms & MOUNT == 0 {
        return Vec::new();
    }
    let dev = m.device.is_some();
    let ty = m.dev_type.is_some();
    if flags == 0 || flags == MS_ALL_FLAGS {
        let mut v = Vec::new();
        if !dev && !ty {
            v.push(Kind::Remount);
        }
        if !ty {
            v.push(Kind::Bind);
        }
        if (!dev || m.mnt_point.is_none()) && !ty {
            v.push(Kind::ChangeType);
        }
        if !ty {
            v.push(Kind::Move);
        }
        v.push(Kind::New);
        v
    } else if flags & MS_REMOUNT != 0 && !dev && !ty {
        vec![Kind::Remount]
    } else if flags & MS_BIND != 0 && !ty {
        vec![Kind::Bind]
    } else if flags & MS_MAKE_CMDS != 0 && (!dev || m.mnt_point.is_none()) && !ty {
        vec![Kind::ChangeType]
    } else if flags & MS_MOVE != 0 && !ty {
        vec![Kind::Move]
    } else if (flags | opt_flags) & !MS_CMDS != 0 {
        vec![Kind::New]
    } else {
        Vec::new()
    }
}

fn encode(m: &MntRule, rules: &mut Rules) -> Result<(), Box<Diagnostic>> {
    let span = m.span;
    let perms = m.perms;
    let audit = if m.prefix.audited() { perms } else { 0 };
    let (priority, mode) = (m.prefix.priority, m.prefix.mode());
    let mut add = |fields: &[Regex]| {
        rules.add(query(class::MOUNT, fields), priority, mode, perms, audit);
    };
    let mnt = pattern(span, m.mnt_point.as_deref())?;
    // the source of a bind, move or new mount: nothing for a detached one
    let source = match m.device.as_deref() {
        Some(DETACHED) => Regex::Empty,
        d => pattern(span, d)?,
    };
    let mut count = 0;
    for &flags in &m.flagsv {
        for &opt in &m.opt_flagsv {
            for k in kinds(m, flags, opt) {
                let fields = match k {
                    Kind::Remount => [
                        match &m.mnt_point {
                            Some(_) => mnt.clone(),
                            None => pattern(span, m.device.as_deref())?,
                        },
                        any_field(),
                        any_field(),
                        flags_field(flags & MS_REMOUNT_FLAGS, opt & MS_REMOUNT_FLAGS),
                    ],
                    Kind::Bind => [
                        mnt.clone(),
                        source.clone(),
                        any_field(),
                        flags_field(flags & MS_BIND_FLAGS, opt & MS_BIND_FLAGS),
                    ],
                    Kind::ChangeType => [
                        // the source stands for the mount point when
                        // only it is written (deprecated)
                        match (&m.mnt_point, &m.device) {
                            (None, Some(d)) => pattern(span, Some(d))?,
                            _ => mnt.clone(),
                        },
                        any_field(),
                        any_field(),
                        flags_field(flags & MS_MAKE_FLAGS, opt & MS_MAKE_FLAGS),
                    ],
                    Kind::Move => [
                        mnt.clone(),
                        source.clone(),
                        any_field(),
                        flags_field(flags & MS_MOVE_FLAGS, opt & MS_MOVE_FLAGS),
                    ],
                    Kind::New => [
                        mnt.clone(),
                        source.clone(),
                        fstypes(span, m.dev_type.as_deref())?,
                        flags_field(flags & MS_NEW_FLAGS, opt & MS_NEW_FLAGS),
                    ],
                };
                add(&fields);
                count += 1;
            }
        }
    }
    if perms & UMOUNT != 0 {
        add(std::slice::from_ref(&mnt));
        count += 1;
    }
    if perms & PIVOT_ROOT != 0 {
        let old = pattern(span, m.device.as_deref())?;
        add(&[mnt.clone(), old]);
        count += 1;
    }
    if count == 0 {
        return Err(Box::new(
            Diagnostic::error(
                code::BAD_CONDITIONAL,
                span,
                "this mount rule allows no mount the kernel checks",
            )
            .note(
                "its options select a bind, move or propagation change, which cannot be \
             conditional on `fstype=`, and no other kind of mount",
            ),
        ));
    }
    Ok(())
}

/// The filesystem type field: any, or one of the types.
fn fstypes(span: Span, types: Option<&[String]>) -> Result<Regex, Box<Diagnostic>> {
    match types {
        None => Ok(any_field()),
        Some(ts) => {
            let alts = ts
                .iter()
                .map(|t| pattern(span, Some(t)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Regex::Alt(alts))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{MS_RDONLY, MS_REC};

    #[test]
    fn flags_field_bytes_are_flag_numbers_plus_one() {
        // required RDONLY (byte 1), optional REC (byte 15)
        let r = flags_field(MS_RDONLY, MS_REC);
        assert_eq!(
            r,
            Regex::Cat(vec![
                Regex::byte(1),
                Regex::Alt(vec![Regex::byte(15), Regex::Empty])
            ])
        );
        assert_eq!(flags_field(MS_ALL_FLAGS, 0), any_field());
        assert_eq!(
            flags_field(0, 0),
            Regex::Cat(vec![Regex::Alt(vec![Regex::byte(0xfe), Regex::Empty])])
        );
    }

    fn rule(dev: Option<&str>, mnt: Option<&str>, ty: bool) -> MntRule {
        MntRule {
            prefix: Prefix {
                priority: 0,
                audit: 0,
                mode: 0,
            },
            mnt_point: mnt.map(String::from),
            device: dev.map(String::from),
            trans: None,
            dev_type: ty.then(|| vec!["ext4".to_string()]),
            flagsv: vec![],
            opt_flagsv: vec![],
            perms: MOUNT,
            span: Span::default(),
        }
    }

    #[test]
    fn an_unconditional_rule_is_every_kind_of_mount() {
        let m = rule(None, Some("/x"), false);
        assert_eq!(
            kinds(&m, MS_ALL_FLAGS, MS_ALL_FLAGS),
            [
                Kind::Remount,
                Kind::Bind,
                Kind::ChangeType,
                Kind::Move,
                Kind::New
            ]
        );
        // a source and a mount point: no remount, no propagation change
        let m = rule(Some("/a"), Some("/x"), false);
        assert_eq!(
            kinds(&m, MS_ALL_FLAGS, MS_ALL_FLAGS),
            [Kind::Bind, Kind::Move, Kind::New]
        );
        // a filesystem type: only a new mount
        let m = rule(None, None, true);
        assert_eq!(kinds(&m, 0, MS_ALL_FLAGS), [Kind::New]);
        // bind with a type: nothing
        assert!(kinds(&m, MS_BIND, 0).is_empty());
    }

    #[test]
    fn audit_deny_in_all_is_a_quiet_deny() {
        let q = Qualifiers {
            audit: true,
            mode: Mode::Deny,
            ..Qualifiers::default()
        };
        assert!(!Prefix::of(&q, false).audited());
        assert!(Prefix::of(&q, true).audited());
    }
}
