//! The linter: a registry of rules that look for mistakes which are legal
//! policy but wrong, dangerous or untidy.
//!
//! A rule is a function from a [`Context`] (one file: its syntax tree with
//! trivia, and the policy it resolves to, includes and variables expanded)
//! to diagnostics. Each rule lives in its own file under [`rules`], with its
//! documentation in the file's doc comment; [`registry`] lists them.
//! [`lint`] runs the enabled rules, then applies the file's suppression
//! comments ([`suppress`]) to everything found, the front end's findings
//! included. [`fix`] applies the edits rules attach to their findings.

pub mod config;
pub mod facts;
pub mod fix;
pub mod registry;
pub mod rules;
pub mod suppress;

use crate::diag::{Code, Diagnostic, Severity};
use crate::resolve::{Options, Outcome, Policy, SearchPath, Session};
use crate::source::{FileId, Span};
use crate::syntax::ast;
use crate::syntax::lexer::Trivia;
use serde::Serialize;
use std::cell::OnceCell;
use std::path::Path;

pub use facts::Cache;
pub use registry::{RULES, Rule};

/// What kind of mistake a rule finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// The policy does not do what its author meant.
    Correctness,
    /// The policy grants more than it should.
    Security,
    /// Layout and conventions (off unless selected or a preset asks).
    Style,
    /// The policy behaves differently on other kernels or distributions.
    Portability,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Correctness => "correctness",
            Category::Security => "security",
            Category::Style => "style",
            Category::Portability => "portability",
        }
    }

    pub const ALL: [Category; 4] = [
        Category::Correctness,
        Category::Security,
        Category::Style,
        Category::Portability,
    ];
}

/// Whether a rule's findings come with a fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    /// No fix.
    None,
    /// A fix that never changes what the kernel enforces.
    Safe,
    /// A fix that changes the policy (applied with `--unsafe-fixes`).
    Unsafe,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Safe => "safe",
            FixAvailability::Unsafe => "unsafe",
        }
    }
}

/// A rule's fixed properties, declared in its file.
#[derive(Clone, Copy, Debug)]
pub struct RuleDef {
    /// Stable code and kebab-case name; the code's severity is the rule's
    /// default severity.
    pub code: Code,
    pub category: Category,
    /// Whether the rule runs without being selected.
    pub default_on: bool,
    pub fix: FixAvailability,
}

/// Style conventions: which project's layout the style rules expect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum Preset {
    /// The AppArmor project's own profiles.
    #[default]
    #[serde(rename = "upstream")]
    Upstream,
    /// The apparmor.d project's conventions (roddhjav/apparmor.d).
    #[serde(rename = "apparmor.d")]
    ApparmorD,
}

impl Preset {
    pub fn parse(s: &str) -> Option<Preset> {
        match s {
            "upstream" => Some(Preset::Upstream),
            "apparmor.d" | "apparmor-d" | "apparmord" => Some(Preset::ApparmorD),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Upstream => "upstream",
            Preset::ApparmorD => "apparmor.d",
        }
    }
}

/// Read access to the files of a run, for rules that name or quote places
/// outside the file being linted.
pub trait SourceView {
    /// (file name, line, column) of a span's start.
    fn position(&self, span: Span) -> (String, usize, usize);
    /// The text a span covers.
    fn slice(&self, span: Span) -> String;
    /// A hash of a file's name and text (see [`crate::source::SourceFile::digest`]).
    fn digest(&self, file: FileId) -> u64;
}

impl SourceView for Session {
    fn position(&self, span: Span) -> (String, usize, usize) {
        let s = self.sources();
        let (l, c) = s.line_col(span);
        (s.name(span.file).to_string(), l, c)
    }

    fn slice(&self, span: Span) -> String {
        self.sources().slice(span).to_string()
    }

    fn digest(&self, file: FileId) -> u64 {
        self.sources().get(file).map_or(0, |f| f.digest())
    }
}

impl SourceView for crate::source::SourceMap {
    fn position(&self, span: Span) -> (String, usize, usize) {
        let (l, c) = self.line_col(span);
        (self.name(span.file).to_string(), l, c)
    }

    fn slice(&self, span: Span) -> String {
        crate::source::SourceMap::slice(self, span).to_string()
    }

