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
    /// Policy files (for `remove`, also profile names).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Also compare the kernel with this profile tree: which of its
    /// profiles are not loaded (missing), loaded from other text (stale),
    /// or in complain mode. Exit status 1 when any is missing or stale.
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
struct Compiled {
    name: String,
    record: Vec<u8>,
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
    let kernel = Interface::at(&a.securityfs);
    kernel.probe()?;
    if op == Op::Remove {
        return remove(&kernel, &a);
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
                Standing::Changed => println!("would replace `{n}`"),
            }
        }
        return Ok(exit::OK);
    }
    let names: Vec<&str> = compiled.iter().map(|c| c.name.as_str()).collect();
    let what = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if kernel.loads_sets() || compiled.len() == 1 {
        let buf: Vec<u8> = compiled.iter().flat_map(|c| c.record.clone()).collect();
        if let Err(e) = kernel.write(op, &buf, &what) {
            if matches!(e, KernelError::Exists(_)) {
                let there: Vec<String> = names
                    .iter()
                    .filter(|n| loaded.modes.contains_key(**n))
                    .map(|n| format!("`{n}`"))
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
    } else {
        // one record at a time; a refusal takes back what this call added
        let mut added: Vec<&str> = Vec::new();
        for c in &compiled {
            if let Err(e) = kernel.write(op, &c.record, &format!("`{}`", c.name)) {
                for n in &added {
                    let _ = kernel.remove(n);
                }
                if !added.is_empty() {
                    eprintln!(
                        "aaprof: this kernel loads one profile at a time; removed again what was added: {}",
                        added.join(", ")
                    );
                }
                return Err(e.into());
            }
            if !loaded.modes.contains_key(&c.name) {
                added.push(&c.name);
            }
        }
    }
    let done = match op {
        Op::Load => "loaded",
        _ => "replaced",
    };
    for n in names {
        println!("{done} `{n}`");
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
    let holds =
        |r: &Vec<u8>| !c.record.is_empty() && r.windows(c.record.len()).any(|w| w == c.record);
    if raw.get(&c.name).is_some_and(holds) {
        Standing::Current
    } else {
        Standing::Changed
    }
}

/// Compile every file for the kernel's features: each profile's record
/// (a child's and a hat's too), or `None` when a file has errors (they
/// are reported).
fn compile_all(kernel: &Interface, a: &LoadArgs) -> Result<Option<Vec<Compiled>>> {
    let (out, failed) = compile_files(kernel, &a.policy, &a.paths)?;
    Ok((!failed).then_some(out))
}

/// Compile `paths` for the kernel's features: the records of the files
/// without errors, and whether a file had errors (reported).
fn compile_files(
    kernel: &Interface,
    policy: &PolicyArgs,
    paths: &[PathBuf],
) -> Result<(Vec<Compiled>, bool)> {
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
    let session = Session::new();
    let mut out = Vec::new();
    let mut failed = false;
    for path in paths {
        if !path.is_file() {
            anyhow::bail!("`{}`: not a policy file", path.display());
        }
        let shown = path.display().to_string();
        let outcome = session.check_path(path, &shown, &opts);
        let mut diags: Vec<_> = outcome
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        let mut records = Vec::new();
        let mut names = Vec::new();
        if !outcome.has_errors() {
            let mut copts = copts.clone();
            copts.policy_features = compile::abi_features(&outcome.policy, &opts.search);
            let c = compile::compile(&outcome.policy, &copts);
            diags.extend(c.diagnostics.iter().filter(|d| d.is_error()).cloned());
            if !c.has_errors() {
                (records, names) = (c.records, c.names);
            }
        }
        if !diags.is_empty() {
            let f = if std::io::stderr().is_terminal() {
                Format::Full
            } else {
                Format::Concise
            };
            render::render(
                &mut std::io::stderr().lock(),
                &session.sources(),
                &diags,
                f,
                std::io::stderr().is_terminal(),
            )?;
            eprintln!("aaprof: `{shown}` has errors; nothing of it is loaded");
            failed = true;
            continue;
        }
        for (record, name) in records.into_iter().zip(names) {
            out.push(Compiled { name, record });
        }
    }
    Ok((out, failed))
}

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
        if failed {
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
        Some(t) if !t.missing.is_empty() || !t.stale.is_empty() => exit::FINDINGS,
        _ => exit::OK,
    }
}

/// How a profile tree stands against what the kernel has loaded.
struct TreeState {
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
    let (compiled, _) = compile_files(kernel, &a.policy, &files)?;
    let raw = kernel.raw_data();
    let mut t = TreeState {
        missing: Vec::new(),
        stale: Vec::new(),
        complain: Vec::new(),
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
