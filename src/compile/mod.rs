//! `aaprof compile`: the binary policy the kernel loads, from the typed
//! policy model.
//!
//! Each profile becomes a record (children and hats records of their own,
//! named `parent//child`): its name, attachment automaton, flags, path
//! flags, capabilities, rlimits, the policy automaton (the classes the
//! kernel mediates through it) and the file automaton with its transition
//! table. The stages: the model's rules become entries (a pattern and the
//! permissions it grants or denies, [`perms`]), the entries expressions
//! ([`regex`]), the expressions one deterministic automaton
//! ([`build`]) whose accepting states get the combined permissions, which
//! is minimised and packed into the kernel's tables ([`crate::aare`]).

mod all;
pub mod build;
mod dbus;
mod ipc;
mod mount;
mod network;
pub mod perms;
pub mod regex;
mod simplify;
mod write;

use crate::aare::Automaton;
use crate::aare::automaton::START as START_STATE;
use crate::diag::{Diagnostic, code};
use crate::features::Features;
use crate::policy::profile::{ProfileFlags, ProfileMode};
use crate::policy::{Mode, Owner, Qualifiers, RuleKind};
use crate::resolve::{Policy, ResolvedProfile};
use crate::source::Span;
use crate::syntax::ast::ProfileKeyword;
use perms::{Entry, Kind, StatePerms, bit, both};
use regex::{Regex, filter_slashes, glob};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use write::Writer;

/// What a compilation may use.
#[derive(Clone, Debug)]
pub struct Options {
    /// The kernel's features (what `-M` gives the reference).
    pub features: Features,
    /// The features of the policy's `abi` file, when it has one (read by
    /// the caller): the policy is compiled for what both support.
    pub policy_features: Option<Features>,
    /// How large one automaton may grow before minimisation.
    pub budget: build::Budget,
}

impl Options {
    /// Compiling for the kernel of `features` (no `abi` file read yet,
    /// the default budget).
    pub fn for_features(features: &Features) -> Options {
        Options {
            features: features.clone(),
            ..Options::default()
        }
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            features: Features::all(),
            policy_features: None,
            budget: build::Budget::default(),
        }
    }
}

/// The binary policy of a file, or why there is none.
#[derive(Debug, Default)]
pub struct Compiled {
    /// The records, one load buffer each, in the reference's order.
    pub records: Vec<Vec<u8>>,
    /// The full name (`parent//child` for children and hats) of each
    /// record's profile, at the record's index.
    pub names: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    /// The time each stage took.
    pub stages: Stages,
}

/// Time spent in each stage of a compilation (summed over its profiles).
#[derive(Clone, Copy, Debug, Default)]
pub struct Stages {
    /// The model's rules to entries and expressions.
    pub lower: Duration,
    /// Expressions to deterministic automata with permissions.
    pub automata: Duration,
    pub minimise: Duration,
    /// Comb packing into the kernel's tables.
    pub pack: Duration,
    /// Writing the records.
    pub write: Duration,
}

impl std::ops::AddAssign for Stages {
    fn add_assign(&mut self, o: Stages) {
        self.lower += o.lower;
        self.automata += o.automata;
        self.minimise += o.minimise;
        self.pack += o.pack;
        self.write += o.write;
    }
}

impl Stages {
    /// Add the time since `*since` to `field`, and restart the clock.
    fn lap(field: &mut Duration, since: &mut Instant) {
        let now = Instant::now();
        *field += now - *since;
        *since = now;
    }
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Every record, one after the other (what `-S` writes).
    pub fn bytes(&self) -> Vec<u8> {
        self.records.concat()
    }
}

/// Compile a checked file's policy for `opts`' features, its own `abi`
/// rule (looked up on `search`) choosing the policy features: the
/// compiled policy, or the errors of the check and of the compilation
/// that keep it from being loaded.
pub fn compile_checked(
    out: &crate::resolve::Outcome,
    search: &crate::resolve::SearchPath,
    opts: &Options,
) -> Result<Compiled, Vec<Diagnostic>> {
    let errors = |d: &[Diagnostic]| {
        d.iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect::<Vec<_>>()
    };
    if out.has_errors() {
        return Err(errors(&out.diagnostics));
    }
    let opts = Options {
        policy_features: abi_features(&out.policy, search),
        ..opts.clone()
    };
    let c = compile(&out.policy, &opts);
    if c.has_errors() {
        return Err(errors(&c.diagnostics));
    }
    Ok(c)
}

/// A checked file's policy cut down to what decides `path` in profile
/// `name` (its full name), for `query` and `logs` to compile quickly:
/// the profile, on the way to it its parents emptied, and of its file,
/// link and change_profile rules those whose literal beginnings allow
/// the path (a necessary condition for matching it), `all`, and none
/// of the other classes. One file rule stays in any case: a profile
/// without file rules has no file automaton, while on one the kernel
/// grants `getattr` of every path for a policy of the older ABIs.
/// What the cut-down policy's file automaton accepts for `path` is what
/// the whole policy's does (`tests/it/query.rs` compares the two).
pub fn narrowed(out: &crate::resolve::Outcome, name: &str, path: &str) -> crate::resolve::Outcome {
    let may_match = |p: &str| crate::aare::Literals::of(p).may_match(path);
    narrowed_to(out, name, |p| {
        keep_rules(p, |kind| match kind {
            RuleKind::File(f) => f.path.as_deref().is_none_or(&may_match),
            RuleKind::Link(l) => may_match(&l.from),
            RuleKind::ChangeProfile(c) => c.exec.as_deref().is_none_or(&may_match),
            // every file permission on every path
            RuleKind::All => true,
            // the other classes are under other first bytes of the
            // policy automaton, apart from the file paths
            _ => false,
        })
    })
}

/// A checked file's policy cut down to profile `name` (its full name):
/// its parents emptied on the way to it (but for one file rule each, see
/// [`narrowed`]), its children and the file's other profiles dropped, and
/// the profile itself as `target` leaves it. `query` and `logs` compile
/// what they ask about from it.
pub fn narrowed_to(
    out: &crate::resolve::Outcome,
    name: &str,
    target: impl FnOnce(&mut ResolvedProfile),
) -> crate::resolve::Outcome {
    let mut policy = out.policy.clone();
    let mut level = &mut policy.profiles;
    let mut parts = name.split("//").peekable();
    let mut target = Some(target);
    while let Some(part) = parts.next() {
        level.retain(|p| p.name == part && !p.synthetic);
        let Some(p) = level.first_mut() else { break };
        if parts.peek().is_none() {
            if let Some(t) = target.take() {
                t(p);
            }
            p.blocks.clear();
            p.children.clear();
            break;
        }
        keep_rules(p, |_| false);
        p.blocks.clear();
        level = &mut p.children;
    }
    crate::resolve::Outcome {
        file: out.file,
        read: out.read.clone(),
        policy,
        diagnostics: Vec::new(),
        parsed: None,
    }
}

