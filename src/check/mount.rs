//! `mount`, `remount`, `umount` and `pivot_root` rules.
//!
//! Shapes (the parser has already refused conditionals after `->`):
//!
//! ```text
//! mount      [CONDS] [SOURCE] [-> MOUNTPOINT],
//! remount    [CONDS] [MOUNTPOINT],
//! umount     [CONDS] [MOUNTPOINT],
//! pivot_root [oldroot=OLD] [NEWROOT] [-> PROFILE],
//! ```
//!
//! `CONDS` are `options=`/`option=` (every option required), `options in`
//! (every option optional), and `fstype=`/`vfstype=`. Like the reference
//! parser, we reject unknown options, contradictory options in one
//! `options=` list, and option sets that select no mount operation the
//! kernel could be asked for (for example a propagation change that names
//! both a source and a mount point, or a bind mount conditional on the
//! filesystem type).

use super::{Ctx, Family};
use crate::diag::{Diagnostic, Severity, code};
use crate::policy::{RuleKind as K, mount as m};
use crate::syntax::ast::{Cond, CondOp, Elem, Rule, Word, WordKind};
use crate::vocab::{self, MS_ALL_FLAGS, MS_BIND, MS_CMDS, MS_MAKE_CMDS, MS_MOVE, MS_REMOUNT};

/// The rule split into its parts.
struct Parts<'a> {
    conds: Vec<&'a Cond>,
    /// the one bare word (source for `mount`, mount point otherwise)
    word: Option<&'a Word>,
    /// the word after `->`
    target: Option<&'a Word>,
}

fn rule_name(fam: Family) -> &'static str {
    match fam {
        Family::Remount => "remount",
        Family::Umount => "umount",
        Family::PivotRoot => "pivot_root",
        _ => "mount",
    }
}

/// Split the elements; report the first thing that does not fit the
/// rule's shape.
fn parts<'a>(rule: &'a Rule, fam: Family, ctx: &mut Ctx) -> Option<Parts<'a>> {
    let name = rule_name(fam);
    let mut p = Parts {
        conds: Vec::new(),
        word: None,
        target: None,
    };
    let mut arrow_seen = false;
    let elems = rule.elems.get(1..).unwrap_or(&[]);
    for (i, e) in elems.iter().enumerate() {
        match e {
            Elem::Cond(c) if p.word.is_none() && !arrow_seen => p.conds.push(c),
            Elem::Cond(c) => {
                let d = Diagnostic::error(
                    code::SYNTAX_ERROR,
                    c.span,
                    format!(
                        "`{}` must come before the {}",
                        c.name.text,
                        if arrow_seen { "`->`" } else { "path" }
                    ),
                );
                ctx.error(if arrow_seen {
                    d.help("conditionals on the mount point are not supported")
                } else {
                    d.help(format!(
                        "write `{name} {}=... {}`",
                        c.name.text,
                        p.word.map_or("", |w| w.text.as_str())
                    ))
                });
                return None;
            }
            // after `pivot_root`, a word that is a permission string is
            // read as permissions (the reference's TOK_MODE), never a path
            Elem::Word(w) if fam == Family::PivotRoot && w.kind == WordKind::Mode => {
                ctx.error(
                    Diagnostic::error(
                        code::SYNTAX_ERROR,
                        w.span,
                        format!("pivot_root rules take no permissions (`{}`)", w.text),
                    )
                    .help("write `pivot_root [oldroot=OLD] [NEWROOT] [-> PROFILE],`"),
                );
                return None;
            }
            Elem::Word(w) if !arrow_seen && p.word.is_none() => p.word = Some(w),
            Elem::Word(w) => {
                let mut d = Diagnostic::error(
                    code::SYNTAX_ERROR,
                    w.span,
                    format!("unexpected `{}` in a {name} rule", w.text),
                );
                let prev = i.checked_sub(1).and_then(|j| elems.get(j));
                if let (true, Some(Elem::Word(prev))) = (w.text == "in", prev) {
                    d = d.help(format!(
                        "a list of choices needs parentheses: `{} in (a, b)`",
                        prev.text
                    ));
                } else if let Some(prev) = p.word {
                    d = d.label(prev.span, "the rule already names this path");
                    if fam == Family::Mount && !arrow_seen {
                        d = d.help(format!(
                            "write `mount {} -> {},` to name a source and a mount point",
                            prev.text, w.text
                        ));
                    }
                }
                ctx.error(d);
                return None;
            }
            Elem::Arrow { target, span } => {
                if !matches!(fam, Family::Mount | Family::PivotRoot) {
                    ctx.error(
                        Diagnostic::error(
                            code::SYNTAX_ERROR,
                            *span,
                            format!("{name} rules take no `->`"),
                        )
                        .help(format!("write `{name} [CONDITIONALS] [MOUNTPOINT],`")),
                    );
                    return None;
                }
                if arrow_seen {
                    ctx.error(Diagnostic::error(
                        code::SYNTAX_ERROR,
                        *span,
                        "a second `->` in one rule",
                    ));
                    return None;
                }
                arrow_seen = true;
                let Some(t) = target else {
                    let what = if fam == Family::PivotRoot {
                        "a profile name"
                    } else {
                        "a mount point"
                    };
                    ctx.error(Diagnostic::error(
                        code::SYNTAX_ERROR,
                        *span,
                        format!("`->` must be followed by {what}"),
                    ));
                    return None;
                };
                p.target = Some(t);
            }
            other => {
                ctx.error(Diagnostic::error(
                    code::SYNTAX_ERROR,
                    other.span(),
                    format!("unexpected element in a {name} rule"),
                ));
                return None;
            }
        }
    }
    Some(p)
}

