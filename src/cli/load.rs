//! `aaprof load`, `aaprof replace`, `aaprof remove` and `aaprof status`:
//! policy into the running kernel, out of it, and what it holds.

use super::check::options;
use super::{PolicyArgs, exit};
use aaprof::compile::{self, Options};
use aaprof::diag::render::{self, Format};
use aaprof::kernel::{Interface, KernelError, Op};
use aaprof::resolve::Session;
use anyhow::Result;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct LoadArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Compile and say what would be added, replaced or left alone,
    /// without writing to the kernel.
    #[arg(long)]
    pub dry_run: bool,
    /// Where securityfs is mounted.
    #[arg(long, value_name = "DIR", default_value = aaprof::kernel::SECURITYFS)]
    pub securityfs: PathBuf,
    /// Load the profile tree DIR, then keep it loaded: after each change
    /// under DIR, replace the profiles whose compiled policy changed and
    /// remove those this loader loaded whose files are gone; a file with
    /// errors keeps its last good policy loaded. One log line per action;
    /// runs until killed.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["paths", "dry_run"])]
    pub watch: Option<PathBuf>,
    /// With --watch, write the loader's status here after each pass (JSON:
    /// tree version, ready, profiles loaded, errors); a loader started
    /// again reads back which profiles it loaded.
    #[arg(long, value_name = "FILE", requires = "watch")]
    pub status_file: Option<PathBuf>,
    /// With --watch, in a pod: after each pass, label this Kubernetes node
    /// with the version of the tree it has wholly loaded
    /// (`aaprof.dev/tree-version`) and annotate it with how the pass went
    /// (`aaprof.dev/tree-status`). Needs `patch` on `nodes`.
    #[arg(long, value_name = "NAME", requires = "watch")]
    pub node: Option<String>,
    /// Policy files (for `remove`, also profile names).
    #[arg(value_name = "PATH", required_unless_present = "watch")]
    pub paths: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Also compare the kernel with this profile tree: which of its
    /// profiles are not loaded (missing), loaded from other text (stale),
    /// or in complain mode. Exit status 1 when any is missing or stale, or a file has errors.
    #[arg(long, value_name = "DIR")]
    pub profiles: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: StatusFormat,
    /// Where securityfs is mounted.
    #[arg(long, value_name = "DIR", default_value = aaprof::kernel::SECURITYFS)]
    pub securityfs: PathBuf,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFormat {
    Text,
    Json,
}

/// One profile compiled from the files given: its name and its record.
pub(super) struct Compiled {
    pub name: String,
    pub record: Vec<u8>,
}

pub fn run(op: Op, a: LoadArgs) -> i32 {
    match run_inner(op, a) {
        Ok(code) => code,
        Err(e) => {
            match e.downcast_ref::<KernelError>() {
                Some(k) => eprintln!("aaprof: error: {k}"),
                None => eprintln!("aaprof: error: {e:#}"),
            }
            exit::USAGE
        }
    }
}

fn run_inner(op: Op, a: LoadArgs) -> Result<i32> {
    if a.watch.is_none() && (a.status_file.is_some() || a.node.is_some()) {
        anyhow::bail!("--status-file and --node go with --watch DIR");
    }
    let kernel = Interface::at(&a.securityfs);
    kernel.probe()?;
    if op == Op::Remove {
        if a.watch.is_some() {
            anyhow::bail!("--watch is for `aaprof load` and `aaprof replace`");
        }
        return remove(&kernel, &a);
    }
    if let Some(dir) = &a.watch {
        let node = match &a.node {
            Some(n) => Some(super::node::Node::in_cluster(n)?),
            None => None,
        };
        return super::watch::run(
            &kernel,
            &a.policy,
            dir,
            a.status_file.as_deref(),
            node.as_ref(),
        );
    }
    let Some(compiled) = compile_all(&kernel, &a)? else {
        return Ok(exit::FINDINGS);
    };
    let loaded = kernel.loaded()?;
    if a.dry_run {
        let raw = kernel.raw_data();
        for c in &compiled {
            let n = &c.name;
            match standing(c, &loaded, &raw) {
                Standing::New => println!("would add `{n}`"),
                Standing::Current => println!("would leave `{n}` alone (unchanged)"),
                Standing::Changed => match raw.get(n) {
                    Some(old) => println!("would replace `{n}`: {}", change(old, c)),
                    None => println!("would replace `{n}`"),
                },
            }
        }
        return Ok(exit::OK);
    }
    let set: Vec<&Compiled> = compiled.iter().collect();
    if let Err(e) = write_set(&kernel, op, &set, &loaded) {
        if matches!(e.error, KernelError::Exists(_)) {
            let what = set
                .iter()
                .map(|c| format!("`{}`", c.name))
                .collect::<Vec<_>>()
                .join(", ");
            let there: Vec<String> = set
                .iter()
                .filter(|c| loaded.modes.contains_key(&c.name))
                .map(|c| format!("`{}`", c.name))
                .collect();
            anyhow::bail!(
                "the kernel refused to load {what}: {} already loaded, so none of them was loaded; use `aaprof replace` to replace loaded profiles",
                match there.len() {
                    0 => "one of them is".to_string(),
                    1 => format!("{} is", there[0]),
                    _ => format!("{} are", there.join(", ")),
                }
            );
        }
        return Err(e.into());
    }
    let done = match op {
        Op::Load => "loaded",
        _ => "replaced",
    };
    for c in &compiled {
        println!("{done} `{}`", c.name);
    }
    Ok(exit::OK)
}