/// Keep the rules of `p` whose kind `keep` says, and in any case one file
/// rule (a profile without file rules has no file automaton, while on one
/// the kernel grants `getattr` of every path for a policy of the older
/// ABIs).
fn keep_rules(p: &mut ResolvedProfile, keep: impl Fn(&RuleKind) -> bool) {
    let mut rules = Vec::new();
    let mut model = Vec::new();
    let mut first_file = None;
    let mut kept_file = false;
    for (r, m) in p.rules.iter().zip(&p.model) {
        let kind = m.as_deref().map(|m| &m.kind);
        let file_rule = matches!(kind, Some(RuleKind::File(_)));
        if file_rule && first_file.is_none() {
            first_file = Some((r.clone(), m.clone()));
        }
        if kind.is_some_and(&keep) {
            kept_file |= file_rule;
            rules.push(r.clone());
            model.push(m.clone());
        }
    }
    if let (false, Some((r, m))) = (kept_file, first_file) {
        rules.push(r);
        model.push(m);
    }
    p.rules = rules;
    p.model = model;
}

/// Compile every profile of a resolved policy (its children and hats
/// included).
pub fn compile(policy: &Policy, opts: &Options) -> Compiled {
    let mut out = Compiled::default();
    let abi = Abi::of(&opts.features, opts.policy_features.as_ref());
    // one legacy network table for the whole file, as the reference's
    let net = network::LegacyTable::of(policy, &abi);
    for p in in_reference_order(policy.profiles.iter().filter(|p| !p.synthetic)) {
        compile_tree(p, None, &abi, net.as_ref(), opts, &mut out);
    }
    out
}

/// Profiles in the order the reference keeps them (and writes their
/// records): those without a namespace first, then by namespace, then by
/// name, byte by byte.
fn in_reference_order<'a>(
    profiles: impl Iterator<Item = &'a ResolvedProfile>,
) -> Vec<&'a ResolvedProfile> {
    let mut v: Vec<&ResolvedProfile> = profiles.collect();
    v.sort_by(|a, b| {
        let (an, aname) = split_namespace(&a.name);
        let (bn, bname) = split_namespace(&b.name);
        (an.is_some(), an, aname).cmp(&(bn.is_some(), bn, bname))
    });
    v
}

fn compile_tree(
    p: &ResolvedProfile,
    parent: Option<&str>,
    abi: &Abi,
    net: Option<&network::LegacyTable>,
    opts: &Options,
    out: &mut Compiled,
) {
    let full = match parent {
        Some(par) => format!("{par}//{}", p.name),
        None => p.name.clone(),
    };
    match profile_record(p, &full, parent.is_some(), abi, net, opts, &mut out.stages) {
        Ok(r) => {
            out.records.push(r);
            out.names.push(full.clone());
        }
        Err(d) => out.diagnostics.extend(d),
    }
    for c in in_reference_order(p.children.iter()) {
        compile_tree(c, Some(&full), abi, net, opts, out);
    }
}

/// The feature choices the reference derives from a features file.
pub struct Abi {
    pub kernel_abi: u32,
    /// The permission table version (`-1`: none, legacy accept tables).
    pub permstable: i32,
    /// What both the kernel and the policy's abi support: what rules are
    /// compiled for.
    pub features: Features,
    /// The kernel's own features (the table formats, and the few choices
    /// the reference makes on the kernel alone).
    pub kernel: Features,
}

impl Abi {
    fn of(f: &Features, policy: Option<&Features>) -> Abi {
        let kernel_abi = if f.has("policy/versions/v7") {
            7
        } else if f.has("policy/versions/v6") {
            6
        } else {
            5
        };
        let permstable = if !f.has("policy/permstable32") {
            -1
        } else if f.has("policy/permstable32_version/0x000003") {
            3
        } else if f.has("policy/permstable32_version/0x000002") {
            2
        } else {
            1
        };
        Abi {
            kernel_abi,
            permstable,
            features: match policy {
                Some(p) => f.intersect(p),
                None => f.clone(),
            },
            kernel: f.clone(),
        }
    }

    /// Whether profiles attach by xattrs: the policy and the kernel
    /// support it, and the kernel's automata take out-of-band
    /// transitions (else the reference ignores them, with a warning).
    fn xattrs(&self) -> bool {
        self.features.supports_xattr_attachment() && self.kernel.supports_out_of_band()
    }

    fn version(&self) -> u32 {
        let mut v = self.kernel_abi & 0x3ff;
        if self.kernel_abi > 5 {
            v |= 2 << 12;
            v |= 2 << 20;
        }
        v
    }
}

/// A file entry as the reference's front end holds it.
struct FileEntry {
    /// The rule it comes from.
    span: Span,
    name: String,
    perms: u32,
    /// `audit` forced (allow) or implied (a deny without `audit`).
    audit: bool,
    mode: Mode,
    priority: i32,
    link: Option<(String, bool)>,
    /// A named exec transition.
    target: Option<String>,
}

fn unsupported(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        code::NOT_COMPILED,
        span,
        format!("aaprof compile does not compile {what} yet"),
    )
    .note("check and lint read this rule; only the binary policy is missing")
}

/// The user half of a file rule's permissions.
fn file_half(f: &crate::policy::file::File) -> u32 {
    let p = &f.perms;
    let mut h = 0;
    for (on, b) in [
        (p.read, bit::READ),
        (p.write, bit::WRITE | bit::APPEND),
        (p.append, bit::APPEND),
        (p.link, bit::LINK),
        (p.lock, bit::LOCK),
        (p.mmap, bit::MMAP),
    ] {
        if on {
            h |= b;
        }
    }
    if p.exec {
        h |= bit::EXEC;
        if let Some(m) = f.exec.as_ref().or(p.exec_mode.as_ref()) {
            use crate::policy::file::ExecBase as B;
            h |= match m.base {
                B::Inherit => bit::INHERIT,
                B::Unconfined => bit::UNCONFINED,
                B::Profile => bit::PROFILE,
                B::Child => bit::LOCAL,
            };
            match m.fallback {
                Some(B::Inherit) => h |= bit::INHERIT,
                Some(B::Unconfined) => h |= bit::PUX,
                _ => {}
            }
            if m.unsafe_ {
                h |= bit::UNSAFE;
            }
        }
        // `unsafe` and `safe` before the rule decide, even for `ix`
        match f.safety {
            Some(true) => h |= bit::UNSAFE,
            Some(false) => h &= !bit::UNSAFE,
            None => {}
        }
    }
    h
}

fn owner_mask(q: &Qualifiers) -> u32 {
    let shared = bit::CHANGE_PROFILE | bit::ONEXEC;
    match q.owner {
        Owner::Any => u32::MAX,
        Owner::Owner => bit::HALF | shared,
        Owner::Other => (bit::HALF << perms::OTHER_SHIFT) | shared,
    }
}

fn audit_of(q: &Qualifiers) -> bool {
    match q.mode {
        // a deny is quiet unless audited
        Mode::Deny => !q.audit,
        _ => q.audit,
    }
}

