//! Completion: what may be written at the cursor, judged from the text
//! before it on its line (so it works on half-typed text the parser
//! cannot make sense of yet) and from the document's [`Analysis`]:
//! keywords where a rule starts (profile-level or top-level by the braces
//! around the cursor), capability names, network families and types,
//! signal names and permissions, file permissions after a path, profile
//! flags, files of the include path, variables in scope and profile names
//! after `->`.

use super::analysis::Analysis;
use crate::resolve::include::is_skipped;
use crate::vocab::{self, glossary};
use std::collections::BTreeSet;

/// What kind of thing a completion is (the protocol's kinds, chosen by
/// the server).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Keyword,
    Value,
    File,
    Folder,
    Variable,
    Profile,
}

/// One completion: the text, what it is, a line of documentation, and
/// the byte offset from which it replaces the text up to the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub label: String,
    pub insert: String,
    pub kind: Kind,
    pub detail: Option<String>,
    pub from: usize,
}

/// What may start a line outside every profile.
const TOP_KEYWORDS: &[&str] = &["include", "abi", "alias", "profile"];

const FILE_MODES: &[&str] = &[
    "r", "w", "a", "l", "k", "m", "rw", "ix", "px", "Px", "cx", "Cx", "ux", "Ux", "pix", "Pix",
    "cix", "Cix", "pux", "Pux", "cux", "Cux",
];

const QUALIFIERS: &[&str] = &["audit", "deny", "allow", "owner", "other", "prompt"];

/// The completions at byte offset `at` of `text`; `profiles` gives the
/// profile names transitions may name (asked for only after `->`: it
/// reads the profile tree).
pub fn complete(
    a: &Analysis,
    text: &str,
    at: usize,
    profiles: &dyn Fn() -> Vec<String>,
) -> Vec<Candidate> {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..at];
    // a comment (but not `#include`) completes nothing
    if let Some(h) = line.find('#') {
        if !line[h..].starts_with("#include") {
            return Vec::new();
        }
    }
    let word_start = line
        .rfind(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | '=' | '<' | '"'))
        .map_or(0, |i| i + 1);
    let word = &line[word_start..];
    let from = line_start + word_start;

    if let Some(c) = include_path(a, line, line_start) {
        return c;
    }
    if let Some(open) = word.rfind("@{") {
        if !word[open..].contains('}') {
            return variables(
                a,
                &word[open + 2..],
                line_start + word_start + open + 2,
                text,
                at,
            );
        }
    }
    let words: Vec<&str> = line[..word_start].split_whitespace().collect();
    // the rule's own words, after its qualifiers
    let rule: Vec<&str> = words
        .iter()
        .copied()
        .skip_while(|w| QUALIFIERS.contains(w) || w.starts_with("priority="))
        .collect();
    if words.last().is_some_and(|w| w.ends_with("->"))
        || line[..word_start].trim_end().ends_with("->")
    {
        return filtered(
            profiles().iter().map(String::as_str),
            word,
            Kind::Profile,
            from,
            |_| None,
        );
    }
    if let Some(open) = line.rfind("flags=(").or_else(|| line.rfind("flags=")) {
        if !line[open..].contains(')') && !line[open..].contains('{') {
            return filtered(
                vocab::PROFILE_FLAG_NAMES.iter().copied(),
                word,
                Kind::Value,
                from,
                |f| glossary::flag(f).map(str::to_string),
            );
        }
    }
    let first = rule.first().copied();
    match first {
        Some("capability") => {
            return filtered(
                vocab::CAPABILITIES.iter().copied(),
                word,
                Kind::Value,
                from,
                |c| glossary::capability(c).map(str::to_string),
            );
        }
        Some("network") => {
            let names = vocab::NETWORK_DOMAINS
                .iter()
                .chain(vocab::NETWORK_TYPES)
                .chain(vocab::NETWORK_PROTOCOLS)
                .copied();
            return filtered(names, word, Kind::Value, from, |_| None);
        }
        Some("signal") => {
            if line.rfind("set=").is_some_and(|i| !line[i..].contains(')')) {
                return filtered(
                    vocab::SIGNALS.iter().copied(),
                    word,
                    Kind::Value,
                    from,
                    |_| None,
                );
            }
            let names = vocab::SIGNAL_PERMS.iter().copied().chain(["set=", "peer="]);
            return filtered(names, word, Kind::Value, from, |_| None);
        }
        Some("ptrace") => {
            let names = vocab::PTRACE_PERMS.iter().copied().chain(["peer="]);
            return filtered(names, word, Kind::Value, from, |_| None);
        }
        Some(path) if path.starts_with('/') || path.starts_with("@{") => {
            if rule.len() == 1 {
                return filtered(FILE_MODES.iter().copied(), word, Kind::Value, from, |m| {
                    let parts = glossary::file_mode(m);
                    (!parts.is_empty()).then(|| {
                        parts
                            .iter()
                            .map(|(l, meaning)| format!("{l}: {meaning}"))
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                });
            }
            return Vec::new();
        }
        Some(_) => return Vec::new(),
        None => {}
    }
    // the rule's first word: a keyword of the block the cursor is in
    let inner: Vec<&str> = vocab::RULE_KEYWORDS
        .iter()
        .copied()
        .chain(["other", "hat"])
        .collect();
    let keywords: &[&str] = if depth(&text[..line_start]) > 0 {
        &inner
    } else {
        TOP_KEYWORDS
    };
    let mut out = filtered(keywords.iter().copied(), word, Kind::Keyword, from, |k| {
        glossary::keyword(k).map(str::to_string)
    });
    if word.is_empty() || word.starts_with('@') {
        out.extend(variables(a, "", from, text, at).into_iter().map(|mut c| {
            c.label = format!("@{{{}}}", c.label);
            c.insert = c.label.clone();
            c
        }));
    }
    out
}

/// How many blocks are open at the end of `text` (braces outside
/// comments; a word's `@{...}` and `{a,b}` balance out).
fn depth(text: &str) -> i64 {
    let mut d = 0i64;
    for line in text.lines() {
        let code = match line.find('#') {
            Some(h) if !line[h..].starts_with("#include") => &line[..h],
            _ => line,
        };
        for c in code.chars() {
            match c {
                '{' => d += 1,
                '}' => d -= 1,
                _ => {}
            }
        }
    }
    d
}

/// The names of `names` that start with `prefix`.
fn filtered<'n>(
    names: impl Iterator<Item = &'n str>,
    prefix: &str,
    kind: Kind,
    from: usize,
    detail: impl Fn(&str) -> Option<String>,
) -> Vec<Candidate> {
    let mut seen = BTreeSet::new();
    names
        .filter(|n| n.starts_with(prefix) && seen.insert(n.to_string()))
        .map(|n| Candidate {
            label: n.to_string(),
            insert: n.to_string(),
            kind,
            detail: detail(n),
            from,
        })
        .collect()
}