/// How a compiled profile stands against the kernel's.
enum Standing {
    /// Not loaded.
    New,
    /// Loaded from this very record: the policy the kernel keeps of it
    /// (`raw_data`, the buffer it was loaded from) holds it.
    Current,
    /// Loaded from something else.
    Changed,
}

fn standing(
    c: &Compiled,
    loaded: &aaprof::k8s::profiles::Loaded,
    raw: &std::collections::BTreeMap<String, Vec<u8>>,
) -> Standing {
    if !loaded.modes.contains_key(&c.name) {
        return Standing::New;
    }
    if raw
        .get(&c.name)
        .is_some_and(|r| super::watch::holds(r, &c.record))
    {
        Standing::Current
    } else {
        Standing::Changed
    }
}

/// What replacing the loaded `old` (the buffer the kernel keeps) with
/// `new` changes, in one line: the first difference in meaning, with the
/// input that shows it, and where else they differ.
fn change(old: &[u8], new: &Compiled) -> String {
    use aaprof::binpolicy::compare;
    let opts = compare::Options {
        witnesses: 1,
        max_pairs: 2_000_000,
    };
    let c = match compare::compare_with(old, &new.record, &opts) {
        Ok(c) => c,
        Err(e) => return format!("the loaded policy cannot be decoded ({e})"),
    };
    // the loaded buffer may hold other profiles of its set
    let ours: Vec<&compare::Difference> = c
        .differences
        .iter()
        .filter(|d| d.record == new.name)
        .collect();
    let Some(first) = ours.first() else {
        return "the same meaning, compiled differently".to_string();
    };
    let mut line = first.summary();
    let others: Vec<&str> = ours[1..]
        .iter()
        .map(|d| d.place.as_str())
        .filter(|p| *p != first.place)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !others.is_empty() {
        line.push_str(&format!("; {} differ too", others.join(", ")));
    }
    line
}

/// Compile every file for the kernel's features: each profile's record
/// (a child's and a hat's too), or `None` when a file has errors (they
/// are reported).
fn compile_all(kernel: &Interface, a: &LoadArgs) -> Result<Option<Vec<Compiled>>> {
    let (out, failed) = compile_files(kernel, &a.policy, &a.paths)?;
    Ok(failed.is_empty().then_some(out))
}

/// Compile `paths` for the kernel's features: the records of the files
/// without errors, and the files with errors (reported).
fn compile_files(
    kernel: &Interface,
    policy: &PolicyArgs,
    paths: &[PathBuf],
) -> Result<(Vec<Compiled>, Vec<PathBuf>)> {
    let compiler = Compiler::new(kernel, policy)?;
    let mut out = Vec::new();
    let mut failed = Vec::new();
    for path in paths {
        if !path.is_file() {
            anyhow::bail!("`{}`: not a policy file", path.display());
        }
        match compiler.file(path) {
            Ok(c) => out.extend(c),
            Err(diags) => {
                super::errors_to_stderr(
                    &compiler.session.sources(),
                    &diags,
                    std::io::stderr().is_terminal(),
                )?;
                eprintln!(
                    "aaprof: `{}` has errors; nothing of it is loaded",
                    path.display()
                );
                failed.push(path.clone());
            }
        }
    }
    Ok((out, failed))
}

/// Policy files compiled for the kernel's features (or those of `-M`).
pub(super) struct Compiler {
    opts: aaprof::resolve::Options,
    copts: Options,
    session: Session,
}

