//! What several rules need to know about a resolved profile's file rules:
//! qualifiers, path, permissions, exec mode and target, and — computed only
//! when asked, since most pairs of rules are told apart by their literal
//! prefixes — the path's automaton and an example path it matches.

use crate::aare::{self, Literals, Pattern};
use crate::check::file::Perms;
use crate::check::{Family, family};
use crate::memo::Memo;
use crate::policy;
use crate::resolve::{Policy, ResolvedProfile};
use crate::source::{FileId, Span};
use crate::syntax::ast::{Elem, PrefixItem, Qualifier, Rule, Word, WordKind};
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

/// What is known of one (expanded, slash-collapsed) path text, computed
/// once per run and shared by every profile whose rules use it: most
/// rules come from abstractions that every profile includes.
#[derive(Debug)]
pub struct PathInfo {
    /// Its literal beginnings and end.
    pub literals: Literals,
    pattern: OnceLock<Option<Pattern>>,
    example: OnceLock<Option<String>>,
    /// What was decided against other paths (by their text): whether
    /// this one covers it, and a path both match, remembered by a
    /// [`Cache::for_every_path`]: in every version of a file the language
    /// server checks, the same pairs recur.
    covers: Memo<String, bool>,
    overlaps: Memo<String, Option<String>>,
}

/// How many pairs each path remembers (see [`PathInfo`]'s memos).
const PAIRS_PER_PATH: usize = 1 << 12;

/// How many paths a [`Cache::for_every_path`] keeps before it starts
/// afresh (a bound on what typing new paths can add).
const MAX_EVERY_PATH: usize = 1 << 16;

/// The [`PathInfo`] of every path met in a run, shared by its threads.
#[derive(Debug, Default)]
pub struct Cache {
    paths: Mutex<HashMap<String, Arc<PathInfo>>>,
    /// Keep the linted files' own paths too, not only the includes'
    /// (see [`Cache::for_every_path`]), and what per-profile rules found
    /// in each profile.
    every_path: bool,
    /// (rule, profile key) -> the rule's findings in the profile (see
    /// [`crate::lint::Context::per_profile`]).
    found: Memo<(&'static str, u64), Arc<Kept>>,
}

/// What a rule found in one profile, kept for the file's next version:
/// spans in `file` are moved by how far the profile moved from `base`.
#[derive(Debug)]
pub struct Kept {
    pub file: FileId,
    /// Where the profile started.
    pub base: u32,
    pub found: Vec<crate::diag::Diagnostic>,
}

/// How many (rule, profile) findings a lasting cache keeps.
const KEPT_PROFILES: usize = 1 << 12;

impl PathInfo {
    fn new(norm: &str) -> PathInfo {
        PathInfo {
            literals: Literals::of(norm),
            pattern: OnceLock::new(),
            example: OnceLock::new(),
            covers: Memo::with_limit(PAIRS_PER_PATH),
            overlaps: Memo::with_limit(PAIRS_PER_PATH),
        }
    }
}

impl Cache {
    /// A cache that keeps what it learns of the linted file's own paths
    /// as well: for a server that lints new versions of the same file,
    /// where they recur. (A run over a tree keeps only the includes'
    /// paths, which recur across its profiles; its files' own do not.)
    pub fn for_every_path() -> Cache {
        Cache {
            every_path: true,
            found: Memo::with_limit(KEPT_PROFILES),
            ..Cache::default()
        }
    }

    /// Whether per-profile findings are kept (by a cache for every path).
    pub fn keeps_findings(&self) -> bool {
        self.every_path
    }

