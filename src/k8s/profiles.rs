//! The AppArmor profiles a cluster's nodes have: declared in a profile tree
//! (read with aaprof's own front end) or listed in a copy of a node's
//! `/sys/kernel/security/apparmor/profiles`.

use crate::diag::Diagnostic;
use crate::resolve::{Outcome, Policy, ResolvedProfile};
use crate::source::Span;
use crate::syntax::ast::ProfileKeyword;
use std::collections::BTreeMap;

/// How a profile can be reached from a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    TopLevel,
    /// A child profile or hat of `parent`: a container cannot start in it.
    Child {
        parent: String,
        hat: bool,
    },
}

#[derive(Clone, Debug)]
pub struct Declared {
    pub place: Place,
    /// The mode the profile is loaded in, when it is not `enforce`
    /// (`complain`, `unconfined`, `kill`, `prompt`...).
    pub mode: Option<String>,
    pub attach_disconnected: bool,
    /// Where the profile is declared.
    pub span: Span,
    /// The file declaring it has errors.
    pub problem: Option<FileProblem>,
}

/// Errors in a profile file: its profiles may fail to load.
#[derive(Clone, Debug)]
pub struct FileProblem {
    pub errors: usize,
    /// The first error's message, and where it is.
    pub first: String,
    pub span: Span,
}

/// Profiles declared in a profile tree, by full name (`parent//child` for
/// children and hats).
#[derive(Clone, Debug, Default)]
pub struct ProfileSet {
    pub by_name: BTreeMap<String, Declared>,
}

const MODES: &[&str] = &["complain", "unconfined", "kill", "prompt", "default_allow"];

impl ProfileSet {
    /// Add what a checked profile file declares, remembering whether the
    /// file had errors (its profiles may then fail to load).
    pub fn add_outcome(&mut self, out: &Outcome) {
        let errors: Vec<&Diagnostic> = out.diagnostics.iter().filter(|d| d.is_error()).collect();
        let problem = errors.first().and_then(|first| {
            Some(FileProblem {
                errors: errors.len(),
                first: first.message.clone(),
                span: first.span()?,
            })
        });
        for p in out.policy.profiles.iter().filter(|p| !p.synthetic) {
            self.add(p, None, problem.as_ref());
        }
    }

    pub fn add_policy(&mut self, policy: &Policy) {
        for p in policy.profiles.iter().filter(|p| !p.synthetic) {
            self.add(p, None, None);
        }
    }

    fn add(&mut self, p: &ResolvedProfile, parent: Option<&str>, problem: Option<&FileProblem>) {
        let mode = p.flags.iter().find_map(|f| {
            let f = f.strip_prefix("mode=").unwrap_or(f);
            MODES.contains(&f).then(|| f.to_string())
        });
        let place = match parent {
            None => Place::TopLevel,
            Some(par) => Place::Child {
                parent: par.to_string(),
                hat: matches!(p.keyword, ProfileKeyword::Hat | ProfileKeyword::Caret),
            },
        };
        let full = match parent {
            Some(par) => format!("{par}//{}", p.name),
            None => p.name.clone(),
        };
        self.by_name.insert(
            full.clone(),
            Declared {
                place,
                mode,
                attach_disconnected: p.flags.iter().any(|f| f == "attach_disconnected"),
                span: p.span,
                problem: problem.cloned(),
            },
        );
        for c in &p.children {
            self.add(c, Some(&full), problem);
        }
    }

    /// Top-level profile names, for "did you mean".
    pub fn top_level(&self) -> impl Iterator<Item = &str> {
        self.by_name
            .iter()
            .filter(|(_, d)| d.place == Place::TopLevel)
            .map(|(n, _)| n.as_str())
    }

    /// A child profile or hat whose own name (after the last `//`) is `name`.
    pub fn child_named(&self, name: &str) -> Option<(&str, &Declared)> {
        self.by_name
            .iter()
            .find(|(full, d)| {
                matches!(d.place, Place::Child { .. }) && full.rsplit("//").next() == Some(name)
            })
            .map(|(n, d)| (n.as_str(), d))
    }
}

/// A node's loaded profiles: `name (mode)` per line, as the kernel lists
/// them in `/sys/kernel/security/apparmor/profiles`.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// Where the list came from, for messages.
    pub source: String,
    pub modes: BTreeMap<String, String>,
}

impl Loaded {
    /// Parse a profiles list; an error names the first bad line.
    pub fn parse(source: &str, text: &str) -> Result<Loaded, String> {
        let mut modes = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.trim().is_empty() {
                continue;
            }
            let parsed = line
                .strip_suffix(')')
                .and_then(|l| l.rsplit_once(" ("))
                .filter(|(name, mode)| !name.is_empty() && !mode.is_empty() && !mode.contains(' '));
            match parsed {
                Some((name, mode)) => {
                    modes.insert(name.to_string(), mode.to_string());
                }
                None => {
                    return Err(format!(
                        "line {}: expected `NAME (MODE)`, as in /sys/kernel/security/apparmor/profiles, found `{line}`",
                        i + 1
                    ));
                }
            }
        }
        Ok(Loaded {
            source: source.to_string(),
            modes,
        })
    }

    pub fn top_level(&self) -> impl Iterator<Item = &str> {
        self.modes
            .keys()
            .filter(|n| !n.contains("//"))
            .map(String::as_str)
    }
}
