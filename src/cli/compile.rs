//! `aaprof compile`.

use super::check::{Job, check_all, options};
use super::{ColorChoice, PolicyArgs, exit};
use aaprof::compile::{self, Options};
use aaprof::diag::render::{self, Format};
use aaprof::features::Features;
use aaprof::resolve::Session;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the running kernel lists its AppArmor features.
const KERNEL_FEATURES: &str = "/sys/kernel/security/apparmor/features";

#[derive(clap::Args, Debug)]
pub struct CompileArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Write the binary policy of every PATH to FILE (atomically).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        conflicts_with = "out_dir"
    )]
    pub output: Option<PathBuf>,
    /// Write each PATH's binary policy to DIR/<file name>.
    #[arg(long = "out-dir", value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// The most states one automaton may reach before minimisation; a
    /// profile past it is an error (E0802) instead of minutes of work.
    #[arg(long = "max-states", value_name = "N", default_value_t = compile::build::Budget::default().states)]
    pub max_states: usize,
    /// Print to stderr the time each stage took: parse (reading,
    /// resolving and checking, wall time) and, summed over the worker
    /// threads, lower, automata, minimise, pack and write.
    #[arg(long)]
    pub timings: bool,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// The policy files to compile (includes are read once for all).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}

pub fn run(a: CompileArgs) -> i32 {
    match run_inner(a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aaprof: error: {e:#}");
            exit::USAGE
        }
    }
}

/// The features to compile for: `-M FILE`, or the running kernel's.
fn features(a: &CompileArgs, given: Features) -> Result<Features> {
    if a.policy.features_file.is_some() {
        return Ok(given);
    }
    let dir = Path::new(KERNEL_FEATURES);
    if !dir.is_dir() {
        anyhow::bail!(
            "no features to compile for: this machine has no {KERNEL_FEATURES} \
             (AppArmor disabled, or securityfs not mounted); name a features file with -M FILE"
        );
    }
    Features::from_dir(dir).with_context(|| format!("cannot read {KERNEL_FEATURES}"))
}

fn run_inner(a: CompileArgs) -> Result<i32> {
    let mut opts = options(&a.policy)?;
    opts.features = features(&a, opts.features.clone())?;
    opts.warn_unsupported = true;
    for p in &a.paths {
        if !p.is_file() {
            anyhow::bail!("`{}`: not a policy file", p.display());
        }
    }
    let to_stdout = a.output.is_none() && a.out_dir.is_none();
    if to_stdout && std::io::stdout().is_terminal() {
        anyhow::bail!("not writing a binary policy to a terminal: give -o FILE or --out-dir DIR");
    }
    if let Some(d) = &a.out_dir {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create `{}`", d.display()))?;
    }
    let copts = Options {
        features: opts.features.clone(),
        policy_features: None,
        budget: compile::build::Budget {
            states: a.max_states,
            ..Default::default()
        },
    };
    let color = a.color.enabled(std::io::stderr().is_terminal());
    let f = if std::io::stderr().is_terminal() {
        Format::Full
    } else {
        Format::Concise
    };
    let session = Session::new();
    let jobs = a
        .paths
        .iter()
        .map(|p| Job::File(p.display().to_string(), p.clone()))
        .collect();
    let started = std::time::Instant::now();
    let outcomes = check_all(&session, jobs, &opts, true);
    let parsed = started.elapsed();
    let compiled = compile_all(&outcomes, &copts, &opts.search);
    let total = started.elapsed();
    let stages = a.timings.then(|| timings(&compiled, parsed, total));
    let sources = session.sources();
    let mut failed = false;
    let mut all = Vec::new();
    for ((path, out), c) in a.paths.iter().zip(&outcomes).zip(compiled) {
        let shown = path.display().to_string();
        let mut diags: Vec<_> = out
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        if let Some(c) = &c {
            diags.extend(c.diagnostics.iter().cloned());
        }
        if !diags.is_empty() {
            render::render(&mut std::io::stderr().lock(), &sources, &diags, f, color)?;
        }
        let Some(c) = c.filter(|c| !c.has_errors()) else {
            eprintln!("aaprof: `{shown}` has errors; nothing was compiled for it");
            failed = true;
            continue;
        };
        match &a.out_dir {
            Some(d) => {
                let t = d.join(path.file_name().unwrap_or_default());
                super::atomic::write_bytes(&t, &c.bytes())
                    .with_context(|| format!("cannot write `{}`", t.display()))?;
            }
            None => all.extend(c.bytes()),
        }
    }
    if let Some(o) = &a.output {
        if !failed {
            super::atomic::write_bytes(o, &all)
                .with_context(|| format!("cannot write `{}`", o.display()))?;
        }
    } else if to_stdout && !failed {
        let mut o = std::io::stdout().lock();
        if let Err(e) = o.write_all(&all).and_then(|_| o.flush())
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            return Err(e.into());
        }
    }
    if let Some(t) = stages {
        eprint!("{t}");
    }
    Ok(if failed { exit::FINDINGS } else { exit::OK })
}

/// The `--timings` table.
fn timings(compiled: &[Option<compile::Compiled>], parsed: Duration, total: Duration) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut st = compile::Stages::default();
    let mut records = 0;
    for c in compiled.iter().flatten() {
        st += c.stages;
        records += c.records.len();
    }
    let files = compiled.iter().flatten().count();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = writeln!(
        out,
        "aaprof compile: {files} of {} files compiled, {records} records, in {:.3} s (wall) on {threads} threads",
        compiled.len(),
        total.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "  {:<10} {:>9.3} s  wall",
        "parse",
        parsed.as_secs_f64()
    );
    for (name, d) in [
        ("lower", st.lower),
        ("automata", st.automata),
        ("minimise", st.minimise),
        ("pack", st.pack),
        ("write", st.write),
    ] {
        let _ = writeln!(
            out,
            "  {name:<10} {:>9.3} s  summed over threads",
            d.as_secs_f64()
        );
    }
    out
}

/// Compile every outcome without errors, on as many threads as there are
/// cores.
fn compile_all(
    outcomes: &[aaprof::resolve::Outcome],
    copts: &Options,
    search: &aaprof::resolve::SearchPath,
) -> Vec<Option<compile::Compiled>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let n = outcomes.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(n.max(1));
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<compile::Compiled>>> = (0..n).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let o = &outcomes[i];
                    if o.has_errors() || o.file.is_none() {
                        continue;
                    }
                    let mut copts = copts.clone();
                    copts.policy_features = compile::abi_features(&o.policy, search);
                    let c = compile::compile(&o.policy, &copts);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(c);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        })
        .collect()
}