    fn digest(&self, file: FileId) -> u64 {
        self.get(file).map_or(0, |f| f.digest())
    }
}

/// Everything a rule can look at for one file.
pub struct Context<'a> {
    pub file: FileId,
    /// The file's text.
    pub text: &'a str,
    /// The name shown for the file (its path as given, or `-`).
    pub name: &'a str,
    /// The file's syntax tree and its comments and newlines.
    pub ast: &'a ast::File,
    pub trivia: &'a [Trivia],
    /// The resolved policy: includes spliced in, variables expanded; every
    /// rule keeps the span it was written at (in this file or an include).
    pub policy: &'a Policy,
    /// Where includes and abi files are looked up.
    pub search: &'a SearchPath,
    pub preset: Preset,
    /// The other files of the run (includes), for messages that name or
    /// quote another place.
    pub sources: &'a dyn SourceView,
    /// What is known of paths, shared by the files of a run.
    pub cache: &'a facts::Cache,
    facts: OnceCell<facts::Facts<'a>>,
    lines: OnceCell<crate::source::LineIndex>,
}

impl<'a> Context<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        file: FileId,
        text: &'a str,
        name: &'a str,
        ast: &'a ast::File,
        trivia: &'a [Trivia],
        policy: &'a Policy,
        search: &'a SearchPath,
        preset: Preset,
        sources: &'a dyn SourceView,
        cache: &'a facts::Cache,
    ) -> Context<'a> {
        Context {
            file,
            text,
            name,
            ast,
            trivia,
            policy,
            search,
            preset,
            sources,
            cache,
            facts: OnceCell::new(),
            lines: OnceCell::new(),
        }
    }

    /// `FILE:LINE:COL` of a span.
    pub fn locate(&self, span: Span) -> String {
        let (f, l, c) = self.sources.position(span);
        format!("{f}:{l}:{c}")
    }

    /// The name of the file a span is in.
    pub fn file_of(&self, span: Span) -> String {
        self.sources.position(span).0
    }

    /// A word as it is written (variables unexpanded), in this file or an
    /// include; its expanded text if the source is not at hand.
    pub fn written(&self, w: &ast::Word) -> String {
        let s = if w.span.file == self.file {
            self.slice(w.span).to_string()
        } else {
            self.sources.slice(w.span)
        };
        if s.is_empty() { w.text.clone() } else { s }
    }

    /// The span of a profile's name, given the profile's span (the whole
    /// profile, as resolved profiles record it).
    pub fn name_span(&self, profile: Span) -> Span {
        facts::ast_profiles(&self.ast.items)
            .into_iter()
            .find(|p| p.span == profile)
            .map_or(profile, |p| p.name.span)
    }

    /// Where a statement starts. An include's span starts at its file name;
    /// this is the `include` (or `#include`) keyword before it.
    pub fn stmt_start(&self, item: &ast::Item) -> u32 {
        let span = item.span();
        if !matches!(item, ast::Item::Include { .. }) || span.file != self.file {
            return span.start;
        }
        let s = span.start as usize;
        let line = self.text[..s].rfind('\n').map_or(0, |i| i + 1);
        let before = &self.text[line..s];
        let lead = before.len() - before.trim_start().len();
        let kw = before.trim();
        let ok = [
            "#include",
            "include",
            "include if exists",
            "#include if exists",
        ]
        .iter()
        .any(|k| kw.split_whitespace().eq(k.split_whitespace()));
        if ok { (line + lead) as u32 } else { span.start }
    }

    /// An item's span from its statement start.
    pub fn stmt_span(&self, item: &ast::Item) -> Span {
        let span = item.span();
        Span {
            start: self.stmt_start(item),
            ..span
        }
    }

    /// Where a profile's attachment is written (its name's span if none).
    pub fn attachment_span(&self, profile: Span) -> Span {
        facts::ast_profiles(&self.ast.items)
            .into_iter()
            .find(|p| p.span == profile)
            .and_then(|p| {
                p.header.iter().find_map(|e| match e {
                    ast::Elem::Word(w) => Some(w.span),
                    _ => None,
                })
            })
            .unwrap_or_else(|| self.name_span(profile))
    }

    /// Where a profile's flag is written (its name's span if not found).
    pub fn flag_span(&self, profile: Span, flag: &str) -> Span {
        facts::ast_profiles(&self.ast.items)
            .into_iter()
            .find(|p| p.span == profile)
            .and_then(|p| {
                p.header.iter().find_map(|e| match e {
                    ast::Elem::Flags { values, .. } => {
                        values.iter().find(|w| w.text == flag).map(|w| w.span)
                    }
                    _ => None,
                })
            })
            .unwrap_or_else(|| self.name_span(profile))
    }

    /// Whether a span lies in the file being linted (not in an include).
    pub fn is_local(&self, span: Span) -> bool {
        span.file == self.file
    }

    /// The source text a span of this file covers.
    pub fn slice(&self, span: Span) -> &'a str {
        if span.file != self.file {
            return "";
        }
        self.text.get(span.range()).unwrap_or("")
    }

    /// Where the file's lines start, computed once.
    pub fn lines(&self) -> &crate::source::LineIndex {
        self.lines
            .get_or_init(|| crate::source::LineIndex::new(self.text))
    }

    /// The file rules of every resolved profile, computed once.
    pub fn facts(&self) -> &facts::Facts<'a> {
        self.facts
            .get_or_init(|| facts::Facts::new(self.policy, self.file, self.cache))
    }

    /// Run `check`, a rule's look at one profile's file rules, on every
    /// profile, adding its findings to `out`. A lasting cache (the
    /// language server's) keeps each profile's findings, by what the rule
    /// can see of it ([`Self::profile_key`]), for the next version of the
    /// file: an edit elsewhere in the file, which at most moves the
    /// profile, then costs no new look (the findings are moved with it).
    pub fn per_profile(
        &self,
        rule: &RuleDef,
        out: &mut Vec<Diagnostic>,
        check: impl Fn(&facts::ProfileFacts<'a>, &mut Vec<Diagnostic>),
    ) {
        for pf in &self.facts().profiles {
            let Some(key) = self
                .cache
                .keeps_findings()
                .then(|| *pf.key.get_or_init(|| self.profile_key(pf)))
                .flatten()
            else {
                check(pf, out);
                continue;
            };
            let base = pf.profile.span.start;
            let moved = |from: FileId, by: i64| {
                move |s: Span| {
                    if s.file != from {
                        return s;
                    }
                    let shift = |o: u32| (i64::from(o) + by).clamp(0, i64::from(u32::MAX)) as u32;
                    Span {
                        file: self.file,
                        start: shift(s.start),
                        end: shift(s.end),
                    }
                }
            };
            let key = (rule.code.id, key);
            if let Some(kept) = self.cache.kept_findings(&key) {
                let by = i64::from(base) - i64::from(kept.base);
                for d in &kept.found {
                    let mut d = d.clone();
                    d.map_spans(moved(kept.file, by));
                    out.push(d);
                }
                continue;
            }
            let mut found = Vec::new();
            check(pf, &mut found);
            self.cache.keep_findings(
                key,
                facts::Kept {
                    file: self.file,
                    base,
                    found: found.clone(),
                },
            );
            out.extend(found);
        }
    }

    /// Everything a per-profile rule can see of profile `pf`, hashed:
    /// its text and where it starts (line and column, which messages
    /// quote), its full name, attachment and flags as resolved, and its
    /// file rules as resolved (spans in
    /// this file relative to the profile's start, those in includes with
    /// their file's digest). `None` for a profile not written in this
    /// file, or one whose rules are written outside it.
    fn profile_key(&self, pf: &facts::ProfileFacts) -> Option<u64> {
        use std::hash::{Hash, Hasher};
        let span = pf.profile.span;
        if span.file != self.file {
            return None;
        }
        let within = |s: Span| s.file != self.file || (span.start <= s.start && s.end <= span.end);
        let rel = |s: Span| {
            if s.file == self.file {
                (None, s.start - span.start, s.end - span.start)
            } else {
                (Some(s.file), s.start, s.end)
            }
        };
        let mut h = crate::digest::hasher();
        self.name.hash(&mut h);
        self.sources.position(span).hash(&mut h);
        self.slice(span).hash(&mut h);
        let p = pf.profile;
        (&pf.full_name, &p.attachment, &p.flags, p.synthetic).hash(&mut h);
        let mut files: Vec<FileId> = Vec::new();
        for f in &pf.files {
            let spans = [Some(f.rule.span), Some(f.path.span), f.mode.map(|m| m.span)];
            for s in spans.into_iter().flatten() {
                if !within(s) {
                    return None;
                }
                rel(s).hash(&mut h);
                if s.file != self.file && files.last() != Some(&s.file) {
                    files.push(s.file);
                }
            }
            (f.local, f.deny, f.audit, f.owner, f.other, f.priority).hash(&mut h);
            (&f.norm, &f.perms, f.target, &f.path.text).hash(&mut h);
            f.mode.map(|m| &m.text).hash(&mut h);
        }
        files.sort_unstable();
        files.dedup();
        for f in files {
            (f, self.sources.digest(f)).hash(&mut h);
        }
        Some(h.finish())
    }

    /// Whether the file defines at least one profile (abstractions and
    /// tunables do not; an abstraction checked as a profile body does not
    /// count).
    pub fn has_profiles(&self) -> bool {
        self.policy.profiles.iter().any(|p| !p.synthetic)
    }

    /// A span of this file: bytes `start..end`.
    pub fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }
}

