//! `aaprof inspect`.

use super::exit;
use anyhow::{Context, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// Also list every state's transitions (byte ranges and targets).
    #[arg(long, conflicts_with = "against")]
    pub states: bool,
    /// Instead of describing FILE, decide whether it means the same as
    /// this other binary policy: the same records and fields, and
    /// automata with the same permissions on every input. Exit 0 when
    /// they do, 1 with the differences (each with an input that shows
    /// it) when they do not, 2 when either is not a binary policy.
    #[arg(long, value_name = "OTHER")]
    pub against: Option<PathBuf>,
    /// The binary policy (as `apparmor_parser -S` or `aaprof compile`
    /// write it); `-` for standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

pub fn run(a: InspectArgs) -> i32 {
    match run_inner(&a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aaprof: error: {e:#}");
            exit::USAGE
        }
    }
}

fn read(file: &Path) -> Result<Vec<u8>> {
    if file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .context("reading standard input")?;
        Ok(b)
    } else {
        std::fs::read(file).with_context(|| format!("reading {}", file.display()))
    }
}

fn run_inner(a: &InspectArgs) -> Result<i32> {
    let bytes = read(&a.file)?;
    if let Some(other) = &a.against {
        return against(a, &bytes, other);
    }
    match aaprof::binpolicy::describe(&bytes, a.states) {
        Ok(text) => {
            print!("{text}");
            Ok(exit::OK)
        }
        Err(e) => {
            eprintln!("aaprof: {}: not a binary policy: {e}", a.file.display());
            Ok(exit::FINDINGS)
        }
    }
}

fn against(a: &InspectArgs, bytes: &[u8], other: &Path) -> Result<i32> {
    let theirs = read(other)?;
    // which of the two is not a policy, for the message
    for (f, b) in [(a.file.as_path(), bytes), (other, &theirs[..])] {
        if let Err(e) = aaprof::binpolicy::decode(b).and_then(|e| aaprof::binpolicy::records(&e)) {
            eprintln!("aaprof: {}: not a binary policy: {e}", f.display());
            return Ok(exit::USAGE);
        }
    }
    match aaprof::binpolicy::compare::compare(bytes, &theirs) {
        Ok(c) => {
            print!("{c}");
            Ok(if c.equal() { exit::OK } else { exit::FINDINGS })
        }
        Err(e) => {
            eprintln!("aaprof: not a binary policy: {e}");
            Ok(exit::USAGE)
        }
    }
}
