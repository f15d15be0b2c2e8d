//! dbus rules in the policy automaton, as the reference's
//! `dbus_rule::gen_policy_re` encodes them.
//!
//! A dbus query is the class byte followed by up to six fields separated
//! by NUL: bus, name, peer label, object path, interface, member. `bind`
//! is checked after the first two fields (the name is the one acquired),
//! `send`/`receive` after all six (the name is the peer's), `eavesdrop`
//! after the bus. A field the rule leaves open matches any NUL-free
//! string. Kernels without dbus mediation get no dbus entries (the
//! reference warns that the rule is not enforced).

use super::regex::{self, Regex, filter_slashes};
use super::{Abi, Rules, audit_of, bad_glob, class};
use crate::diag::Diagnostic;
use crate::policy::Rule;
use crate::policy::ipc::Dbus;

/// `send` (the kernel's `AA_DBUS_SEND`).
pub const SEND: u32 = 1 << 1;
/// `receive`.
pub const RECEIVE: u32 = 1 << 2;
/// `eavesdrop`.
pub const EAVESDROP: u32 = 1 << 5;
/// `bind`.
pub const BIND: u32 = 1 << 6;

/// Dbus permission words and their bits.
pub fn words() -> Vec<(&'static str, u32)> {
    vec![
        ("send", SEND),
        ("receive", RECEIVE),
        ("eavesdrop", EAVESDROP),
        ("bind", BIND),
    ]
}

/// The kernel's permission bits of a rule's effective permissions.
pub fn perm_bits(d: &Dbus) -> u32 {
    let p = &d.perms;
    let mut bits = 0;
    for (on, b) in [
        (p.send, SEND),
        (p.receive, RECEIVE),
        (p.eavesdrop, EAVESDROP),
        (p.bind, BIND),
    ] {
        if on {
            bits |= b;
        }
    }
    bits
}

/// `[^\000]*`: a field the rule leaves open.
pub(super) fn any_field() -> Regex {
    Regex::Star(Box::new(Regex::Set(
        regex::any_byte().minus(&crate::aare::ByteSet::single(0)),
    )))
}

/// A field's expression: the glob, or any NUL-free string.
fn field(r: &Rule, v: Option<&str>) -> Result<Regex, Box<Diagnostic>> {
    match v {
        Some(text) => regex::glob(text).map_err(|e| bad_glob(r.span, text, e)),
        None => Ok(any_field()),
    }
}

/// The fields `fields`, each after a NUL but the first, after the class
/// byte.
pub(super) fn query(class: u8, fields: &[Regex]) -> Regex {
    let mut v = vec![Regex::byte(class)];
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            v.push(Regex::byte(0));
        }
        v.push(f.clone());
    }
    Regex::Cat(v)
}

/// The policy automaton's entries of a dbus rule.
pub(super) fn dbus(
    r: &Rule,
    d: &Dbus,
    abi: &Abi,
    rules: &mut Rules,
) -> Result<(), Box<Diagnostic>> {
    if !abi.features.supports_dbus() {
        return Ok(());
    }
    let q = &r.qualifiers;
    let perms = perm_bits(d);
    // one name field: the acquired name of a bind rule, the peer's of a
    // message rule (the reference keeps both in one place)
    let name = d.name.as_deref().or(d.peer_name.as_deref());
    let path = d.path.as_deref().map(filter_slashes);
    let fields = [
        field(r, d.bus.as_deref())?,
        field(r, name)?,
        field(r, d.peer_label.as_deref())?,
        field(r, path.as_deref())?,
        field(r, d.interface.as_deref())?,
        field(r, d.member.as_deref())?,
    ];
    let audited = audit_of(q);
    for (bits, n) in [(BIND, 2), (SEND | RECEIVE, 6), (EAVESDROP, 1)] {
        let p = perms & bits;
        if p != 0 {
            let audit = if audited { p } else { 0 };
            rules.add(
                query(class::DBUS, &fields[..n]),
                q.priority,
                q.mode,
                p,
                audit,
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::Features;
    use crate::policy::{Qualifiers, RuleKind, lower_one};

    fn entries(rule: &str, features: &Features) -> Vec<(Regex, u32, u32)> {
        let (kind, _) = lower_one(rule);
        let RuleKind::Dbus(d) = &kind else {
            panic!("{rule} is not a dbus rule")
        };
        let q = Qualifiers {
            audit: rule.starts_with("audit"),
            ..Qualifiers::default()
        };
        let r = Rule {
            span: Default::default(),
            qualifiers: q,
            kind: kind.clone(),
        };
        let mut rules = Rules::default();
        dbus(&r, d, &Abi::of(features, None), &mut rules).expect("compiles");
        rules
            .exprs
            .iter()
            .map(|(re, id)| {
                let e = &rules.entries[*id as usize];
                (re.clone(), e.perms, e.audit)
            })
            .collect()
    }

    #[test]
    fn each_permission_is_checked_after_its_fields() {
        let all = Features::all();
        let e = entries("dbus,", &all);
        let fields = |re: &Regex| match re {
            Regex::Cat(v) => v.iter().filter(|x| **x == Regex::byte(0)).count() + 1,
            _ => 0,
        };
        let got: Vec<(usize, u32)> = e.iter().map(|(re, p, _)| (fields(re), *p)).collect();
        assert_eq!(got, [(2, BIND), (6, SEND | RECEIVE), (1, EAVESDROP)]);
        // a message rule's peer name is the bind rule's name field
        let bind = entries("dbus bind name=org.a,", &all);
        let send = entries("dbus send peer=(name=org.a),", &all);
        let Regex::Cat(b) = &bind[0].0 else { panic!() };
        let Regex::Cat(s) = &send[0].0 else { panic!() };
        assert_eq!(b[..4], s[..4]);
        assert_eq!(send[0].1, SEND);
    }

    #[test]
    fn audit_marks_every_permission_and_no_dbus_means_no_entries() {
        let e = entries("audit dbus receive,", &Features::all());
        assert_eq!((e[0].1, e[0].2), (RECEIVE, RECEIVE));
        assert!(entries("dbus,", &Features::empty()).is_empty());
    }
}