/// A `change_profile` rule as the reference's front end holds it.
struct ChangeEntry {
    span: Span,
    /// The profiles it may change to (`**` for any).
    target: String,
    /// The program it applies to on exec.
    onexec: Option<String>,
    /// `unsafe` was written.
    unsafe_: bool,
    mode: Mode,
    priority: i32,
}

struct Lowered {
    files: Vec<FileEntry>,
    changes: Vec<ChangeEntry>,
    /// The policy automaton's rules (the classes other than files).
    policy: Rules,
    caps: Caps,
    rlimits: Option<(u32, [u64; 16])>,
}

#[derive(Default)]
struct Caps {
    allow: u64,
    deny: u64,
    audit: u64,
    quiet: u64,
}

fn lower(p: &ResolvedProfile, abi: &Abi) -> Result<Lowered, Vec<Diagnostic>> {
    let mut errs = Vec::new();
    let mut l = Lowered {
        files: Vec::new(),
        changes: Vec::new(),
        policy: Rules::default(),
        caps: Caps::default(),
        rlimits: None,
    };
    let kernel_caps = abi.features.words("caps/mask");
    let mut merged = ipc::Merged::default();
    // what `all` implies comes after the profile's own rules
    let implied: Vec<crate::policy::Rule> = p
        .model
        .iter()
        .flatten()
        .filter(|r| matches!(r.kind, RuleKind::All))
        .flat_map(|r| all::implied_rules(r))
        .collect();
    for r in p.model.iter().flatten().map(|r| &**r).chain(&implied) {
        let q = &r.qualifiers;
        match &r.kind {
            RuleKind::File(f) => {
                let half = file_half(f);
                let mut perms = both(half) & owner_mask(q);
                let path = f.path.clone().unwrap_or_else(|| "/{**,}".to_string());
                let mut link = None;
                let mut target = None;
                match &f.target {
                    Some(t) if f.perms.exec && q.mode != Mode::Deny => target = Some(t.clone()),
                    Some(t) if f.perms.link => link = Some((t.clone(), f.subset)),
                    _ => {}
                }
                if f.path.is_none() {
                    perms = both(
                        bit::READ
                            | bit::WRITE
                            | bit::APPEND
                            | bit::LINK
                            | bit::LOCK
                            | bit::MMAP
                            | bit::EXEC
                            | bit::INHERIT,
                    ) & owner_mask(q);
                }
                l.files.push(FileEntry {
                    span: r.span,
                    name: path,
                    perms,
                    audit: audit_of(q),
                    mode: q.mode,
                    priority: q.priority,
                    link,
                    target,
                });
            }
            RuleKind::Link(k) => l.files.push(FileEntry {
                span: r.span,
                name: k.from.clone(),
                perms: perms::LINK_BITS & owner_mask(q),
                audit: audit_of(q),
                mode: q.mode,
                priority: q.priority,
                link: Some((k.to.clone(), k.subset)),
                target: None,
            }),
            RuleKind::ChangeProfile(c) => l.changes.push(ChangeEntry {
                span: r.span,
                target: c.target.clone().unwrap_or_else(|| "**".into()),
                onexec: c.exec.clone(),
                unsafe_: c.safety == Some(true),
                mode: q.mode,
                priority: q.priority,
            }),
            RuleKind::Capability(c) => {
                let mut mask = 0u64;
                if c.names.is_empty() {
                    mask = u64::MAX;
                }
                for n in &c.names {
                    let n = match crate::vocab::capability_backmap(n) {
                        Some(b) if !kernel_caps.contains(&n.as_str()) => b,
                        _ => n.as_str(),
                    };
                    match crate::vocab::capability_number(n) {
                        Some(k) if k < 64 => mask |= 1 << k,
                        _ => errs.push(unsupported(r.span, &format!("capability `{n}`"))),
                    }
                }
                match q.mode {
                    Mode::Deny => {
                        l.caps.deny |= mask;
                        if !q.audit {
                            l.caps.quiet |= mask;
                        }
                    }
                    _ => {
                        l.caps.allow |= mask;
                        if q.audit {
                            l.caps.audit |= mask;
                        }
                    }
                }
            }
            RuleKind::Rlimit(k) => {
                let Some(n) = crate::vocab::rlimit_number(&k.name) else {
                    errs.push(unsupported(r.span, &format!("rlimit `{}`", k.name)));
                    continue;
                };
                let (mask, values) = l.rlimits.get_or_insert((0, [0; 16]));
                *mask |= 1 << n;
                values[n as usize] = match k.value {
                    crate::vocab::RlimitValue::Infinity => u64::MAX,
                    crate::vocab::RlimitValue::Limit(v) => v,
                };
            }
            RuleKind::All => {
                l.policy.span = r.span;
                let implied = crate::policy::Rule {
                    qualifiers: all::qualifiers(q),
                    ..r.clone()
                };
                if let Err(d) = network::unix_implied(&implied, &all::unix(), abi, &mut l.policy)
                    .and_then(|()| {
                        network::network_alone(&implied, &all::network(), abi, &mut l.policy)
                    })
                {
                    errs.push(*d);
                }
                all::files(r, &mut l.files);
                all::caps(r, &mut l.caps);
            }
            RuleKind::Mqueue(m) => merged.mqueue(r, m),
            RuleKind::IoUring(u) => merged.io_uring(r, u),
            other => {
                l.policy.span = r.span;
                if let Err(d) = policydb(r, other, abi, &mut l.policy) {
                    errs.push(*d);
                }
            }
        }
    }
    errs.extend(merged.add_to(abi, &mut l.policy));
    // the mount family is merged across the profile first
    errs.extend(mount::mounts(
        p.model.iter().flatten().map(|r| &**r),
        abi,
        &mut l.policy,
    ));
    if errs.is_empty() { Ok(l) } else { Err(errs) }
}

/// The policy automaton's entries of one rule of a class other than
/// files, or why it cannot be compiled yet.
fn policydb(
    r: &crate::policy::Rule,
    kind: &RuleKind,
    abi: &Abi,
    rules: &mut Rules,
) -> Result<(), Box<Diagnostic>> {
    match kind {
        RuleKind::Signal(s) => ipc::signal(r, s, abi, rules),
        RuleKind::Ptrace(t) => ipc::ptrace(r, t, abi, rules),
        RuleKind::Userns(u) => ipc::userns(r, u, abi, rules),
        RuleKind::Dbus(d) => dbus::dbus(r, d, abi, rules),
        // compiled together, by `mount::mounts`
        RuleKind::Mount(_)
        | RuleKind::Remount(_)
        | RuleKind::Umount(_)
        | RuleKind::PivotRoot(_) => Ok(()),
        RuleKind::Network(n) => network::network(r, n, abi, rules),
        RuleKind::Unix(u) => network::unix(r, u, abi, rules),
        _ => Err(Box::new(unsupported(
            r.span,
            &format!("{} rules", family(kind)),
        ))),
    }
}

