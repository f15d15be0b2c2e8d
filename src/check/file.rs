//! File rules (`/path perms,`, `perms /path,`, `file,`), `link` rules and
//! `change_profile` rules: permission strings, exec qualifiers, named
//! transitions, and two rules giving the same path different exec modes.

use super::Ctx;
use crate::diag::{Diagnostic, code};
use crate::policy::file as policy;
use crate::source::Span;
use crate::syntax::ast::{Elem, PrefixItem, Qualifier, Rule, Word, WordKind};
use std::collections::HashMap;

/// What happens on exec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExecBase {
    /// `i`: stay in the current profile
    Inherit,
    /// `p`/`P`: the profile for the executable
    Profile,
    /// `c`/`C`: a child profile
    Child,
    /// `u`/`U`: unconfined
    Unconfined,
}

/// An exec transition such as `Pix`: base, fallback, and whether the
/// environment is scrubbed (`unsafe` = lower-case letter, not scrubbed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExecMode {
    pub base: ExecBase,
    /// `pix`/`cix` fall back to inherit, `pux`/`cux` to unconfined
    pub fallback: Option<ExecBase>,
    pub unsafe_: bool,
}

impl ExecMode {
    /// What the reference compiles: `ux -> T` and `Ux -> T` are the
    /// transitions `px -> T` and `Px -> T` (a named target is a profile).
    pub fn compiled(&self, has_target: bool) -> ExecMode {
        match self.base {
            ExecBase::Unconfined if has_target && self.fallback.is_none() => ExecMode {
                base: ExecBase::Profile,
                ..*self
            },
            _ => *self,
        }
    }

    /// Two rules' transitions are the same one once compiled.
    pub fn same_transition(
        &self,
        target: &Option<String>,
        o: &ExecMode,
        ot: &Option<String>,
    ) -> bool {
        target == ot && self.compiled(target.is_some()) == o.compiled(ot.is_some())
    }

    pub fn letters(&self) -> String {
        let mut s = String::new();
        let case = |c: char| {
            if self.unsafe_ {
                c
            } else {
                c.to_ascii_uppercase()
            }
        };
        match self.base {
            ExecBase::Inherit => s.push('i'),
            ExecBase::Profile => s.push(case('p')),
            ExecBase::Child => s.push(case('c')),
            ExecBase::Unconfined => s.push(case('u')),
        }
        match self.fallback {
            Some(ExecBase::Inherit) => s.push('i'),
            Some(ExecBase::Unconfined) => s.push('u'),
            _ => {}
        }
        s.push('x');
        s
    }
}

/// A parsed permission string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Perms {
    pub read: bool,
    pub write: bool,
    pub append: bool,
    pub link: bool,
    pub lock: bool,
    pub mmap: bool,
    /// `x` is present (with or without a qualifier)
    pub exec: bool,
    pub exec_mode: Option<ExecMode>,
    /// upper-case `RWLIMX` letters were used (deprecated)
    pub uppercase: bool,
}

