//! Resolution: includes spliced in, variables expanded, conditionals
//! evaluated, every rule and profile header handed to the checks in
//! [`crate::check`]; the result is a [`Policy`] plus diagnostics.
//!
//! Each file is read and parsed at most once per [`Session`], however many
//! profiles include it. Within one block an include of a file already
//! included there is skipped silently, as apparmor_parser does; an include
//! that would re-enter a file on the current include chain is reported as a
//! cycle and skipped.

pub mod include;
mod order;
pub mod tree;
pub mod vars;

use crate::check::{self, ProfileState};
use crate::diag::{Diagnostic, Severity, code};
use crate::features::Features;
use crate::memo::Memo;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, Elem, Item, PrefixItem, ProfileKeyword, Word, WordKind};
use crate::syntax::{self, Parsed};
use crate::vfs::Vfs;
pub use include::SearchPath;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use vars::{ExpandError, Vars, var_name};

/// The deepest include chain followed.
pub const MAX_INCLUDE_DEPTH: usize = 64;
/// Files larger than this are refused.
pub const MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub search: SearchPath,
    pub features: Features,
    /// Warn about rules the kernel described by `features` does not
    /// enforce (set when the features were given explicitly, `-M`).
    pub warn_unsupported: bool,
    /// Check files written to be included as what they are: tunables as a
    /// preamble read after `<tunables/global>`, abstractions, `local/` and
    /// `*.d` include folders as the body of a profile (see [`is_fragment`])
    /// rather than rejecting their rules as outside of any profile.
    pub fragments: bool,
}

/// Whether a file read on its own is a fragment of a profile's body: it
/// lies where abstractions do (see [`tree::fragment_dir`]) and holds rules
/// or hats outside of any profile, or only includes. Its profiles, if any,
/// are then child profiles.
pub fn is_fragment(path: Option<&Path>, search: &SearchPath, ast: &ast::File) -> bool {
    is_fragment_in(tree::fragment_dir(path, search), ast)
}

/// [`is_fragment`] for a file in a folder of the kind `dir`.
fn is_fragment_in(dir: Option<tree::FragmentDir>, ast: &ast::File) -> bool {
    let rules = ast.items.iter().any(|i| match i {
        Item::Rule(_) | Item::Block { .. } | Item::If(_) => true,
        // a hat has no place outside a profile: a file of hats is a body
        Item::Profile(p) => matches!(p.keyword, ProfileKeyword::Hat | ProfileKeyword::Caret),
        _ => false,
    });
    let profiles = ast.items.iter().any(|i| matches!(i, Item::Profile(_)));
    let includes = ast.items.iter().any(|i| matches!(i, Item::Include { .. }));
    dir == Some(tree::FragmentDir::Body) && (rules || (includes && !profiles))
}

/// Files read and parsed in one run, shared by every policy checked in it
/// and by every thread checking them: each file is read and parsed once.
#[derive(Default)]
pub struct Session {
    sources: Mutex<SourceMap>,
    /// canonical path -> the parse of that file (or why it could not be read)
    parsed: Mutex<HashMap<PathBuf, Arc<OnceLock<Loaded>>>>,
    /// include name resolution, valid for the search path it was made with
    targets: Mutex<TargetCache>,
    canonical: Mutex<HashMap<PathBuf, PathBuf>>,
    /// [`tree::fragment_dir`] by folder, for one search path.
    fragment_dirs: Mutex<FragmentDirCache>,
    /// A session that lasts across versions of the files (the language
    /// server's): a file read again takes the place of its earlier text
    /// (see [`Session::lasting`] and [`Session::refresh`]).
    lasting: bool,
    /// canonical path -> a digest of the text `parsed` holds for it
    digests: Mutex<HashMap<PathBuf, u64>>,
    /// The overlaps of exec rules' patterns decided (by their texts): the
    /// same pairs recur in every profile that includes the same
    /// abstractions, and in every version of a file the server sees.
    exec_overlaps: Memo<(String, String), Option<String>>,
    /// The patterns of exec rules, by their text: the same rules recur in
    /// every profile that includes the same abstractions.
    exec_patterns: Memo<String, Option<Arc<crate::aare::Pattern>>>,
    /// What an include read first in a file's preamble left behind (the
    /// tunables every profile file starts with), valid for the search path
    /// it was read with: see [`Walker::preamble_include`].
    preambles: Mutex<PreambleCache>,
    /// What an include in a profile's body brought in, when nothing in it
    /// depended on more than its files and the variables its rules name,
    /// valid for the search path it was read with: see
    /// [`Walker::body_include`].
    bodies: Mutex<BodyCache>,
    /// The tries of alias tables (by the table), which every file of a
    /// tree reads from the same tunables: see [`apply_aliases`].
    alias_tries: Memo<Vec<(String, String)>, Arc<PrefixTrie>>,
    /// Rules of included files expanded, checked and lowered, by the rule
    /// and what it was read in (see [`Walker::rule`]).
    rules: Memo<RuleKey, Arc<RuleDone>>,
    /// The features and warning setting `rules` were checked with, and a
    /// number that changes with them (part of every key).
    rule_epoch: Mutex<(Option<(Features, bool)>, u64)>,
}

/// A rule (its file and place) and a digest of what it was read in: the
/// epoch of the options, whether in a hat, and what each variable it
/// refers to expands to.
type RuleKey = (FileId, u32, u32, u64);

/// A rule as [`Walker::rule`] leaves it: expanded, lowered, and the
/// findings of its checks (without the include chain).
type RuleDone = (
    Arc<ast::Rule>,
    Option<Arc<crate::policy::Rule>>,
    Vec<Diagnostic>,
);

/// The most rules a session remembers before it starts afresh.
const MAX_RULES: usize = 1 << 18;

/// The state an include read first in a preamble leaves behind.
#[derive(Clone)]
struct Preamble {
    vars: Vars,
    aliases: Vec<(String, String, Span)>,
    abis: Vec<(String, bool)>,
    read: Vec<FileId>,
    included: Vec<PathBuf>,
}

/// What a profile body's include brought in ([`Walker::body_include`]).
struct Body {
    /// The files it read, in the order read.
    read: Vec<FileId>,
    /// The files it added to the profile's included set (canonical).
    included: Vec<PathBuf>,
    /// The files it skipped as included before it.
    skipped: Vec<PathBuf>,
    /// The abis its files name.
    abis: Vec<(String, bool)>,
    /// The exec rules it added (none of which it found before it).
    exec: crate::check::file::ExecAdded,
    /// Each variable its rules refer to, with the digest of its values.
    vars: Vec<(String, u64)>,
    /// Its findings, without the notes of the chain it was read in.
    diags: Vec<Diagnostic>,
    rules: Vec<Arc<ast::Rule>>,
    model: Vec<Option<Arc<crate::policy::Rule>>>,
}

/// An include in a profile's body: its name, `<>`, `if exists`, whether in
/// a hat, and the epoch of the options.
type BodyKey = (String, bool, bool, bool, u64);

/// [`tree::fragment_dir`] by folder, under one search path.
type FragmentDirCache = (
    Option<SearchPath>,
    HashMap<PathBuf, Option<tree::FragmentDir>>,
);

/// The map of a cache kept for one search path (`targets`,
/// `preambles`, `bodies`, `fragment_dirs`), emptied when it is asked for
/// under another.
fn for_search<'a, K, V>(
    cache: &'a mut (Option<SearchPath>, HashMap<K, V>),
    search: &SearchPath,
) -> &'a mut HashMap<K, V> {
    if cache.0.as_ref() != Some(search) {
        cache.1.clear();
        cache.0 = Some(search.clone());
    }
    &mut cache.1
}

/// Bodies' includes read under one search path.
type BodyCache = (Option<SearchPath>, HashMap<BodyKey, Arc<Body>>);

/// Preambles read under one search path, by include name.
type PreambleCache = (Option<SearchPath>, HashMap<(String, bool), Arc<Preamble>>);

/// The most exec-rule overlaps a session remembers before it starts
/// afresh (a bound on what typing new patterns can add).
const MAX_EXEC_OVERLAPS: usize = 1 << 18;

type Loaded = Result<Arc<Parsed>, String>;
type Targets = Result<Vec<PathBuf>, String>;
/// Include names resolved under one search path.
type TargetCache = (Option<SearchPath>, HashMap<(String, bool), Targets>);

/// Read access to the files of a session (for rendering diagnostics).
pub struct Sources<'a>(MutexGuard<'a, SourceMap>);

impl std::ops::Deref for Sources<'_> {
    type Target = SourceMap;
    fn deref(&self) -> &SourceMap {
        &self.0
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // a panic while holding the lock cannot leave these maps inconsistent
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A digest of a file's text (to tell a changed file from one read
/// before).
fn digest(text: &str) -> u64 {
    crate::digest::of(text)
}

/// A resolved profile, hat or child profile.
#[derive(Clone, Debug)]
pub struct ResolvedProfile {
    pub name: String,
    pub keyword: ProfileKeyword,
    pub span: Span,
    pub attachment: Option<String>,
    pub flags: Vec<String>,
    /// Everything written after the name (attachment, flags, xattrs...),
    /// variables expanded.
    pub header: Vec<Elem>,
    pub rules: Vec<Arc<ast::Rule>>,
    /// Each rule of `rules` lowered into the policy model, at the same
    /// index: `None` where it is invalid or the compiler drops it.
    pub model: Vec<Option<Arc<crate::policy::Rule>>>,
    /// The rule blocks and conditional branches taken, as ranges of
    /// `rules`, innermost first: the reference compiler collects the rules
    /// of each in an order of its own, and numbers the kernel's transition
    /// table in that order. Empty ranges too (an empty block, or where a
    /// conditional ends, whichever branch was taken): the reference
    /// deletes a temporary profile there, which loses its legacy network
    /// table.
    pub blocks: Vec<RuleBlock>,
    pub children: Vec<ResolvedProfile>,
    /// The other names `alias` rules give the attachment, in the order
    /// the reference adds them to the attachment's automaton.
    pub altnames: Vec<String>,
    /// Not a profile of the policy: the body a fragment (an abstraction
    /// checked on its own) was resolved into.
    pub synthetic: bool,
}

/// Rules that were written in a `{ ... }` block (with or without a
/// qualifier) or in the branch of a conditional that was taken; empty
/// where a conditional ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleBlock {
    /// The block's rules, as indices of [`ResolvedProfile::rules`].
    pub rules: std::ops::Range<usize>,
    /// A conditional branch (`if`, `else`), not a plain block.
    pub conditional: bool,
    /// How many of the profile's children had been read when it closed.
    pub children: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub profiles: Vec<ResolvedProfile>,
    /// `alias FROM -> TO,` rules of the preamble, in order. The compiler
    /// applies them (each rule under FROM is also granted under TO).
    pub aliases: Vec<(String, String, Span)>,
    /// The `abi` rules met, in reading order (name, written with `<>`).
    pub abis: Vec<(String, bool)>,
    /// How many of `abis` were met in the preamble (before the first
    /// profile): the reference compiles for the first of those only.
    pub preamble_abis: usize,
    /// Every set variable as it stands after the whole file was read:
    /// final values, where it was defined, and whether anything used it.
    pub vars: vars::ByName<vars::SetVar>,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub file: Option<FileId>,
    /// The files included, in reading order.
    pub read: Vec<FileId>,
    pub policy: Policy,
    pub diagnostics: Vec<Diagnostic>,
    /// The syntax tree and trivia of the file itself (not of its includes).
    pub parsed: Option<Arc<Parsed>>,
}

