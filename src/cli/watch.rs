//! `aaprof load --watch DIR`: load a profile tree and keep it loaded.
//!
//! Each pass compiles the whole tree for the running kernel and writes
//! only what changed: profiles whose compiled policy differs from what
//! this loader last loaded (or from what the kernel holds, at the start)
//! are replaced as one set; profiles this loader loaded whose files are
//! gone are removed; a file with errors keeps its last good policy
//! loaded. A pass runs at the start and after each change under DIR
//! (inotify), and writes the status file; each action is one log line on
//! standard output.

use super::PolicyArgs;
use super::load::{Compiled, Compiler, write_set};
use aaprof::diag::render::Format;
use aaprof::kernel::{Interface, KernelError, Op};
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

/// How long the tree must be quiet after a change before a pass runs
/// (an editor's save, or a ConfigMap update, is several events).
const QUIET: Duration = Duration::from_millis(300);

/// What the loader knows between passes.
#[derive(Default)]
struct State {
    /// The profiles this loader loaded (or found loaded from the tree's
    /// own text), which it removes when their files go.
    owned: BTreeSet<String>,
    /// The record each owned profile was last loaded from.
    records: BTreeMap<String, Vec<u8>>,
    /// The profiles each file gave at its last good compile.
    from: BTreeMap<PathBuf, Vec<String>>,
}

/// What a pass found: the status file's content.
#[derive(serde::Serialize)]
struct Status {
    /// The tree watched.
    tree: String,
    /// The version of the tree's text this pass read.
    version: String,
    /// Every file compiled and every profile loaded as compiled.
    ready: bool,
    /// When the pass ended (seconds since the epoch).
    updated: u64,
    /// The profiles loaded from the tree.
    profiles: Vec<String>,
    /// The profiles this loader loaded, which it removes when their files
    /// go (read back from the status file when the loader restarts).
    owned: Vec<String>,
    /// Files with errors (their last good policy stays loaded), and
    /// refusals of the kernel.
    errors: Vec<Problem>,
}

#[derive(serde::Serialize)]
struct Problem {
    file: Option<String>,
    error: String,
}

/// Run the loader on `dir` until killed. Returns only when the first pass
/// cannot reach the kernel or the tree cannot be watched.
pub fn run(
    kernel: &Interface,
    policy: &PolicyArgs,
    dir: &Path,
    status_file: Option<&Path>,
    node: Option<&super::node::Node>,
) -> Result<i32> {
    if !dir.is_dir() {
        anyhow::bail!("`{}`: not a directory", dir.display());
    }
    let mut state = State::default();
    if let Some(f) = status_file {
        state.owned = owned_in(f);
    }
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |e: notify::Result<notify::Event>| {
        // reading the tree (a pass, a readiness probe) is no change
        if !e.as_ref().is_ok_and(|e| e.kind.is_access()) {
            let _ = tx.send(e.is_ok());
        }
    })
    .context("cannot watch for changes (inotify)")?;
    use notify::Watcher;
    watcher
        .watch(dir, notify::RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch `{}`", dir.display()))?;
    log(&format!("watching {}", dir.display()));
    let mut first = true;
    // what the node was last told, and what it is to be told
    let mut told: Option<Report> = None;
    let mut due: Option<Report> = None;
    loop {
        match pass(kernel, policy, dir, &mut state) {
            Ok(status) => {
                if let Some(f) = status_file {
                    write_status(f, &status);
                }
                let problems = status.errors.len();
                log(&format!(
                    "tree version {}: {} loaded{}",
                    status.version,
                    super::count(status.profiles.len(), "profile"),
                    match problems {
                        0 => String::new(),
                        n => format!(", {}", super::count(n, "error")),
                    }
                ));
                let now = (status.version.clone(), status.ready, problems);
                due = node.and(Some(now)).filter(|n| told.as_ref() != Some(n));
            }
            // the kernel cannot be reached or refuses this loader
            Err(e) if first => return Err(e),
            Err(e) => log(&format!("error: {e:#}")),
        }
        first = false;
        // a change, then quiet; until then, tell the node (again, while
        // the API cannot be reached)
        loop {
            if let (Some(n), Some(d)) = (node, due.take()) {
                match n.report(&d.0, d.1, d.2) {
                    Ok(()) => {
                        log(&format!(
                            "node `{}`: {}",
                            n.name(),
                            if d.1 {
                                format!("labelled {}={}", super::node::VERSION_LABEL, d.0)
                            } else {
                                format!("annotated: tree version {} not wholly loaded", d.0)
                            }
                        ));
                        told = Some(d);
                    }
                    Err(e) => {
                        log(&format!(
                            "error: {e:#}; trying again in {}s",
                            RETRY.as_secs()
                        ));
                        due = Some(d);
                    }
                }
            }
            let got = if due.is_some() {
                rx.recv_timeout(RETRY)
            } else {
                rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected)
            };
            match got {
                Ok(_) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    anyhow::bail!("the watch on `{}` ended", dir.display())
                }
            }
        }
        while rx.recv_timeout(QUIET).is_ok() {}
    }
}

