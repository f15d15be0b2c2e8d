//! `aaprof fmt`.

use super::check::display_name;
use super::{ColorChoice, exit};
use aaprof::diag::render::{self, Format};
use aaprof::diag::{Diagnostic, code};
use aaprof::fmt::{FormatError, format};
use aaprof::resolve::walk_dir;
use aaprof::source::{SourceMap, Span};
use anyhow::{Context, Result};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Change nothing; exit 1 if any file is not formatted.
    #[arg(long)]
    pub check: bool,
    /// Change nothing; print a unified diff of what formatting would change.
    #[arg(long)]
    pub diff: bool,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Policy files or directories (walked as `aaprof check` walks them);
    /// `-` formats standard input to standard output.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

pub fn run(a: FmtArgs) -> i32 {
    match run_inner(a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aaprof: error: {e:#}");
            exit::USAGE
        }
    }
}

enum Input {
    Stdin,
    File(String, PathBuf),
}

fn run_inner(a: FmtArgs) -> Result<i32> {
    super::require_inputs(&a.paths, "policy", "fmt")?;
    let mut inputs = Vec::new();
    let mut io_failed = false;
    for p in &a.paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if p.is_dir() {
            let files =
                walk_dir(p).with_context(|| format!("cannot read directory `{}`", p.display()))?;
            inputs.extend(
                files
                    .into_iter()
                    .map(|f| Input::File(display_name(p, &f), f)),
            );
        } else if p.exists() {
            inputs.push(Input::File(p.display().to_string(), p.clone()));
        } else {
            eprintln!(
                "aaprof: error: `{}`: no such file or directory",
                p.display()
            );
            io_failed = true;
        }
    }
    let color = a.color.enabled(std::io::stderr().is_terminal());
    let mut sources = SourceMap::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut changed = 0usize;
    let mut refused = 0usize;
    let checked = inputs.len();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for input in inputs {
        let (name, path, text) = match input {
            Input::Stdin => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut bytes)
                    .context("cannot read standard input")?;
                match String::from_utf8(bytes) {
                    Ok(t) => ("-".to_string(), None, t),
                    Err(_) => {
                        eprintln!("aaprof: error: standard input is not valid UTF-8 text");
                        io_failed = true;
                        continue;
                    }
                }
            }
            Input::File(name, path) => match std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| String::from_utf8(b).map_err(|_| "not valid UTF-8 text".into()))
            {
                Ok(t) => (name, Some(path), t),
                Err(e) => {
                    eprintln!("aaprof: error: cannot read `{name}`: {e}");
                    io_failed = true;
                    continue;
                }
            },
        };
        let file = sources.add(&name, path.as_deref(), text.clone());
        let formatted = match format(&text, file) {
            Ok(f) => f,
            Err(FormatError::Syntax(ds)) => {
                refused += 1;
                diags.extend(ds);
                diags.push(
                    Diagnostic::new(
                        code::SYNTAX_ERROR,
                        format!("`{name}` has syntax errors; it was not formatted"),
                    )
                    .at(Span::new(file, 0, 0), ""),
                );
                if path.is_none() {
                    // standard input comes back unchanged
                    out.write_all(text.as_bytes())?;
                }
                continue;
            }
            Err(FormatError::Unstable(d)) => {
                refused += 1;
                diags.push(*d);
                if path.is_none() {
                    out.write_all(text.as_bytes())?;
                }
                continue;
            }
        };
        if formatted == text {
            if path.is_none() && !a.check && !a.diff {
                out.write_all(text.as_bytes())?;
            }
            continue;
        }
        changed += 1;
        if a.diff {
            let diff = similar::TextDiff::from_lines(&text, &formatted);
            write!(
                out,
                "{}",
                diff.unified_diff().context_radius(3).header(
                    &format!("{name}\t(original)"),
                    &format!("{name}\t(formatted)")
                )
            )?;
        } else if a.check {
            writeln!(out, "would reformat {name}")?;
        } else {
            match &path {
                None => out.write_all(formatted.as_bytes())?,
                Some(p) => super::atomic::write(p, &formatted)
                    .with_context(|| format!("cannot write `{}`", p.display()))?,
            }
        }
    }
    out.flush()?;
    if !diags.is_empty() {
        let mut err = std::io::stderr().lock();
        let f = if std::io::stderr().is_terminal() {
            Format::Full
        } else {
            Format::Concise
        };
        render::render(&mut err, &sources, &diags, f, color)?;
    }
    // rewriting files in place says what it did whatever the output; a
    // check, a diff or standard input only on a terminal
    let stdin = a.paths.iter().any(|p| p.as_os_str() == "-");
    let in_place = !(a.check || a.diff || stdin);
    if in_place || std::io::stderr().is_terminal() && !stdin {
        let verb = if in_place {
            "reformatted"
        } else {
            "would reformat"
        };
        let mut line = format!(
            "aaprof: {verb} {changed} of {}",
            super::count(checked, "file")
        );
        if refused > 0 {
            line.push_str(&format!(
                "; {} not formatted (see above)",
                super::count(refused, "file")
            ));
        }
        eprintln!("{line}");
    }
    Ok(if io_failed {
        exit::USAGE
    } else if refused > 0 || (a.check || a.diff) && changed > 0 {
        exit::FINDINGS
    } else {
        exit::OK
    })
}