/// Parse a permission string the way the reference parser does, reporting
/// the first problem as a message.
pub fn parse_perms(s: &str) -> Result<Perms, String> {
    let b = s.as_bytes();
    let mut p = Perms::default();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or(0);
        match c {
            b'r' | b'R' => p.read = true,
            b'w' | b'W' => {
                if p.append && !p.write {
                    return Err(
                        "`a` and `w` cannot be combined: `w` already includes appending".into(),
                    );
                }
                p.write = true;
            }
            b'a' => {
                if p.write {
                    return Err(
                        "`a` and `w` cannot be combined: `w` already includes appending".into(),
                    );
                }
                p.append = true;
            }
            b'l' | b'L' => p.link = true,
            b'k' => p.lock = true,
            b'm' | b'M' => p.mmap = true,
            b'x' | b'X' => p.exec = true,
            b'i' | b'I' => {
                let inherit = Some(ExecMode {
                    base: ExecBase::Inherit,
                    fallback: None,
                    unsafe_: false,
                });
                if p.exec_mode.is_some() && p.exec_mode != inherit {
                    return Err(format!(
                        "exec qualifier `{}` conflicts with the one already given",
                        c as char
                    ));
                }
                p.exec = true;
                p.exec_mode = Some(ExecMode {
                    base: ExecBase::Inherit,
                    fallback: None,
                    unsafe_: false,
                });
                i += 1; // the x
            }
            b'u' | b'U' | b'p' | b'P' | b'c' | b'C' => {
                let base = match c.to_ascii_lowercase() {
                    b'u' => ExecBase::Unconfined,
                    b'p' => ExecBase::Profile,
                    _ => ExecBase::Child,
                };
                let mut mode = ExecMode {
                    base,
                    fallback: None,
                    unsafe_: c.is_ascii_lowercase(),
                };
                let mut len = 1;
                if base != ExecBase::Unconfined {
                    match next.to_ascii_lowercase() {
                        b'i' => {
                            mode.fallback = Some(ExecBase::Inherit);
                            len = 2;
                        }
                        b'u' => {
                            mode.fallback = Some(ExecBase::Unconfined);
                            len = 2;
                        }
                        _ => {}
                    }
                }
                if b.get(i + len).is_none_or(|x| !matches!(x, b'x' | b'X')) {
                    return Err(format!(
                        "exec qualifier `{}` must be followed by `x`",
                        &s[i..i + len]
                    ));
                }
                if p.exec && p.exec_mode != Some(mode) {
                    return Err(format!(
                        "exec qualifier `{}` conflicts with the one already given",
                        &s[i..=i + len]
                    ));
                }
                p.exec = true;
                p.exec_mode = Some(mode);
                i += len; // now at the x
            }
            _ => return Err(format!("`{}` is not a file permission", c as char)),
        }
        if c.is_ascii_uppercase() && matches!(c, b'R' | b'W' | b'L' | b'I' | b'M' | b'X') {
            p.uppercase = true;
        }
        i += 1;
    }
    Ok(p)
}

/// Which halves of the permission table a rule sets (`owner` → user,
/// `other` → other, neither → both).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Half {
    User,
    Other,
}

#[derive(Clone, Debug)]
struct ExecEntry {
    mode: ExecMode,
    target: Option<String>,
    span: Span,
}

/// An exec rule's key in [`FileState`]: its path, half and priority.
type ExecKey = (String, Half, i64);

/// What a run of rules added to the exec rules seen, when none of them
/// found one seen before: see [`FileState::exec_added`].
#[derive(Clone, Debug, Default)]
pub struct ExecAdded(Vec<(ExecKey, ExecEntry)>);

/// Where [`FileState`]'s exec rules stood (see [`FileState::exec_mark`]).
#[derive(Clone, Copy, Debug)]
pub struct ExecMark {
    added: usize,
    found: usize,
}

/// Exec rules seen so far in the profile, by exact path.
#[derive(Default, Debug)]
pub struct FileState {
    exec: HashMap<ExecKey, ExecEntry>,
    /// The keys of `exec` in the order added.
    added: Vec<ExecKey>,
    /// How many lookups of `exec` found a rule.
    found: usize,
    /// How many times `exec` was consulted: a rule that did not consult
    /// it was checked on its own.
    pub exec_lookups: usize,
    /// The previous rule, when it was a path without permissions (the
    /// first half of `/path, perms,`).
    pub path_only: Option<Span>,
}

impl FileState {
    /// Where the exec rules seen stand now.
    pub fn exec_mark(&self) -> ExecMark {
        ExecMark {
            added: self.added.len(),
            found: self.found,
        }
    }

    /// The exec rules added since `mark`, when no lookup since found one
    /// (so that each rule since was checked against none before it).
    pub fn exec_added(&self, mark: ExecMark) -> Option<ExecAdded> {
        (self.found == mark.found).then(|| {
            ExecAdded(
                self.added[mark.added..]
                    .iter()
                    .filter_map(|k| Some((k.clone(), self.exec.get(k)?.clone())))
                    .collect(),
            )
        })
    }

    /// Whether rules that added `a` would find none of theirs seen here.
    pub fn can_add(&self, a: &ExecAdded) -> bool {
        a.0.iter().all(|(k, _)| !self.exec.contains_key(k))
    }

    /// Add what [`FileState::exec_added`] recorded, as its rules did.
    pub fn add(&mut self, a: &ExecAdded) {
        for (k, e) in &a.0 {
            self.added.push(k.clone());
            self.exec.insert(k.clone(), e.clone());
        }
    }
}