    pub fn kept_findings(&self, key: &(&'static str, u64)) -> Option<Arc<Kept>> {
        self.found.get(key)
    }

    pub fn keep_findings(&self, key: (&'static str, u64), kept: Kept) {
        self.found.insert(key, Arc::new(kept));
    }

    pub fn get(&self, norm: &str) -> Arc<PathInfo> {
        let mut m = self
            .paths
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(i) = m.get(norm) {
            return i.clone();
        }
        if self.every_path && m.len() >= MAX_EVERY_PATH {
            m.clear();
        }
        let info = Arc::new(PathInfo::new(norm));
        m.insert(norm.to_string(), info.clone());
        info
    }
}

/// The file rules of every profile of a policy, children included.
pub struct Facts<'a> {
    pub profiles: Vec<ProfileFacts<'a>>,
}

pub struct ProfileFacts<'a> {
    pub profile: &'a ResolvedProfile,
    /// The profile's full name (`parent//child` for children).
    pub full_name: String,
    /// Its file rules in order (alias copies left out).
    pub files: Vec<FileRule<'a>>,
    /// Every other rule (capability, network, mount, ...).
    pub others: Vec<&'a Rule>,
    /// The file rules by literal prefix, built on first use.
    index: OnceCell<PrefixIndex>,
    /// What per-profile rules can see of the profile, hashed (see
    /// [`crate::lint::Context::per_profile`]), computed on first use.
    pub(crate) key: OnceCell<Option<u64>>,
}

/// Profiles with more file rules than this are searched through a
/// [`PrefixIndex`].
const INDEX_FROM: usize = 2000;

/// File rules by the literal prefixes of their paths, to find the rules
/// whose paths may overlap a given one without comparing it with every
/// rule of the profile (a profile can hold hundreds of thousands).
#[derive(Default)]
struct PrefixIndex {
    /// prefix -> rules with that prefix
    exact: HashMap<String, Vec<usize>>,
    /// every (prefix, rule), sorted, for "prefixes that start with"
    sorted: Vec<(String, usize)>,
}

impl<'a> ProfileFacts<'a> {
    /// The bare `file,` rules (every permission on every path), with
    /// whether each denies.
    pub fn bare_file_rules(&self) -> impl Iterator<Item = (&'a Rule, bool)> + '_ {
        self.others
            .iter()
            .filter(|r| family(r) == Family::File)
            .map(|r| (*r, qualifiers(&r.prefix).0))
    }

    /// The file rules with a path whose pattern matches `path`.
    pub fn files_matching<'s>(&'s self, path: &'s str) -> impl Iterator<Item = &'s FileRule<'a>> {
        self.files
            .iter()
            .filter(move |r| r.pattern().is_some_and(|p| p.matches(path)))
    }

    fn index(&self) -> &PrefixIndex {
        self.index.get_or_init(|| {
            let mut ix = PrefixIndex::default();
            for (i, f) in self.files.iter().enumerate() {
                for (p, _) in &f.info().literals.prefixes {
                    ix.exact.entry(p.clone()).or_default().push(i);
                    ix.sorted.push((p.clone(), i));
                }
            }
            ix.sorted.sort();
            ix
        })
    }

    /// The indices of the file rules whose paths may overlap the path of
    /// `f` (one literal prefix is a prefix of the other), `f` itself
    /// included, in rule order. A superset of the rules that overlap,
    /// cover, or are covered by `f`.
    pub fn candidates(&self, f: &FileRule) -> Candidates {
        // building the index costs more than it saves on usual profiles
        if self.files.len() <= INDEX_FROM {
            return Candidates::All(0..self.files.len());
        }
        let ix = self.index();
        // a bit per rule: the rules found, in rule order, each once
        let mut found = vec![0u64; self.files.len().div_ceil(64)];
        let mut mark = |v: &[usize]| {
            for &i in v {
                found[i / 64] |= 1 << (i % 64);
            }
        };
        for (pb, _) in &f.info().literals.prefixes {
            // rules whose prefix is a prefix of `pb`
            for (k, _) in pb.char_indices().chain(std::iter::once((pb.len(), ' '))) {
                if let Some(v) = ix.exact.get(&pb[..k]) {
                    mark(v);
                }
            }
            // rules whose prefix starts with `pb`
            let from = ix.sorted.partition_point(|(p, _)| p.as_str() < pb.as_str());
            for (p, i) in &ix.sorted[from..] {
                if !p.starts_with(pb.as_str()) {
                    break;
                }
                mark(std::slice::from_ref(i));
            }
        }
        Candidates::Some(Bits {
            words: found,
            at: 0,
        })
    }
}

/// The rules [`ProfileFacts::candidates`] gives: all of them, or those an
/// index found.
pub enum Candidates {
    All(std::ops::Range<usize>),
    Some(Bits),
}

/// A set of rule indices, iterated in increasing order.
pub struct Bits {
    words: Vec<u64>,
    /// the first index not yet given
    at: usize,
}

impl Iterator for Bits {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        while let Some(&w) = self.words.get(self.at / 64) {
            let rest = w & (!0u64 << (self.at % 64));
            if rest != 0 {
                let i = (self.at / 64) * 64 + rest.trailing_zeros() as usize;
                self.at = i + 1;
                return Some(i);
            }
            self.at = (self.at / 64 + 1) * 64;
        }
        None
    }
}

