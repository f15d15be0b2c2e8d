//! `aaprof check`.

use super::{Output, OutputArgs, PolicyArgs, exit};
use aaprof::diag::render::{self, Format};
use aaprof::diag::{Diagnostic, code};
use aaprof::features::Features;
use aaprof::resolve::{Options, SearchPath, Session};
use anyhow::{Context, Result};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Policy files or directories (checked recursively); `-` reads standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// [`options`] for the commands that answer what a kernel decides
/// (`query`, `logs`): without `-M`, the newest kernel ABI aaprof compiles
/// for, so that every class the language has is mediated.
pub fn options_newest(p: &PolicyArgs) -> Result<Options> {
    let mut o = options(p)?;
    if p.features_file.is_none() {
        o.features = Features::newest();
    }
    Ok(o)
}

/// [`options`] for `logs`, which explains what a kernel logged: without
/// `-M`, this machine's kernel's features where it has AppArmor (the
/// kernel that most likely logged it), else the newest ABI.
pub fn options_running(p: &PolicyArgs) -> Result<Options> {
    let mut o = options_newest(p)?;
    let dir = std::path::Path::new(super::compile::KERNEL_FEATURES);
    if p.features_file.is_none() && dir.is_dir() {
        o.features = Features::from_dir(dir)
            .with_context(|| format!("cannot read {}", super::compile::KERNEL_FEATURES))?;
    }
    Ok(o)
}

pub fn options(p: &PolicyArgs) -> Result<Options> {
    let mut search = SearchPath {
        include_dirs: p.include.clone(),
        ..SearchPath::default()
    };
    if let Some(b) = &p.base {
        search.base_dir = b.clone();
    }
    let features = match &p.features_file {
        Some(f) => {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read features file `{}`", f.display()))?;
            Features::parse(&text)
                .with_context(|| format!("invalid features file `{}`", f.display()))?
        }
        None => Features::all(),
    };
    Ok(Options {
        search,
        warn_unsupported: p.features_file.is_some(),
        fragments: true,
        features,
    })
}

pub fn run(a: CheckArgs) -> i32 {
    match run_inner(a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aaprof: error: {e:#}");
            exit::USAGE
        }
    }
}

fn run_inner(a: CheckArgs) -> Result<i32> {
    let opts = options(&a.policy)?;
    super::require_inputs(&a.paths, "policy", "check")?;
    let Output {
        stdout,
        format,
        color,
    } = Output::new(&a.output);
    let session = Session::new();
    let Inputs {
        jobs,
        mut diags,
        mut io_failed,
    } = gather(&a.paths)?;
    let inputs = jobs.len();
    for out in check_all(&session, jobs, &opts, false) {
        if out.file.is_none() {
            io_failed = true;
        }
        diags.extend(out.diagnostics);
    }
    let failed = diags.iter().any(Diagnostic::is_error);
    // Report in reading order within each file (parse problems and check
    // problems are found in separate passes).
    super::report_order(&mut diags, &session.sources(), |d| d);
    let mut lock = stdout.lock();
    let res = render::render(&mut lock, &session.sources(), &diags, format, color)
        .and_then(|_| lock.flush());
    if let Err(e) = res {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(if failed { exit::FINDINGS } else { exit::OK });
        }
        return Err(e.into());
    }
    // A summary for people at a terminal; scripts read the findings and
    // the exit status.
    if std::io::stderr().is_terminal() && format != Format::Json {
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let others = diags.len() - errors;
        let files = if inputs == 1 { "file" } else { "files" };
        if errors + others == 0 {
            eprintln!("aaprof: {inputs} {files} checked, no problems found");
        } else {
            eprintln!(
                "aaprof: {inputs} {files} checked: {errors} error(s), {others} other finding(s)"
            );
        }
    }
    // The process ends with this command: freeing every parse and rule
    // the session kept would take a tenth of the run.
    std::mem::forget(session);
    // An input that could not be read outranks findings in the others.
    Ok(if io_failed {
        exit::USAGE
    } else if failed {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

/// The inputs named on the command line, in the order given: the files
/// under each directory, standard input read once.
pub(crate) struct Inputs {
    pub jobs: Vec<Job>,
    /// Inputs that could not be taken (standard input that is not text).
    pub diags: Vec<Diagnostic>,
    /// An input could not be read (reported on standard error).
    pub io_failed: bool,
}

pub(crate) fn gather(paths: &[PathBuf]) -> Result<Inputs> {
    let mut out = Inputs {
        jobs: Vec::new(),
        diags: Vec::new(),
        io_failed: false,
    };
    for p in paths {
        if p.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("cannot read standard input")?;
            match String::from_utf8(bytes) {
                Ok(t) => out.jobs.push(Job::Stdin(t)),
                Err(_) => {
                    out.diags.push(Diagnostic::new(
                        code::NOT_UTF8,
                        "standard input is not valid UTF-8 text",
                    ));
                    out.io_failed = true;
                }
            }
        } else if let Some(is_dir) = std::fs::metadata(p).ok().map(|m| m.is_dir()) {
            // (one look at each path: a tree's files are often named one by one)
            if !is_dir {
                out.jobs.push(Job::File(p.display().to_string(), p.clone()));
                continue;
            }
            let walk = aaprof::resolve::tree::walk(p);
            for f in &walk.noted {
                eprintln!(
                    "aaprof: note: ignoring `{}` (a backup file, as apparmor_parser does)",
                    f.display()
                );
            }
            for (d, e) in walk.failed {
                eprintln!(
                    "aaprof: error: cannot read directory `{}`: {e}",
                    d.display()
                );
                out.io_failed = true;
            }
            out.jobs.extend(
                walk.files
                    .into_iter()
                    .map(|f| Job::File(display_name(p, &f), f)),
            );
        } else {
            eprintln!(
                "aaprof: error: `{}`: no such file or directory",
                p.display()
            );
            out.io_failed = true;
        }
    }
    Ok(out)
}

pub(crate) enum Job {
    Stdin(String),
    File(String, PathBuf),
}

/// Check every input, on as many threads as there are cores, sharing one
/// session (so each include is read and parsed once); results come back in
/// input order.
pub(crate) fn check_all(
    session: &Session,
    jobs: Vec<Job>,
    opts: &aaprof::resolve::Options,
    keep_policy: bool,
) -> Vec<aaprof::resolve::Outcome> {
    super::pool::map(jobs, |job| {
        let mut out = match job {
            Job::Stdin(text) => session.check_text("-", None, text, opts),
            Job::File(shown, path) => session.check_path(&path, &shown, opts),
        };
        // when only the findings are reported, free the resolved policy
        // now rather than holding every file's at once
        if !keep_policy {
            out.policy = Default::default();
            out.parsed = None;
        }
        out
    })
}

/// The path shown for a file found under `root` (as the user wrote `root`).
pub(crate) fn display_name(root: &Path, file: &Path) -> String {
    if root == file {
        return root.display().to_string();
    }
    match file.strip_prefix(root) {
        Ok(rel) => root.join(rel).display().to_string(),
        Err(_) => file.display().to_string(),
    }
}