fn family(k: &RuleKind) -> &'static str {
    match k {
        RuleKind::File(_) => "file",
        RuleKind::Link(_) => "link",
        RuleKind::ChangeProfile(_) => "change_profile",
        RuleKind::Capability(_) => "capability",
        RuleKind::Rlimit(_) => "rlimit",
        RuleKind::All => "`all`",
        RuleKind::Network(_) => "network",
        RuleKind::Unix(_) => "unix",
        RuleKind::Dbus(_) => "dbus",
        RuleKind::Signal(_) => "signal",
        RuleKind::Ptrace(_) => "ptrace",
        RuleKind::Mqueue(_) => "mqueue",
        RuleKind::IoUring(_) => "io_uring",
        RuleKind::Userns(_) => "userns",
        RuleKind::Mount(_) => "mount",
        RuleKind::Remount(_) => "remount",
        RuleKind::Umount(_) => "umount",
        RuleKind::PivotRoot(_) => "pivot_root",
    }
}

/// The transition table: names at indices 4 to 15.
#[derive(Default)]
struct XTable {
    names: Vec<String>,
}

impl XTable {
    fn index(&mut self, name: &str) -> Option<u32> {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            return Some(i as u32 + 4);
        }
        if self.names.len() >= 12 {
            return None;
        }
        self.names.push(name.to_string());
        Some(self.names.len() as u32 + 3)
    }
}

/// The rules the reference implies for a profile that changes profile or
/// hat: reading whether AppArmor is on, writing `attr` (the owner's half
/// only, as the reference adds them).
fn proc_access(files: &mut Vec<FileEntry>, attr: &str, span: Span) {
    for (name, perms) in [
        ("/proc/*/attr/apparmor/", bit::READ),
        ("/sys/module/apparmor/parameters/enabled", bit::READ),
        (attr, bit::WRITE),
    ] {
        files.push(FileEntry {
            span,
            name: name.into(),
            perms,
            audit: false,
            mode: Mode::Allow,
            priority: 0,
            link: None,
            target: None,
        });
    }
}

/// The file automaton's entries of `change_profile` rules: the target
/// (change_profile and onexec), the exec path (onexec) and the pair.
fn change_rules(
    changes: &[ChangeEntry],
    span: Span,
    abi: &Abi,
    rules: &mut Rules,
) -> Result<(), Box<Diagnostic>> {
    let stacking = abi.features.has("domain/stack");
    for c in changes {
        rules.span = c.span;
        // without stacking the kernel gets the namespace and the name as
        // two fields (and cannot stack)
        let target = if stacking {
            glob(&c.target).map_err(|x| bad_glob(c.span, &c.target, x))?
        } else {
            let (ns, name) = match split_label(&c.target) {
                Some(x) => x,
                None => {
                    return Err(Box::new(Diagnostic::error(
                        code::UNSUPPORTED_FEATURE,
                        c.span,
                        format!(
                            "`{}`: this kernel cannot stack profiles on a change_profile",
                            c.target
                        ),
                    )));
                }
            };
            let name = glob(name).map_err(|x| bad_glob(c.span, name, x))?;
            match ns {
                Some(ns) => glob(ns)
                    .map_err(|x| bad_glob(c.span, ns, x))?
                    .then(Regex::byte(0))
                    .then(name),
                None => name,
            }
        };
        let exec = match &c.onexec {
            Some(e) => glob(e).map_err(|x| bad_glob(span, e, x))?,
            // every exec: `/[^/\x00][^\x00]*`
            None => Regex::Cat(vec![
                Regex::byte(b'/'),
                Regex::Set(crate::aare::ByteSet::not_slash()),
                Regex::Star(Box::new(Regex::Set(crate::aare::ByteSet::any()))),
            ]),
        };
        let mut onexec = bit::ONEXEC;
        rules.add(
            target.clone(),
            c.priority,
            c.mode,
            bit::CHANGE_PROFILE | onexec,
            0,
        );
        rules.add(exec.clone(), c.priority, c.mode, onexec, 0);
        if c.onexec.is_some() {
            onexec |= both(bit::EXEC);
            if c.unsafe_ {
                onexec |= both(bit::UNSAFE);
            }
        }
        rules.add(
            exec.then(Regex::byte(0)).then(target),
            c.priority,
            c.mode,
            onexec,
            0,
        );
    }
    Ok(())
}

/// A label split as the reference splits it for a kernel without
/// stacking: `:ns:name` or `:ns://name` into the namespace and the name;
/// `None` for a stacked label (`&...`).
fn split_label(label: &str) -> Option<(Option<&str>, &str)> {
    if label.starts_with('&') {
        return None;
    }
    match label.strip_prefix(':').and_then(|r| r.split_once(':')) {
        Some((ns, name)) => Some((Some(ns), name.strip_prefix("//").unwrap_or(name))),
        None => Some((None, label)),
    }
}

/// A set of entries and their expressions, about to become one automaton.
#[derive(Default)]
pub struct Rules {
    entries: Vec<Entry>,
    ids: HashMap<Entry, u32>,
    exprs: Vec<(Regex, u32)>,
    /// The rule each expression comes from.
    spans: Vec<Span>,
    /// The rule the next expressions come from.
    pub span: Span,
}

impl Rules {
    /// Add an expression and what it grants or denies where it matches:
    /// `perms`, and the bits of them that are audited (for an allow) or
    /// quieted (for a deny).
    pub fn add(&mut self, re: Regex, priority: i32, mode: Mode, perms: u32, audit: u32) {
        let kind = match mode {
            Mode::Deny => Kind::Deny,
            Mode::Prompt => Kind::Prompt,
            Mode::Allow if re.is_exact() => Kind::Exact,
            Mode::Allow => Kind::Allow,
        };
        let e = Entry {
            priority,
            kind,
            perms,
            audit,
        };
        let next = self.entries.len() as u32;
        let id = *self.ids.entry(e).or_insert(next);
        if id == next {
            self.entries.push(e);
        }
        self.exprs.push((re, id));
        self.spans.push(self.span);
    }
}

fn bad_glob(span: Span, text: &str, e: regex::GlobError) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(
        code::BAD_PATTERN,
        span,
        format!("`{text}`: {e}"),
    ))
}