/// Which rules run, and at which severity.
#[derive(Clone, Debug)]
pub struct Settings {
    /// By registry index.
    pub enabled: Vec<bool>,
    pub severity: Vec<Severity>,
    pub preset: Preset,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            enabled: RULES.iter().map(|r| r.def.default_on).collect(),
            severity: RULES.iter().map(|r| r.def.code.severity).collect(),
            preset: Preset::Upstream,
        }
    }
}

impl Settings {
    /// Every rule on, style rules included.
    pub fn all() -> Settings {
        Settings {
            enabled: vec![true; RULES.len()],
            ..Settings::default()
        }
    }

    /// Only the given rule on.
    pub fn only(code: &str) -> Settings {
        Settings {
            enabled: RULES.iter().map(|r| r.def.code.id == code).collect(),
            ..Settings::default()
        }
    }

    pub fn is_enabled(&self, code: &str) -> bool {
        registry::index_of(code).is_some_and(|i| self.enabled[i])
    }
}

/// Run the enabled rules over one file and apply its suppression comments
/// to their findings and to `front_end` (what `check` found in this run).
/// Returns every diagnostic to report, in no set order.
pub fn lint(cx: &Context, front_end: Vec<Diagnostic>, settings: &Settings) -> Vec<Diagnostic> {
    let mut found: Vec<Diagnostic> = Vec::new();
    for (i, rule) in RULES.iter().enumerate() {
        if !settings.enabled[i] {
            continue;
        }
        let mut out = Vec::new();
        (rule.check)(cx, &mut out);
        // a rule may grade its findings (unconfined-exec makes plain `ux`
        // an error); a severity set in the configuration overrides that
        let configured = settings.severity[i];
        for mut d in out {
            if configured != rule.def.code.severity {
                d.severity = configured;
            }
            found.push(d);
        }
    }
    let mut all = front_end;
    all.extend(found);
    suppress::apply(cx, all, settings)
}

