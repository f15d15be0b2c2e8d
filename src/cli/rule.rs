//! `aaprof rule`: what every code means — the lint rules' documentation,
//! and the front end's and the Kubernetes checks' codes.

use super::exit;
use aaprof::diag::doc::{self, Family};
use aaprof::lint::{RULES, registry};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct RuleArgs {
    /// A code (L101, E0201, K0302) or a name (redundant-rule); without one,
    /// every code is listed.
    #[arg(value_name = "CODE|NAME")]
    pub rule: Option<String>,
    /// Write the documentation pages (docs/rules/: the lint rules, and the
    /// front end's and Kubernetes codes in check/ and k8s/) into DIR.
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
            let row = |code: &str, name: &str, cat: &str, sev: &str, on: &str, fix: &str| {
                let line = format!("{code:<6} {name:<40} {cat:<12} {sev:<8} {on:<4} {fix}");
                println!("{}", line.trim_end());
            };
            row("code", "name", "category", "severity", "on", "fix");
            for r in RULES {
                let d = &r.def;
                row(
                    d.code.id,
                    d.code.name,
                    d.category.as_str(),
                    d.code.severity.as_str(),
                    if d.default_on { "yes" } else { "no" },
                    d.fix.as_str(),
                );
            }
            // the front end's and the Kubernetes checks' codes always run
            for d in doc::all() {
                row(
                    d.code.id,
                    d.code.name,
                    d.family.dir(),
                    d.code.severity.as_str(),
                    "yes",
                    "-",
                );
            }
            exit::OK
        }
        Some(key) => {
            let pages = registry::pages(&key);
            let Some((_, first)) = pages.first() else {
                let candidates: Vec<&str> = RULES
                    .iter()
                    .flat_map(|r| [r.id(), r.name()])
                    .chain(
                        doc::all()
                            .into_iter()
                            .flat_map(|d| [d.code.id, d.code.name]),
                    )
                    .collect();
                match aaprof::suggest::did_you_mean(&key, candidates) {
                    Some(s) => eprintln!("aaprof: error: no code `{key}` (did you mean `{s}`?)"),
                    None => eprintln!("aaprof: error: no code `{key}`; `aaprof rule` lists them"),
                }
                return exit::USAGE;
            };
            print!("{first}");
            // a name two families share: say where the other page is
            for (id, _) in &pages[1..] {
                eprintln!("aaprof: `{key}` also names {id}: `aaprof rule {id}`");
            }
            exit::OK
        }
    }
}

fn write_docs(dir: &std::path::Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    for r in RULES {
        std::fs::write(dir.join(format!("{}.md", r.name())), r.markdown())?;
    }
    std::fs::write(dir.join("README.md"), registry::index_markdown())?;
    let mut n = RULES.len() + 1;
    for family in Family::ALL {
        let sub = dir.join(family.dir());
        std::fs::create_dir_all(&sub)?;
        for d in doc::all().into_iter().filter(|d| d.family == family) {
            std::fs::write(sub.join(format!("{}.md", d.code.name)), d.markdown())?;
            n += 1;
        }
        std::fs::write(sub.join("README.md"), doc::index_markdown(family))?;
        n += 1;
    }
    Ok(n)
}