impl Compiler {
    pub(super) fn new(kernel: &Interface, policy: &PolicyArgs) -> Result<Compiler> {
        let mut opts = options(policy)?;
        if policy.features_file.is_none() {
            opts.features = kernel.features()?;
        }
        opts.warn_unsupported = true;
        let copts = Options {
            features: opts.features.clone(),
            policy_features: None,
            budget: Default::default(),
        };
        Ok(Compiler {
            opts,
            copts,
            session: Session::new(),
        })
    }

    /// Each profile's record of the file at `path` (a child's and a hat's
    /// too), or the errors that keep it from being loaded.
    pub(super) fn file(
        &self,
        path: &std::path::Path,
    ) -> std::result::Result<Vec<Compiled>, Vec<aaprof::diag::Diagnostic>> {
        let shown = path.display().to_string();
        let outcome = self.session.check_path(path, &shown, &self.opts);
        let c = compile::compile_checked(&outcome, &self.opts.search, &self.copts)?;
        Ok(c.records
            .into_iter()
            .zip(c.names)
            .map(|(record, name)| Compiled { name, record })
            .collect())
    }

    /// Write `diags` (of files this compiler read) in `format`.
    pub(super) fn render(
        &self,
        out: &mut dyn std::io::Write,
        diags: &[aaprof::diag::Diagnostic],
        format: Format,
        color: bool,
    ) -> std::io::Result<()> {
        render::render(out, &self.session.sources(), diags, format, color)
    }
}

/// Write `set` (profile names and records) to the kernel's `op` file, all
/// or nothing: in one write where the kernel loads sets, otherwise one
/// record at a time, and a refusal puts back what was there before (it
/// removes what this call added, and replaces what it replaced with the
/// policy the kernel kept of it). The error says what was put back.
pub(super) fn write_set(
    kernel: &Interface,
    op: Op,
    set: &[&Compiled],
    loaded: &aaprof::k8s::profiles::Loaded,
) -> std::result::Result<(), SetError> {
    let what = set
        .iter()
        .map(|c| format!("`{}`", c.name))
        .collect::<Vec<_>>()
        .join(", ");
    if kernel.loads_sets() || set.len() == 1 {
        let buf: Vec<u8> = set.iter().flat_map(|c| c.record.iter().copied()).collect();
        return kernel.write(op, &buf, &what).map_err(|e| SetError {
            error: e,
            undone: None,
        });
    }
    let before = kernel.raw_data();
    let mut done: Vec<&str> = Vec::new();
    for c in set {
        if let Err(e) = kernel.write(op, &c.record, &format!("`{}`", c.name)) {
            let mut undone = Vec::new();
            for n in done.iter().rev() {
                let back = if !loaded.modes.contains_key(*n) {
                    kernel.remove(n).map(|()| format!("removed `{n}` again"))
                } else if let Some(raw) = before.get(*n) {
                    kernel
                        .write(Op::Replace, raw, n)
                        .map(|()| format!("put back the `{n}` loaded before"))
                } else {
                    Ok(format!(
                        "could not put back the `{n}` loaded before (this kernel keeps no copy of it)"
                    ))
                };
                undone.push(back.unwrap_or_else(|e| format!("could not undo `{n}`: {e}")));
            }
            return Err(SetError {
                error: e,
                undone: Some(undone),
            });
        }
        done.push(&c.name);
    }
    Ok(())
}

/// A set the kernel refused, and, where it was written a record at a
/// time, what was done to put back what was loaded before.
#[derive(Debug)]
pub(super) struct SetError {
    pub error: KernelError,
    pub undone: Option<Vec<String>>,
}