impl Outcome {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

impl Session {
    pub fn new() -> Session {
        Session {
            exec_overlaps: Memo::with_limit(MAX_EXEC_OVERLAPS),
            rules: Memo::with_limit(MAX_RULES),
            exec_patterns: Memo::with_limit(MAX_EXEC_OVERLAPS),
            alias_tries: Memo::with_limit(16),
            ..Session::default()
        }
    }

    /// A session kept across edits: each file keeps one place in the
    /// session's sources, its newest text, so the session grows with the
    /// files read, not with the versions checked. Call [`Session::refresh`]
    /// before each check.
    pub fn lasting() -> Session {
        Session {
            lasting: true,
            ..Session::new()
        }
    }

    /// Forget every parse whose file now reads differently through `fs`
    /// (or could not be read before), and every include name resolved:
    /// what is kept is what the files still say.
    pub fn refresh(&self, fs: &Vfs) {
        let digests = lock(&self.digests).clone();
        let mut parsed = lock(&self.parsed);
        parsed.retain(|path, cell| {
            let Some(Ok(_)) = cell.get() else {
                return false;
            };
            let now = fs.read_text(path, MAX_FILE_SIZE).ok().map(|t| digest(&t));
            now.is_some() && now == digests.get(path).copied()
        });
        lock(&self.digests).retain(|p, _| parsed.contains_key(p));
        drop(parsed);
        let mut t = lock(&self.targets);
        t.0 = None;
        t.1.clear();
        let mut p = lock(&self.preambles);
        p.0 = None;
        p.1.clear();
        let mut b = lock(&self.bodies);
        b.0 = None;
        b.1.clear();
        lock(&self.canonical).clear();
        let mut f = lock(&self.fragment_dirs);
        f.0 = None;
        f.1.clear();
    }

    /// The files read so far.
    pub fn sources(&self) -> Sources<'_> {
        Sources(lock(&self.sources))
    }

    /// All files read, once checking is done.
    pub fn into_sources(self) -> SourceMap {
        self.sources
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Check a policy file from disk.
    pub fn check_path(&self, path: &Path, display: &str, opts: &Options) -> Outcome {
        match opts.search.fs.read_text(path, MAX_FILE_SIZE) {
            Ok(text) => self.check_text(display, Some(path), text, opts),
            Err(e) => {
                // an empty source, so the finding is located at the file
                let id = self.add_source(display, Some(path), "");
                let d = Diagnostic::new(code::IO_ERROR, format!("cannot read `{display}`: {e}"))
                    .with_severity(Severity::Error)
                    .at(Span::new(id, 0, 0), "");
                Outcome {
                    diagnostics: vec![d],
                    ..Outcome::default()
                }
            }
        }
    }

    fn add_source(&self, name: &str, path: Option<&Path>, text: &str) -> FileId {
        let mut sources = lock(&self.sources);
        if self.lasting {
            if let Some(id) = path.and_then(|p| sources.find(p)) {
                sources.replace(id, name, text.to_string());
                // the rules remembered are of the text replaced
                self.rules.retain(|k| k.0 != id);
                return id;
            }
        }
        sources.add(name, path, text.to_string())
    }

    /// An exec rule's path as a pattern (`None` if it is none); remembered.
    fn exec_pattern(&self, text: &str) -> Option<Arc<crate::aare::Pattern>> {
        self.exec_patterns.get_or(text, || {
            crate::aare::Pattern::parse(text).ok().map(Arc::new)
        })
    }

    /// A path both patterns match, if any ([`crate::aare::overlap`]);
    /// remembered.
    fn exec_overlap(&self, a: &crate::aare::Pattern, b: &crate::aare::Pattern) -> Option<String> {
        // most pairs are told apart by their texts, at no cost worth keeping
        if !a.literals().may_overlap(b.literals()) {
            return None;
        }
        let key = (a.text().to_string(), b.text().to_string());
        self.exec_overlaps
            .get_or(&key, || crate::aare::overlap(a, b))
    }

    /// The epoch of the rules remembered for these options (a new one
    /// when they differ from the last ones asked for).
    fn rule_epoch(&self, opts: &Options) -> u64 {
        let mut e = lock(&self.rule_epoch);
        let same =
            e.0.as_ref()
                .is_some_and(|(f, w)| *w == opts.warn_unsupported && *f == opts.features);
        if !same {
            e.0 = Some((opts.features.clone(), opts.warn_unsupported));
            e.1 += 1;
        }
        e.1
    }

    /// Note the digest of the text parsed for `canonical`.
    fn note(&self, canonical: &Path, text: &str) {
        if self.lasting {
            lock(&self.digests).insert(canonical.to_path_buf(), digest(text));
        }
    }

    /// Register a file that is not policy (a Kubernetes manifest, say) so
    /// that diagnostics about it render with the policy files'.
    pub fn add_text(&self, name: &str, path: Option<&Path>, text: String) -> FileId {
        lock(&self.sources).add(name, path, text)
    }

    /// Check policy text (from a file or standard input).
    pub fn check_text(
        &self,
        name: &str,
        path: Option<&Path>,
        text: String,
        opts: &Options,
    ) -> Outcome {
        let id = self.add_source(name, path, &text);
        let parsed = Arc::new(syntax::parse(&text, id));
        let canonical = path.map(|p| self.canonical(&opts.search.fs, p));
        if let Some(c) = &canonical {
            let cell = lock(&self.parsed).entry(c.clone()).or_default().clone();
            if cell.set(Ok(parsed.clone())).is_ok() {
                self.note(c, &text);
            }
        }
        drop(text);
        // a deep tree is walked on a stack sized for it
        crate::stack::deep(parsed.depth, || {
            let mut w = Walker {
                session: self,
                opts,
                diags: parsed.diagnostics.clone(),
                vars: Vars::default(),
                chain: Vec::new(),
                top_names: HashMap::new(),
                aliases: Vec::new(),
                abis: Vec::new(),
                preamble_abis: 0,
                read: Vec::new(),
                misplaced_includes: HashSet::new(),
                unused_depth: 0,
                read_unused: HashMap::new(),
                skipped: 0,
                top: id,
                epoch: self.rule_epoch(opts),
                fragment: false,
                recording: 0,
                impure: 0,
                var_log: Vec::new(),
                included_log: Vec::new(),
                skipped_log: Vec::new(),
            };
            let mut included = HashSet::new();
            if let Some(c) = canonical {
                included.insert(c);
            }
            let mut top = Vec::new();
            let span = text_span(&parsed);
            let dir = if opts.fragments {
                self.fragment_dir(path, &opts.search)
            } else {
                None
            };
            if dir.is_some() {
                w.tunables(&span, &mut included);
            }
            if is_fragment_in(dir, &parsed.ast) {
                w.fragment = true;
                w.walk_fragment(&parsed.ast.items, name, &span, &mut top);
            } else {
                w.walk_top(&parsed.ast.items, &mut included, &mut top);
            }
            let diagnostics = w.diags;
            apply_aliases(&mut top, &w.aliases, &self.alias_tries);
            Outcome {
                file: Some(id),
                read: w.read,
                policy: Policy {
                    profiles: top,
                    aliases: w.aliases,
                    abis: w.abis,
                    preamble_abis: w.preamble_abis,
                    vars: w.vars.sets,
                },
                diagnostics,
                parsed: Some(parsed),
            }
        })
    }

    /// [`tree::fragment_dir`] of a file, cached by its folder (for the
    /// search path it was found with): every file of a folder asks it.
    fn fragment_dir(&self, path: Option<&Path>, search: &SearchPath) -> Option<tree::FragmentDir> {
        let parent = path?.parent()?;
        {
            let mut c = lock(&self.fragment_dirs);
            let c = for_search(&mut c, search);
            if let Some(d) = c.get(parent) {
                return *d;
            }
        }
        let d = tree::fragment_dir(path, search);
        lock(&self.fragment_dirs).1.insert(parent.to_path_buf(), d);
        d
    }

    /// The canonical form of a path (cached; the path itself if it has none).
    fn canonical(&self, fs: &Vfs, p: &Path) -> PathBuf {
        if let Some(c) = lock(&self.canonical).get(p) {
            return c.clone();
        }
        let c = fs.canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        lock(&self.canonical).insert(p.to_path_buf(), c.clone());
        c
    }

    /// The files an include names (a directory names its entries); `None`
    /// when nothing is found. Cached per search path.
    fn targets(
        &self,
        search: &SearchPath,
        name: &str,
        angle: bool,
    ) -> Result<Option<Vec<PathBuf>>, String> {
        let key = (name.to_string(), angle);
        {
            let mut t = lock(&self.targets);
            let t = for_search(&mut t, search);
            if let Some(r) = t.get(&key) {
                return r.clone().map(|v| (!v.is_empty()).then_some(v));
            }
        }
        let r = match search.find(name, angle) {
            None => Ok(Vec::new()),
            Some(path) if search.fs.is_dir(&path) => include::dir_entries(&search.fs, &path)
                .map_err(|e| format!("cannot read include directory `{}`: {e}", path.display())),
            Some(path) => Ok(vec![path]),
        };
        lock(&self.targets).1.insert(key, r.clone());
        r.map(|v| (!v.is_empty()).then_some(v))
    }

    /// Read and parse an include target, once per session even when several
    /// threads ask for it at the same time; `Err` holds a reason.
    fn load(&self, fs: &Vfs, path: &Path) -> Loaded {
        let key = self.canonical(fs, path);
        let cell = lock(&self.parsed).entry(key.clone()).or_default().clone();
        cell.get_or_init(|| {
            // a device or a pipe is no policy (and may never end)
            if fs.kind(path) == Some(crate::vfs::Kind::Other) {
                return Err("is not a regular file".into());
            }
            let text = fs.read_text(path, MAX_FILE_SIZE)?;
            let id = self.add_source(&path.display().to_string(), Some(path), &text);
            self.note(&key, &text);
            Ok(Arc::new(syntax::parse(&text, id)))
        })
        .clone()
    }
}

/// A profile being resolved.
struct Building {
    name: String,
    state: ProfileState,
    rules: Vec<Arc<ast::Rule>>,
    model: Vec<Option<Arc<crate::policy::Rule>>>,
    blocks: Vec<RuleBlock>,
    children: Vec<ResolvedProfile>,
    child_names: HashMap<String, Span>,
    builtins: vars::Builtins,
}

struct Walker<'a> {
    session: &'a Session,
    opts: &'a Options,
    diags: Vec<Diagnostic>,
    vars: Vars,
    /// The include items we are inside of, outermost first.
    chain: Vec<(Span, PathBuf)>,
    top_names: HashMap<String, Span>,
    aliases: Vec<(String, String, Span)>,
    abis: Vec<(String, bool)>,
    preamble_abis: usize,
    read: Vec<FileId>,
    /// Includes already reported for bringing rules into the preamble.
    misplaced_includes: HashSet<Span>,
    /// Checking a fragment (an abstraction on its own).
    fragment: bool,
    /// How many branches not taken we are reading inside of.
    unused_depth: usize,
    /// The files of the current profile first read in a branch not taken,
    /// with the include that read them.
    read_unused: HashMap<PathBuf, Span>,
    /// How many includes were skipped as already included.
    skipped: usize,
    /// The file checked (whose rules are not remembered: it is read once).
    top: FileId,
    /// [`Session::rule_epoch`] of the options.
    epoch: u64,
    /// How many body includes are being recorded ([`Walker::body_include`]).
    recording: usize,
    /// Counts what made a recorded include depend on more than its files
    /// and variables (a rule checked against earlier ones, a conditional,
    /// a child profile, an include skipped or not found...).
    impure: usize,
    /// While recording: the variables the rules referred to, and the files
    /// added to the included set, in order.
    var_log: Vec<(String, u64)>,
    included_log: Vec<PathBuf>,
    /// While recording: the files an include skipped as already included.
    skipped_log: Vec<PathBuf>,
}

