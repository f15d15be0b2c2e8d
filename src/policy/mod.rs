//! The typed policy model: what each rule means, decoded once.
//!
//! The checks ([`crate::check`]) lower every rule of a resolved profile into
//! one [`Rule`] value (or report why it is invalid): one typed value per
//! rule family, with its qualifiers and its source span. Everything that
//! needs a rule's meaning (the linter, `emit`, the compiler) reads it here,
//! not from the syntax tree, so that each meaning has one home.
//!
//! Every value prints (`Display`) as the canonical text of its rule, which
//! parses and lowers back to the same value.

pub mod file;
pub mod ipc;
pub mod mount;
pub mod network;
pub mod profile;
pub mod simple;

use crate::source::Span;
use std::fmt;

/// One valid rule: what it grants or denies, and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub span: Span,
    pub qualifiers: Qualifiers,
    pub kind: RuleKind,
}

/// Allow, deny or prompt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    #[default]
    Allow,
    Deny,
    Prompt,
}

/// Whose files a file rule is about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Owner {
    /// No `owner` or `other`: every file.
    #[default]
    Any,
    /// `owner`: files the task's fsuid owns.
    Owner,
    /// `other`: files it does not own.
    Other,
}

/// The qualifiers that apply to a rule: its own and, for the file family,
/// those of the qualifier blocks around it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Qualifiers {
    pub audit: bool,
    pub mode: Mode,
    pub owner: Owner,
    /// `priority=N`, from -1000 to 1000; 0 when not written.
    pub priority: i32,
    /// `allow` was written (it means what no mode means).
    pub explicit_allow: bool,
}

/// What a rule is, by family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleKind {
    File(file::File),
    Link(file::Link),
    ChangeProfile(file::ChangeProfile),
    Capability(simple::Capability),
    Rlimit(simple::Rlimit),
    /// `all,`: every permission of every class.
    All,
    Network(network::Network),
    Unix(network::Unix),
    Dbus(ipc::Dbus),
    Signal(ipc::Signal),
    Ptrace(ipc::Ptrace),
    Mqueue(ipc::Mqueue),
    IoUring(ipc::IoUring),
    Userns(ipc::Userns),
    Mount(mount::Mount),
    Remount(mount::Remount),
    Umount(mount::Umount),
    PivotRoot(mount::PivotRoot),
}

/// What a profile's rules say of one capability, as the kernel decides
/// it: allowed when an allow rule grants it (`capability NAME`, bare
/// `capability,`, `all,`) and no deny rule denies it.
#[derive(Debug, Default)]
pub struct CapabilityAnswer {
    pub allowed: bool,
    /// The rules that grant or deny it, deny rules first, each with
    /// whether it denies.
    pub rules: Vec<(crate::source::Span, bool)>,
}

/// [`CapabilityAnswer`] of `profile` for capability `name` (lower case,
/// without `CAP_`).
pub fn capability_answer(
    profile: &crate::resolve::ResolvedProfile,
    name: &str,
) -> CapabilityAnswer {
    let mut allow = Vec::new();
    let mut deny = Vec::new();
    for m in profile.model.iter().flatten() {
        let grants = match &m.kind {
            RuleKind::Capability(c) => c.names.is_empty() || c.names.iter().any(|n| n == name),
            RuleKind::All => true,
            _ => false,
        };
        if grants {
            match m.qualifiers.mode {
                Mode::Deny => deny.push((m.span, true)),
                _ => allow.push((m.span, false)),
            }
        }
    }
    CapabilityAnswer {
        allowed: !allow.is_empty() && deny.is_empty(),
        rules: deny.into_iter().chain(allow).collect(),
    }
}

impl fmt::Display for Qualifiers {
    /// The qualifiers as written before a rule, each followed by a space.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.priority != 0 {
            write!(f, "priority={} ", self.priority)?;
        }
        if self.audit {
            f.write_str("audit ")?;
        }
        match self.mode {
            Mode::Allow if self.explicit_allow => f.write_str("allow ")?,
            Mode::Allow => {}
            Mode::Deny => f.write_str("deny ")?,
            Mode::Prompt => f.write_str("prompt ")?,
        }
        match self.owner {
            Owner::Any => Ok(()),
            Owner::Owner => f.write_str("owner "),
            Owner::Other => f.write_str("other "),
        }
    }
}

impl fmt::Display for RuleKind {
    /// The rule without its qualifiers and without the final `,`.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            RuleKind::File(r) => r.fmt(f),
            RuleKind::Link(r) => r.fmt(f),
            RuleKind::ChangeProfile(r) => r.fmt(f),
            RuleKind::Capability(r) => r.fmt(f),
            RuleKind::Rlimit(r) => r.fmt(f),
            RuleKind::All => f.write_str("all"),
            RuleKind::Network(r) => r.fmt(f),
            RuleKind::Unix(r) => r.fmt(f),
            RuleKind::Dbus(r) => r.fmt(f),
            RuleKind::Signal(r) => r.fmt(f),
            RuleKind::Ptrace(r) => r.fmt(f),
            RuleKind::Mqueue(r) => r.fmt(f),
            RuleKind::IoUring(r) => r.fmt(f),
            RuleKind::Userns(r) => r.fmt(f),
            RuleKind::Mount(r) => r.fmt(f),
            RuleKind::Remount(r) => r.fmt(f),
            RuleKind::Umount(r) => r.fmt(f),
            RuleKind::PivotRoot(r) => r.fmt(f),
        }
    }
}

impl fmt::Display for Rule {
    /// The canonical text of the rule, with its final `,`.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}{},", self.qualifiers, self.kind)
    }
}

/// The value of the one rule of `profile p { RULE }` (checked with every
/// feature), and its printed text; for the families' tests.
#[cfg(test)]
pub(crate) fn lower_one(rule: &str) -> (RuleKind, String) {
    let text = format!("profile p {{\n  {rule}\n}}\n");
    let opts = crate::resolve::Options {
        features: crate::features::Features::all(),
        ..Default::default()
    };
    let out = crate::resolve::Session::new().check_text("t", None, text, &opts);
    assert!(!out.has_errors(), "{rule}: {:?}", out.diagnostics);
    let m = out.policy.profiles[0].model[0].clone().expect("a value");
    let printed = m.kind.to_string();
    (m.kind.clone(), printed)
}

/// A word as canonical rule text: quoted when it holds what an unquoted
/// word cannot (white space, a `,` outside braces, quotes, `#`, `=`,
/// parentheses, `!`, control characters) or is empty.
pub fn word(t: &str) -> String {
    crate::syntax::quote::name_text(t)
}

fn quoted(t: &str) -> String {
    format!("\"{}\"", crate::syntax::quote::escape_quoted(t))
}

/// A value of a parenthesised list (`peer=(...)`, `options=(...)`), where
/// a `,` separates values even inside braces: quoted when it holds one.
fn list_word(t: &str) -> String {
    if t.contains(',') { quoted(t) } else { word(t) }
}

/// A path as a word: a literal `@` before an alternation escaped (so that
/// it reads as no variable reference), and quoted when it begins with an
/// alternation (a `{` there would open a block).
fn path_word(p: &str) -> String {
    let p = &at_brace_escaped(p);
    let w = word(p);
    if w.starts_with('{') { quoted(p) } else { w }
}

/// `text` with a backslash before each unescaped `@` that a `{` follows.
fn at_brace_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '@' if chars.peek() == Some(&'{') => out.push_str("\\@"),
            c => out.push(c),
        }
    }
    out
}