/// The variables in scope starting with `prefix`: those the resolver
/// saw (the includes' and the document's) and those the document defines.
fn variables(a: &Analysis, prefix: &str, from: usize, text: &str, at: usize) -> Vec<Candidate> {
    let closed = text[at..].starts_with('}');
    let mut names: BTreeSet<&str> = a.vars.keys().map(String::as_str).collect();
    names.extend(a.index().defined_vars());
    names
        .into_iter()
        .filter(|n| n.starts_with(prefix))
        .map(|n| Candidate {
            label: n.to_string(),
            insert: if closed {
                n.to_string()
            } else {
                format!("{n}}}")
            },
            kind: Kind::Variable,
            detail: a.vars.get(n).map(|v| v.values.join(" ")),
            from,
        })
        .collect()
}

/// Inside `include <...` (or `"...`): the files and folders of the include
/// path under what is typed so far.
fn include_path(a: &Analysis, line: &str, line_start: usize) -> Option<Vec<Candidate>> {
    let t = line.trim_start();
    let rest = t
        .strip_prefix("#include")
        .or_else(|| t.strip_prefix("include"))?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("if exists").unwrap_or(rest).trim_start();
    let (angle, typed) = match rest.chars().next()? {
        '<' => (true, &rest[1..]),
        '"' => (false, &rest[1..]),
        _ => return None,
    };
    if typed.contains(['>', '"']) {
        return Some(Vec::new());
    }
    let (dir, partial) = match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed),
    };
    let from = line_start + line.len() - partial.len();
    let roots: Vec<std::path::PathBuf> = if angle {
        a.search
            .include_dirs
            .iter()
            .chain(std::iter::once(&a.search.base_dir))
            .cloned()
            .collect()
    } else {
        vec![a.search.cwd.clone()]
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for root in roots {
        let d = root.join(dir);
        let Ok(names) = a.search.fs.read_dir(&d) else {
            continue;
        };
        for n in names {
            if !n.starts_with(partial) || is_skipped(&n) || !seen.insert(n.clone()) {
                continue;
            }
            let folder = a.search.fs.is_dir(&d.join(&n));
            out.push(Candidate {
                label: n.clone(),
                insert: if folder { format!("{n}/") } else { n },
                kind: if folder { Kind::Folder } else { Kind::File },
                detail: None,
                from,
            });
        }
    }
    out.sort_by(|x, y| x.label.cmp(&y.label));
    Some(out)
}

#[cfg(test)]
mod tests;
