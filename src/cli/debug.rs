//! `aaprof debug tokens|ast|policy FILE`: dump one stage of the pipeline.

use super::{PolicyArgs, exit};
use aaprof::resolve::Session;
use aaprof::source::FileId;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Stage {
    Tokens,
    Ast,
    Policy,
}

#[derive(clap::Args, Debug)]
pub struct DebugArgs {
    /// Which stage to print.
    #[arg(value_enum)]
    pub stage: Stage,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The policy file.
    pub path: PathBuf,
}

pub fn run(a: DebugArgs) -> i32 {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // A closed pipe (`| head`) ends the dump quietly.
    match dump(a, &mut out) {
        Ok(code) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            eprintln!("aaprof: error: {e}");
            exit::USAGE
        }
    }
}

fn dump(a: DebugArgs, out: &mut dyn Write) -> std::io::Result<i32> {
    let text = match std::fs::read_to_string(&a.path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("aaprof: error: cannot read `{}`: {e}", a.path.display());
            return Ok(exit::USAGE);
        }
    };
    match a.stage {
        Stage::Tokens => {
            let (toks, trivia, diags) = aaprof::syntax::lexer::lex(&text, FileId(0));
            for (s, t, e) in toks {
                writeln!(out, "{s}..{e} {t:?}")?;
            }
            for t in trivia {
                writeln!(out, "trivia {:?} {}..{}", t.kind, t.span.start, t.span.end)?;
            }
            for d in diags {
                writeln!(out, "diagnostic: {}", d.message)?;
            }
        }
        Stage::Ast => {
            let p = aaprof::syntax::parse(&text, FileId(0));
            writeln!(out, "{:#?}", p.ast)?;
        }
        Stage::Policy => {
            let opts = match super::check::options(&a.policy) {
                Ok(o) => o,
                Err(e) => {
                    eprintln!("aaprof: error: {e:#}");
                    return Ok(exit::USAGE);
                }
            };
            let s = Session::new();
            let res = s.check_text(&a.path.display().to_string(), Some(&a.path), text, &opts);
            writeln!(out, "{:#?}", res.policy)?;
        }
    }
    Ok(exit::OK)
}
