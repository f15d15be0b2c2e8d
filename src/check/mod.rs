//! Lowering checks: what each rule family's elements mean, and everything
//! the reference parser rejects before it builds automata.
//!
//! The resolver ([`crate::resolve`]) calls [`check_rule`] for every rule of
//! every profile, with variables already expanded in the rule's words, and
//! [`check_profile_header`] for every profile and hat. Checks that span rules
//! of one profile keep their state in [`ProfileState`], which the resolver
//! creates fresh for each profile.

pub mod exec;
pub mod file;
pub mod header;
pub mod ipc;
pub mod mount;
pub mod network;
pub mod prefix;
pub mod simple;

use crate::diag::{Diagnostic, code};
use crate::features::Features;
use crate::policy;
use crate::syntax::ast::{Elem, Rule, Word, WordKind};

/// What a rule family check can see.
pub struct Ctx<'a> {
    pub features: &'a Features,
    pub diags: &'a mut Vec<Diagnostic>,
    /// State shared by the rules of the profile being checked.
    pub profile: &'a mut ProfileState,
    /// Warn when the kernel ABI does not mediate a rule's family.
    pub warn_unsupported: bool,
    /// The spans of the words that were written starting with a variable
    /// (`@{x}...`), before expansion. The reference checks that a path
    /// begins with `/` on the text as written, so a variable that expands
    /// to a relative name is let through.
    pub written_vars: &'a [crate::source::Span],
    /// The rule is in a conditional branch not taken: checked on its own,
    /// unexpanded, so its patterns (which may hold variables) are not.
    pub unused: bool,
}

/// Per-profile state for checks that compare rules with each other.
#[derive(Default, Debug)]
pub struct ProfileState {
    pub file: file::FileState,
    /// `true` while checking the rules of a hat (`^name` / `hat name`).
    pub is_hat: bool,
    /// Rule families already reported as not enforced in this profile.
    pub unsupported_warned: Vec<Family>,
}

impl Ctx<'_> {
    pub fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// `w` was written starting with a variable.
    pub fn written_as_variable(&self, w: &Word) -> bool {
        self.written_vars.contains(&w.span)
    }
}

/// The spans of the words of `elems` written starting with a variable, for
/// [`Ctx::written_vars`].
pub fn variable_spans(elems: &[Elem]) -> Vec<crate::source::Span> {
    let mut out = Vec::new();
    let mut word = |w: &Word| {
        if w.text.starts_with('@') {
            out.push(w.span);
        }
    };
    for e in elems {
        match e {
            Elem::Word(w) => word(w),
            Elem::Arrow {
                target: Some(t), ..
            } => word(t),
            Elem::Cond(c) => c.values.iter().for_each(&mut word),
            Elem::CondList { conds, .. } => {
                conds.iter().flat_map(|c| &c.values).for_each(&mut word)
            }
            _ => {}
        }
    }
    out
}

/// The rule family, from the rule's first word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    File,
    Link,
    Capability,
    Network,
    Unix,
    Dbus,
    Signal,
    Ptrace,
    Mount,
    Remount,
    Umount,
    PivotRoot,
    ChangeProfile,
    Rlimit,
    Userns,
    Mqueue,
    IoUring,
    All,
}

pub fn family(rule: &Rule) -> Family {
    let Some(Elem::Word(w)) = rule.elems.first() else {
        return Family::File;
    };
    if w.kind != WordKind::Key {
        return Family::File;
    }
    match w.text.as_str() {
        "capability" => Family::Capability,
        "network" => Family::Network,
        "unix" => Family::Unix,
        "dbus" => Family::Dbus,
        "signal" => Family::Signal,
        "ptrace" => Family::Ptrace,
        "mount" => Family::Mount,
        "remount" => Family::Remount,
        "umount" | "unmount" => Family::Umount,
        "pivot_root" => Family::PivotRoot,
        "change_profile" => Family::ChangeProfile,
        "set" => Family::Rlimit,
        "userns" => Family::Userns,
        "mqueue" => Family::Mqueue,
        "io_uring" => Family::IoUring,
        "all" => Family::All,
        "link" => Family::Link,
        _ => Family::File,
    }
}

