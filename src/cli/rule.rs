//! `aaprof rule`: the lint rules' documentation.

use super::exit;
use aaprof::lint::{RULES, registry};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct RuleArgs {
    /// A rule code (L101) or name (redundant-rule); without one, every rule
    /// is listed.
    #[arg(value_name = "CODE|NAME")]
    pub rule: Option<String>,
    /// Write the rules' documentation pages (docs/rules/) into DIR.
    #[arg(long, value_name = "DIR", conflicts_with = "rule")]
    pub write_docs: Option<PathBuf>,
}

pub fn run(a: RuleArgs) -> i32 {
    if let Some(dir) = a.write_docs {
        return match write_docs(&dir) {
            Ok(n) => {
                eprintln!("aaprof: wrote {n} pages to {}", dir.display());
                exit::OK
            }
            Err(e) => {
                eprintln!("aaprof: error: cannot write to `{}`: {e}", dir.display());
                exit::USAGE
            }
        };
    }
    match a.rule {
        None => {
            println!(
                "{:<6} {:<28} {:<12} {:<8} {:<4} {:<7}",
                "code", "name", "category", "severity", "on", "fix"
            );
            for r in RULES {
                let d = &r.def;
                println!(
                    "{:<6} {:<28} {:<12} {:<8} {:<4} {:<7}",
                    d.code.id,
                    d.code.name,
                    d.category.as_str(),
                    d.code.severity.as_str(),
                    if d.default_on { "yes" } else { "no" },
                    d.fix.as_str()
                );
            }
            exit::OK
        }
        Some(key) => match registry::find(&key) {
            Some(r) => {
                print!("{}", r.markdown());
                exit::OK
            }
            None => {
                match registry::did_you_mean(&key) {
                    Some(s) => eprintln!("aaprof: error: no rule `{key}` (did you mean `{s}`?)"),
                    None => eprintln!("aaprof: error: no rule `{key}`; `aaprof rule` lists them"),
                }
                exit::USAGE
            }
        },
    }
}

fn write_docs(dir: &std::path::Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    for r in RULES {
        std::fs::write(dir.join(format!("{}.md", r.name())), r.markdown())?;
    }
    std::fs::write(dir.join("README.md"), registry::index_markdown())?;
    Ok(RULES.len() + 1)
}
