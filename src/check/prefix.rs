//! Rule qualifiers: `priority=N`, `audit`, `allow`/`deny`/`prompt`,
//! `owner`/`user`/`other`.
//!
//! [`check_order`] looks at one item's own prefix as written (order and
//! repeats); [`check`] looks at the prefix a rule ends up with, block
//! prefixes included (what the rule family accepts, the priority range).

use super::{Ctx, Family};
use crate::diag::{Diagnostic, code};
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
        PrefixItem::Qualifier(q, _) => match q {
            Qualifier::Audit => "audit",
            Qualifier::Allow => "allow",
            Qualifier::Deny => "deny",
            Qualifier::Prompt => "prompt",
            Qualifier::Owner => "owner",
            Qualifier::Other => "other",
        },
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

/// What the rule's family accepts.
pub fn check(rule: &Rule, fam: Family, ctx: &mut Ctx) {
    for p in &rule.prefix {
        match p {
            PrefixItem::Priority { value, span } => match value.text.parse::<i64>() {
                Ok(n) if (-1000..=1000).contains(&n) => {}
                _ => ctx.error(
                    Diagnostic::error(
                        code::BAD_QUALIFIER,
                        *span,
                        format!("priority `{}` is out of range", value.text),
                    )
                    .help("priority must be an integer from -1000 to 1000"),
                ),
            },
            PrefixItem::Qualifier(q @ (Qualifier::Owner | Qualifier::Other), span)
                if !matches!(fam, Family::File | Family::Link) =>
            {
                let word = if *q == Qualifier::Owner {
                    "owner"
                } else {
                    "other"
                };
                ctx.error(
                    Diagnostic::error(
                        code::BAD_QUALIFIER,
                        *span,
                        format!("`{word}` is not allowed on {} rules", family_name(fam)),
                    )
                    .help(format!("`{word}` only applies to file rules; remove it")),
                );
            }
            _ => {}
        }
    }
    if fam == Family::Rlimit {
        if let Some(p) = rule.prefix.first() {
            ctx.error(Diagnostic::error(
                code::BAD_QUALIFIER,
                p.span(),
                "rlimit rules take no qualifiers",
            ));
        }
    }
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
