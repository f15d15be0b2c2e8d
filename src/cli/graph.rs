//! `aaprof graph PATH...`: where a confined process can go, drawn (see
//! [`aaprof::graph`]).

use super::{PolicyArgs, exit};
use aaprof::graph::Graph;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "svg")]
    pub format: GraphFormat,
    /// Show only what this profile can reach (`parent//child` for a
    /// child or hat).
    #[arg(long, value_name = "NAME")]
    pub from: Option<String>,
    /// With --from: at most this many transitions away.
    #[arg(long, value_name = "N", requires = "from")]
    pub depth: Option<usize>,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Policy files or directories (read recursively).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    /// A drawing, laid out by aaprof itself (no Graphviz needed).
    Svg,
    /// Graphviz text, profiles clustered by file (for `dot -Tsvg`).
    Dot,
    /// Nodes and edges with the rules that make each edge.
    Json,
}

pub fn run(a: GraphArgs) -> i32 {
    match run_inner(a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aaprof: error: {e:#}");
            exit::USAGE
        }
    }
}

fn run_inner(a: GraphArgs) -> Result<i32> {
    // (abstractions and tunables in a tree are read as check reads them,
    // as fragments: they define no profile of the graph)
    let opts = super::check::options(&a.policy)?;
    let session = aaprof::resolve::Session::new();
    let inputs = super::check::gather(&a.paths)?;
    if inputs.jobs.is_empty() && inputs.io_failed {
        // nothing could be read (said above): no empty drawing either
        return Ok(exit::USAGE);
    }
    let outcomes = super::check::check_all(&session, inputs.jobs, &opts, true);
    let sources = session.sources();
    let mut bad = 0;
    let mut good = Vec::new();
    for o in &outcomes {
        if o.has_errors() {
            bad += 1;
            super::errors_to_stderr(&sources, &o.diagnostics, std::io::stderr().is_terminal())?;
        } else {
            good.push(o);
        }
    }
    if bad > 0 {
        eprintln!(
            "aaprof: note: {bad} file(s) with errors left out of the graph; the profiles they define are missing from it"
        );
    }
    let mut g = Graph::build(&good, &sources);
    if let Some(from) = &a.from {
        g = match g.reach(from, a.depth) {
            Some(r) => r,
            None => anyhow::bail!("no profile `{from}` in the policies given"),
        };
    }
    let text = match a.format {
        GraphFormat::Dot => g.dot(),
        GraphFormat::Json => serde_json::to_string_pretty(&g)? + "\n",
        GraphFormat::Svg => {
            if g.nodes.len() > 400 && a.from.is_none() {
                eprintln!(
                    "aaprof: note: {} profiles in one drawing; `--from NAME --depth N` draws what one of them reaches",
                    g.nodes.len()
                );
            }
            g.svg().map_err(anyhow::Error::msg)? + "\n"
        }
    };
    match &a.output {
        Some(f) => {
            std::fs::write(f, text).with_context(|| format!("cannot write `{}`", f.display()))?
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                r => r.context("cannot write the graph")?,
            }
        }
    }
    Ok(if bad > 0 || inputs.io_failed {
        exit::USAGE
    } else {
        exit::OK
    })
}