impl Walker<'_> {
    fn push(&mut self, mut d: Diagnostic) {
        for (span, _) in self.chain.iter().rev() {
            let sources = self.session.sources();
            let (line, col) = sources.line_col(*span);
            d.notes.push(format!(
                "in a file included from {}:{}:{}",
                sources.name(span.file),
                line,
                col
            ));
        }
        self.diags.push(d);
    }

    /// "Did you mean" another file, `m`, for the one shown as `shown`
    /// somewhere in the text of `span`: with the fix that names it there.
    fn suggest_file(
        &self,
        d: Diagnostic,
        span: Span,
        shown: &str,
        m: &str,
        angle: bool,
    ) -> Diagnostic {
        let other = crate::syntax::token::shown_file(m, angle);
        let written = self.session.sources().slice(span).to_string();
        if written.contains(shown) {
            d.did_you_mean(span, &other, &written.replacen(shown, &other, 1))
        } else {
            d.help(format!("did you mean `{other}`?"))
        }
    }

    /// Resolve an include item to the files it names; reports problems.
    fn include_targets(
        &mut self,
        inc: &crate::syntax::token::IncludeTok,
        span: Span,
    ) -> Vec<PathBuf> {
        match self
            .session
            .targets(&self.opts.search, &inc.path, inc.angle)
        {
            Ok(Some(v)) => v,
            Ok(None) => {
                if !inc.if_exists {
                    self.impure += 1;
                    self.not_found(inc, span);
                }
                Vec::new()
            }
            Err(e) => {
                self.impure += 1;
                self.push(Diagnostic::error(code::INCLUDE_UNREADABLE, span, e));
                Vec::new()
            }
        }
    }

    fn not_found(&mut self, inc: &crate::syntax::token::IncludeTok, span: Span) {
        let shown = inc.shown();
        let d = Diagnostic::error(
            code::INCLUDE_NOT_FOUND,
            span,
            format!("cannot find include {shown}"),
        );
        let d = if inc.angle {
            let dirs: Vec<String> = self
                .opts
                .search
                .include_dirs
                .iter()
                .chain(std::iter::once(&self.opts.search.base_dir))
                .map(|d| d.display().to_string())
                .fold(Vec::new(), |mut acc, d| {
                    if !acc.contains(&d) {
                        acc.push(d);
                    }
                    acc
                });
            let d = d.note(format!("searched: {}", dirs.join(", ")));
            match self.opts.search.suggest(&inc.path, true) {
                Some(m) => self.suggest_file(d, span, &inc.shown(), &m, true),
                None if include::is_optional(&inc.path) => d.help(
                    "add the directory that holds it with `-I DIR` or `-b DIR`, or, as the file is an optional local override, write `include if exists`",
                ),
                None => d.help("add the directory that holds it with `-I DIR` or `-b DIR`"),
            }
        } else {
            let d = d.note(format!(
                "quoted includes are relative to the working directory ({})",
                self.opts.search.cwd.display()
            ));
            match self.opts.search.suggest(&inc.path, false) {
                Some(m) => self.suggest_file(d, span, &inc.shown(), &m, false),
                None => d,
            }
        };
        self.push(d);
    }

    /// Walk the items of an included file in the current context.
    fn with_include<F>(
        &mut self,
        inc: &crate::syntax::token::IncludeTok,
        span: Span,
        included: &mut HashSet<PathBuf>,
        mut f: F,
    ) where
        F: FnMut(&mut Self, &[Item], &mut HashSet<PathBuf>) + Send,
    {
        for target in self.include_targets(inc, span) {
            let key = self.session.canonical(&self.opts.search.fs, &target);
            if self.chain.iter().any(|(_, p)| *p == key) {
                self.impure += 1;
                let chain: Vec<String> = self
                    .chain
                    .iter()
                    .map(|(_, p)| p.display().to_string())
                    .chain(std::iter::once(key.display().to_string()))
                    .collect();
                self.push(
                    Diagnostic::new(
                        code::INCLUDE_CYCLE,
                        format!("include cycle: `{}` includes itself", key.display()),
                    )
                    .at(span, "this include re-enters a file already being read")
                    .note(format!("include chain: {}", chain.join(" -> ")))
                    .help("the repeated include is skipped, as apparmor_parser does"),
                );
                continue;
            }
            if !included.insert(key.clone()) {
                self.skipped += 1;
                if self.recording > 0 {
                    self.skipped_log.push(key.clone());
                }
                // already included in this profile: skipped, as the
                // reference skips it, which loses its rules when the first
                // read was in a branch not taken
                if self.unused_depth == 0 {
                    if let Some(first) = self.read_unused.get(&key).copied() {
                        self.impure += 1;
                        self.push(
                            Diagnostic::new(
                                code::INCLUDE_LOST,
                                format!(
                                    "none of the rules of {} apply here: the profile already read it in a conditional branch not taken",
                                    inc.shown()
                                ),
                            )
                            .at(span, "skipped: apparmor_parser reads a file once per profile")
                            .label(first, "read here, in a branch that is not taken")
                            .note(format!("the file: {}", key.display()))
                            .help("include it outside the conditional, or move what the branch needs into a file of its own"),
                        );
                    }
                }
                continue;
            }
            if self.recording > 0 {
                self.included_log.push(key.clone());
            }
            if self.unused_depth > 0 {
                self.read_unused.insert(key.clone(), span);
            }
            if self.chain.len() >= MAX_INCLUDE_DEPTH {
                self.impure += 1;
                self.push(Diagnostic::error(
                    code::INCLUDE_DEPTH,
                    span,
                    format!("includes nested more than {MAX_INCLUDE_DEPTH} deep"),
                ));
                return;
            }
            match self.session.load(&self.opts.search.fs, &target) {
                Ok(parsed) => {
                    self.read.push(parsed.file);
                    self.chain.push((span, key));
                    // Reported for every policy that includes the file, so
                    // each policy's verdict stands on its own; the CLI drops
                    // repeats when it prints.
                    for d in parsed.diagnostics.clone() {
                        self.push(d);
                    }
                    crate::stack::deep(parsed.depth, || f(self, &parsed.ast.items, included));
                    self.chain.pop();
                }
                Err(e) => {
                    self.impure += 1;
                    self.push(Diagnostic::error(
                        code::INCLUDE_UNREADABLE,
                        span,
                        format!("cannot read include `{}`: {e}", target.display()),
                    ))
                }
            }
        }
    }

    /// Nothing read yet that an include in the preamble could depend on:
    /// no variable, alias or profile (an `abi` may have been).
    fn pristine(&self, out: &[ResolvedProfile]) -> bool {
        out.is_empty()
            && self.chain.is_empty()
            && self.unused_depth == 0
            && self.vars.sets.is_empty()
            && self.vars.bools.is_empty()
            && self.aliases.is_empty()
            && self.top_names.is_empty()
    }

    /// An include read from a [`Walker::pristine`] state: what the first
    /// read of it left (variables, aliases, abis, files read) is taken
    /// from the session when it left no finding and skipped no include, so
    /// the tunables every profile of a tree starts with are read once.
    fn preamble_include(
        &mut self,
        inc: &crate::syntax::token::IncludeTok,
        span: Span,
        included: &mut HashSet<PathBuf>,
    ) {
        let key = (inc.path.clone(), inc.angle);
        let known = {
            let mut c = lock(&self.session.preambles);
            let c = for_search(&mut c, &self.opts.search);
            c.get(&key).cloned()
        };
        if let Some(p) = known.filter(|p| p.included.iter().all(|f| !included.contains(f))) {
            self.vars = p.vars.clone();
            self.aliases = p.aliases.clone();
            if !p.abis.is_empty() {
                self.abis.extend(p.abis.iter().cloned());
                self.preamble_abis = self.abis.len();
            }
            self.read.extend(&p.read);
            included.extend(p.included.iter().cloned());
            return;
        }
        let (diags, abis, read, skipped) = (
            self.diags.len(),
            self.abis.len(),
            self.read.len(),
            self.skipped,
        );
        let before = included.clone();
        let mut out = Vec::new();
        self.with_include(inc, span, included, |w, items, inc| {
            w.walk_top(items, inc, &mut out)
        });
        if self.diags.len() != diags || self.skipped != skipped || !out.is_empty() {
            // what is left depends on more than the include's files
            return;
        }
        let mut vars = self.vars.clone();
        vars.prime();
        let p = Preamble {
            vars,
            aliases: self.aliases.clone(),
            abis: self.abis[abis..].to_vec(),
            read: self.read[read..].to_vec(),
            included: included.difference(&before).cloned().collect(),
        };
        let mut c = lock(&self.session.preambles);
        if c.0.as_ref() == Some(&self.opts.search) {
            c.1.insert(key, Arc::new(p));
        }
    }

    /// What a file under `abstractions/` or `local/` is written to follow:
    /// `<tunables/global>`, if the search path has it.
    fn tunables(&mut self, span: &Span, included: &mut HashSet<PathBuf>) {
        let global = crate::syntax::token::IncludeTok {
            path: "tunables/global".into(),
            angle: true,
            if_exists: true,
            hash: false,
        };
        let at = Span {
            end: span.start,
            ..*span
        };
        self.with_include(&global, at, included, |w, items, inc| {
            w.walk_top(items, inc, &mut Vec::new())
        });
    }

    /// A fragment: the file's items as the body of a profile named after
    /// the file, marked synthetic.
    fn walk_fragment(
        &mut self,
        items: &[Item],
        name: &str,
        span: &Span,
        out: &mut Vec<ResolvedProfile>,
    ) {
        let at = Span {
            end: span.start,
            ..*span
        };
        let p = ast::Profile {
            prefix: Vec::new(),
            keyword: ProfileKeyword::Profile,
            keyword_span: None,
            name: Word {
                text: name.rsplit('/').next().unwrap_or(name).to_string(),
                kind: WordKind::Id,
                span: at,
            },
            header: Vec::new(),
            items: items.to_vec(),
            span: *span,
            open: at,
            close: Span {
                start: span.end,
                ..*span
            },
        };
        if let Some(mut r) = self.profile(&p, None) {
            r.synthetic = true;
            out.push(r);
        }
    }

    fn walk_top(
        &mut self,
        items: &[Item],
        included: &mut HashSet<PathBuf>,
        out: &mut Vec<ResolvedProfile>,
    ) {
        for item in items {
            match item {
                Item::Include { inc, span } => {
                    if self.pristine(out) {
                        self.preamble_include(inc, *span, included);
                    } else {
                        self.with_include(inc, *span, included, |w, items, inc| {
                            w.walk_top(items, inc, out)
                        });
                    }
                }
                Item::Abi { path, angle, span } => {
                    self.abi(path, *angle, *span);
                    if out.is_empty() {
                        self.preamble_abis = self.abis.len();
                    }
                }
                Item::Var {
                    name,
                    op,
                    values,
                    span,
                } => self.define_var(name, *op, values, *span),
                Item::Bool {
                    name,
                    op,
                    value,
                    span,
                } => self.define_bool(name, *op, value, *span),
                Item::Alias { from, to, span } => self.alias(from, to, *span),
                Item::Profile(p) => {
                    if p.keyword == ProfileKeyword::Caret {
                        self.push(
                            Diagnostic::error(code::MISPLACED, p.keyword_span.unwrap_or(p.name.span), "a hat must be inside a profile")
                                .help("move the hat into the profile it belongs to, or write `profile NAME`"),
                        );
                        continue;
                    }
                    let key = p.name.text.clone();
                    if let Some(prev) = self.top_names.get(&key).copied() {
                        self.push(
                            Diagnostic::error(
                                code::DUPLICATE_PROFILE,
                                p.name.span,
                                format!("profile `{key}` is defined twice"),
                            )
                            .label(prev, "first defined here"),
                        );
                    } else {
                        self.top_names.insert(key, p.name.span);
                    }
                    if let Some(r) = self.profile(p, None) {
                        out.push(r);
                    }
                }
                Item::Rule(r) => {
                    // a file of rules (an abstraction) included in the
                    // preamble: one finding at the include, not one per rule
                    if let Some(inc) = self.chain.first().map(|(s, _)| *s) {
                        if self.misplaced_includes.insert(inc) {
                            let files: Vec<String> = self
                                .chain
                                .iter()
                                .map(|(_, p)| p.display().to_string())
                                .collect();
                            let d = Diagnostic::error(
                                code::MISPLACED,
                                inc,
                                "this include brings rules into the preamble, outside of any profile",
                            )
                            .label(r.span, "the first of its rules")
                            .note(format!("included: {}", files.join(" -> ")))
                            .help("include abstractions inside a profile block: `profile NAME { include <...> }`");
                            self.diags.push(d);
                        }
                        continue;
                    }
                    self.push(
                        Diagnostic::error(code::MISPLACED, r.span, "rule outside of a profile")
                            .help("rules go inside a profile block: `profile NAME { ... }`"),
                    )
                }
                Item::Block { span, .. } => self.push(Diagnostic::error(
                    code::MISPLACED,
                    *span,
                    "rule block outside of a profile",
                )),
                Item::If(i) => self.push(Diagnostic::error(
                    code::MISPLACED,
                    i.span,
                    "conditional outside of a profile",
                )),
                Item::Error(_) => {}
            }
        }
    }

    /// `alias /from -> /to,`: both sides are absolute paths (after
    /// expansion).
    fn alias(&mut self, from: &Word, to: &Word, span: Span) {
        let none = vars::Builtins::default();
        let (Some(f), Some(t)) = (self.expand_word(from, &none), self.expand_word(to, &none))
        else {
            return;
        };
        for w in [&f, &t] {
            if !w.text.starts_with('/') {
                self.push(
                    Diagnostic::error(
                        code::BAD_ALIAS,
                        w.span,
                        format!("alias paths must be absolute, not `{}`", w.text),
                    )
                    .help("write `alias /from/ -> /to/,`"),
                );
                return;
            }
        }
        self.aliases.push((f.text, t.text, span));
    }

    /// `abi <name>,` must name an ABI file that exists (or a built-in one).
    fn abi(&mut self, path: &Word, angle: bool, span: Span) {
        self.abis.push((path.text.clone(), angle));
        if angle && matches!(path.text.as_str(), "kernel" | "default") {
            return;
        }
        if path.text.is_empty() {
            self.push(Diagnostic::error(code::BAD_ABI, span, "empty abi path"));
            return;
        }
        // looked up as an include name is (and remembered with them)
        // (`None` there is also an empty directory, which is an abi found)
        let found = !matches!(
            self.session.targets(&self.opts.search, &path.text, angle),
            Ok(None)
        ) || self.opts.search.find(&path.text, angle).is_some();
        if !found {
            let shown = crate::syntax::token::shown_file(&path.text, angle);
            let d = Diagnostic::error(code::BAD_ABI, path.span, format!("cannot find abi {shown}"));
            // name only an abi that is there (advice must not break the
            // file): the newest version, or for another file (a kernel's) the
            // closest name, as for includes
            let versions = self.opts.search.abi_versions();
            let d = match self.opts.search.suggest(&path.text, angle) {
                Some(m) if angle && !versions.contains(&m) => {
                    self.suggest_file(d, path.span, &shown, &m, true)
                }
                Some(m) if !angle => self.suggest_file(d, path.span, &shown, &m, false),
                _ => d.help(match versions.first() {
                    Some(newest) => format!(
                        "the newest abi in the include path is `abi <{newest}>,`; \
                         or add the directory that holds {shown} with `-I DIR`"
                    ),
                    None => "no abi file is in the include path: add the directory that holds \
                             `abi/` with `-I DIR` or `-b DIR`"
                        .to_string(),
                }),
            };
            self.push(d);
        }
    }

    fn define_var(&mut self, name: &Word, op: ast::AssignOp, values: &[Word], span: Span) {
        let n = var_name(&name.text).to_string();
        let vals: Vec<String> = values.iter().map(|w| w.text.clone()).collect();
        match op {
            ast::AssignOp::Set => {
                if let Some(prev) = self.vars.sets.get(&n) {
                    let prev = prev.span;
                    self.push(
                        Diagnostic::error(
                            code::REDEFINED_VARIABLE,
                            name.span,
                            format!("variable `@{{{n}}}` is already defined"),
                        )
                        .label(prev, "first defined here")
                        .help(format!("use `@{{{n}}} += ...` to add values")),
                    );
                    return;
                }
                self.vars.set(
                    n,
                    vars::SetVar {
                        values: vals,
                        span,
                        used: false,
                    },
                );
            }
            ast::AssignOp::Add => {
                if !self.vars.add(&n, vals) {
                    self.push(
                        Diagnostic::error(
                            code::UNDEFINED_VARIABLE,
                            name.span,
                            format!("`+=` on undefined variable `@{{{n}}}`"),
                        )
                        .help(format!("define it first with `@{{{n}}} = ...`")),
                    );
                }
            }
            ast::AssignOp::Default => {
                if !self.vars.is_defined(&n) {
                    self.vars.set(
                        n,
                        vars::SetVar {
                            values: vals,
                            span,
                            used: false,
                        },
                    );
                }
            }
            ast::AssignOp::Override => {
                self.vars.set(
                    n,
                    vars::SetVar {
                        values: vals,
                        span,
                        used: false,
                    },
                );
            }
        }
    }

    fn define_bool(&mut self, name: &Word, op: ast::AssignOp, value: &ast::Expr, span: Span) {
        let n = var_name(&name.text).to_string();
        let text = match value {
            ast::Expr::Id(w) | ast::Expr::Bool(w) | ast::Expr::SetVar(w) => w.text.as_str(),
            _ => "",
        };
        let v = match text.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => {
                self.push(Diagnostic::error(
                    code::BAD_VARIABLE,
                    span,
                    format!("boolean `${{{n}}}` must be `true` or `false`, not `{text}`"),
                ));
                return;
            }
        };
        if op == ast::AssignOp::Set && self.vars.bools.contains_key(&n) {
            let prev = self.vars.bools[&n].1;
            self.push(
                Diagnostic::error(
                    code::REDEFINED_VARIABLE,
                    name.span,
                    format!("boolean `${{{n}}}` is already defined"),
                )
                .label(prev, "first defined here"),
            );
            return;
        }
        self.vars.bools.insert(n, (v, span));
    }

    fn expand_word(&mut self, w: &Word, builtins: &vars::Builtins) -> Option<Word> {
        if !matches!(w.kind, WordKind::Id | WordKind::Value | WordKind::SetVar)
            || !w.text.contains('@')
        {
            return Some(w.clone());
        }
        match self.vars.expand(&w.text, builtins) {
            Ok(text) => Some(Word { text, ..w.clone() }),
            Err(e) => {
                let d = match e {
                    ExpandError::Undefined(n) if self.fragment => Diagnostic::new(
                        code::FRAGMENT_VARIABLE,
                        format!("`@{{{n}}}` is not defined by <tunables/global>"),
                    )
                    .at(w.span, "")
                    .note("this file is checked on its own, as the body of a profile: the profiles that include it must define the variable")
                    .help("define it in every profile file that includes this one, or in a tunables file"),
                    ExpandError::Undefined(n) => {
                        let cands: Vec<String> = self.vars.sets.keys().cloned().collect();
                        let d = Diagnostic::error(
                            code::UNDEFINED_VARIABLE,
                            w.span,
                            format!("undefined variable `@{{{n}}}`"),
                        );
                        match crate::suggest::did_you_mean(&n, cands.iter().map(String::as_str)) {
                            Some(s) => {
                                // the fix where the word as written names it
                                let written = self.session.sources().slice(w.span).to_string();
                                let (from, to) = (format!("@{{{n}}}"), format!("@{{{s}}}"));
                                if written.contains(&from) {
                                    d.did_you_mean(w.span, &to, &written.replacen(&from, &to, 1))
                                } else {
                                    d.help(format!("did you mean `{to}`?"))
                                }
                            }
                            None if self.vars.sets.is_empty() => d.help(
                                "define it in the preamble, usually by including <tunables/global>",
                            ),
                            None => d.help(format!(
                                "none of the files read defines it: define it in the preamble with `@{{{n}}} = ...`"
                            )),
                        }
                    }
                    ExpandError::Recursive(n) => Diagnostic::error(
                        code::RECURSIVE_VARIABLE,
                        w.span,
                        format!("variable `@{{{n}}}` refers to itself"),
                    ),
                    ExpandError::BadName(name, why) => Diagnostic::error(
                        code::BAD_VARIABLE,
                        w.span,
                        format!("a value of this variable holds `@{{{name}}}`, which is not a variable name: a name {why}"),
                    ),
                    ExpandError::TooLarge => Diagnostic::error(
                        code::BAD_VARIABLE,
                        w.span,
                        "variable expansion is too large",
                    ),
                };
                self.push(d);
                None
            }
        }
    }

    /// `None` after reporting a `@{...}` in `w` that names no variable.
    fn reference_names_ok(&mut self, w: &Word) -> Option<()> {
        if !matches!(w.kind, WordKind::Id | WordKind::Value | WordKind::SetVar) {
            return Some(());
        }
        match vars::bad_reference_as_written(&w.text) {
            None => Some(()),
            Some((name, why)) => {
                self.push(Diagnostic::error(
                    code::BAD_VARIABLE,
                    w.span,
                    format!("`@{{{name}}}` is not a variable name: a name {why}"),
                ));
                None
            }
        }
    }

    fn expand_elem(&mut self, e: &Elem, b: &vars::Builtins) -> Option<Elem> {
        // the names of `@{...}` are checked as written (and those in the
        // values of variables, when they are expanded)
        let words = |w: &mut Self, ws: &[Word], names: bool| -> Option<Vec<Word>> {
            ws.iter()
                .map(|x| {
                    if names {
                        w.reference_names_ok(x)?;
                    }
                    w.expand_word(x, b)
                })
                .collect()
        };
        // a unix address `@{a,b}` is an abstract name, not a variable
        let names = |c: &ast::Cond| c.name.text != "addr";
        Some(match e {
            Elem::Word(w) => {
                self.reference_names_ok(w)?;
                Elem::Word(self.expand_word(w, b)?)
            }
            Elem::Cond(c) => Elem::Cond(ast::Cond {
                values: words(self, &c.values, names(c))?,
                ..c.clone()
            }),
            // the reference matches xattr values as written: `@{x}` there
            // is no variable
            Elem::CondList { name, .. } if name.text == "xattrs" => e.clone(),
            Elem::CondList { name, conds, span } => {
                let mut out = Vec::new();
                for c in conds {
                    out.push(ast::Cond {
                        values: words(self, &c.values, names(c))?,
                        ..c.clone()
                    });
                }
                Elem::CondList {
                    name: name.clone(),
                    conds: out,
                    span: *span,
                }
            }
            Elem::Flags {
                values,
                paren,
                span,
            } => Elem::Flags {
                values: words(self, values, false)?,
                paren: *paren,
                span: *span,
            },
            Elem::List { values, span } => Elem::List {
                values: words(self, values, true)?,
                span: *span,
            },
            Elem::Arrow { target, span } => Elem::Arrow {
                target: match target {
                    Some(t) => Some(self.expand_word(t, b)?),
                    None => None,
                },
                span: *span,
            },
            other => other.clone(),
        })
    }

    fn profile(&mut self, p: &ast::Profile, parent: Option<&str>) -> Option<ResolvedProfile> {
        if let Some(q) = p.prefix.first() {
            self.push(
                Diagnostic::error(
                    code::BAD_QUALIFIER,
                    q.span(),
                    "a profile cannot be qualified: `audit`, `deny`, `owner`, `priority` and the like apply to rules",
                )
                .help("remove the qualifier, or write it before each rule of the profile"),
            );
        }
        let name_as_written = p.name.text.clone();
        // the reference expands the name as it does a rule's words, and
        // refuses a `@{...}` in it that names no variable
        let expanded_name = match self
            .reference_names_ok(&p.name)
            .and_then(|()| self.expand_word(&p.name, &vars::Builtins::default()))
        {
            Some(w) => w,
            None => p.name.clone(),
        };
        let mut builtins = vars::Builtins::default();
        let full = match parent {
            Some(par) => format!("{par}//{}", expanded_name.text),
            None => expanded_name.text.clone(),
        };
        // `:ns:name` is profile `name` in namespace `ns`; the variable holds
        // the name without its namespace, as the reference's does
        let in_namespace = full
            .strip_prefix(':')
            .and_then(|rest| rest.split_once(':'))
            .map(|(_, name)| name);
        // the name is a literal inside patterns: escape pattern characters
        let escaped: String = in_namespace
            .unwrap_or(&full)
            .chars()
            .flat_map(|c| {
                let esc = matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '^' | ',');
                esc.then_some('\\').into_iter().chain(std::iter::once(c))
            })
            .collect();
        builtins.insert("profile_name", escaped);
        let mut header = Vec::new();
        for e in &p.header {
            header.push(self.expand_elem(e, &builtins).unwrap_or_else(|| e.clone()));
        }
        let attachment = header.iter().find_map(|e| match e {
            Elem::Word(w) if matches!(w.kind, WordKind::Id | WordKind::SetVar) => {
                Some(w.text.clone())
            }
            _ => None,
        });
        let attach = attachment.clone().or_else(|| {
            (matches!(p.keyword, ProfileKeyword::Bare | ProfileKeyword::Profile)
                && expanded_name.text.starts_with('/'))
            .then(|| expanded_name.text.clone())
        });
        if let Some(a) = attach {
            builtins.insert("attach_path", a.clone());
            builtins.insert("exec_path", a);
        }
        let flags = header
            .iter()
            .flat_map(|e| match e {
                Elem::Flags { values, .. } | Elem::List { values, .. } => {
                    values.iter().map(|w| w.text.clone()).collect()
                }
                _ => Vec::new(),
            })
            .collect();
        let is_hat = matches!(p.keyword, ProfileKeyword::Caret | ProfileKeyword::Hat);
        let mut b = Building {
            name: full,
            state: ProfileState {
                is_hat,
                ..ProfileState::default()
            },
            rules: Vec::new(),
            model: Vec::new(),
            blocks: Vec::new(),
            children: Vec::new(),
            child_names: HashMap::new(),
            builtins,
        };
        let header_elems = header.clone();
        {
            // not `..p.clone()`: that would copy the whole body
            let hp = ast::Profile {
                prefix: p.prefix.clone(),
                keyword: p.keyword,
                keyword_span: p.keyword_span,
                header,
                name: expanded_name.clone(),
                items: Vec::new(),
                span: p.span,
                open: p.open,
                close: p.close,
            };
            let mut written_vars = check::variable_spans(&p.header);
            if p.name.text.starts_with('@') {
                written_vars.push(p.name.span);
            }
            let mut ctx = check::Ctx {
                features: &self.opts.features,
                diags: &mut Vec::new(),
                profile: &mut b.state,
                warn_unsupported: self.opts.warn_unsupported,
                written_vars: &written_vars,
                unused: false,
            };
            check::header::check_profile_header(&hp, &mut ctx);
            let ds = std::mem::take(ctx.diags);
            for d in ds {
                self.push(d);
            }
        }
        let mut included = HashSet::new();
        let outer = std::mem::take(&mut self.read_unused);
        self.walk_body(&p.items, &[], &mut included, &mut b);
        self.read_unused = outer;
        let mut ds = Vec::new();
        check::exec::check_overlapping_exec(
            &b.rules,
            &mut ds,
            &|text| self.session.exec_pattern(text),
            &|a, b| self.session.exec_overlap(a, b),
        );
        check::exec::check_change_profile_safety(&b.rules, &mut ds);
        for d in ds {
            self.push(d);
        }
        Some(ResolvedProfile {
            // the name as the kernel knows it: variables expanded
            name: if expanded_name.text.is_empty() {
                name_as_written
            } else {
                expanded_name.text.clone()
            },
            keyword: p.keyword,
            span: p.span,
            attachment,
            flags,
            header: header_elems,
            rules: b.rules,
            model: b.model,
            blocks: b.blocks,
            children: b.children,
            altnames: Vec::new(),
            synthetic: false,
        })
    }

    fn walk_body(
        &mut self,
        items: &[Item],
        prefix: &[PrefixItem],
        included: &mut HashSet<PathBuf>,
        b: &mut Building,
    ) {
        for item in items {
            // what the other items leave depends on more than the file
            if !matches!(
                item,
                Item::Include { .. } | Item::Error(_) | Item::Rule(_) | Item::Abi { .. }
            ) {
                self.impure += 1;
            }
            match item {
                Item::Include { inc, span } => self.body_include(inc, *span, prefix, included, b),
                Item::Error(_) => {}
                Item::Rule(r) => self.rule(r, prefix, b),
                Item::Abi { path, angle, span } => self.abi(path, *angle, *span),
                Item::Var { span, .. } | Item::Bool { span, .. } => self.push(
                    Diagnostic::error(
                        code::MISPLACED,
                        *span,
                        "variables can only be defined in the preamble, before any profile",
                    )
                    .help("move the definition to the top of the file or into a tunables file"),
                ),
                Item::Alias { span, .. } => self.push(Diagnostic::error(
                    code::MISPLACED,
                    *span,
                    "`alias` rules belong in the preamble, before any profile",
                )),
                Item::Profile(p) => {
                    if p.keyword == ProfileKeyword::Bare {
                        self.push(
                            Diagnostic::error(
                                code::MISPLACED,
                                p.name.span,
                                "a nested profile needs the `profile` keyword",
                            )
                            .help(format!("write `profile {} {{`", p.name.text)),
                        );
                        continue;
                    }
                    let key = p.name.text.clone();
                    if let Some(prev) = b.child_names.get(&key).copied() {
                        let what = if matches!(p.keyword, ProfileKeyword::Profile) {
                            "profile"
                        } else {
                            "hat"
                        };
                        self.push(
                            Diagnostic::error(
                                code::DUPLICATE_PROFILE,
                                p.name.span,
                                format!("{what} `{key}` is defined twice in `{}`", b.name),
                            )
                            .label(prev, "first defined here"),
                        );
                    } else {
                        b.child_names.insert(key, p.name.span);
                    }
                    let parent = b.name.clone();
                    if let Some(r) = self.profile(p, Some(&parent)) {
                        b.children.push(r);
                    }
                }
                Item::Block {
                    prefix: bp,
                    items,
                    span,
                } => {
                    if bp.iter().any(|x| matches!(x, PrefixItem::Priority { .. })) {
                        self.push(Diagnostic::error(
                            code::BAD_QUALIFIER,
                            *span,
                            "`priority` cannot be applied to a block of rules",
                        ));
                    }
                    let mut ds = Vec::new();
                    check::prefix::check_order(bp, &mut ds);
                    for d in ds {
                        self.push(d);
                    }
                    let mut all = prefix.to_vec();
                    all.extend(bp.iter().cloned());
                    self.walk_block(items, &all, false, included, b);
                }
                Item::If(i) => {
                    self.walk_if(i, prefix, included, b);
                    // where the whole chain ends, taken or not: the
                    // reference deletes each branch's rules there
                    let at = b.rules.len();
                    b.blocks.push(RuleBlock {
                        rules: at..at,
                        conditional: true,
                        children: b.children.len(),
                    });
                }
            }
        }
    }

    /// An include in a profile's body. What it brings in is taken from the
    /// session when an earlier profile read the same include and nothing
    /// in it depended on more than its files and the variables its rules
    /// name: when none of its files is already included here and each of
    /// those variables expands as it did then. Otherwise it is read, and
    /// kept for the next profile when it qualifies.
    fn body_include(
        &mut self,
        inc: &crate::syntax::token::IncludeTok,
        span: Span,
        prefix: &[PrefixItem],
        included: &mut HashSet<PathBuf>,
        b: &mut Building,
    ) {
        let walk = |w: &mut Self, included: &mut HashSet<PathBuf>, b: &mut Building| {
            w.with_include(inc, span, included, |w, items, inc| {
                w.walk_body(items, prefix, inc, b)
            })
        };
        if !prefix.is_empty() || self.unused_depth > 0 || b.state.file.path_only.is_some() {
            self.impure += 1;
            return walk(self, included, b);
        }
        let key: BodyKey = (
            inc.path.clone(),
            inc.angle,
            inc.if_exists,
            b.state.is_hat,
            self.epoch,
        );
        let known = {
            let mut c = lock(&self.session.bodies);
            let c = for_search(&mut c, &self.opts.search);
            c.get(&key).cloned()
        };
        if let Some(body) = known {
            if self.replay(&body, included, b) {
                return;
            }
        }
        let (rules, diags, read, vars, logged, skips, impure, depth, abis) = (
            b.rules.len(),
            self.diags.len(),
            self.read.len(),
            self.var_log.len(),
            self.included_log.len(),
            self.skipped_log.len(),
            self.impure,
            self.chain.len(),
            self.abis.len(),
        );
        let exec_mark = b.state.file.exec_mark();
        self.recording += 1;
        walk(self, included, b);
        self.recording -= 1;
        // `None` when an exec rule found one before it: what it says
        // depends on that
        let exec = b.state.file.exec_added(exec_mark);
        if exec.is_none() {
            self.impure += 1;
        }
        // what it brought is gathered only when it is to be kept
        let kept = exec.filter(|_| self.impure == impure).map(|exec| {
            let mut names = HashSet::new();
            let added = &self.included_log[logged..];
            Body {
                read: self.read[read..].to_vec(),
                included: added.to_vec(),
                // those it included itself are skipped again by themselves
                skipped: self.skipped_log[skips..]
                    .iter()
                    .filter(|p| !added.contains(p))
                    .cloned()
                    .collect(),
                vars: self.var_log[vars..]
                    .iter()
                    .filter(|(n, _)| names.insert(n.as_str()))
                    .cloned()
                    .collect(),
                diags: self.diags[diags..]
                    .iter()
                    .map(|d| {
                        // the notes of the chain outside the include come last
                        let mut d = d.clone();
                        d.notes.truncate(d.notes.len().saturating_sub(depth));
                        d
                    })
                    .collect(),
                abis: self.abis[abis..].to_vec(),
                exec,
                rules: b.rules[rules..].to_vec(),
                model: b.model[rules..].to_vec(),
            }
        });
        if self.recording == 0 {
            self.var_log.clear();
            self.included_log.clear();
            self.skipped_log.clear();
        }
        let Some(body) = kept else {
            return;
        };
        let mut c = lock(&self.session.bodies);
        if c.0.as_ref() == Some(&self.opts.search) {
            c.1.insert(key, Arc::new(body));
        }
    }

    /// Bring in what an include brought an earlier profile, if it would
    /// bring the same here ([`Walker::body_include`]).
    fn replay(&mut self, body: &Body, included: &mut HashSet<PathBuf>, b: &mut Building) -> bool {
        let fresh = body
            .included
            .iter()
            .all(|p| !included.contains(p) && !self.chain.iter().any(|(_, c)| c == p))
            && body.skipped.iter().all(|p| included.contains(p))
            && b.state.file.can_add(&body.exec)
            && !body.read.contains(&self.top);
        if !fresh
            || !body
                .vars
                .iter()
                .all(|(n, d)| self.vars.digest_of(n, &b.builtins) == Some(*d))
        {
            return false;
        }
        for d in &body.diags {
            self.push(d.clone());
        }
        self.read.extend(&body.read);
        self.abis.extend(body.abis.iter().cloned());
        b.state.file.add(&body.exec);
        included.extend(body.included.iter().cloned());
        self.skipped += body.skipped.len();
        if self.recording > 0 {
            self.included_log.extend(body.included.iter().cloned());
            self.skipped_log.extend(body.skipped.iter().cloned());
            self.var_log.extend(body.vars.iter().cloned());
        }
        b.rules.extend(body.rules.iter().cloned());
        b.model.extend(body.model.iter().cloned());
        true
    }

    /// The rules of a branch not taken. The reference checks each rule on
    /// its own as it parses it, in every branch, but expands, compares and
    /// compiles only the rules of the branches taken: so each rule here gets
    /// the checks of one rule alone, its variables unexpanded and its
    /// patterns unchecked, and is then dropped. Its includes are read all
    /// the same (the reference reads them as it lexes the text, before any
    /// condition is evaluated), and count as included for the rest of the
    /// profile: a later include of the same file is skipped.
    fn walk_unused(
        &mut self,
        items: &[Item],
        prefix: &[PrefixItem],
        included: &mut HashSet<PathBuf>,
        b: &Building,
    ) {
        for item in items {
            match item {
                Item::Rule(r) => self.unused_rule(r, prefix, b),
                Item::Include { inc, span } => {
                    self.unused_depth += 1;
                    self.with_include(inc, *span, included, |w, items, inc| {
                        w.walk_unused(items, prefix, inc, b)
                    });
                    self.unused_depth -= 1;
                }
                Item::Block {
                    prefix: bp, items, ..
                } => {
                    let mut all = prefix.to_vec();
                    all.extend(bp.iter().cloned());
                    self.walk_unused(items, &all, included, b);
                }
                Item::If(i) => {
                    self.walk_unused(&i.then, prefix, included, b);
                    self.walk_else_unused(&i.otherwise, prefix, included, b);
                }
                // a child profile or hat of a branch not taken: the
                // reference parses its rules too, with includes of its own
                Item::Profile(p) => self.walk_unused(&p.items, &[], &mut HashSet::new(), b),
                _ => {}
            }
        }
    }

    fn walk_else_unused(
        &mut self,
        e: &Option<ast::Else>,
        prefix: &[PrefixItem],
        included: &mut HashSet<PathBuf>,
        b: &Building,
    ) {
        // an `else if` chain, link by link, not by recursion
        let mut next = e.as_ref();
        while let Some(e) = next {
            match e {
                ast::Else::If(i) => {
                    self.walk_unused(&i.then, prefix, included, b);
                    next = i.otherwise.as_ref();
                }
                ast::Else::Block(items, _) => {
                    self.walk_unused(items, prefix, included, b);
                    next = None;
                }
            }
        }
    }

    fn unused_rule(&mut self, r: &ast::Rule, prefix: &[PrefixItem], b: &Building) {
        let mut full_prefix = prefix.to_vec();
        full_prefix.extend(r.prefix.iter().cloned());
        let rule = ast::Rule {
            prefix: full_prefix,
            elems: r.elems.clone(),
            span: r.span,
        };
        let mut ds = Vec::new();
        check::prefix::check_order(&r.prefix, &mut ds);
        let mut alone = ProfileState {
            is_hat: b.state.is_hat,
            ..ProfileState::default()
        };
        let written_vars = check::variable_spans(&r.elems);
        let mut ctx = check::Ctx {
            features: &self.opts.features,
            diags: &mut ds,
            profile: &mut alone,
            warn_unsupported: false,
            written_vars: &written_vars,
            unused: true,
        };
        check::check_rule(&rule, &mut ctx);
        for d in ds {
            self.push(d);
        }
    }

    /// The items of a rule block or a conditional branch taken, with the
    /// range of rules they gave recorded (see [`ResolvedProfile::blocks`]).
    fn walk_block(
        &mut self,
        items: &[Item],
        prefix: &[PrefixItem],
        conditional: bool,
        included: &mut HashSet<PathBuf>,
        b: &mut Building,
    ) {
        let start = b.rules.len();
        self.walk_body(items, prefix, included, b);
        b.blocks.push(RuleBlock {
            rules: start..b.rules.len(),
            conditional,
            children: b.children.len(),
        });
    }

    fn walk_if(
        &mut self,
        i: &ast::If,
        prefix: &[PrefixItem],
        included: &mut HashSet<PathBuf>,
        b: &mut Building,
    ) {
        match self.eval(&i.cond) {
            Some(true) => {
                self.walk_block(&i.then, prefix, true, included, b);
                self.walk_else_unused(&i.otherwise, prefix, included, b);
            }
            Some(false) => {
                self.walk_unused(&i.then, prefix, included, b);
                match &i.otherwise {
                    Some(ast::Else::If(e)) => self.walk_if(e, prefix, included, b),
                    Some(ast::Else::Block(items, _)) => {
                        self.walk_block(items, prefix, true, included, b)
                    }
                    None => {}
                }
            }
            None => {}
        }
    }

    /// Evaluate a condition; `None` after reporting an error.
    fn eval(&mut self, e: &ast::Expr) -> Option<bool> {
        use ast::Expr;
        match e {
            Expr::Bool(w) => {
                let n = var_name(&w.text);
                match self.vars.bools.get(n) {
                    Some((v, _)) => Some(*v),
                    None => {
                        self.push(Diagnostic::error(
                            code::UNDEFINED_VARIABLE,
                            w.span,
                            format!("undefined boolean `${{{n}}}`"),
                        ));
                        None
                    }
                }
            }
            Expr::Defined(w, _) => {
                // `defined` asks about set variables only, whichever sigil
                // is written: 6.0 finds a boolean `$X` and answers no
                let n = var_name(&w.text);
                if w.kind == WordKind::BoolVar && self.vars.bools.contains_key(n) {
                    self.push(
                        Diagnostic::error(
                            code::DEFINED_BOOLEAN,
                            w.span,
                            format!("`defined ${n}` is always false: `defined` tests set variables, and `${n}` is a boolean"),
                        )
                        .help(format!("test the boolean itself: `if ${n}`")),
                    );
                }
                Some(self.vars.sets.contains_key(n))
            }
            Expr::Not(x, _) => self.eval(x).map(|v| !v),
            Expr::And(a, c) => {
                let x = self.eval(a)?;
                let y = self.eval(c)?;
                Some(x && y)
            }
            Expr::Or(a, c) => {
                let x = self.eval(a)?;
                let y = self.eval(c)?;
                Some(x || y)
            }
            Expr::Paren(x, _) => self.eval(x),
            Expr::Id(w) | Expr::SetVar(w) => match w.text.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => {
                    self.push(
                        Diagnostic::error(code::BAD_CONDITION, w.span, format!("invalid boolean `{}`: not `true` or `false`", w.text))
                            .help("conditions test booleans (`${b}`), `true`/`false`, `defined @{v}`, or compare values"),
                    );
                    None
                }
            },
            Expr::Cmp { left, op, right } => {
                let l = self.operand(left)?;
                let r = self.operand(right)?;
                use ast::CmpOp::*;
                Some(match op {
                    Eq => l == r,
                    Ne => l != r,
                    In => l.iter().all(|x| r.contains(x)),
                    Lt | Le | Gt | Ge => {
                        let ord = match (as_number(&l), as_number(&r)) {
                            (Some(a), Some(c)) => a.cmp(&c),
                            (None, None) => l.cmp(&r),
                            _ => {
                                self.push(
                                    Diagnostic::error(
                                        code::BAD_CONDITION,
                                        left.span.to(right.span),
                                        "can only compare numbers with numbers",
                                    )
                                    .note(format!(
                                        "`{}` and `{}` are not both numbers",
                                        left.text, right.text
                                    )),
                                );
                                return None;
                            }
                        };
                        match op {
                            Lt => ord.is_lt(),
                            Le => ord.is_le(),
                            Gt => ord.is_gt(),
                            _ => ord.is_ge(),
                        }
                    }
                })
            }
        }
    }

    fn operand(&mut self, w: &Word) -> Option<Vec<String>> {
        match w.kind {
            WordKind::SetVar => {
                let n = var_name(&w.text).to_string();
                match self.vars.sets.get_mut(&n) {
                    Some(v) => {
                        v.used = true;
                        let raw = v.values.clone();
                        let mut vals = Vec::new();
                        for x in raw {
                            match self.vars.expand(&x, &vars::Builtins::default()) {
                                Ok(e) => vals.push(e),
                                Err(_) => vals.push(x),
                            }
                        }
                        vals.sort();
                        vals.dedup();
                        Some(vals)
                    }
                    None => {
                        self.push(Diagnostic::error(
                            code::UNDEFINED_VARIABLE,
                            w.span,
                            format!("undefined variable `@{{{n}}}`"),
                        ));
                        None
                    }
                }
            }
            WordKind::BoolVar => {
                self.push(Diagnostic::error(
                    code::BAD_CONDITION,
                    w.span,
                    "booleans cannot be compared",
                ));
                None
            }
            // `@{}` standing alone: the reference reads a variable
            // reference with an empty name (`@{1x}` or `@{,}` it compares
            // as text)
            _ if w.text == "@{}" => {
                self.push(Diagnostic::error(
                    code::UNDEFINED_VARIABLE,
                    w.span,
                    format!("undefined variable `{}`", w.text),
                ));
                None
            }
            _ => Some(vec![w.text.clone()]),
        }
    }

    fn rule(&mut self, r: &ast::Rule, prefix: &[PrefixItem], b: &mut Building) {
        let mut ds = Vec::new();
        check::prefix::check_order(&r.prefix, &mut ds);
        for d in ds {
            self.push(d);
        }
        let key = self.rule_key(r, prefix, b);
        if key.is_none() {
            self.impure += 1;
        }
        if let Some(done) = key.and_then(|k| self.session.rules.get(&k)) {
            let (rule, model, ds) = &*done;
            for d in ds {
                self.push(d.clone());
            }
            b.model.push(model.clone());
            b.rules.push(rule.clone());
            return;
        }
        let lookups = b.state.file.exec_lookups;
        let mut elems = Vec::with_capacity(r.elems.len());
        for e in &r.elems {
            match self.expand_elem(e, &b.builtins) {
                Some(x) => elems.push(x),
                None => {
                    self.impure += 1;
                    return;
                }
            }
        }
        let mut full_prefix = prefix.to_vec();
        full_prefix.extend(r.prefix.iter().cloned());
        let rule = ast::Rule {
            prefix: full_prefix,
            elems,
            span: r.span,
        };
        let mut ds = Vec::new();
        {
            let written_vars = check::variable_spans(&r.elems);
            let mut ctx = check::Ctx {
                features: &self.opts.features,
                diags: &mut ds,
                profile: &mut b.state,
                warn_unsupported: self.opts.warn_unsupported,
                written_vars: &written_vars,
                unused: false,
            };
            b.model
                .push(check::check_rule(&rule, &mut ctx).map(Arc::new));
        }
        // kept when the checks did not read what earlier rules left
        let rule = Arc::new(rule);
        if let Some(k) =
            key.filter(|_| b.state.file.exec_lookups == lookups && b.state.file.path_only.is_none())
        {
            let model = b.model.last().cloned().flatten();
            let done = (rule.clone(), model, ds.clone());
            self.session.rules.insert(k, Arc::new(done));
        } else if key.is_some() && b.state.file.path_only.is_some() {
            // (an exec rule checked against the earlier ones is kept with
            // the include it is in: see `body_include`)
            self.impure += 1;
        }
        for d in ds {
            self.push(d);
        }
        b.rules.push(rule);
    }

    /// The key a rule of an included file is remembered by, when it can
    /// be: outside of a qualified block, with no path waiting for its
    /// permissions, of a family whose support is not reported once per
    /// profile, and every variable it refers to expanding.
    fn rule_key(&mut self, r: &ast::Rule, prefix: &[PrefixItem], b: &Building) -> Option<RuleKey> {
        use std::hash::{Hash, Hasher};
        if r.span.file == self.top
            || !prefix.is_empty()
            || b.state.file.path_only.is_some()
            || (self.opts.warn_unsupported
                && !check::family_supported(&self.opts.features, check::family(r)))
        {
            return None;
        }
        let mut h = crate::digest::hasher();
        (self.epoch, b.state.is_hat).hash(&mut h);
        let mut ok = true;
        expanded_words(&r.elems, &mut |w| {
            if !ok || !w.text.contains("@{") {
                return;
            }
            for name in vars::refs(&w.text) {
                match self.vars.digest_of(name, &b.builtins) {
                    Some(d) => {
                        (name, d).hash(&mut h);
                        if self.recording > 0 {
                            self.var_log.push((name.to_string(), d));
                        }
                    }
                    None => ok = false,
                }
            }
        });
        ok.then(|| (r.span.file, r.span.start, r.span.end, h.finish()))
    }
}