struct Prefix {
    deny: bool,
    halves: &'static [Half],
    priority: i64,
}

fn prefix_of(rule: &Rule) -> Prefix {
    let mut p = Prefix {
        deny: false,
        halves: &[Half::User, Half::Other],
        priority: 0,
    };
    for x in &rule.prefix {
        match x {
            PrefixItem::Qualifier(Qualifier::Deny, _) => p.deny = true,
            PrefixItem::Qualifier(Qualifier::Owner, _) => p.halves = &[Half::User],
            PrefixItem::Qualifier(Qualifier::Other, _) => p.halves = &[Half::Other],
            PrefixItem::Priority { value, .. } => p.priority = value.text.parse().unwrap_or(0),
            _ => {}
        }
    }
    p
}

fn is_path_word(w: &Word) -> bool {
    matches!(w.kind, WordKind::Id | WordKind::SetVar)
}

fn path_ok(w: &Word, ctx: &mut Ctx) -> bool {
    let t = w.text.as_str();
    if !(t.starts_with('/')
        || t.starts_with('{')
        || t.starts_with('@')
        || ctx.written_as_variable(w))
    {
        ctx.error(
            Diagnostic::error(
                code::BAD_PATH,
                w.span,
                format!("`{t}` is not an absolute path"),
            )
            .help("file rules name absolute paths (starting with `/`) or variables"),
        );
        return false;
    }
    super::check_pattern(w, ctx)
}

fn mode_word(e: &Elem) -> Option<&Word> {
    match e {
        Elem::Word(w) if w.kind == WordKind::Mode => Some(w),
        _ => None,
    }
}