/// The file automaton's rules, as the reference's `process_dfa_entry`.
fn file_rules(files: &[FileEntry], span: Span, rules: &mut Rules) -> Result<(), Box<Diagnostic>> {
    for e in files {
        rules.span = e.span;
        let name = filter_slashes(&e.name);
        let re = glob(&name).map_err(|x| bad_glob(span, &name, x))?;
        let audit = |p: u32| if e.audit { p } else { 0 };
        if e.mode == Mode::Deny {
            let p = e.perms & !(perms::LINK_BITS | bit::CHANGE_PROFILE);
            if p != 0 {
                rules.add(re.clone(), e.priority, e.mode, p, audit(p));
            }
        } else {
            rules.add(re.clone(), e.priority, e.mode, e.perms, audit(e.perms));
        }
        if e.perms & perms::LINK_BITS != 0 {
            let mut p = e.perms & perms::LINK_BITS;
            let to = match &e.link {
                Some((to, subset)) => {
                    let to = filter_slashes(to);
                    if *subset {
                        p |= (p << 1) & bit::LINK_SUBSET;
                    }
                    glob(&to).map_err(|x| bad_glob(span, &to, x))?
                }
                None => {
                    p |= (p << 1) & bit::LINK_SUBSET;
                    // `/[^/].*`
                    Regex::Cat(vec![
                        Regex::byte(b'/'),
                        Regex::Set(regex::any_byte().minus(&crate::aare::ByteSet::single(b'/'))),
                        Regex::Star(Box::new(Regex::Set(regex::any_byte()))),
                    ])
                }
            };
            let pair = re.then(Regex::byte(0)).then(to);
            rules.add(pair, e.priority, e.mode, p, audit(p & perms::LINK_BITS));
        }
    }
    Ok(())
}

/// An automaton's blob and the permission table its accept entries index
/// (empty for legacy accept tables).
struct Packed {
    blob: Vec<u8>,
    table: Vec<[u32; 14]>,
}

/// Build and label one automaton.
fn labelled(
    rules: &Rules,
    file: bool,
    abi: &Abi,
    opts: &Options,
    span: Span,
    st: &mut Stages,
) -> Result<Labelled, Box<Diagnostic>> {
    let mut clock = Instant::now();
    let built =
        build::build(&rules.exprs, opts.budget).map_err(|e| too_large(rules, opts, span, &e))?;
    let extended = abi.permstable >= 2;
    let mut cache: HashMap<Vec<u32>, (u32, u32)> = HashMap::new();
    let mut table: Vec<[u32; 14]> = Vec::new();
    let mut table_index: HashMap<StatePerms, u32> = HashMap::new();
    let mut a = Automaton {
        rows: built.rows,
        accept: Vec::with_capacity(built.tags.len()),
        accept2: Vec::with_capacity(built.tags.len()),
    };
    if extended {
        // index 0: no permissions
        let z = StatePerms::default();
        push_perms(&mut table, &z, file);
        table_index.insert(z, 0);
    }
    for tags in &built.tags {
        if let Some(w) = cache.get(tags) {
            a.accept.push(w.0);
            a.accept2.push(w.1);
            continue;
        }
        let es: Vec<&Entry> = tags.iter().map(|t| &rules.entries[*t as usize]).collect();
        let p = StatePerms::of(&es, file).map_err(|_| {
            Box::new(Diagnostic::error(
                code::CONFLICTING_EXEC,
                span,
                "rules of this profile give one executable conflicting exec transitions",
            ))
        })?;
        let w = if extended {
            let n = table.len() as u32 / if file { 2 } else { 1 };
            let idx = *table_index.entry(p).or_insert_with(|| {
                push_perms(&mut table, &p, file);
                n
            });
            (
                idx * if file { 2 } else { 1 },
                u32::from(file && abi.permstable >= 3),
            )
        } else {
            p.apply_deny().legacy()
        };
        cache.insert(tags.clone(), w);
        a.accept.push(w.0);
        a.accept2.push(w.1);
    }
    if extended {
        // the reference gives the start state the first entry (no
        // permissions) whatever it matches, and no owner flag to it and
        // the trap state
        a.accept[START_STATE as usize] = 0;
        if file && abi.permstable >= 3 {
            a.accept2[0] = 0;
            a.accept2[START_STATE as usize] = 0;
        }
    }
    let accept2 = !extended || (file && abi.permstable >= 3);
    Stages::lap(&mut st.automata, &mut clock);
    Ok(Labelled {
        automaton: a,
        table,
        accept2,
    })
}

/// An automaton with its accept words, before minimisation.
struct Labelled {
    automaton: Automaton,
    table: Vec<[u32; 14]>,
    /// Whether the kernel reads an ACCEPT2 table for it.
    accept2: bool,
}

/// Build, label, minimise and pack one automaton; `file` for the file
/// automaton (exec bits carry transitions, permission tables hold two
/// entries per set).
fn automaton(
    rules: &Rules,
    file: bool,
    abi: &Abi,
    opts: &Options,
    span: Span,
    st: &mut Stages,
) -> Result<Packed, Box<Diagnostic>> {
    let l = labelled(rules, file, abi, opts, span, st)?;
    Ok(Packed {
        blob: pack_blob(&[l.automaton], l.accept2, span, st)?,
        table: l.table,
    })
}

/// Minimise and pack an automaton into its `aadfa` blob; `accept2`:
/// whether the kernel reads an ACCEPT2 table for it. Several parts are
/// minimised apart and chained by out-of-band transitions, from every
/// accepting state of one to the start of the next (no state of one part
/// behaves as one of another: what follows them has as many out-of-band
/// steps as there are parts after theirs).
fn pack_blob(
    parts: &[Automaton],
    accept2: bool,
    span: Span,
    st: &mut Stages,
) -> Result<Vec<u8>, Box<Diagnostic>> {
    let mut clock = Instant::now();
    // numbered as the reference numbers states, for byte-identical tables
    let parts: Vec<Automaton> = parts
        .iter()
        .map(|a| {
            crate::aare::minimize::minimize_with(
                a,
                &crate::aare::minimize::MinimizeOptions::REFERENCE,
            )
        })
        .collect();
    Stages::lap(&mut st.minimise, &mut clock);
    let opts = crate::aare::pack::PackOptions {
        accept2,
        ..Default::default()
    };
    let packed = match parts.as_slice() {
        [a] => crate::aare::pack::pack(a, &opts),
        _ => {
            let (a, oob) = crate::aare::automaton::chain_out_of_band(&parts);
            crate::aare::pack::pack_with_oob(&a, &oob, &opts)
        }
    };
    let tables = packed.map_err(|e| {
        Box::new(Diagnostic::error(
            code::AUTOMATON_TOO_LARGE,
            span,
            format!("this profile's automaton cannot be packed: {e}"),
        ))
    })?;
    let blob = tables.to_blob();
    // what the kernel would refuse is never written
    let checks = crate::aare::pack::VerifyOptions {
        accept2,
        state32: opts.state32,
    };
    crate::aare::pack::verify_with(&blob, &checks).map_err(|e| {
        Box::new(Diagnostic::error(
            code::TABLES_FAIL_KERNEL_CHECKS,
            span,
            format!("this profile's packed automaton fails the kernel's checks: {e}"),
        ))
    })?;
    Stages::lap(&mut st.pack, &mut clock);
    Ok(blob)
}

/// The budget error, naming the rule whose automaton alone exceeds it, or
/// saying that the rules only exceed it together.
fn too_large(rules: &Rules, opts: &Options, profile: Span, e: &build::TooLarge) -> Box<Diagnostic> {
    Box::new(too_large_at(rules, opts, profile, e))
}