impl std::fmt::Display for SetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error)?;
        if let Some(u) = self.undone.as_ref().filter(|u| !u.is_empty()) {
            write!(
                f,
                "; this kernel loads one profile at a time, so aaprof {}",
                u.join(", ")
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for SetError {}

fn remove(kernel: &Interface, a: &LoadArgs) -> Result<i32> {
    let mut names = Vec::new();
    let files: Vec<&PathBuf> = a.paths.iter().filter(|p| p.is_file()).collect();
    for p in &a.paths {
        if !p.is_file() {
            names.push(p.display().to_string());
        }
    }
    if !files.is_empty() {
        let files: Vec<PathBuf> = files.into_iter().cloned().collect();
        let (c, failed) = compile_files(kernel, &a.policy, &files)?;
        if !failed.is_empty() {
            return Ok(exit::FINDINGS);
        }
        names.extend(c.into_iter().map(|c| c.name));
    }
    let loaded = kernel.loaded()?;
    for n in &names {
        if a.dry_run {
            let state = if loaded.modes.contains_key(n) {
                "remove"
            } else {
                "leave alone (not loaded)"
            };
            println!("would {state} `{n}`");
            continue;
        }
        kernel.remove(n)?;
        println!("removed `{n}`");
    }
    Ok(exit::OK)
}

pub fn status(a: StatusArgs) -> i32 {
    let kernel = Interface::at(&a.securityfs);
    let loaded = match kernel.loaded() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("aaprof: error: {e}");
            return exit::USAGE;
        }
    };
    let tree = match &a.profiles {
        Some(dir) => match against_tree(&kernel, &a, dir, &loaded) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("aaprof: error: {e:#}");
                return exit::USAGE;
            }
        },
        None => None,
    };
    let mut by_mode: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (name, mode) in &loaded.modes {
        by_mode.entry(mode.as_str()).or_default().push(name);
    }
    match a.format {
        StatusFormat::Json => {
            let profiles: Vec<serde_json::Value> = loaded
                .modes
                .iter()
                .map(|(n, m)| serde_json::json!({ "name": n, "mode": m }))
                .collect();
            let mut v = serde_json::json!({ "profiles": profiles, "loaded": loaded.modes.len() });
            if let Some(t) = &tree {
                v["tree"] = serde_json::json!({
                    "missing": t.missing,
                    "stale": t.stale,
                    "complain": t.complain,
                    "errors": t.errors,
                });
            }
            println!("{v}");
        }
        StatusFormat::Text => {
            println!("{} loaded.", super::count(loaded.modes.len(), "profile"));
            for (mode, names) in &by_mode {
                println!("{} in {mode} mode:", super::count(names.len(), "profile"));
                for n in names {
                    println!("   {n}");
                }
            }
            if let (Some(t), Some(dir)) = (&tree, &a.profiles) {
                let shown = dir.display();
                if !t.errors.is_empty() {
                    println!(
                        "{} of {shown} with errors:",
                        super::count(t.errors.len(), "file")
                    );
                    for n in &t.errors {
                        println!("   {n}");
                    }
                }
                for (what, names) in [
                    ("not loaded (missing)", &t.missing),
                    ("loaded from other text (stale)", &t.stale),
                    ("in complain mode", &t.complain),
                ] {
                    println!(
                        "{} of {shown} {what}:",
                        super::count(names.len(), "profile")
                    );
                    for n in names {
                        println!("   {n}");
                    }
                }
            }
        }
    }
    match tree {
        Some(t) if !t.missing.is_empty() || !t.stale.is_empty() || !t.errors.is_empty() => {
            exit::FINDINGS
        }
        _ => exit::OK,
    }
}

/// How a profile tree stands against what the kernel has loaded.
struct TreeState {
    /// Files of the tree with errors (reported).
    errors: Vec<String>,
    missing: Vec<String>,
    stale: Vec<String>,
    complain: Vec<String>,
}

/// Compile the tree at `dir` (its profiles; abstractions and tunables
/// hold none) and compare each profile with the kernel's: a loaded
/// profile is current when the policy the kernel keeps of it holds the
/// record compiled now.
fn against_tree(
    kernel: &Interface,
    a: &StatusArgs,
    dir: &std::path::Path,
    loaded: &aaprof::k8s::profiles::Loaded,
) -> Result<TreeState> {
    if !dir.is_dir() {
        anyhow::bail!("`{}`: not a directory", dir.display());
    }
    let walk = aaprof::resolve::tree::walk(dir);
    let mut files = walk.files;
    files.sort();
    let (compiled, failed) = compile_files(kernel, &a.policy, &files)?;
    let raw = kernel.raw_data();
    let mut t = TreeState {
        missing: Vec::new(),
        stale: Vec::new(),
        complain: Vec::new(),
        errors: failed.iter().map(|p| p.display().to_string()).collect(),
    };
    for c in compiled {
        match standing(&c, loaded, &raw) {
            Standing::New => t.missing.push(c.name.clone()),
            Standing::Changed => t.stale.push(c.name.clone()),
            Standing::Current => {}
        }
        if loaded.modes.get(&c.name).is_some_and(|m| m == "complain") {
            t.complain.push(c.name);
        }
    }
    Ok(t)
}