pub fn check(rule: &Rule, ctx: &mut Ctx) -> Option<crate::policy::RuleKind> {
    let prefix = prefix_of(rule);
    let path_only_before = ctx.profile.file.path_only.take();
    let elems = &rule.elems;
    let mut i = 0;
    let mut keyword_file = false;
    if let Some(Elem::Word(w)) = elems.first() {
        if w.is_key("file") {
            keyword_file = true;
            i = 1;
        } else if w.is_key("link") {
            return check_link(rule, ctx);
        }
    }
    if keyword_file && elems.len() == 1 {
        // bare `file,`: every permission, `ix` included, which a deny rule
        // cannot name (both reference compilers refuse `deny file,`)
        if prefix.deny {
            ctx.error(
                Diagnostic::error(
                    code::BAD_PERMISSION,
                    rule.span,
                    "`deny file,` denies `ix`, and a deny rule cannot name an exec transition",
                )
                .help("deny the permissions by path: `deny /** mrwlkx,`"),
            );
            return None;
        }
        return Some(crate::policy::RuleKind::File(policy::File {
            path: None,
            perms: Perms::default(),
            exec: None,
            target: None,
            safety: None,
            leading: false,
            subset: false,
        }));
    }
    let mut safety: Option<(bool, Span)> = None; // (unsafe, where)
    if let Some(Elem::Word(w)) = elems.get(i) {
        if w.is_key("safe") || w.is_key("unsafe") {
            safety = Some((w.text == "unsafe", w.span));
            i += 1;
        }
    }
    let rest = &elems[i..];
    // A leading word that is not a path: most likely a misspelt keyword.
    if let (Some(Elem::Word(w)), false) = (rest.first(), keyword_file) {
        let t = w.text.as_str();
        if w.kind == WordKind::Id
            && t.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && rest.len() > 1
        {
            let d = Diagnostic::error(
                code::UNKNOWN_RULE,
                w.span,
                format!("unknown rule type `{t}`"),
            );
            let d = match crate::suggest::did_you_mean(t, crate::vocab::RULE_KEYWORDS.iter().copied()) {
                Some(k) => d.did_you_mean(w.span, k, k),
                None => d.help("rules start with a path (`/usr/bin/x r,`) or a keyword such as `capability`, `network`, `dbus`"),
            };
            ctx.error(d);
            return None;
        }
    }
    // (path, perms word, subset, target)
    let leading = matches!(rest.first(), Some(m) if mode_word(m).is_some());
    let mut subset = false;
    let (path, perms_w, tail) = match rest {
        [Elem::Word(p), m, tail @ ..] if is_path_word(p) && mode_word(m).is_some() => {
            (p, mode_word(m), tail)
        }
        [m, tail @ ..] if mode_word(m).is_some() => {
            let mut tail = tail;
            if let Some(Elem::Word(s)) = tail.first() {
                if s.is_key("subset") {
                    subset = true;
                    tail = &tail[1..];
                }
            }
            match tail {
                [Elem::Word(p), t @ ..] if is_path_word(p) => (p, mode_word(m), t),
                _ if tail.is_empty()
                    && path_only_before.is_some_and(|p| p.end <= rule.span.start) =>
                {
                    // `/path, perms,`: the rule before ended at a stray `,`
                    let prev = path_only_before.unwrap_or(rule.span);
                    let comma = Span {
                        start: prev.end.saturating_sub(1),
                        ..prev
                    };
                    let mut d = Diagnostic::error(
                        code::SYNTAX_ERROR,
                        comma,
                        "stray `,` between the path and its permissions",
                    )
                    .label(m.span(), "these permissions belong to the path before")
                    .help("remove the `,` after the path");
                    d.fix = Some(crate::diag::Fix {
                        message: "remove the stray `,`".into(),
                        edits: vec![crate::diag::Edit {
                            span: comma,
                            replacement: String::new(),
                        }],
                        safe: false,
                    });
                    ctx.error(d);
                    return None;
                }
                _ => {
                    let at = tail.first().map(Elem::span).unwrap_or(rule.span);
                    ctx.error(
                        Diagnostic::error(
                            code::SYNTAX_ERROR,
                            at,
                            "expected a path after the permissions",
                        )
                        .help("write `PERMS /path,` or `/path PERMS,`; if the path is just before, a stray `,` between them ends the rule early"),
                    );
                    return None;
                }
            }
        }
        [Elem::Word(p)] if is_path_word(p) => {
            ctx.profile.file.path_only = Some(rule.span);
            ctx.error(
                Diagnostic::error(
                    code::BAD_PERMISSION,
                    p.span,
                    format!("file rule for `{}` has no permissions", p.text),
                )
                .help(format!("add permissions, e.g. `{} r,`; if they follow after a `,`, remove that stray `,`", p.text)),
            );
            return None;
        }
        [Elem::Word(p), Elem::Word(m), ..]
            if is_path_word(p) && m.kind == WordKind::Id && !m.text.starts_with('/') =>
        {
            let d = match parse_perms(&m.text) {
                Err(e) => Diagnostic::error(
                    code::BAD_PERMISSION,
                    m.span,
                    format!("invalid permissions `{}`: {e}", m.text),
                ),
                Ok(_) => Diagnostic::error(
                    code::BAD_PERMISSION,
                    m.span,
                    format!("invalid permissions `{}`", m.text),
                ),
            };
            ctx.error(d.help("file permissions are letters from `rwaklmx` with exec qualifiers `ix px Px cx Cx ux Ux pix pux cix cux`"));
            return None;
        }
        [Elem::Word(p), Elem::Word(q), ..] if is_path_word(p) && is_path_word(q) => {
            ctx.error(
                Diagnostic::error(
                    code::SYNTAX_ERROR,
                    q.span,
                    format!("unexpected `{}` after the path", q.text),
                )
                .help("a path with spaces must be quoted; a missing `,` ends the previous rule"),
            );
            return None;
        }
        [first, ..] => {
            let what = match first {
                Elem::Word(w) => format!("`{}`", w.text),
                _ => "this".to_string(),
            };
            ctx.error(
                Diagnostic::error(code::UNKNOWN_RULE, first.span(), format!("{what} does not start a rule"))
                    .help("a file rule is `/path PERMS,`; other rules start with a keyword such as `capability` or `network`"),
            );
            return None;
        }
        [] => {
            ctx.error(Diagnostic::error(
                code::SYNTAX_ERROR,
                rule.span,
                "expected a path and permissions",
            ));
            return None;
        }
    };
    let perms_w = perms_w?;
    if !path_ok(path, ctx) {
        return None;
    }
    let mut target: Option<&Word> = None;
    for e in tail {
        match e {
            Elem::Arrow {
                target: Some(t), ..
            } if target.is_none() => {
                target = Some(t);
            }
            other => {
                // (a path or a rule keyword here is the next rule, split
                // off by the parser: crate::syntax::recover)
                let d = Diagnostic::error(
                    code::SYNTAX_ERROR,
                    other.span(),
                    "unexpected text at the end of the file rule",
                )
                .help("is a `,` missing?");
                ctx.error(d);
                return None;
            }
        }
    }
    let perms = match parse_perms(&perms_w.text) {
        Ok(p) => p,
        Err(e) => {
            let mut d = Diagnostic::error(
                code::BAD_PERMISSION,
                perms_w.span,
                format!("invalid permissions `{}`: {e}", perms_w.text),
            );
            if e.contains("`a` and `w`") {
                let fixed: String = perms_w.text.chars().filter(|c| *c != 'a').collect();
                d = d.help(format!("write `{fixed}`: `w` already allows appending; keep `a` alone to allow only appending"));
            }
            ctx.error(d);
            return None;
        }
    };
    if let (Some(t), true) = (target, leading) {
        if perms.link && perms.exec {
            ctx.error(
                Diagnostic::error(
                    code::BAD_PERMISSION,
                    perms_w.span,
                    "link and exec permissions conflict on a rule with `->`",
                )
                .help("write the link rule and the exec rule separately"),
            );
            return None;
        }
        if perms.link && !perms.exec && t.text.starts_with(':') {
            ctx.error(Diagnostic::error(
                code::BAD_TARGET,
                t.span,
                "link permissions cannot name a profile transition",
            ));
            return None;
        }
    }
    if let Some((_, at)) = safety {
        if !perms.exec {
            ctx.error(
                Diagnostic::error(
                    code::BAD_PERMISSION,
                    at,
                    "`safe`/`unsafe` needs exec permissions in the rule",
                )
                .help("remove the keyword, or add an exec mode such as `px`"),
            );
            return None;
        }
    }
    // `unsafe` stands for an exec qualifier: `unsafe x` is `ux`-like
    let unsafe_kw = matches!(safety, Some((true, _)));
    if prefix.deny && (perms.exec_mode.is_some() || (perms.exec && unsafe_kw)) {
        ctx.error(
            Diagnostic::error(
                code::BAD_PERMISSION,
                perms_w.span,
                "in a deny rule `x` must not have an exec qualifier",
            )
            .help("write plain `x`: `deny /path x,`"),
        );
        return None;
    }
    if !prefix.deny && perms.exec && perms.exec_mode.is_none() && !unsafe_kw {
        ctx.error(
            Diagnostic::error(code::BAD_PERMISSION, perms_w.span, "`x` needs an exec qualifier: `ix`, `px`, `cx` or `ux`")
                .help("say what happens on exec, e.g. `ix` to stay in this profile or `px` for the program's own profile"),
        );
        return None;
    }
    // exact-path exec conflicts; `unsafe x -> T` compiles to `px -> T`
    let exec_mode = perms.exec_mode.or_else(|| {
        (perms.exec && unsafe_kw && target.is_some()).then_some(ExecMode {
            base: ExecBase::Profile,
            fallback: None,
            unsafe_: true,
        })
    });
    let lowered = |exec: Option<ExecMode>| {
        Some(crate::policy::RuleKind::File(policy::File {
            path: Some(policy::path_pattern(&path.text)),
            // how the letters were written is not what they mean
            perms: Perms {
                uppercase: false,
                ..perms.clone()
            },
            exec,
            target: target.map(|t| t.text.clone()),
            safety: safety.map(|(u, _)| u),
            leading,
            subset,
        }))
    };
    let (Some(mut mode), false) = (exec_mode, prefix.deny) else {
        return lowered(None);
    };
    match safety {
        Some((true, _)) if mode.base != ExecBase::Inherit => mode.unsafe_ = true,
        Some((false, _)) => mode.unsafe_ = false,
        _ => {}
    }
    let target_text = target.map(|t| t.text.clone());
    for half in prefix.halves {
        let key = (path.text.clone(), *half, prefix.priority);
        ctx.profile.file.exec_lookups += 1;
        let seen = ctx.profile.file.exec.get(&key);
        if seen.is_some() {
            ctx.profile.file.found += 1;
        }
        match seen {
            Some(prev) if !prev.mode.same_transition(&prev.target, &mode, &target_text) => {
                let show = |m: &ExecMode, t: &Option<String>| match t {
                    Some(t) => format!("{} -> {t}", m.letters()),
                    None => m.letters(),
                };
                ctx.error(
                    Diagnostic::error(
                        code::CONFLICTING_EXEC,
                        perms_w.span,
                        format!(
                            "conflicting exec modes for `{}`: `{}` here, `{}` before",
                            path.text,
                            show(&mode, &target_text),
                            show(&prev.mode, &prev.target)
                        ),
                    )
                    .label(prev.span, "the other rule")
                    .help("one path can have only one exec transition; keep one of the rules"),
                );
                return None;
            }
            Some(_) => {}
            None => {
                ctx.profile.file.added.push(key.clone());
                ctx.profile.file.exec.insert(
                    key,
                    ExecEntry {
                        mode,
                        target: target_text.clone(),
                        span: rule.span,
                    },
                );
            }
        }
    }
    lowered(Some(mode))
}