fn too_large_at(rules: &Rules, opts: &Options, profile: Span, e: &build::TooLarge) -> Diagnostic {
    for (i, x) in rules.exprs.iter().enumerate().take(5000) {
        if build::build(std::slice::from_ref(x), opts.budget).is_err() {
            let at = rules.spans.get(i).copied().unwrap_or(profile);
            return Diagnostic::error(
                code::AUTOMATON_TOO_LARGE,
                at,
                format!("this rule's automaton is too large: {e}"),
            )
            .help("write the pattern with fewer `**`: each one multiplies the states the next ones need")
            .note("raise the budget with --max-states if the policy really needs it");
        }
    }
    // together: the rules with the most unbounded repetitions multiply
    // each other's states
    let mut wild: Vec<(usize, usize)> = rules
        .exprs
        .iter()
        .enumerate()
        .map(|(i, x)| (stars(&x.0), i))
        .filter(|(n, _)| *n >= 2)
        .collect();
    wild.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    wild.truncate(6);
    let Some(&(_, first)) = wild.first() else {
        return Diagnostic::error(
            code::AUTOMATON_TOO_LARGE,
            profile,
            format!("this profile's automaton is too large: {e}"),
        )
        .note("no rule exceeds the budget alone; the profile's rules do together");
    };
    let mut d = Diagnostic::error(
        code::AUTOMATON_TOO_LARGE,
        rules.spans.get(first).copied().unwrap_or(profile),
        format!("this profile's automaton is too large: {e}"),
    )
    .note("no rule exceeds the budget alone: rules with several `**` multiply each other's states")
    .help("write these patterns with fewer `**` (a `*` stays within one path segment)");
    for &(_, i) in wild.iter().skip(1) {
        if let Some(sp) = rules.spans.get(i) {
            d = d.label(*sp, "this rule multiplies the states too");
        }
    }
    d
}

/// How many unbounded repetitions an expression has.
fn stars(r: &Regex) -> usize {
    match r {
        Regex::Star(x) => 1 + stars(x),
        Regex::Cat(v) | Regex::Alt(v) => v.iter().map(stars).sum(),
        _ => 0,
    }
}

/// The kernel's permission entries of a state (two for the file
/// automaton: the owner's and everyone else's).
fn push_perms(table: &mut Vec<[u32; 14]>, p: &StatePerms, file: bool) {
    use crate::binpolicy::perms::{legacy_file, legacy_policy, map_old_perms, map_other};
    let (a1, a2) = p.legacy();
    let a3 = p.prompt;
    if file {
        let f = legacy_file(a1, a2);
        for (mut e, shift) in [(f.user, 0), (f.other, perms::OTHER_SHIFT)] {
            e.prompt = map_old_perms((a3 >> shift) & 0x7f) & !(e.allow | e.deny);
            table.push(e.to_words());
        }
    } else {
        // the reference computes entries for every state, the trap too
        let mut e = legacy_policy(1, a1, a2, 8);
        e.prompt = (a3 & 0x7f) | (a3 & 0x8000_0000) | map_other((a3 >> 14) & 0x7f);
        table.push(e.to_words());
    }
}

/// The policy automaton's class markers: which classes this policy
/// mediates.
fn policy_rules(flags: &ProfileFlags, abi: &Abi, rules: &mut Rules) {
    let f = &abi.features;
    let mark = |rules: &mut Rules, bytes: &[u8], priority: i32| {
        rules.add(Regex::literal(bytes), priority, Mode::Allow, bit::READ, 0);
    };
    if f.supports_userns() {
        mark(rules, &[class::NS], perms::MIN_INTERNAL_PRIORITY);
    }
    if matches!(
        flags.mode,
        ProfileMode::Unconfined | ProfileMode::DefaultAllow
    ) {
        return;
    }
    let max = perms::MAX_INTERNAL_PRIORITY;
    if abi.kernel_abi > 5 {
        mark(rules, &[class::FILE], max);
    }
    if f.supports_mount() {
        mark(rules, &[class::MOUNT], max);
    }
    if f.supports_dbus() {
        mark(rules, &[class::DBUS], max);
    }
    if f.supports_signal() {
        mark(rules, &[class::SIGNAL], max);
    }
    if f.supports_ptrace() {
        mark(rules, &[class::PTRACE], max);
    }
    if f.supports_network_v8() {
        mark(rules, &[class::NETV8], max);
    }
    if f.supports_network_v9() && f.supports_unix() {
        mark(rules, &[class::NETV9], max);
        // the reference writes the family as `\\000` then `1`: an octal
        // NUL and the character `1`
        mark(rules, &[class::NETV9, 0, b'1'], max);
    } else if f.supports_unix() {
        mark(rules, &[class::NET], max);
        mark(rules, &[class::NET, 0, b'1'], max);
    }
    if f.supports_posix_mqueue() {
        mark(rules, &[class::POSIX_MQUEUE], max);
    }
    if f.supports_sysv_mqueue() {
        mark(rules, &[class::SYSV_MQUEUE], max);
    }
    if f.supports_io_uring() {
        mark(rules, &[class::IO_URING], perms::MIN_INTERNAL_PRIORITY);
    }
}

/// The first byte of each class's entries in the policy automaton.
pub mod class {
    pub const FILE: u8 = 2;
    pub const NET: u8 = 4;
    pub const MOUNT: u8 = 7;
    pub const PTRACE: u8 = 9;
    pub const SIGNAL: u8 = 10;
    pub const NETV8: u8 = 14;
    pub const NETV9: u8 = 15;
    pub const NS: u8 = 21;
    pub const POSIX_MQUEUE: u8 = 17;
    pub const SYSV_MQUEUE: u8 = 18;
    pub const IO_URING: u8 = 22;
    pub const NETV9_SKB: u8 = 30;
    pub const DBUS: u8 = 32;
    /// Not a class of its own: the peer label that follows another's
    /// entry.
    pub const LABEL: u8 = 16;

    /// The class a first byte stands for, in words.
    pub fn name(c: u8) -> Option<&'static str> {
        Some(match c {
            FILE => "file",
            NET => "network",
            MOUNT => "mount",
            PTRACE => "ptrace",
            SIGNAL => "signal",
            NETV8 | NETV9 | NETV9_SKB => "network",
            NS => "userns",
            POSIX_MQUEUE | SYSV_MQUEUE => "mqueue",
            IO_URING => "io_uring",
            DBUS => "dbus",
            LABEL => "label",
            _ => return None,
        })
    }
}

/// Whether the kernel `policy` is compiled for (`opts`' features and
/// those of its `abi`) reads network rules from the legacy table, by
/// family and type, which the reference writes for the whole file into
/// every record, rather than from the policy automaton.
pub fn network_by_table(
    policy: &Policy,
    search: &crate::resolve::SearchPath,
    opts: &Options,
) -> bool {
    let abi_file = abi_features(policy, search);
    let abi = Abi::of(&opts.features, abi_file.as_ref());
    let f = &abi.features;
    f.supports_network() && !(f.supports_network_v8() || f.supports_network_v9())
}

