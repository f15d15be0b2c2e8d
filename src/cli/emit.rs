//! `aaprof emit`.

use super::check::{Job, check_all, options};
use super::{ColorChoice, PolicyArgs, exit};
use aaprof::resolve::Session;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct EmitArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Write the profile to FILE (atomically) instead of standard output.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        conflicts_with = "out_dir"
    )]
    pub output: Option<PathBuf>,
    /// With several PATHs: write each emitted profile to DIR/<file name>.
    #[arg(long = "out-dir", value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// The policy file to emit (several with --out-dir; includes are read
    /// once for all).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}

pub fn run(a: EmitArgs) -> i32 {
    match run_inner(a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aaprof: error: {e:#}");
            exit::USAGE
        }
    }
}

fn run_inner(a: EmitArgs) -> Result<i32> {
    let opts = options(&a.policy)?;
    if a.paths.len() > 1 && a.out_dir.is_none() {
        anyhow::bail!("several PATHs need --out-dir DIR (one emitted file each)");
    }
    for p in &a.paths {
        if !p.is_file() {
            anyhow::bail!("`{}`: not a policy file", p.display());
        }
    }
    if let Some(d) = &a.out_dir {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create `{}`", d.display()))?;
    }
    let color = a.color.enabled(std::io::stderr().is_terminal());
    let session = Session::new();
    let jobs = a
        .paths
        .iter()
        .map(|p| Job::File(p.display().to_string(), p.clone()))
        .collect();
    let outcomes = check_all(&session, jobs, &opts, true);
    let sources = session.sources();
    let mut failed = false;
    for (path, out) in a.paths.iter().zip(&outcomes) {
        let shown = path.display().to_string();
        if out.has_errors() || out.file.is_none() {
            super::errors_to_stderr(&sources, &out.diagnostics, color)?;
            eprintln!("aaprof: `{shown}` has errors; nothing was emitted for it");
            failed = true;
            continue;
        }
        let text = emitted(&shown, out, &sources, &opts.search);
        let target = match (&a.output, &a.out_dir) {
            (Some(f), _) => Some(f.clone()),
            (None, Some(d)) => Some(d.join(path.file_name().unwrap_or_default())),
            (None, None) => None,
        };
        match target {
            Some(t) => {
                if !t.exists() {
                    std::fs::write(&t, "")
                        .with_context(|| format!("cannot write `{}`", t.display()))?;
                }
                super::atomic::write(&t, &text)
                    .with_context(|| format!("cannot write `{}`", t.display()))?;
            }
            None => {
                let mut o = std::io::stdout().lock();
                if let Err(e) = o.write_all(text.as_bytes()).and_then(|_| o.flush())
                    && e.kind() != std::io::ErrorKind::BrokenPipe
                {
                    return Err(e.into());
                }
            }
        }
    }
    Ok(if failed { exit::FINDINGS } else { exit::OK })
}

/// The self-contained text of the policy `out` (of the file shown as
/// `shown`), naming the files it was read from.
pub(crate) fn emitted(
    shown: &str,
    out: &aaprof::resolve::Outcome,
    sources: &aaprof::source::SourceMap,
    search: &aaprof::resolve::SearchPath,
) -> String {
    let mut names = vec![shown.to_string()];
    names.extend(
        out.read
            .iter()
            .filter_map(|id| sources.get(*id))
            .map(|f| match &f.path {
                Some(p) => p.display().to_string(),
                None => f.name.clone(),
            }),
    );
    names.dedup();
    let abi = aaprof::emit::abi_reference(&out.policy, search);
    aaprof::emit::emit(&out.policy, &names, abi.as_deref())
}