/// What a node is told: the tree version, whether it is wholly loaded,
/// how many errors there were.
type Report = (String, bool, usize);

/// How long the loader waits before telling the node again when the API
/// could not be reached.
const RETRY: Duration = Duration::from_secs(30);

/// One line of the loader's log.
fn log(line: &str) {
    println!("aaprof: {line}");
}

/// One pass over the tree.
fn pass(kernel: &Interface, policy: &PolicyArgs, dir: &Path, state: &mut State) -> Result<Status> {
    let walk = aaprof::resolve::tree::walk(dir);
    let compiler = Compiler::new(kernel, policy)?;
    let mut errors = Vec::new();
    for (p, e) in &walk.failed {
        errors.push(Problem {
            file: Some(p.display().to_string()),
            error: e.to_string(),
        });
    }
    let mut texts = Vec::new();
    let mut want: BTreeMap<String, Compiled> = BTreeMap::new();
    let mut source: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut kept: BTreeSet<String> = BTreeSet::new();
    let mut from = BTreeMap::new();
    for path in &walk.files {
        let rel = path.strip_prefix(dir).unwrap_or(path);
        texts.push((
            rel.to_string_lossy().into_owned(),
            std::fs::read(path).unwrap_or_default(),
        ));
        match compiler.file(path) {
            Ok(compiled) => {
                let mut names = Vec::new();
                for c in compiled {
                    if let Some(other) = source.get(&c.name) {
                        errors.push(Problem {
                            file: Some(path.display().to_string()),
                            error: format!(
                                "profile `{}` is also defined in {}; the first is loaded",
                                c.name,
                                other.display()
                            ),
                        });
                        continue;
                    }
                    names.push(c.name.clone());
                    source.insert(c.name.clone(), path.clone());
                    want.insert(c.name.clone(), c);
                }
                from.insert(path.clone(), names);
            }
            Err(diags) => {
                let mut text = Vec::new();
                let _ = compiler.render(&mut text, &diags, Format::Concise, false);
                let text = String::from_utf8_lossy(&text).trim_end().to_string();
                let keeps = state.from.get(path).cloned().unwrap_or_default();
                log(&format!(
                    "error: `{}` has errors; {}:\n{text}",
                    path.display(),
                    if keeps.is_empty() {
                        "nothing of it is loaded".to_string()
                    } else {
                        "its last good policy stays loaded".to_string()
                    }
                ));
                errors.push(Problem {
                    file: Some(path.display().to_string()),
                    error: text,
                });
                kept.extend(keeps.iter().cloned());
                from.insert(path.clone(), keeps);
            }
        }
    }
    state.from = from;
    let loaded = kernel.loaded()?;
    // what is loaded already as compiled now needs no write (it stays
    // another's: this loader removes only what it loaded)
    let unknown: Vec<&String> = want
        .keys()
        .filter(|n| !state.records.contains_key(*n) && loaded.modes.contains_key(*n))
        .collect();
    if !unknown.is_empty() {
        let raw = kernel.raw_data();
        for n in unknown {
            let c = &want[n];
            if raw.get(n).is_some_and(|r| holds(r, &c.record)) {
                state.records.insert(n.clone(), c.record.clone());
                log(&format!("`{n}` is loaded already, as compiled now"));
            }
        }
    }
    let changed: Vec<&Compiled> = want
        .values()
        .filter(|c| {
            !loaded.modes.contains_key(&c.name) || state.records.get(&c.name) != Some(&c.record)
        })
        .collect();
    if !changed.is_empty() {
        match write_set(kernel, Op::Replace, &changed, &loaded) {
            Ok(()) => {
                for c in &changed {
                    let did = if loaded.modes.contains_key(&c.name) {
                        "replaced"
                    } else {
                        "loaded"
                    };
                    log(&format!(
                        "{did} `{}` (from {})",
                        c.name,
                        source[&c.name].display()
                    ));
                    state.records.insert(c.name.clone(), c.record.clone());
                    state.owned.insert(c.name.clone());
                }
            }
            Err(e)
                if matches!(
                    e.error,
                    KernelError::NotPermitted(_) | KernelError::Locked(_)
                ) =>
            {
                return Err(e.into());
            }
            Err(e) => {
                log(&format!(
                    "error: {e}; the policy loaded before stays loaded"
                ));
                errors.push(Problem {
                    file: None,
                    error: e.to_string(),
                });
            }
        }
    }
    // what this loader loaded from files that are gone
    let gone: Vec<String> = state
        .owned
        .iter()
        .chain(state.records.keys())
        .filter(|n| !want.contains_key(*n) && !kept.contains(*n))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for n in gone {
        if state.owned.contains(&n) && loaded.modes.contains_key(&n) {
            match kernel.remove(&n) {
                Ok(()) | Err(KernelError::NotLoaded(_)) => {
                    log(&format!("removed `{n}` (its file is gone)"));
                }
                Err(e) => {
                    log(&format!("error: {e}"));
                    errors.push(Problem {
                        file: None,
                        error: e.to_string(),
                    });
                    continue;
                }
            }
        }
        state.owned.remove(&n);
        state.records.remove(&n);
    }
    let now = kernel.loaded()?;
    let profiles: Vec<String> = want
        .keys()
        .chain(kept.iter())
        .filter(|n| now.modes.contains_key(*n))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(Status {
        tree: dir.display().to_string(),
        version: aaprof::resolve::tree::version(&texts),
        ready: errors.is_empty() && want.keys().all(|n| now.modes.contains_key(n)),
        updated: SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default(),
        profiles,
        owned: state.owned.iter().cloned().collect(),
        errors,
    })
}

/// Whether the policy the kernel kept (`raw`, the buffer a profile was
/// loaded from) holds `record`.
pub(super) fn holds(raw: &[u8], record: &[u8]) -> bool {
    !record.is_empty() && raw.windows(record.len()).any(|w| w == record)
}

/// The profiles a loader that ran before said it owned, in its status file.
fn owned_in(status_file: &Path) -> BTreeSet<String> {
    let Ok(text) = std::fs::read_to_string(status_file) else {
        return BTreeSet::new();
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return BTreeSet::new();
    };
    v["owned"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn write_status(path: &Path, status: &Status) {
    let text = match serde_json::to_string_pretty(status) {
        Ok(t) => t + "\n",
        Err(e) => return log(&format!("error: cannot write the status: {e}")),
    };
    if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(d);
    }
    if let Err(e) = super::atomic::write(path, &text) {
        log(&format!(
            "error: cannot write the status file {}: {e}",
            path.display()
        ));
    }
}
