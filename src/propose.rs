//! Rules proposed for what a log shows denied: the access as it was
//! logged, generalised only where a variable of the tunables matches a
//! part of it exactly (a home directory, a process id, a user id, a
//! multiarch directory), so that the rule allows what a later run of the
//! program asks for and nothing the tunables do not already name.
//!
//! A part is whole path components of the directory (a variable's value
//! may carry the slashes around it, as `@{HOME}`'s `/home/*/` does); the
//! file's own name stays. The longest part a
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
        // the file's own name is not generalised (a variable such as
        // apparmor.d's `@{group}` matches any word): parts end at its
        // directory
        let dir_end = path.rfind('/').map_or(0, |i| i + 1);
        let mut out = String::new();
        let mut at = 0;
        while at < bytes.len() {
            let mut best: Option<(usize, &str)> = None;
            if cut(at) && at < dir_end {
                for end in (at + 1..=dir_end).rev().filter(|&e| cut(e)) {
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

/// An abstraction of the include path, resolved on its own in a profile
/// of its own, to ask whether it allows what was denied.
pub struct Abstraction {
    /// Its include name (`abstractions/nameservice`).
    pub name: String,
    out: crate::resolve::Outcome,
    /// How many rules it has with what it includes: the fewer, the
    /// closer it fits what it is proposed for.
    pub rules: usize,
}

/// The name of the profile an abstraction is resolved in.
const PROBE: &str = "aaprof-probe";

/// The abstractions of the search path (the regular files right under
/// each root's `abstractions` directory, the first root's where two
/// have one name), each resolved after `preamble` (the tunables the
/// profile's file includes) in a profile of its own; those with errors
/// are left out.
pub fn abstractions(
    session: &crate::resolve::Session,
    opts: &crate::resolve::Options,
    preamble: &str,
) -> Vec<Abstraction> {
    let search = &opts.search;
    let mut names = std::collections::BTreeSet::new();
    for root in search
        .include_dirs
        .iter()
        .chain(std::iter::once(&search.base_dir))
    {
        let dir = root.join("abstractions");
        let Ok(entries) = search.fs.read_dir(&dir) else {
            continue;
        };
        for n in entries {
            if !crate::resolve::include::is_skipped(&n) && search.fs.is_file(&dir.join(&n)) {
                names.insert(format!("abstractions/{n}"));
            }
        }
    }
    names
        .into_iter()
        .filter_map(|name| {
            let text = format!("{preamble}\nprofile {PROBE} {{\n  include <{name}>\n}}\n");
            let out = session.check_text(&format!("<{name}>"), None, text, opts);
            if out.has_errors() {
                return None;
            }
            let rules = out.policy.profiles.first().map_or(0, |p| p.rules.len());
            Some(Abstraction { name, out, rules })
        })
        .collect()
}

impl Abstraction {
    /// Whether it allows every bit of `wanted` (the kernel's file
    /// permission bits) on `path`, to the file's owner or to others.
    pub fn allows_file(
        &self,
        search: &crate::resolve::SearchPath,
        opts: &crate::compile::Options,
        path: &str,
        wanted: u32,
        owner: bool,
    ) -> bool {
        // it must name the path itself, in an allow rule without a
        // wildcard (variables expanded; alternatives of literal paths, as
        // `@{etc_ro}/hosts` is, name each): a glob that happens to take in
        // the path (`/{media,mnt,opt,srv}/** r,`) is no reason to include
        // the abstraction
        let exact = self.out.file.is_some_and(|file| {
            let cache = crate::lint::facts::Cache::default();
            let facts = crate::lint::facts::Facts::new(&self.out.policy, file, &cache);
            facts
                .profiles
                .iter()
                .any(|p| p.files_matching(path).any(|r| !r.deny && finite(r.norm)))
        });
        if !exact || wanted == 0 {
            return false;
        }
        crate::access::file_perms(&self.out, search, opts, PROBE, path).is_ok_and(|f| {
            let allow = if owner { f.user.allow } else { f.other.allow };
            allow & wanted == wanted
        })
    }

    /// Whether it allows all of `access` with a rule that names what is
    /// asked (a network rule its family and type, a signal rule its
    /// signals and peer, a ptrace rule its peer, a dbus rule its member
    /// or its name, a mount rule its mount point), not a bare `network,`
    /// or `dbus,` that takes in everything.
    pub fn allows(
        &self,
        search: &crate::resolve::SearchPath,
        opts: &crate::compile::Options,
        access: &crate::access::Access,
    ) -> bool {
        let has_class = self
            .out
            .policy
            .profiles
            .first()
            .is_some_and(|p| p.model.iter().flatten().any(|m| access.decided_by(&m.kind)));
        let named = |span: crate::source::Span| {
            self.out.policy.profiles.first().is_some_and(|p| {
                p.model
                    .iter()
                    .flatten()
                    .any(|m| m.span == span && names_what_it_allows(&m.kind))
            })
        };
        has_class
            && crate::access::ask(&self.out, search, opts, PROBE, access).is_ok_and(|a| {
                a.mediated && a.granted && a.rules.iter().any(|r| !r.deny && named(r.span))
            })
    }
}

/// Whether a pattern matches a finite set of paths: no `*`, `?` or `[`
/// outside an escape.
fn finite(pattern: &str) -> bool {
    let mut escaped = false;
    for c in pattern.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if matches!(c, '*' | '?' | '[') {
            return false;
        }
    }
    true
}

/// Whether a rule names what it allows rather than taking in its whole
/// class (see [`Abstraction::allows`]).
fn names_what_it_allows(kind: &crate::policy::RuleKind) -> bool {
    use crate::policy::RuleKind as K;
    match kind {
        K::Network(n) => n.family.is_some() && n.kind.is_some(),
        K::Signal(s) => !s.signals.is_empty() && s.peer.is_some(),
        K::Ptrace(t) => t.peer.is_some(),
        K::Dbus(d) => d.member.is_some() || d.name.is_some(),
        K::Mount(m) => m.mountpoint.is_some(),
        K::Umount(m) => m.mountpoint.is_some(),
        K::PivotRoot(p) => p.newroot.is_some(),
        K::Userns(_) => true,
        _ => false,
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
        // nor the file's own name
        assert_eq!(t.generalise("/proc/1234"), "@{PROC}/1234");
    }
}