/// Which fixes `lint_source` applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixMode {
    Off,
    Safe,
    /// Safe and unsafe fixes.
    Unsafe,
}

/// The result of linting one file.
#[derive(Debug, Default)]
pub struct FileResult {
    /// The file as loaded (the last version, after fixes).
    pub file: Option<FileId>,
    pub diagnostics: Vec<Diagnostic>,
    /// The fixed text, when fixes changed it.
    pub fixed: Option<fix::Fixed>,
    /// The text as read, when fixes changed it.
    pub original: Option<String>,
    /// The file's top-level profiles: name (variables expanded) and where
    /// the name is written (for checks across files).
    pub profiles: Vec<(String, Span)>,
    /// The set variables as they stood after the file (as read) was
    /// resolved, and the files it included, in reading order.
    pub vars: crate::resolve::vars::ByName<crate::resolve::vars::SetVar>,
    pub read: Vec<FileId>,
}

/// What linting needs besides the file: the session its includes are read
/// into, the include options, which rules run, and the paths' cache.
#[derive(Clone, Copy)]
pub struct Linter<'a> {
    pub session: &'a Session,
    pub opts: &'a Options,
    pub settings: &'a Settings,
    pub cache: &'a facts::Cache,
}

/// Check and lint one file (from `text`, or read from `path`), applying
/// fixes when asked; the fixed text is returned, not written.
pub fn lint_source(
    run: &Linter,
    name: &str,
    path: Option<&Path>,
    text: Option<String>,
    mode: FixMode,
) -> FileResult {
    let Linter {
        session,
        opts,
        settings,
        cache,
    } = *run;
    let outcome = match (text, path) {
        (Some(t), _) => session.check_text(name, path, t, opts),
        (None, Some(p)) => session.check_path(p, name, opts),
        (None, None) => session.check_text(name, None, String::new(), opts),
    };
    let diags = lint_outcome(session, &outcome, name, opts, settings, cache);
    let profiles = top_profiles(&outcome);
    let Some(file) = outcome.file.filter(|_| mode != FixMode::Off) else {
        return FileResult {
            file: outcome.file,
            diagnostics: diags,
            profiles,
            vars: outcome.policy.vars,
            read: outcome.read,
            ..FileResult::default()
        };
    };
    let (vars, read) = (outcome.policy.vars, outcome.read);
    let original = session.sources().text(file).to_string();
    let lint_text = |t: &str| {
        let o = session.check_text(name, path, t.to_string(), opts);
        let d = lint_outcome(session, &o, name, opts, settings, cache);
        (o.file.unwrap_or_default(), d)
    };
    // the newest version linted: each pass lints the text the last left
    let mut last = (file, diags);
    let fixed = fix::fix_until_stable(&original, mode == FixMode::Unsafe, |t| {
        if session.sources().text(last.0) != t {
            last = lint_text(t);
        }
        last.clone()
    });
    let (file, diagnostics) = if session.sources().text(last.0) == fixed.text {
        last
    } else {
        lint_text(&fixed.text)
    };
    let changed = fixed.text != original;
    FileResult {
        file: Some(file),
        diagnostics,
        fixed: changed.then_some(fixed),
        original: changed.then_some(original),
        profiles,
        vars,
        read,
    }
}