impl Iterator for Candidates {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        match self {
            Candidates::All(r) => r.next(),
            Candidates::Some(v) => v.next(),
        }
    }
}

/// One file rule of a resolved profile.
pub struct FileRule<'a> {
    pub rule: &'a Rule,
    /// Written in the file being linted (not in an include).
    pub local: bool,
    pub deny: bool,
    pub audit: bool,
    pub owner: bool,
    pub other: bool,
    pub priority: i64,
    /// The path as written (its text has variables expanded).
    pub path: &'a Word,
    /// The path as the compiler reads it ([`policy::file::path_pattern`]:
    /// `@{PROC}/` expands to `/proc//`, read as `/proc/`).
    pub norm: &'a str,
    pub perms: Perms,
    /// The permission word as written (expanded), if any.
    pub mode: Option<&'a Word>,
    /// `-> target` (an exec or link target).
    pub target: Option<&'a str>,
    cache: &'a Cache,
    info: OnceCell<Arc<PathInfo>>,
}

impl<'a> Facts<'a> {
    pub fn new(policy: &'a Policy, file: FileId, cache: &'a Cache) -> Facts<'a> {
        let mut profiles = Vec::new();
        for p in &policy.profiles {
            collect(p, None, file, cache, &mut profiles);
        }
        Facts { profiles }
    }
}

fn collect<'a>(
    p: &'a ResolvedProfile,
    parent: Option<&str>,
    file: FileId,
    cache: &'a Cache,
    out: &mut Vec<ProfileFacts<'a>>,
) {
    let full_name = match parent {
        Some(par) => format!("{par}//{}", p.name),
        None => p.name.clone(),
    };
    let mut seen: HashSet<Span> = HashSet::new();
    let mut files = Vec::new();
    let mut others = Vec::new();
    for (r, m) in p.rules.iter().zip(&p.model) {
        // alias copies share the span of the rule they copy
        if !seen.insert(r.span) {
            continue;
        }
        match (family(r), m) {
            (Family::File, Some(m)) => match FileRule::of(r, m, file, cache) {
                Some(f) => files.push(f),
                None => others.push(&**r),
            },
            _ => others.push(&**r),
        }
    }
    let name = full_name.clone();
    out.push(ProfileFacts {
        profile: p,
        full_name,
        files,
        others,
        index: OnceCell::new(),
        key: OnceCell::new(),
    });
    for c in &p.children {
        collect(c, Some(&name), file, cache, out);
    }
}

/// The qualifiers of a rule's prefix: (deny, audit, owner, other, priority).
pub fn qualifiers(prefix: &[PrefixItem]) -> (bool, bool, bool, bool, i64) {
    let (mut deny, mut audit, mut owner, mut other, mut priority) = (false, false, false, false, 0);
    for p in prefix {
        match p {
            PrefixItem::Qualifier(Qualifier::Deny, _) => deny = true,
            PrefixItem::Qualifier(Qualifier::Audit, _) => audit = true,
            PrefixItem::Qualifier(Qualifier::Owner, _) => owner = true,
            PrefixItem::Qualifier(Qualifier::Other, _) => other = true,
            PrefixItem::Priority { value, .. } => priority = value.text.parse().unwrap_or(0),
            _ => {}
        }
    }
    (deny, audit, owner, other, priority)
}

