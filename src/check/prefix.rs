//! Rule qualifiers: `priority=N`, `audit`, `allow`/`deny`/`prompt`,
//! `owner`/`user`/`other`.
//!
//! [`check_order`] looks at one item's own prefix as written (order and
//! repeats); [`check`] looks at the prefix a rule ends up with, block
//! prefixes included (what the rule family accepts, the priority range).

use super::{Ctx, Family};
use crate::diag::{Diagnostic, code};
use crate::policy::{Mode, Owner, Qualifiers};
use crate::syntax::ast::{PrefixItem, Qualifier, Rule};

/// Written order: `[priority=N] [audit] [allow|deny|prompt] [owner|other]`.
fn rank(p: &PrefixItem) -> u8 {
    match p {
        PrefixItem::Priority { .. } => 0,
        PrefixItem::Qualifier(Qualifier::Audit, _) => 1,
        PrefixItem::Qualifier(Qualifier::Allow | Qualifier::Deny | Qualifier::Prompt, _) => 2,
        PrefixItem::Qualifier(Qualifier::Owner | Qualifier::Other, _) => 3,
    }
}

fn name(p: &PrefixItem) -> &'static str {
    match p {
        PrefixItem::Priority { .. } => "priority",
        PrefixItem::Qualifier(q, _) => q.as_str(),
    }
}

/// Order and repetition of the qualifiers written on one rule or block.
pub fn check_order(prefix: &[PrefixItem], diags: &mut Vec<Diagnostic>) {
    for (i, p) in prefix.iter().enumerate() {
        if let Some(prev) = prefix[..i].iter().find(|q| rank(q) == rank(p)) {
            let msg = if name(prev) == name(p) {
                format!("`{}` is given twice", name(p))
            } else {
                format!("`{}` and `{}` cannot be combined", name(prev), name(p))
            };
            diags.push(
                Diagnostic::error(code::BAD_QUALIFIER, p.span(), msg)
                    .label(prev.span(), "first here"),
            );
            return;
        }
        if let Some(prev) = prefix[..i].iter().find(|q| rank(q) > rank(p)) {
            diags.push(
                Diagnostic::error(
                    code::BAD_QUALIFIER,
                    p.span(),
                    format!("`{}` must come before `{}`", name(p), name(prev)),
                )
                .label(prev.span(), "written after this")
                .help(
                    "qualifiers go in the order: priority=N, audit, allow/deny/prompt, owner/other",
                ),
            );
            return;
        }
    }
}

/// Whether a prefix item was written on the rule itself (not on an
/// enclosing qualifier block).
fn is_own(rule: &Rule, p: &PrefixItem) -> bool {
    let (s, r) = (p.span(), rule.span);
    s.file == r.file && s.start >= r.start && s.end <= r.end
}

