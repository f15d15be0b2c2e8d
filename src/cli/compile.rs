//! `aaprof compile`.

use super::check::options;
use super::pool;
use super::{ColorChoice, PolicyArgs, exit};
use aaprof::compile::{self, Options};
use aaprof::diag::Diagnostic;
use aaprof::diag::render::{self, Format};
use aaprof::features::Features;
use aaprof::resolve::Session;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Where the running kernel lists its AppArmor features.
pub(crate) const KERNEL_FEATURES: &str = "/sys/kernel/security/apparmor/features";

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
    let started = std::time::Instant::now();
    let progress = Progress::new(a.paths.len());
    // each file is read, checked, compiled and written by one worker, and
    // its resolved policy dropped there: only the diagnostics (and, for
    // one output, the bytes) are kept
    let results = pool::map(a.paths.iter().collect(), |path| {
        let shown = path.display().to_string();
        let clock = std::time::Instant::now();
        let out = session.check_path(path, &shown, &opts);
        let mut r = FileResult {
            parse: clock.elapsed(),
            diagnostics: out
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect(),
            ..Default::default()
        };
        if !out.has_errors() && out.file.is_some() {
            let mut copts = copts.clone();
            copts.policy_features = compile::abi_features(&out.policy, &opts.search);
            let c = compile::compile(&out.policy, &copts);
            drop(out);
            r.diagnostics.extend(c.diagnostics.iter().cloned());
            r.stages = c.stages;
            r.records = c.records.len();
            if !c.has_errors() {
                r.compiled = true;
                match &a.out_dir {
                    Some(d) => {
                        let t = d.join(path.file_name().unwrap_or_default());
                        if let Err(e) = super::atomic::write_bytes(&t, &c.bytes()) {
                            r.write_error = Some(format!("cannot write `{}`: {e}", t.display()));
                        }
                    }
                    None => r.bytes = c.bytes(),
                }
            }
        }
        progress.tick();
        r
    });
    progress.done();
    let total = started.elapsed();
    let stages = a.timings.then(|| timings(&a.paths, &results, total));
    let sources = session.sources();
    let mut failed = false;
    let mut all = Vec::new();
    for (path, r) in a.paths.iter().zip(results) {
        if !r.diagnostics.is_empty() {
            render::render(
                &mut std::io::stderr().lock(),
                &sources,
                &r.diagnostics,
                f,
                color,
            )?;
        }
        if let Some(e) = r.write_error {
            anyhow::bail!(e);
        }
        if !r.compiled {
            eprintln!(
                "aaprof: `{}` has errors; nothing was compiled for it",
                path.display()
            );
            failed = true;
            continue;
        }
        all.extend(r.bytes);
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

/// What became of one file.
#[derive(Default)]
struct FileResult {
    /// Its errors, and the compiler's diagnostics.
    diagnostics: Vec<Diagnostic>,
    compiled: bool,
    /// The binary policy, when it goes to one output with the others'.
    bytes: Vec<u8>,
    records: usize,
    /// Reading, resolving and checking it.
    parse: Duration,
    stages: compile::Stages,
    write_error: Option<String>,
}

impl FileResult {
    /// The time its stages took.
    fn total(&self) -> Duration {
        let s = &self.stages;
        self.parse + s.lower + s.automata + s.minimise + s.pack + s.write
    }
}

/// A count of the files done on a terminal's stderr, for long runs.
struct Progress {
    total: usize,
    done: AtomicUsize,
    shown: bool,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress {
            total,
            done: AtomicUsize::new(0),
            shown: total > 1 && std::io::stderr().is_terminal(),
        }
    }

    fn tick(&self) {
        let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.shown {
            eprint!("\r  compiling: {n} of {} files", self.total);
        }
    }

    fn done(&self) {
        if self.shown {
            eprint!("\r\x1b[2K");
        }
    }
}

/// The `--timings` table.
fn timings(paths: &[PathBuf], results: &[FileResult], total: Duration) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut st = compile::Stages::default();
    let mut records = 0;
    let mut parse = Duration::ZERO;
    for r in results {
        parse += r.parse;
        st += r.stages;
        records += r.records;
    }
    let files = results.iter().filter(|r| r.compiled).count();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = writeln!(
        out,
        "aaprof compile: {files} of {} files compiled, {records} records, in {:.3} s (wall) on {threads} threads",
        results.len(),
        total.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "  {:<10} {:>9.3} s  summed over threads",
        "parse",
        parse.as_secs_f64()
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
    // where the time went: the files that took longest
    let mut slow: Vec<(Duration, &PathBuf)> = results
        .iter()
        .zip(paths)
        .map(|(r, p)| (r.total(), p))
        .collect();
    slow.sort_by_key(|x| std::cmp::Reverse(x.0));
    if slow.len() > 1 {
        let _ = writeln!(out, "  slowest files:");
        for (d, p) in slow.iter().take(5) {
            let _ = writeln!(out, "  {:>12.3} s  {}", d.as_secs_f64(), p.display());
        }
    }
    out
}