impl<'a> FileRule<'a> {
    /// The file-rule view of a rule and its value in the policy model;
    /// `None` for `file,` with no path.
    pub fn of(
        rule: &'a Rule,
        model: &'a policy::Rule,
        file: FileId,
        cache: &'a Cache,
    ) -> Option<FileRule<'a>> {
        let policy::RuleKind::File(f) = &model.kind else {
            return None;
        };
        let q = &model.qualifiers;
        // where the path and the permissions were written, for messages
        // and fixes; what they mean comes from the model
        let mut path = None;
        let mut mode = None;
        for e in &rule.elems {
            match e {
                Elem::Word(w) if w.kind == WordKind::Mode => mode = Some(w),
                Elem::Word(w)
                    if matches!(w.kind, WordKind::Id | WordKind::SetVar) && path.is_none() =>
                {
                    path = Some(w)
                }
                _ => {}
            }
        }
        Some(FileRule {
            rule,
            local: rule.span.file == file,
            deny: q.mode == policy::Mode::Deny,
            audit: q.audit,
            owner: q.owner == policy::Owner::Owner,
            other: q.owner == policy::Owner::Other,
            priority: i64::from(q.priority),
            path: path?,
            perms: f.perms.clone(),
            mode,
            target: f.target.as_deref(),
            norm: f.path.as_deref()?,
            cache,
            info: OnceCell::new(),
        })
    }

    /// What is known of the path: shared across the run for the rules of
    /// includes (met again in every profile that includes them), the rule's
    /// own for rules of the linted file (met once).
    pub fn info(&self) -> &PathInfo {
        self.info.get_or_init(|| {
            if self.local && !self.cache.every_path {
                Arc::new(PathInfo::new(self.norm))
            } else {
                self.cache.get(self.norm)
            }
        })
    }

    /// The path's automaton (`None` if the path is not a valid pattern).
    pub fn pattern(&self) -> Option<&Pattern> {
        self.info()
            .pattern
            .get_or_init(|| Pattern::parse(self.norm).ok())
            .as_ref()
    }

    /// A shortest path this rule's pattern matches.
    pub fn example(&self) -> Option<&str> {
        self.info()
            .example
            .get_or_init(|| self.pattern().and_then(aare::example))
            .as_deref()
    }

    /// Whether `self` could match `path`, judged by literal prefixes only
    /// (a cheap necessary condition for [`Pattern::matches`]).
    pub fn may_match(&self, path: &str) -> bool {
        self.info().literals.may_match(path)
    }

    /// Whether the paths of `self` and `other` could overlap, judged by
    /// literal prefixes only.
    pub fn may_overlap(&self, other: &FileRule) -> bool {
        self.info().literals.may_overlap(&other.info().literals)
    }

    /// Whether every path `other` matches is matched by `self`.
    pub fn covers_paths(&self, other: &FileRule) -> bool {
        if self.norm == other.norm {
            return true;
        }
        // covering implies overlapping: rule most pairs out by their
        // literal prefixes and suffixes before building anything
        if !self.may_overlap(other) {
            return false;
        }
        let Some(ex) = other.example() else {
            return false;
        };
        if !self.may_match(ex) {
            return false;
        }
        let decide = || match (self.pattern(), other.pattern()) {
            (Some(a), Some(b)) => a.matches(ex) && aare::includes(a, b),
            _ => false,
        };
        if self.cache.every_path {
            self.info().covers.get_or(other.norm, decide)
        } else {
            decide()
        }
    }

    /// Whether every path the pattern `pat` (written `text`, with `ex` a
    /// path it matches) matches is matched by `self`: [`Self::covers_paths`]
    /// for a path that is no rule's (an attachment), remembered alike.
    pub fn covers_pattern(&self, text: &str, pat: &Pattern, ex: &str) -> bool {
        if !self.may_match(ex) {
            return false;
        }
        let decide = || {
            self.pattern()
                .is_some_and(|q| q.matches(ex) && aare::includes(q, pat))
        };
        if self.cache.every_path {
            self.info().covers.get_or(text, decide)
        } else {
            decide()
        }
    }

    /// A path both rules match, if any.
    pub fn overlap(&self, other: &FileRule) -> Option<String> {
        if !self.may_overlap(other) {
            return None;
        }
        let decide = || aare::overlap(self.pattern()?, other.pattern()?);
        if self.cache.every_path {
            self.info().overlaps.get_or(other.norm, decide)
        } else {
            decide()
        }
    }

    /// The permission letters, for messages.
    pub fn mode_text(&self) -> &str {
        self.mode.map_or("", |m| m.text.as_str())
    }
}

