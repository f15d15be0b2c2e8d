//! `aaprof inspect`.

use super::exit;
use anyhow::{Context, Result};
use std::io::Read;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// Also list every state's transitions (byte ranges and targets).
    #[arg(long)]
    pub states: bool,
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

fn run_inner(a: &InspectArgs) -> Result<i32> {
    let bytes = if a.file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .context("reading standard input")?;
        b
    } else {
        std::fs::read(&a.file).with_context(|| format!("reading {}", a.file.display()))?
    };
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
