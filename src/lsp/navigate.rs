//! Hover, go to definition and find references, answered from the
//! [`Index`] of the document and of the files it includes, and from the
//! resolver's view of it ([`Analysis`]): an include's files are the ones
//! the include path gives, a variable's values the ones the resolver left.

use super::analysis::Analysis;
use super::index::{Index, Name, Occurrence};
use crate::resolve::include;
use crate::resolve::vars::Vars;
use crate::vocab::glossary;
use std::path::PathBuf;

/// A stretch of a file: `None` is the document itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spot {
    pub file: Option<PathBuf>,
    pub start: usize,
    pub end: usize,
}

impl Spot {
    fn here(o: &Occurrence) -> Spot {
        Spot {
            file: None,
            start: o.start,
            end: o.end,
        }
    }

    fn in_file(path: &std::path::Path, o: &Occurrence) -> Spot {
        Spot {
            file: Some(path.to_path_buf()),
            start: o.start,
            end: o.end,
        }
    }

    /// The start of a file.
    fn start_of(path: PathBuf) -> Spot {
        Spot {
            file: Some(path),
            start: 0,
            end: 0,
        }
    }
}

/// The files an include names under the document's include path (a
/// directory's entries), or `None` if it names nothing.
pub fn include_targets(a: &Analysis, path: &str, angle: bool) -> Option<Vec<PathBuf>> {
    let found = a.search.find(path, angle)?;
    if a.search.fs.is_dir(&found) {
        let mut v = include::dir_entries(&a.search.fs, &found).ok()?;
        v.sort();
        Some(v)
    } else {
        Some(vec![found])
    }
}

/// What hover shows for the word at `at` (Markdown), and its stretch.
pub fn hover(a: &Analysis, at: usize) -> Option<(String, usize, usize)> {
    let o = a.index().at(at)?;
    let text = match &o.name {
        Name::Include { path, angle } => {
            let shown = if *angle {
                format!("<{path}>")
            } else {
                format!("\"{path}\"")
            };
            match include_targets(a, path, *angle) {
                Some(files) => {
                    let list: Vec<String> = files
                        .iter()
                        .map(|f| format!("- `{}`", f.display()))
                        .collect();
                    format!("`include {shown}` reads:\n\n{}", list.join("\n"))
                }
                None => format!("`include {shown}`: no such file in the include path"),
            }
        }
        Name::VarDef { name, .. } | Name::VarUse(name) => variable(a, name),
        Name::Keyword(k) => format!("**{k}**: {}", glossary::keyword(k)?),
        Name::Capability(c) => format!("**capability {c}**: {}", glossary::capability(c)?),
        Name::Flag(f) => format!("**flags={f}**: {}", glossary::flag(f)?),
        Name::Mode(m) => {
            let parts = glossary::file_mode(m);
            if parts.is_empty() {
                return None;
            }
            let lines: Vec<String> = parts
                .iter()
                .map(|(l, meaning)| format!("- `{l}`: {meaning}"))
                .collect();
            format!("**{m}**\n\n{}", lines.join("\n"))
        }
        Name::Access(family, p) => format!("**{p}**: {}", glossary::access(*family, p)?),
        Name::Profile(_) | Name::Transition(_) => return None,
    };
    Some((text, o.start, o.end))
}

/// A variable's values as the resolver left them after the document, and
/// what a use of it expands to.
fn variable(a: &Analysis, name: &str) -> String {
    let Some(set) = a.vars.get(name) else {
        return format!("`@{{{name}}}` is not defined here");
    };
    let mut out = format!("`@{{{name}}}` = {}", set.values.join(" "));
    let mut vars = Vars::default();
    vars.sets = a.vars.clone();
    match vars.expand(&format!("@{{{name}}}"), &Default::default()) {
        Ok(expanded) if set.values.join(" ") != expanded => {
            out.push_str(&format!("\n\nexpands to `{expanded}`"));
        }
        _ => {}
    }
    out
}

/// The definitions of what is at `at`, other than profiles (which the
/// server looks up across files): an include's files, a variable's `=`
/// and `+=` in the document and in what it includes. `None` when the
/// word is a profile name or transition (see [`profile_name_at`]).
pub fn definition(a: &Analysis, at: usize) -> Option<Vec<Spot>> {
    let o = a.index().at(at)?;
    match &o.name {
        Name::Include { path, angle } => Some(
            include_targets(a, path, *angle)?
                .into_iter()
                .map(Spot::start_of)
                .collect(),
        ),
        Name::VarDef { name, .. } | Name::VarUse(name) => {
            let mut out: Vec<Spot> = Vec::new();
            for (path, text) in &a.included {
                let ix = Index::of(text);
                out.extend(ix.var_defs(name).map(|d| Spot::in_file(path, d)));
            }
            out.extend(a.index().var_defs(name).map(Spot::here));
            Some(out)
        }
        _ => None,
    }
}

/// The profile named at `at` (a profile's own name or a transition's
/// target).
pub fn profile_name_at(a: &Analysis, at: usize) -> Option<String> {
    match &a.index().at(at)?.name {
        Name::Profile(n) | Name::Transition(n) => Some(n.clone()),
        _ => None,
    }
}

/// Every mention of the variable at `at` in the document and the files
/// it includes (definitions too when `declarations`).
pub fn variable_references(a: &Analysis, at: usize, declarations: bool) -> Option<Vec<Spot>> {
    let name = match &a.index().at(at)?.name {
        Name::VarDef { name, .. } | Name::VarUse(name) => name.clone(),
        _ => return None,
    };
    let keep = |o: &&Occurrence| declarations || matches!(o.name, Name::VarUse(_));
    let mut out: Vec<Spot> = Vec::new();
    for (path, text) in &a.included {
        let ix = Index::of(text);
        out.extend(
            ix.var_mentions(&name)
                .filter(keep)
                .map(|o| Spot::in_file(path, o)),
        );
    }
    out.extend(a.index().var_mentions(&name).filter(keep).map(Spot::here));
    Some(out)
}