pub fn check(rule: &Rule, fam: Family, ctx: &mut Ctx) -> Option<crate::policy::RuleKind> {
    let p = parts(rule, fam, ctx)?;
    if fam == Family::PivotRoot {
        return check_pivot_root(&p, ctx).map(crate::policy::RuleKind::PivotRoot);
    }
    let name = rule_name(fam);
    let mut ok = true;
    for c in &p.conds {
        if !vocab::MOUNT_CONDS.contains(&c.name.text.as_str()) {
            let d = Diagnostic::error(
                code::BAD_CONDITIONAL,
                c.name.span,
                format!("invalid {name} conditional `{}`", c.name.text),
            );
            let d = match crate::suggest::did_you_mean(
                &c.name.text,
                vocab::MOUNT_CONDS.iter().copied(),
            ) {
                Some(s) => d.did_you_mean(c.name.span, s, s),
                None => d.help("mount rules accept `options`, `option`, `fstype` and `vfstype`"),
            };
            ctx.error(d);
            ok = false;
        } else if !cond_shape_ok(c, ctx) {
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let is_fstype = |c: &&&Cond| matches!(c.name.text.as_str(), "fstype" | "vfstype");
    let dev_type = p.conds.iter().any(|c| is_fstype(&c));
    let is_opts = |c: &&&Cond| matches!(c.name.text.as_str(), "options" | "option");
    let remount = fam == Family::Remount;

    let mut conds = m::MountConds::default();
    // `options in (...)`: every option optional
    for c in p
        .conds
        .iter()
        .filter(is_opts)
        .filter(|c| c.op == CondOp::In)
    {
        match option_bits(c, ctx) {
            Some((set, clear)) => conds.options_in.push(set | clear),
            None => ok = false,
        }
    }
    // `options=(...)`: every option required
    let mut eq_conds = Vec::new();
    for c in p
        .conds
        .iter()
        .filter(is_opts)
        .filter(|c| c.op == CondOp::Eq)
    {
        let Some((mut set, clear)) = option_bits(c, ctx) else {
            ok = false;
            continue;
        };
        if remount {
            set |= MS_REMOUNT;
        }
        if set & clear != 0 {
            let parsed = vocab::parse_mount_options(c.values.iter().map(|v| v.text.as_str()));
            let (msg, at) = match parsed.conflicts().first() {
                Some(&(a, b)) => (
                    format!("conflicting mount options `{a}` and `{b}`"),
                    c.values
                        .iter()
                        .rev()
                        .find(|v| v.text == b)
                        .map_or(c.span, |v| v.span),
                ),
                None => ("conflicting mount options".to_string(), c.span),
            };
            ctx.error(Diagnostic::error(code::BAD_VALUE, at, msg).help(
                "`options=` requires every listed option; use `options in (...)` to allow either",
            ));
            ok = false;
            continue;
        }
        conds.options.push(m::MountOptions { set, clear });
        eq_conds.push(*c);
    }
    for c in p.conds.iter().filter(is_fstype) {
        for v in &c.values {
            ok &= super::check_pattern(v, ctx);
            conds.fstypes.insert(v.text.clone());
        }
    }
    for w in [p.word, p.target].into_iter().flatten() {
        ok &= super::check_pattern(w, ctx);
    }
    if !ok {
        return None;
    }
    // the compiler reads sources and mount points as paths (slash runs
    // made one)
    let word = |w: Option<&Word>| w.map(|w| crate::policy::file::path_pattern(&w.text));
    if fam == Family::Umount {
        // umount rules are encoded without their conditionals, which
        // only decide what the rule merges with
        return Some(K::Umount(m::Umount {
            conds,
            mountpoint: word(p.word),
        }));
    }

    // The defaults the reference parser fills in.
    let (flagsv, opt_flagsv) = conds.flags(remount);

    let (device, mnt_point) = if fam == Family::Mount {
        (p.word, p.target)
    } else {
        (None, p.word)
    };
    let shape = Shape {
        device: device.is_some(),
        mnt_point: mnt_point.is_some(),
        dev_type,
    };
    let encodes = flagsv
        .iter()
        .any(|&f| opt_flagsv.iter().any(|&o| shape.encodes(f, o)));
    if !encodes {
        let f = flagsv.first().copied().unwrap_or(0);
        let cond = eq_conds.first().copied();
        ctx.error(explain_unencodable(f, &shape, cond, device, &p, name));
        return None;
    }
    // A propagation change written with the mount point in the source's
    // place still works, but the reference parser warns that it is
    // deprecated.
    if fam == Family::Mount && !shape.mnt_point && !dev_type {
        if let (Some(dev), Some(c)) = (device, eq_conds.first()) {
            if flagsv
                .iter()
                .any(|&f| f & MS_MAKE_CMDS != 0 && f != MS_ALL_FLAGS)
            {
                let opts: Vec<&str> = c.values.iter().map(|v| v.text.as_str()).collect();
                ctx.error(
                    Diagnostic::new(
                        code::DEPRECATED,
                        "naming the mount point of a propagation change as the source is deprecated",
                    )
                    .at(dev.span, "")
                    .help(format!(
                        "write `mount options=({}) -> {},`",
                        opts.join(", "),
                        dev.text
                    )),
                );
            }
        }
    }
    Some(if remount {
        K::Remount(m::Remount {
            conds,
            mountpoint: word(mnt_point),
        })
    } else {
        K::Mount(m::Mount {
            conds,
            source: word(device),
            mountpoint: word(mnt_point),
        })
    })
}

/// `options in` needs parentheses, and a list must not be empty.
fn cond_shape_ok(c: &Cond, ctx: &mut Ctx) -> bool {
    if c.op == CondOp::In && !c.paren {
        ctx.error(
            Diagnostic::error(
                code::SYNTAX_ERROR,
                c.span,
                format!("`{} in` needs a parenthesised list", c.name.text),
            )
            .help(format!("write `{} in (a, b)`", c.name.text)),
        );
        return false;
    }
    if c.values.is_empty() {
        ctx.error(Diagnostic::error(
            code::BAD_VALUE,
            c.span,
            format!("`{}` has an empty list", c.name.text),
        ));
        return false;
    }
    true
}

/// The bits one options list requires set and clear; unknown options are
/// reported.
fn option_bits(c: &Cond, ctx: &mut Ctx) -> Option<(u32, u32)> {
    let mut set = 0;
    let mut clear = 0;
    let mut ok = true;
    for v in &c.values {
        match vocab::mount_flag(&v.text) {
            Some(f) => {
                set |= f.set;
                clear |= f.clear;
            }
            None => {
                ok = false;
                let mut d = Diagnostic::error(
                    code::BAD_VALUE,
                    v.span,
                    format!("unknown mount option `{}`", v.text),
                );
                if v.text.contains(',') && !c.paren {
                    d = d.help(format!(
                        "a list of options needs parentheses: `{}=({})`",
                        c.name.text, v.text
                    ));
                } else if let Some(s) =
                    crate::suggest::did_you_mean(&v.text, vocab::MOUNT_FLAGS.iter().map(|f| f.name))
                {
                    d = d.did_you_mean(v.span, s, s);
                } else {
                    d = d.note(
                        "only generic mount flags can be matched, not filesystem-specific options",
                    );
                }
                ctx.error(d);
            }
        }
    }
    ok.then_some((set, clear))
}

/// What the mount rule names, for choosing its encodings.
struct Shape {
    device: bool,
    mnt_point: bool,
    dev_type: bool,
}

impl Shape {
    /// Whether a pair of required/optional flag sets selects at least one
    /// mount operation (the reference parser's choice of encodings).
    fn encodes(&self, f: u32, o: u32) -> bool {
        if f == 0 || f == MS_ALL_FLAGS {
            return true; // the generic new-mount encoding always applies
        }
        if f & MS_REMOUNT != 0 && !self.device && !self.dev_type {
            return true;
        }
        if f & MS_BIND != 0 && !self.dev_type {
            return true;
        }
        if f & MS_MAKE_CMDS != 0 && !(self.device && self.mnt_point) && !self.dev_type {
            return true;
        }
        if f & MS_MOVE != 0 && !self.dev_type {
            return true;
        }
        (f | o) & !MS_CMDS != 0
    }
}

fn explain_unencodable(
    f: u32,
    shape: &Shape,
    cond: Option<&Cond>,
    device: Option<&Word>,
    p: &Parts,
    name: &str,
) -> Diagnostic {
    let fallback = p
        .word
        .map(|w| w.span)
        .or_else(|| p.conds.first().map(|c| c.span))
        .or_else(|| p.target.map(|t| t.span));
    let at = cond.map(|c| c.span).or(fallback);
    let opts = cond
        .map(|c| {
            c.values
                .iter()
                .map(|v| v.text.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let with_label = |d: Diagnostic, msg: &str| match at {
        Some(s) => d.label(s, msg),
        None => d,
    };
    if shape.dev_type && f & (MS_REMOUNT | MS_BIND | MS_MOVE | MS_MAKE_CMDS) != 0 {
        let what = if f & MS_BIND != 0 {
            "bind mounts"
        } else if f & MS_MOVE != 0 {
            "move mounts"
        } else if f & MS_REMOUNT != 0 {
            "remounts"
        } else {
            "propagation changes"
        };
        let fstype = p
            .conds
            .iter()
            .find(|c| matches!(c.name.text.as_str(), "fstype" | "vfstype"));
        let d = Diagnostic::new(
            code::BAD_CONDITIONAL,
            format!("{what} cannot be conditional on the filesystem type"),
        );
        let d = match fstype.map(|c| c.span).or(at) {
            Some(s) => d.at(s, ""),
            None => d,
        };
        return with_label(d, "options given here")
            .help("remove the `fstype` conditional, or write a separate rule for new mounts");
    }
    if f & MS_MAKE_CMDS != 0 && shape.mnt_point {
        if let Some(dev) = device {
            let target = p.target.map_or("", |t| t.text.as_str());
            let d = Diagnostic::error(
                code::BAD_VALUE,
                dev.span,
                "a propagation change cannot name both a source and a mount point",
            );
            return with_label(d, "propagation options given here")
                .help(format!("write `mount options=({opts}) -> {target},`"));
        }
    }
    if f & MS_REMOUNT != 0 {
        if let Some(dev) = device {
            let target = p.target.map_or(dev.text.as_str(), |t| t.text.as_str());
            let d = Diagnostic::error(code::BAD_VALUE, dev.span, "a remount cannot name a source");
            return with_label(d, "`remount` given here").help(format!(
                "write `mount options=({opts}) -> {target},` or `remount {target},`"
            ));
        }
    }
    let d = Diagnostic::new(
        code::BAD_VALUE,
        format!("the options of this {name} rule select no mount operation"),
    );
    match at {
        Some(s) => d.at(s, ""),
        None => d,
    }
}

/// `pivot_root [oldroot=OLD] [NEWROOT] [-> PROFILE]`: the reference parser
/// looks at the last conditional only, which must be `oldroot`.
fn check_pivot_root(p: &Parts, ctx: &mut Ctx) -> Option<m::PivotRoot> {
    if let Some(w) = p.word {
        super::check_pattern(w, ctx);
    }
    let mut value = m::PivotRoot {
        oldroot: None,
        newroot: p.word.map(|w| crate::policy::file::path_pattern(&w.text)),
        target: p.target.map(|w| w.text.clone()),
    };
    let Some((last, rest)) = p.conds.split_last() else {
        return Some(value);
    };
    if last.name.text != "oldroot" {
        let d = Diagnostic::error(
            code::BAD_CONDITIONAL,
            last.name.span,
            format!("invalid pivot_root conditional `{}`", last.name.text),
        );
        let cands = vocab::PIVOT_ROOT_CONDS.iter().copied();
        let d = match crate::suggest::did_you_mean(&last.name.text, cands) {
            Some(s) => d.did_you_mean(last.name.span, s, s),
            None => d.help("pivot_root accepts only `oldroot=PATH`"),
        };
        ctx.error(d);
        return None;
    }
    if !cond_shape_ok(last, ctx) {
        return None;
    }
    super::check_pattern(&last.values[0], ctx);
    value.oldroot = Some(crate::policy::file::path_pattern(&last.values[0].text));
    if let Some(extra) = last.values.get(1) {
        ctx.error(
            Diagnostic::new(
                code::BAD_CONDITIONAL,
                "only the first `oldroot` value is used",
            )
            .at(extra.span, "")
            .with_severity(Severity::Warning),
        );
    }
    for c in rest {
        ctx.error(
            Diagnostic::new(
                code::BAD_CONDITIONAL,
                format!(
                    "conditional `{}` is ignored: pivot_root uses only its last conditional",
                    c.name.text
                ),
            )
            .at(c.span, "")
            .with_severity(Severity::Warning)
            .help("write a single `oldroot=PATH`"),
        );
    }
    Some(value)
}