/// Check one rule (variables already expanded) and lower it into the
/// policy model: `None` when it is invalid (an error was reported) or is
/// dropped by the compiler (a non-file rule in a qualifier block).
pub fn check_rule(rule: &Rule, ctx: &mut Ctx) -> Option<policy::Rule> {
    let errors = ctx.diags.iter().filter(|d| d.is_error()).count();
    let fam = family(rule);
    let qualifiers = prefix::check(rule, fam, ctx);
    if ctx.warn_unsupported {
        warn_if_unsupported(rule, fam, ctx);
    }
    use policy::RuleKind as K;
    let kind = match fam {
        Family::File | Family::Link => file::check(rule, ctx),
        Family::ChangeProfile => file::check_change_profile(rule, ctx).map(K::ChangeProfile),
        Family::Capability => simple::check_capability(rule, ctx).map(K::Capability),
        Family::Rlimit => simple::check_rlimit(rule, ctx).map(K::Rlimit),
        Family::All => simple::check_all(rule, ctx).then_some(K::All),
        Family::Network => network::check_network(rule, ctx).map(K::Network),
        Family::Unix => network::check_unix(rule, ctx).map(K::Unix),
        Family::Dbus => ipc::check_dbus(rule, ctx).map(K::Dbus),
        Family::Signal => ipc::check_signal(rule, ctx).map(K::Signal),
        Family::Ptrace => ipc::check_ptrace(rule, ctx).map(K::Ptrace),
        Family::Mqueue => ipc::check_mqueue(rule, ctx).map(K::Mqueue),
        Family::IoUring => ipc::check_io_uring(rule, ctx).map(K::IoUring),
        Family::Userns => ipc::check_userns(rule, ctx).map(K::Userns),
        Family::Mount | Family::Remount | Family::Umount | Family::PivotRoot => {
            mount::check(rule, fam, ctx)
        }
    };
    let valid = ctx.diags.iter().filter(|d| d.is_error()).count() == errors;
    Some(policy::Rule {
        span: rule.span,
        qualifiers: qualifiers?,
        kind: kind.filter(|_| valid)?,
    })
}

/// The features file says the kernel does not mediate this family: the
/// reference parser drops such rules with a warning. Reported once per
/// family and profile.
fn warn_if_unsupported(rule: &Rule, fam: Family, ctx: &mut Ctx) {
    let supported = family_supported(ctx.features, fam);
    if supported || ctx.profile.unsupported_warned.contains(&fam) {
        return;
    }
    ctx.profile.unsupported_warned.push(fam);
    let name = prefix::family_name(fam);
    ctx.error(
        Diagnostic::new(
            code::RULE_NOT_ENFORCED,
            format!("the kernel in the features file does not mediate {name} rules: this rule is not enforced"),
        )
        .at(rule.span, "")
        .note("further rules of this kind in the profile are not reported"),
    );
}

/// Whether a kernel (or ABI) with these features mediates a rule family.
pub fn family_supported(f: &Features, fam: Family) -> bool {
    match fam {
        Family::Network => f.supports_network(),
        Family::Unix => f.supports_unix() || f.supports_network(),
        Family::Dbus => f.supports_dbus(),
        Family::Signal => f.supports_signal(),
        Family::Ptrace => f.supports_ptrace(),
        Family::Mount | Family::Remount | Family::Umount | Family::PivotRoot => f.supports_mount(),
        Family::Userns => f.supports_userns(),
        Family::Mqueue => f.supports_mqueue(),
        Family::IoUring => f.supports_io_uring(),
        _ => true,
    }
}

/// Report a word that is not a valid AppArmor pattern (unbalanced `{}` or
/// `[]`, a one-alternative group, ...); `true` when it is valid.
pub fn check_pattern(w: &Word, ctx: &mut Ctx) -> bool {
    if ctx.unused {
        return true;
    }
    match crate::aare::check_syntax(&w.text) {
        Ok(()) => true,
        Err(e) => {
            ctx.error(Diagnostic::error(
                code::BAD_PATTERN,
                w.span,
                format!("invalid pattern `{}`: {e}", w.text),
            ));
            false
        }
    }
}

/// Helper for family checks: an error about one element.
pub fn bad(code: crate::diag::Code, at: &Elem, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::error(code, at.span(), msg)
}

/// Helper: an error about one word.
pub fn bad_word(code: crate::diag::Code, w: &Word, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::error(code, w.span, msg)
}

/// Helper: "unknown X `y`" with a did-you-mean suggestion.
pub fn unknown_name<'a>(
    what: &str,
    w: &Word,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Diagnostic {
    let d = Diagnostic::error(
        code::UNKNOWN_NAME,
        w.span,
        format!("unknown {what} `{}`", w.text),
    );
    match crate::suggest::did_you_mean(&w.text, candidates) {
        Some(s) => d.did_you_mean(w.span, s, s),
        None => d,
    }
}