/// Every word of `elems` that [`Walker::expand_elem`] expands (those
/// that hold variables it replaces).
fn expanded_words(elems: &[Elem], f: &mut dyn FnMut(&Word)) {
    let mut word = |w: &Word| {
        if matches!(w.kind, WordKind::Id | WordKind::Value | WordKind::SetVar) {
            f(w)
        }
    };
    for e in elems {
        match e {
            Elem::Word(w) => word(w),
            Elem::Cond(c) => c.values.iter().for_each(&mut word),
            Elem::CondList { name, .. } if name.text == "xattrs" => {}
            Elem::CondList { conds, .. } => {
                conds.iter().flat_map(|c| &c.values).for_each(&mut word)
            }
            Elem::Flags { values, .. } | Elem::List { values, .. } => {
                values.iter().for_each(&mut word)
            }
            Elem::Arrow {
                target: Some(t), ..
            } => word(t),
            _ => {}
        }
    }
}

/// The span of a whole parsed file.
fn text_span(parsed: &Parsed) -> Span {
    let end = parsed
        .ast
        .items
        .iter()
        .map(|i| i.span().end)
        .max()
        .unwrap_or(0);
    Span::new(parsed.file, 0, end as usize)
}

/// `alias /from/ -> /to/,` grants every file rule under `/from/` under
/// `/to/` too, as the reference applies its alias table (sorted, each
/// pair once): for each alias, each file or link rule written (not one
/// an alias added) whose path or link target starts with FROM gets a copy
/// with that prefix replaced by TO; the attachment (or the path a
/// profile is named by) gets an alternative name the same way.
fn apply_aliases(
    profiles: &mut [ResolvedProfile],
    aliases: &[(String, String, Span)],
    tries: &Memo<Vec<(String, String)>, Arc<PrefixTrie>>,
) {
    if aliases.is_empty() || profiles.is_empty() {
        return;
    }
    let mut table: Vec<(&str, &str)> = aliases
        .iter()
        .map(|(f, t, _)| (f.as_str(), t.as_str()))
        .collect();
    table.sort_unstable();
    table.dedup();
    // the same tunables give every file of a tree the same table
    let key: Vec<(String, String)> = table
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect();
    let trie = tries.get_or(&key, || {
        Arc::new(PrefixTrie::new(table.iter().map(|(from, _)| *from)))
    });
    for p in profiles {
        apply_alias_table(p, &table, &trie);
    }
}

