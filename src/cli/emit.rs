//! `aaprof emit`.

use super::check::options;
use super::{ColorChoice, PolicyArgs, exit};
use aaprof::diag::render::{self, Format};
use aaprof::resolve::Session;
use aaprof::source::FileId;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct EmitArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Write the profile to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// The policy file to emit.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
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
    if !a.path.is_file() {
        anyhow::bail!("`{}`: not a policy file", a.path.display());
    }
    let session = Session::new();
    let shown = a.path.display().to_string();
    let out = session.check_path(&a.path, &shown, &opts);
    let sources = session.sources();
    if out.has_errors() || out.file.is_none() {
        let color = match a.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        let f = if std::io::stderr().is_terminal() {
            Format::Full
        } else {
            Format::Concise
        };
        let errors: Vec<_> = out
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        render::render(&mut std::io::stderr().lock(), &sources, &errors, f, color)?;
        eprintln!("aaprof: `{shown}` has errors; nothing was emitted");
        return Ok(exit::FINDINGS);
    }
    let names: Vec<String> = (0..sources.len())
        .filter_map(|i| sources.get(FileId(i as u32)))
        .map(|f| match &f.path {
            Some(p) => p.display().to_string(),
            None => f.name.clone(),
        })
        .collect();
    let abi = aaprof::emit::abi_reference(&out.policy, &opts.search);
    let text = aaprof::emit::emit(&out.policy, &names, abi.as_deref());
    match &a.output {
        Some(path) => {
            if !path.exists() {
                std::fs::write(path, "")
                    .with_context(|| format!("cannot write `{}`", path.display()))?;
            }
            super::atomic::write(path, &text)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
        }
        None => {
            let mut o = std::io::stdout().lock();
            if let Err(e) = o.write_all(text.as_bytes()).and_then(|_| o.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e.into());
                }
            }
        }
    }
    Ok(exit::OK)
}