/// Whether perms `a` grant at least what `b` grants (exec modes and
/// targets aside: `w` includes `a`).
pub fn perms_cover(a: &Perms, b: &Perms) -> bool {
    (!b.read || a.read)
        && (!b.write || a.write)
        && (!b.append || a.append || a.write)
        && (!b.link || a.link)
        && (!b.lock || a.lock)
        && (!b.mmap || a.mmap)
        && (!b.exec || a.exec)
}

/// Every item of a syntax tree, in reading order, descending into
/// profiles, blocks and both branches of conditionals.
pub fn visit<'a>(
    items: &'a [crate::syntax::ast::Item],
    f: &mut impl FnMut(&'a crate::syntax::ast::Item),
) {
    use crate::syntax::ast::{Else, Item};
    for i in items {
        f(i);
        match i {
            Item::Profile(p) => visit(&p.items, f),
            Item::Block { items, .. } => visit(items, f),
            Item::If(c) => {
                visit(&c.then, f);
                let mut e = &c.otherwise;
                while let Some(x) = e {
                    match x {
                        Else::If(g) => {
                            visit(&g.then, f);
                            e = &g.otherwise;
                        }
                        Else::Block(items, _) => {
                            visit(items, f);
                            break;
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Every rule of a syntax tree, in reading order (inside profiles, blocks
/// and conditionals).
pub fn ast_rules(items: &[crate::syntax::ast::Item]) -> Vec<&Rule> {
    let mut out = Vec::new();
    visit(items, &mut |i| {
        if let crate::syntax::ast::Item::Rule(r) = i {
            out.push(r);
        }
    });
    out
}

/// Every resolved profile of a policy, children and hats after their
/// parent.
pub fn all_profiles(policy: &Policy) -> Vec<&ResolvedProfile> {
    fn walk<'a>(p: &'a ResolvedProfile, out: &mut Vec<&'a ResolvedProfile>) {
        out.push(p);
        for c in &p.children {
            walk(c, out);
        }
    }
    let mut out = Vec::new();
    for p in &policy.profiles {
        walk(p, &mut out);
    }
    out
}

/// Every include of a syntax tree (in profiles, blocks and conditionals),
/// with the item that holds it.
pub fn ast_includes(
    items: &[crate::syntax::ast::Item],
) -> Vec<(&crate::syntax::token::IncludeTok, &crate::syntax::ast::Item)> {
    let mut out = Vec::new();
    visit(items, &mut |i| {
        if let crate::syntax::ast::Item::Include { inc, .. } = i {
            out.push((inc, i));
        }
    });
    out
}

/// Every profile of a syntax tree (children and hats included).
pub fn ast_profiles(items: &[crate::syntax::ast::Item]) -> Vec<&crate::syntax::ast::Profile> {
    let mut out = Vec::new();
    visit(items, &mut |i| {
        if let crate::syntax::ast::Item::Profile(p) = i {
            out.push(&**p);
        }
    });
    out
}