fn apply_alias_table(p: &mut ResolvedProfile, table: &[(&str, &str)], trie: &PrefixTrie) {
    let renamed = |text: &str, from: &str, to: &str| {
        text.strip_prefix(from).map(|rest| format!("{to}{rest}"))
    };
    // the name the reference aliases: the attachment as expanded, or the
    // one a path name implies (slashes already filtered)
    let written = p
        .name
        .strip_prefix(':')
        .and_then(|r| r.split_once(':'))
        .map_or(p.name.as_str(), |(_, name)| name);
    let attach = match &p.attachment {
        Some(a) => Some(a.clone()),
        None if written.starts_with('/') => Some(crate::compile::regex::filter_slashes(
            written.rsplit("//").next().unwrap_or(written),
        )),
        None => None,
    };
    if let Some(a) = attach {
        // each one is put before those of earlier aliases
        for (from, to) in table {
            if let Some(n) = renamed(&a, from, to) {
                p.altnames.insert(0, n);
            }
        }
    }
    // which aliases each rule falls under, found in a trie of the FROMs
    // (a profile has hundreds of rules, a policy hundreds of aliases)
    // whether the rule's `-> TARGET` is a link target (renamed too)
    let is_link = |m: &crate::policy::Rule| match &m.kind {
        crate::policy::RuleKind::File(f) => f.perms.link && !f.perms.exec,
        crate::policy::RuleKind::Link(_) => true,
        _ => false,
    };
    let mut hits: Vec<(usize, usize)> = Vec::new();
    let mut found = Vec::new();
    for (j, m) in p.model.iter().enumerate() {
        let Some(m) = m else { continue };
        found.clear();
        match &m.kind {
            crate::policy::RuleKind::File(f) => {
                if let Some(x) = f.path.as_deref() {
                    trie.prefixes_of(x, &mut found);
                }
                if let Some(x) = f.target.as_deref().filter(|_| is_link(m)) {
                    trie.prefixes_of(x, &mut found);
                }
            }
            crate::policy::RuleKind::Link(l) => {
                trie.prefixes_of(&l.from, &mut found);
                trie.prefixes_of(&l.to, &mut found);
            }
            _ => continue,
        }
        found.sort_unstable();
        found.dedup();
        hits.extend(found.iter().map(|&i| (i, j)));
    }
    // in the reference's order: alias by alias, each over the rules
    hits.sort_unstable();
    let mut added = Vec::with_capacity(hits.len());
    let mut lowered = Vec::with_capacity(hits.len());
    for (i, j) in hits {
        let (from, to) = table[i];
        let (r, Some(m)) = (&p.rules[j], &p.model[j]) else {
            continue;
        };
        let link = is_link(m);
        let mut copy = crate::policy::Rule::clone(m);
        match &mut copy.kind {
            crate::policy::RuleKind::File(f) => {
                let path = f.path.as_deref().and_then(|x| renamed(x, from, to));
                // `-> TARGET` names a link target with `l` and no `x`
                let target = f
                    .target
                    .as_deref()
                    .filter(|_| link)
                    .and_then(|x| renamed(x, from, to));
                if let Some(x) = path {
                    f.path = Some(crate::policy::file::path_pattern(&x));
                }
                if let Some(x) = target {
                    f.target = Some(crate::policy::file::path_pattern(&x));
                }
            }
            crate::policy::RuleKind::Link(l) => {
                if let Some(x) = renamed(&l.from, from, to) {
                    l.from = crate::policy::file::path_pattern(&x);
                }
                if let Some(x) = renamed(&l.to, from, to) {
                    l.to = crate::policy::file::path_pattern(&x);
                }
            }
            _ => {}
        }
        added.push(renamed_rule(r, from, to, link));
        lowered.push(Some(Arc::new(copy)));
    }
    p.rules.extend(added.into_iter().map(Arc::new));
    p.model.extend(lowered);
    for c in &mut p.children {
        apply_alias_table(c, table, trie);
    }
}

