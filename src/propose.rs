//! Rules proposed for what a log shows denied: the access as it was
//! logged, generalised only where a variable of the tunables matches a
//! part of it exactly (a home directory, a process id, a user id, a
//! multiarch directory), so that the rule allows what a later run of the
//! program asks for and nothing the tunables do not already name.
//!
//! A part is whole path components (a variable's value may carry the
//! slashes around it, as `@{HOME}`'s `/home/*/` does). The longest part a
//! variable matches wins, and the parts do not overlap; what no variable
//! matches stays as written, escaped where a pattern would read it.

use crate::aare::Pattern;
use crate::resolve::Policy;
use crate::resolve::vars::{Builtins, Vars};
use crate::source::SourceMap;

/// The tunables' variables of a checked policy, each as the pattern it
/// expands to: those defined in a file under a `tunables` directory.
pub struct Tunables {
    vars: Vec<(String, Pattern)>,
}

impl Tunables {
    pub fn of(policy: &Policy, sources: &SourceMap) -> Tunables {
        let mut vars = Vars::default();
        for (name, v) in &policy.vars {
            vars.set(name.clone(), v.clone());
        }
        let builtins = Builtins::default();
        let mut out: Vec<(String, Pattern)> = policy
            .vars
            .iter()
            .filter(|(_, v)| {
                let file = sources.name(v.span.file);
                file.starts_with("tunables/") || file.contains("/tunables/")
            })
            .filter_map(|(name, _)| {
                let text = vars.expand(&format!("@{{{name}}}"), &builtins).ok()?;
                Some((name.clone(), Pattern::parse(&text).ok()?))
            })
            .collect();
        // one order whatever the hash map's
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Tunables { vars: out }
    }

    /// `path` as a rule's path: its parts matched exactly by a variable
    /// written as that variable, the rest escaped.
    pub fn generalise(&self, path: &str) -> String {
        let bytes = path.as_bytes();
        // where a part may begin or end: at a slash, after one, or at an end
        let cut = |i: usize| {
            i == 0 || i == bytes.len() || bytes[i] == b'/' || bytes.get(i - 1) == Some(&b'/')
        };
        let mut out = String::new();
        let mut at = 0;
        while at < bytes.len() {
            let mut best: Option<(usize, &str)> = None;
            if cut(at) {
                for end in (at + 1..=bytes.len()).rev().filter(|&e| cut(e)) {
                    if best.is_some_and(|(e, _)| e >= end) {
                        break;
                    }
                    let part = &path[at..end];
                    if part == "/" || !path.is_char_boundary(end) {
                        continue;
                    }
                    if let Some((name, _)) = self.vars.iter().find(|(_, p)| p.matches(part)) {
                        best = Some((end, name));
                        break;
                    }
                }
            }
            match best {
                Some((end, name)) => {
                    // a part that ends with its slash is written with the
                    // slash after the variable (`@{HOME}/.config`), which
                    // expands to the same path
                    out.push_str(&format!("@{{{name}}}"));
                    if path[..end].ends_with('/') {
                        out.push('/');
                    }
                    at = end;
                }
                None => {
                    let next = path[at..]
                        .char_indices()
                        .nth(1)
                        .map_or(path.len(), |(i, _)| at + i);
                    out.push_str(&Pattern::escape(&path[at..next]));
                    at = next;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tunables(text: &str) -> Tunables {
        let mut sources = SourceMap::new();
        let file = sources.add("tunables/global", None, text.to_string());
        let parsed = crate::syntax::parse(text, file);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let mut policy = Policy::default();
        for (i, line) in text.lines().enumerate() {
            let Some((name, values)) = line.split_once('=') else {
                continue;
            };
            let name = crate::resolve::vars::var_name(name.trim()).to_string();
            let start = text.lines().take(i).map(|l| l.len() + 1).sum::<usize>() as u32;
            policy.vars.insert(
                name,
                crate::resolve::vars::SetVar {
                    values: values.split_whitespace().map(str::to_string).collect(),
                    span: crate::source::Span {
                        file,
                        start,
                        end: start + line.len() as u32,
                    },
                    used: false,
                },
            );
        }
        Tunables::of(&policy, &sources)
    }

    #[test]
    fn parts_a_tunable_matches_become_the_variable() {
        let t = tunables(
            "@{HOMEDIRS}=/home/\n@{HOME}=@{HOMEDIRS}/*/ /root/\n@{PROC}=/proc/\n\
             @{pid}={[1-9],[1-9][0-9],[1-9][0-9][0-9],[1-9][0-9][0-9][0-9]}\n@{run}=/run/ /var/run/\n",
        );
        assert_eq!(t.generalise("/home/ann/.config/x"), "@{HOME}/.config/x");
        assert_eq!(t.generalise("/proc/1234/status"), "@{PROC}/@{pid}/status");
        assert_eq!(t.generalise("/run/user/x"), "@{run}/user/x");
        // what no variable matches exactly stays, escaped
        assert_eq!(t.generalise("/proc/self/status"), "@{PROC}/self/status");
        assert_eq!(t.generalise("/srv/a[1]*"), "/srv/a\\[1\\]\\*");
        assert_eq!(t.generalise("/proc/12345/x"), "@{PROC}/12345/x");
    }
}