/// The permission words of a class of the policy automaton, each with the
/// bits its entries carry as a policy with a permission table holds them:
/// the one table by which `query`, `logs` and `diff` name such bits and
/// ask for them. Empty for a class without words here.
pub fn perm_words(c: u8) -> Vec<(&'static str, u32)> {
    match c {
        class::SIGNAL => ipc::signal_words(),
        class::PTRACE => ipc::ptrace_words(),
        class::NS => ipc::userns_words(),
        class::DBUS => dbus::words(),
        class::MOUNT => mount::words(),
        class::NET | class::NETV8 | class::NETV9 => network::words(),
        _ => Vec::new(),
    }
}

fn profile_record(
    p: &ResolvedProfile,
    full: &str,
    nested: bool,
    abi: &Abi,
    net: Option<&network::LegacyTable>,
    opts: &Options,
    st: &mut Stages,
) -> Result<Vec<u8>, Vec<Diagnostic>> {
    // the record's writing is what its time leaves when the stages it
    // calls are taken out
    let start = Instant::now();
    let before = *st;
    let mut clock = start;
    let mut l = lower(p, abi)?;
    let flags = ProfileFlags::of(&p.flags);
    let hat = matches!(p.keyword, ProfileKeyword::Hat | ProfileKeyword::Caret);
    // named transitions
    let mut xtable = XTable::default();
    for e in &mut l.files {
        let Some(t) = e.target.take() else { continue };
        let local_mods = bit::LOCAL;
        let name = if (e.perms & bit::MODS) == local_mods
            || ((e.perms >> perms::OTHER_SHIFT) & bit::MODS) == local_mods
        {
            if t == e.name {
                None
            } else {
                Some(format!("{}//{t}", p.name))
            }
        } else {
            Some(t)
        };
        let n = match name {
            None => 3,
            Some(name) => xtable.index(&name).ok_or_else(|| {
                vec![Diagnostic::error(
                    code::TOO_MANY_TRANSITIONS,
                    p.span,
                    "more than 12 named exec transitions in one profile",
                )]
            })?,
        };
        let mut mods = 0;
        if e.perms & bit::EXEC != 0 {
            mods |= n << bit::MOD_SHIFT;
        }
        if e.perms & (bit::EXEC << perms::OTHER_SHIFT) != 0 {
            mods |= n << (bit::MOD_SHIFT + perms::OTHER_SHIFT);
        }
        let all_mods = bit::MODS | (bit::MODS << perms::OTHER_SHIFT);
        e.perms = (e.perms & !all_mods) | mods;
    }
    // change_profile needs its /proc interfaces
    if !l.changes.is_empty() {
        proc_access(
            &mut l.files,
            "/proc/*/attr/{apparmor/,}{current,exec}",
            p.span,
        );
    }
    // a hat, or a profile with hats (the reference counts child
    // profiles among them), may change hat through /proc
    if hat || !p.children.is_empty() {
        proc_access(
            &mut l.files,
            "/proc/[0-9]*/attr/{apparmor/,}current",
            p.span,
        );
    }

    Stages::lap(&mut st.lower, &mut clock);
    let mut w = Writer::default();
    w.u32(Some("version"), abi.version());
    let (ns, name) = split_namespace(full);
    // a child keeps no namespace of its own: the reference writes its
    // record without one, named after its parent's name
    if let Some(ns) = ns.filter(|_| !nested) {
        w.string(Some("namespace"), ns);
    }
    w.struct_(Some("profile"));
    w.string(None, name);
    // the attachment
    if let Some((blob, len)) = xmatch(p, nested, abi, opts, st).map_err(|d| vec![*d])? {
        w.aligned_blob("aadfa", &blob);
        w.u32(None, len);
    }
    if let Some(d) = &flags.disconnected_path {
        w.string(Some("disconnected"), &disconnected(d));
    }
    // the kernel's own signal and errno numbers, where it takes them (the
    // reference ignores them otherwise, with a warning)
    let signal = flags
        .kill_signal
        .as_deref()
        .and_then(crate::vocab::signal_number);
    if let Some(n) = signal.filter(|&n| n != 0) {
        if abi.features.supports_flag_kill_signal() {
            w.u32(Some("kill"), n);
        }
    }
    let error = flags.error.as_deref().and_then(crate::vocab::errno_number);
    if let Some(n) = error.filter(|&n| n != 0) {
        if abi.features.supports_flag_error() {
            w.u32(Some("error"), n as u32);
        }
    }
    w.struct_(Some("flags"));
    let mut fbits = 0;
    if hat {
        fbits |= 1;
    }
    if flags.debug {
        fbits |= 2;
    }
    if flags.interruptible && abi.features.supports_flag_interruptible() {
        fbits |= 8;
    }
    w.u32(None, fbits);
    w.u32(None, flags.mode.packed());
    w.u32(None, u32::from(flags.audit));
    w.struct_end();
    if flags.path != 0 {
        w.u32(Some("path_flags"), flags.kernel_path_flags());
    }
    let c = &l.caps;
    let allowed = c.allow & !c.deny;
    let dq = c.deny & c.quiet;
    for (v, high) in [(false, 0), (true, 32)] {
        if v {
            w.struct_(Some("caps64"));
        }
        w.u32(None, (allowed >> high) as u32);
        w.u32(None, ((allowed & c.audit) >> high) as u32);
        w.u32(None, (dq >> high) as u32);
        w.u32(None, 0);
        if v {
            w.struct_end();
        }
    }
    let names = xattrs(p);
    if !names.is_empty() && abi.xattrs() {
        w.struct_(Some("xattrs"));
        w.array(None, names.len() as u16);
        for (n, _) in &names {
            w.string(None, n);
        }
        w.array_end();
        w.struct_end();
    }
    if let Some((mask, values)) = l.rlimits {
        w.struct_(Some("rlimits"));
        w.u32(None, mask);
        w.array(None, 16);
        for v in values {
            w.u64(None, v);
        }
        w.array_end();
        w.struct_end();
    }
    if let Some(t) = net {
        w.array(Some("net_allowed_af"), network::AF_MAX as u16);
        for e in t.entries() {
            for v in e {
                w.u16(None, v);
            }
        }
        w.array_end();
    }
    // the policy automaton
    let mut clock = Instant::now();
    let mut prules = std::mem::take(&mut l.policy);
    policy_rules(&flags, abi, &mut prules);
    Stages::lap(&mut st.lower, &mut clock);
    if !prules.exprs.is_empty() {
        let Packed { blob, table } =
            automaton(&prules, false, abi, opts, p.span, st).map_err(|d| vec![*d])?;
        w.struct_(Some("policydb"));
        write_dfa(&mut w, &blob, &table, false, abi);
        if abi.permstable >= 1 {
            write_xtable(&mut w, &xtable);
        }
        w.struct_end();
    }
    // the file automaton
    let mut clock = Instant::now();
    let mut frules = Rules::default();
    file_rules(&l.files, p.span, &mut frules).map_err(|d| vec![*d])?;
    change_rules(&l.changes, p.span, abi, &mut frules).map_err(|d| vec![*d])?;
    Stages::lap(&mut st.lower, &mut clock);
    if !frules.exprs.is_empty() {
        let Packed { blob, table } =
            automaton(&frules, true, abi, opts, p.span, st).map_err(|d| vec![*d])?;
        write_dfa(&mut w, &blob, &table, true, abi);
        write_xtable(&mut w, &xtable);
    }
    w.struct_end();
    let elapsed = start.elapsed();
    let inner = (st.lower + st.automata + st.minimise + st.pack)
        .saturating_sub(before.lower + before.automata + before.minimise + before.pack);
    st.write += elapsed.saturating_sub(inner);
    Ok(w.buf)
}