/// A set of strings, to find those that are prefixes of a given string.
struct PrefixTrie {
    nodes: Vec<TrieNode>,
}

/// A node's children by byte, and the strings that end there.
type TrieNode = (Vec<(u8, usize)>, Vec<usize>);

impl PrefixTrie {
    fn new<'a>(words: impl Iterator<Item = &'a str>) -> PrefixTrie {
        let mut nodes = vec![(Vec::new(), Vec::new())];
        for (i, w) in words.enumerate() {
            let mut at = 0;
            for b in w.bytes() {
                at = match nodes[at].0.iter().find(|(c, _)| *c == b) {
                    Some(&(_, next)) => next,
                    None => {
                        nodes.push((Vec::new(), Vec::new()));
                        let next = nodes.len() - 1;
                        nodes[at].0.push((b, next));
                        next
                    }
                };
            }
            nodes[at].1.push(i);
        }
        PrefixTrie { nodes }
    }

    /// Adds to `out` the index of every string that `x` starts with.
    fn prefixes_of(&self, x: &str, out: &mut Vec<usize>) {
        let mut at = 0;
        out.extend(&self.nodes[0].1);
        for b in x.bytes() {
            match self.nodes[at].0.iter().find(|(c, _)| *c == b) {
                Some(&(_, next)) => at = next,
                None => return,
            }
            out.extend(&self.nodes[at].1);
        }
    }
}