/// What the rule's family accepts.
///
/// Only the rule's own qualifiers are judged here. The reference parser
/// applies a block's qualifiers to the file rules in it without checking
/// them against the rule's own (the block's win), and does not apply them to
/// other rules at all; `priority` on a block is reported by the resolver.
///
/// Returns the qualifiers that apply to the rule, or `None` where the
/// rule is dropped (a rule of another family in a qualifier block).
pub fn check(rule: &Rule, fam: Family, ctx: &mut Ctx) -> Option<Qualifiers> {
    let own: Vec<&PrefixItem> = rule.prefix.iter().filter(|p| is_own(rule, p)).collect();
    let from_block = rule.prefix.iter().find(|p| !is_own(rule, p));
    let qualifiers = lower(rule, &own);
    let mut dropped = false;
    if let Some(b) = from_block {
        if !matches!(fam, Family::File | Family::Link | Family::ChangeProfile) {
            dropped = true;
            ctx.error(
                Diagnostic::new(
                    code::RULE_NOT_ENFORCED,
                    format!(
                        "{} rules inside a qualifier block are dropped by apparmor_parser",
                        family_name(fam)
                    ),
                )
                .at(rule.span, "")
                .label(b.span(), "block qualifier")
                .help("move the rule out of the block and write the qualifiers on the rule itself"),
            );
        }
    }
    if fam == Family::Rlimit {
        if let Some(p) = own.first() {
            ctx.error(
                Diagnostic::error(
                    code::BAD_QUALIFIER,
                    p.span(),
                    format!("`{}` is not allowed on rlimit rules", name(p)),
                )
                .help("rlimit rules take no qualifiers: write `set rlimit NAME <= VALUE,`"),
            );
        }
        return (!dropped).then_some(qualifiers);
    }
    for p in own {
        match p {
            PrefixItem::Priority { value, span } => match parse_priority(&value.text) {
                None => ctx.error(
                    Diagnostic::error(
                        code::BAD_QUALIFIER,
                        value.span,
                        format!("invalid priority `{}`", value.text),
                    )
                    .help("priority must be an integer from -1000 to 1000"),
                ),
                Some(n) if !(-1000..=1000).contains(&n) => ctx.error(
                    Diagnostic::error(
                        code::BAD_QUALIFIER,
                        *span,
                        format!("priority `{}` is out of range", value.text),
                    )
                    .help("priority must be an integer from -1000 to 1000"),
                ),
                Some(n) if n != 0 && fam == Family::All => ctx.error(
                    Diagnostic::error(
                        code::BAD_QUALIFIER,
                        *span,
                        "`priority` is not allowed on the `all` rule",
                    )
                    .help("remove the priority"),
                ),
                Some(_) => {}
            },
            PrefixItem::Qualifier(Qualifier::Owner | Qualifier::Other, span)
                if !matches!(fam, Family::File | Family::Link) =>
            {
                let word = name(p);
                ctx.error(
                    Diagnostic::error(
                        code::BAD_QUALIFIER,
                        *span,
                        format!("`{word}` is not allowed on {} rules", family_name(fam)),
                    )
                    .help(format!(
                        "`{word}` only applies to file and link rules; remove it"
                    )),
                );
            }
            _ => {}
        }
    }
    (!dropped).then_some(qualifiers)
}

/// The qualifiers of a rule: those of the qualifier blocks around it (which
/// the reference applies over the rule's own) and its own.
fn lower(rule: &Rule, own: &[&PrefixItem]) -> Qualifiers {
    let mut q = Qualifiers::default();
    let block = rule.prefix.iter().filter(|p| !is_own(rule, p));
    for p in own.iter().copied().chain(block) {
        match p {
            PrefixItem::Priority { value, .. } => {
                q.priority = parse_priority(&value.text)
                    .and_then(|n| i32::try_from(n).ok())
                    .unwrap_or(0)
            }
            PrefixItem::Qualifier(Qualifier::Audit, _) => q.audit = true,
            PrefixItem::Qualifier(Qualifier::Allow, _) => {
                q.mode = Mode::Allow;
                q.explicit_allow = true;
            }
            PrefixItem::Qualifier(Qualifier::Deny, _) => {
                q.mode = Mode::Deny;
                q.explicit_allow = false;
            }
            PrefixItem::Qualifier(Qualifier::Prompt, _) => {
                q.mode = Mode::Prompt;
                q.explicit_allow = false;
            }
            PrefixItem::Qualifier(Qualifier::Owner, _) => q.owner = Owner::Owner,
            PrefixItem::Qualifier(Qualifier::Other, _) => q.owner = Owner::Other,
        }
    }
    q
}

/// A priority the way `strtol` reads it: an optional sign and decimal
/// digits, nothing else. Values beyond `i64` saturate (and are out of range).
fn parse_priority(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse::<i64>().unwrap_or(if text.starts_with('-') {
        i64::MIN
    } else {
        i64::MAX
    }))
}

pub fn family_name(fam: Family) -> &'static str {
    match fam {
        Family::File => "file",
        Family::Link => "link",
        Family::Capability => "capability",
        Family::Network => "network",
        Family::Unix => "unix",
        Family::Dbus => "dbus",
        Family::Signal => "signal",
        Family::Ptrace => "ptrace",
        Family::Mount => "mount",
        Family::Remount => "remount",
        Family::Umount => "umount",
        Family::PivotRoot => "pivot_root",
        Family::ChangeProfile => "change_profile",
        Family::Rlimit => "rlimit",
        Family::Userns => "userns",
        Family::Mqueue => "mqueue",
        Family::IoUring => "io_uring",
        Family::All => "`all`",
    }
}