/// `link [subset] /from -> /to,`
fn check_link(rule: &Rule, ctx: &mut Ctx) -> Option<crate::policy::RuleKind> {
    let mut rest = &rule.elems[1..];
    if let Some(Elem::Word(w)) = rest.first() {
        if w.is_key("subset") {
            rest = &rest[1..];
        }
    }
    match rest {
        [
            Elem::Word(from),
            Elem::Arrow {
                target: Some(to), ..
            },
        ] if is_path_word(from) => {
            if path_ok(from, ctx) {
                path_ok(to, ctx);
            }
            Some(crate::policy::RuleKind::Link(policy::Link {
                subset: rest.len() < rule.elems.len() - 1,
                from: policy::path_pattern(&from.text),
                to: policy::path_pattern(&to.text),
            }))
        }
        _ => {
            ctx.error(
                Diagnostic::error(code::SYNTAX_ERROR, rule.span, "malformed link rule")
                    .help("write `link [subset] /link/path -> /target/path,`"),
            );
            None
        }
    }
}

/// `change_profile [safe|unsafe] [/exec/path] [-> target],`
pub fn check_change_profile(rule: &Rule, ctx: &mut Ctx) -> Option<policy::ChangeProfile> {
    let mut rest = &rule.elems[1..];
    let mut safety: Option<&Word> = None;
    if let Some(Elem::Word(w)) = rest.first() {
        if w.is_key("safe") || w.is_key("unsafe") {
            safety = Some(w);
            rest = &rest[1..];
        }
    }
    let mut exec: Option<&Word> = None;
    if let Some(Elem::Word(w)) = rest.first() {
        exec = Some(w);
        rest = &rest[1..];
    }
    match rest {
        [] => {}
        [
            Elem::Arrow {
                target: Some(t), ..
            },
        ] => {
            // the target is a pattern of profile names
            if !super::check_pattern(t, ctx) {
                return None;
            }
        }
        [first, ..] => {
            ctx.error(
                Diagnostic::error(
                    code::SYNTAX_ERROR,
                    first.span(),
                    "unexpected text in change_profile rule",
                )
                .help("write `change_profile [safe|unsafe] [/exec/path] [-> profile],`"),
            );
            return None;
        }
    }
    if let (Some(s), None) = (safety, exec) {
        ctx.error(
            Diagnostic::error(
                code::BAD_VALUE,
                s.span,
                format!("`{}` needs an exec path", s.text),
            )
            .help("write `change_profile unsafe /path/to/exec -> profile,`"),
        );
        return None;
    }
    if let Some(e) = exec {
        if !(e.text.starts_with('/')
            || e.text.starts_with('{')
            || e.text.starts_with('@')
            || ctx.written_as_variable(e))
        {
            ctx.error(
                Diagnostic::error(
                    code::BAD_PATH,
                    e.span,
                    format!("exec condition `{}` must begin with `/`", e.text),
                )
                .help("the word before `->` is the program the change applies to"),
            );
            return None;
        }
        // overlapping safe and unsafe rules: `super::exec`, once the
        // profile's rules are all known
        super::check_pattern(e, ctx);
    }
    let target = match rest {
        [
            Elem::Arrow {
                target: Some(t), ..
            },
        ] => Some(t.text.clone()),
        _ => None,
    };
    Some(policy::ChangeProfile {
        safety: safety.map(|w| w.text == "unsafe"),
        exec: exec.map(|e| policy::path_pattern(&e.text)),
        target,
    })
}