/// The syntax of an alias's copy of a rule: the path words (and with
/// `link`, the link target) under FROM written under TO.
fn renamed_rule(r: &ast::Rule, from: &str, to: &str, link: bool) -> ast::Rule {
    let mut copy = r.clone();
    for e in &mut copy.elems {
        let w = match e {
            Elem::Word(w) if w.kind == WordKind::Id => w,
            Elem::Arrow {
                target: Some(w), ..
            } if link => w,
            _ => continue,
        };
        if let Some(rest) = w.text.strip_prefix(from) {
            w.text = format!("{to}{rest}");
        }
    }
    copy
}

/// A value set read as a number the way `strtol(s, &end, 0)` reads it:
/// `Some` only for one non-empty value that is entirely a number.
fn as_number(set: &[String]) -> Option<i64> {
    let [v] = set else { return None };
    let t = v.trim_start();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (16, h)
    } else if t.len() > 1 && t.starts_with('0') {
        (8, &t[1..])
    } else {
        (10, t)
    };
    if digits.is_empty() {
        return None;
    }
    let n = i64::from_str_radix(digits, radix).ok()?;
    Some(if neg { -n } else { n })
}

/// Files under a directory that `check` would read (see [`tree::walk`]),
/// in name order; the first directory that cannot be read is an error.
pub fn walk_dir(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let walk = tree::walk(dir);
    match walk.failed.into_iter().next() {
        Some((_, e)) => Err(e),
        None => Ok(walk.files),
    }
}
