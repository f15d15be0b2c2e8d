//! `mount`, `remount`, `umount` and `pivot_root` rules.

use super::{Ctx, Family, unknown_name};
use crate::aare::Pattern;
use crate::diag::{Diagnostic, code};
use crate::syntax::ast::{Cond, CondOp, Elem, Rule, Word, WordKind};
use crate::vocab::{self, MountFlagKind};

fn path_word(w: &Word, ctx: &mut Ctx) {
    if let Err(e) = Pattern::parse(&w.text) {
        ctx.error(Diagnostic::error(
            code::BAD_PATTERN,
            w.span,
            format!("invalid pattern `{}`: {e}", w.text),
        ));
    }
}

fn check_conds(conds: &[&Cond], fam: Family, ctx: &mut Ctx) -> Option<(Vec<String>, bool)> {
    // (options given with `=`, whether any options were given)
    let mut eq_options: Vec<String> = Vec::new();
    let mut any = false;
    for c in conds {
        let allowed: &[&str] = if fam == Family::PivotRoot {
            vocab::PIVOT_ROOT_CONDS
        } else {
            vocab::MOUNT_CONDS
        };
        if !allowed.contains(&c.name.text.as_str()) {
            ctx.error(unknown_name(
                &format!("{} condition", super::prefix::family_name(fam)),
                &c.name,
                allowed.iter().copied(),
            ));
            return None;
        }
        if c.values.is_empty() {
            ctx.error(Diagnostic::error(
                code::BAD_CONDITIONAL,
                c.span,
                format!("`{}` needs a value", c.name.text),
            ));
            return None;
        }
        if matches!(c.name.text.as_str(), "options" | "option") {
            any = true;
            let opts = vocab::parse_mount_options(c.values.iter().map(|v| v.text.as_str()));
            if let Some(bad) = opts.unknown.first() {
                let w = c
                    .values
                    .iter()
                    .find(|v| v.text == *bad)
                    .unwrap_or(&c.values[0]);
                ctx.error(unknown_name(
                    "mount option",
                    w,
                    vocab::MOUNT_FLAGS.iter().map(|f| f.name),
                ));
                return None;
            }
            if c.op == CondOp::Eq {
                if let Some((a, b)) = opts.conflicts().first() {
                    ctx.error(
                        Diagnostic::error(
                            code::BAD_CONDITIONAL,
                            c.span,
                            format!("mount options `{a}` and `{b}` contradict each other"),
                        )
                        .help("use `options in (...)` to allow either"),
                    );
                    return None;
                }
                eq_options.extend(c.values.iter().map(|v| v.text.clone()));
            }
        }
    }
    Some((eq_options, any))
}

pub fn check(rule: &Rule, fam: Family, ctx: &mut Ctx) {
    let mut conds: Vec<&Cond> = Vec::new();
    let mut words: Vec<&Word> = Vec::new();
    let mut target: Option<&Word> = None;
    let mut after_arrow = false;
    for e in &rule.elems[1..] {
        match e {
            Elem::Cond(c) if !after_arrow && words.is_empty() => conds.push(c),
            Elem::Cond(c) if after_arrow => {
                ctx.error(Diagnostic::error(
                    code::BAD_CONDITIONAL,
                    c.span,
                    "conditions on the mount point are not supported",
                ));
                return;
            }
            Elem::Word(w) if matches!(w.kind, WordKind::Id | WordKind::SetVar) && !after_arrow => {
                words.push(w)
            }
            Elem::Arrow {
                target: Some(t), ..
            } if !after_arrow => {
                after_arrow = true;
                target = Some(t);
            }
            other => {
                ctx.error(
                    Diagnostic::error(
                        code::SYNTAX_ERROR,
                        other.span(),
                        format!(
                            "unexpected text in {} rule",
                            super::prefix::family_name(fam)
                        ),
                    )
                    .help(match fam {
                        Family::Mount => {
                            "write `mount [fstype=...] [options=(...)] [SOURCE] [-> MOUNTPOINT],`"
                        }
                        Family::PivotRoot => {
                            "write `pivot_root [oldroot=DIR] [NEW_ROOT] [-> PROFILE],`"
                        }
                        _ => "write `umount [options=(...)] [MOUNTPOINT],`",
                    }),
                );
                return;
            }
        }
    }
    if words.len() > 1 {
        ctx.error(
            Diagnostic::error(code::SYNTAX_ERROR, words[1].span, format!("unexpected `{}`", words[1].text))
                .help("a mount rule names at most one source; write conditions as `name=(...)` or `name in (...)`"),
        );
        return;
    }
    if target.is_some() && matches!(fam, Family::Remount | Family::Umount) {
        ctx.error(Diagnostic::error(
            code::SYNTAX_ERROR,
            rule.span,
            format!(
                "`->` is not allowed in {} rules",
                super::prefix::family_name(fam)
            ),
        ));
        return;
    }
    let Some((eq_options, _)) = check_conds(&conds, fam, ctx) else {
        return;
    };
    let source = words.first().copied();
    if let Some(s) = source {
        if fam != Family::PivotRoot || s.text.starts_with('/') {
            path_word(s, ctx);
        }
    }
    if let (Some(t), true) = (target, fam == Family::Mount) {
        path_word(t, ctx);
    }
    if fam == Family::Mount {
        let opts = vocab::parse_mount_options(eq_options.iter().map(String::as_str));
        if opts.kinds().contains(&MountFlagKind::Propagation)
            && source.is_some()
            && target.is_some()
        {
            ctx.error(
                Diagnostic::error(
                    code::BAD_CONDITIONAL,
                    rule.span,
                    "a propagation change takes the mount point only, not a source",
                )
                .help("write `mount options=(private) -> /mount/point,`"),
            );
        }
    }
}