/// The top-level profiles a file defines itself, with their name spans.
fn top_profiles(outcome: &Outcome) -> Vec<(String, Span)> {
    let (Some(file), Some(parsed)) = (outcome.file, &outcome.parsed) else {
        return Vec::new();
    };
    let names: Vec<&ast::Profile> = parsed
        .ast
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Profile(p) => Some(&**p),
            _ => None,
        })
        .collect();
    outcome
        .policy
        .profiles
        .iter()
        .filter(|p| p.span.file == file)
        .filter_map(|p| {
            let ap = names.iter().find(|a| a.span == p.span)?;
            Some((p.name.clone(), ap.name.span))
        })
        .collect()
}

/// Findings across the files linted together (duplicate profile names),
/// when their rules are on in `settings`.
pub fn across_files(results: &[&FileResult], settings: &Settings) -> Vec<Diagnostic> {
    if !settings.is_enabled(rules::duplicate_profile::RULE.code.id) {
        return Vec::new();
    }
    let names: Vec<Vec<(String, Span)>> = results.iter().map(|r| r.profiles.clone()).collect();
    rules::duplicate_profile::across_files(&names)
}

/// Lint a checked file.
pub fn lint_outcome(
    session: &Session,
    outcome: &Outcome,
    name: &str,
    opts: &Options,
    settings: &Settings,
    cache: &facts::Cache,
) -> Vec<Diagnostic> {
    let (Some(file), Some(parsed)) = (outcome.file, &outcome.parsed) else {
        return outcome.diagnostics.clone();
    };
    let text = session.sources().text(file).to_string();
    // the rules walk the tree: a deep one on a stack sized for it
    crate::stack::deep(parsed.depth, || {
        let cx = Context::new(
            file,
            &text,
            name,
            &parsed.ast,
            &parsed.trivia,
            &outcome.policy,
            &opts.search,
            settings.preset,
            session,
            cache,
        );
        lint(&cx, outcome.diagnostics.clone(), settings)
    })
}

/// A finding of `rule` at `span`.
pub fn finding(rule: &RuleDef, span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(rule.code, message).at(span, "")
}

#[cfg(test)]
mod tests;