fn write_dfa(w: &mut Writer, blob: &[u8], table: &[[u32; 14]], file: bool, abi: &Abi) {
    if abi.permstable >= 2 && !table.is_empty() {
        w.struct_(Some("perms"));
        w.u32(Some("version"), 1);
        w.array(None, table.len() as u16);
        for e in table {
            for v in e {
                w.u32(None, *v);
            }
        }
        w.array_end();
        w.struct_end();
        if file && abi.permstable >= 3 {
            w.u32(Some("permsv"), 3);
        }
    }
    w.aligned_blob("aadfa", blob);
}

fn write_xtable(w: &mut Writer, x: &XTable) {
    if x.names.is_empty() {
        return;
    }
    w.struct_(Some("xtable"));
    w.array(None, x.names.len() as u16);
    for n in &x.names {
        let mut b = n.as_bytes().to_vec();
        b.push(0);
        // `:ns:name` is written `:ns\0name`
        if b.first() == Some(&b':') {
            if let Some(i) = b[1..].iter().position(|&c| c == b':') {
                b[i + 1] = 0;
            }
        }
        w.strn(None, &b);
    }
    w.array_end();
    w.struct_end();
}

/// A disconnected path as the reference passes it on: slashes filtered,
/// trailing ones dropped.
fn disconnected(path: &str) -> String {
    let mut p = filter_slashes(path);
    while p.ends_with('/') {
        p.pop();
    }
    p
}

/// `:ns:name` or `:ns://name` split into the namespace and the name.
fn split_namespace(full: &str) -> (Option<&str>, &str) {
    if let Some(rest) = full.strip_prefix(':') {
        if let Some((ns, name)) = rest.split_once(':') {
            return (Some(ns), name.strip_prefix("//").unwrap_or(name));
        }
    }
    (None, full)
}

/// The attachment automaton and the length the kernel ranks it by, when
/// the profile attaches by a pattern.
fn xmatch(
    p: &ResolvedProfile,
    nested: bool,
    abi: &Abi,
    opts: &Options,
    st: &mut Stages,
) -> Result<Option<(Vec<u8>, u32)>, Box<Diagnostic>> {
    let _ = nested;
    let xattrs = xattrs(p);
    let (_, written) = split_namespace(&p.name);
    // a profile named by a path attaches to it (its last component, for
    // `/a//b`), as if that were written as the attachment
    let implied = p.attachment.is_none() && written.starts_with('/');
    let name = match &p.attachment {
        Some(a) => filter_slashes(a),
        None => {
            let local = written.rsplit("//").next().unwrap_or(written);
            filter_slashes(local)
        }
    };
    let re = glob(&name).map_err(|e| bad_glob(p.span, &name, e))?;
    let basic = re.is_exact() && !name.contains(['{', '[', '*', '?']);
    // a plain name that is no path attaches to nothing
    if basic && p.attachment.is_none() && !implied && xattrs.is_empty() && p.altnames.is_empty() {
        return Ok(None);
    }
    // the names aliases give it are alternatives of the same automaton
    let mut alts = vec![re];
    for a in &p.altnames {
        let a = filter_slashes(a);
        alts.push(glob(&a).map_err(|e| bad_glob(p.span, &a, e))?);
    }
    let legacy = Abi {
        kernel_abi: abi.kernel_abi,
        permstable: -1,
        features: abi.features.clone(),
        kernel: abi.kernel.clone(),
    };
    let part = |res: &[Regex], st: &mut Stages| {
        let mut rules = Rules::default();
        for re in res {
            rules.add(re.clone(), 0, Mode::Allow, bit::EXEC, 0);
        }
        labelled(&rules, false, &legacy, opts, p.span, st).map(|l| l.automaton)
    };
    let mut parts = vec![part(&alts, st)?];
    // the reference matches xattrs only where the kernel can (else it
    // warns and attaches by the path alone)
    if abi.xattrs() {
        for (_, value) in &xattrs {
            // a NUL, then the value (any, when none is given); a `*`
            // matches NULs too
            let v = value.as_deref().unwrap_or("**");
            let value = regex::xattr_value(v).map_err(|e| bad_glob(p.span, v, e))?;
            parts.push(part(&[Regex::byte(0).then(value)], st)?);
        }
    }
    let blob = pack_blob(&parts, true, p.span, st)?;
    let len = simplify::min_match_len(&alts.iter().collect::<Vec<_>>());
    Ok(Some((blob, len as u32)))
}

/// The xattrs a profile attaches by, as the reference lists them: the
/// last written first, each with its value when one is given with `=`.
fn xattrs(p: &ResolvedProfile) -> Vec<(String, Option<String>)> {
    use crate::syntax::ast::{CondOp, Elem};
    let mut v: Vec<(String, Option<String>)> = p
        .header
        .iter()
        .filter_map(|e| match e {
            Elem::CondList { name, conds, .. } if name.text == "xattrs" => Some(conds),
            _ => None,
        })
        .flatten()
        .map(|c| {
            let value = match c.op {
                CondOp::Eq => c.values.first().map(|w| w.text.clone()),
                CondOp::In => None,
            };
            (c.name.text.clone(), value)
        })
        .collect();
    v.reverse();
    v
}

/// The features of the policy's first `abi` file, read from the search
/// path as the reference reads it (its lookups stop at a stray `}`);
/// `None` without an `abi` rule or when the file cannot be read (the
/// checks report that).
pub fn abi_features(policy: &Policy, search: &crate::resolve::SearchPath) -> Option<Features> {
    if policy.preamble_abis == 0 {
        return None;
    }
    let (name, angle) = policy.abis.first()?;
    match (name.as_str(), angle) {
        // the kernel's own features: nothing to intersect with
        ("kernel", true) => return None,
        ("default", true) => return Some(Features::reference_default()),
        _ => {}
    }
    let path = search.find(name, *angle)?;
    let bytes = search.fs.read_bytes(&path, crate::resolve::MAX_FILE_SIZE)?;
    Some(Features::parse_lossy(&String::from_utf8_lossy(&bytes)).0)
}
