//! The documentation of every front-end (`E`, `W`) and Kubernetes (`K`)
//! code: what it means, an example, how to fix it. The text is one
//! Markdown file per family (`codes/check.md`, `codes/k8s.md`), a `## CODE
//! name` section per code, so that `aaprof rule CODE`, `docs/rules/check/`,
//! `docs/rules/k8s/` and the code table cannot drift apart (a test holds
//! each code to one section with the three parts, and each checked example
//! to its code). The lint rules document themselves in their own files
//! (`lint::registry`).

use super::Code;
use super::code::ALL;

const CHECK: &str = include_str!("codes/check.md");
const K8S: &str = include_str!("codes/k8s.md");

/// Which command reports a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// The front end: `aaprof check`, and every command that reads policy.
    Check,
    /// `aaprof k8s check`.
    K8s,
}

impl Family {
    pub const ALL: [Family; 2] = [Family::Check, Family::K8s];

    pub fn of(code: Code) -> Family {
        if code.id.starts_with('K') {
            Family::K8s
        } else {
            Family::Check
        }
    }

    /// The directory of its pages under `docs/rules/`.
    pub fn dir(self) -> &'static str {
        match self {
            Family::Check => "check",
            Family::K8s => "k8s",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Family::Check => CHECK,
            Family::K8s => K8S,
        }
    }

    fn reported_by(self) -> &'static str {
        match self {
            Family::Check => {
                "`aaprof check` (and every command that reads policy: `lint`, `emit`, `k8s check --profiles`)"
            }
            Family::K8s => "`aaprof k8s check`",
        }
    }
}

/// One section of a family's file: the code and name of its heading, and
/// its text.
#[derive(Clone, Copy, Debug)]
pub struct Section {
    pub id: &'static str,
    pub name: &'static str,
    pub body: &'static str,
}

/// The sections of a family's file, in order.
pub fn sections(family: Family) -> Vec<Section> {
    let text = family.source();
    let mut out = Vec::new();
    // the file opens with a preamble; each section starts at `## `
    for part in text.split("\n## ").skip(1) {
        let (heading, body) = part.split_once('\n').unwrap_or((part, ""));
        let mut words = heading.split_whitespace();
        let (Some(id), Some(name)) = (words.next(), words.next()) else {
            continue;
        };
        out.push(Section { id, name, body });
    }
    out
}

/// A documented code.
#[derive(Clone, Copy, Debug)]
pub struct CodeDoc {
    pub code: Code,
    pub family: Family,
    pub section: Section,
}

impl CodeDoc {
    /// The page `docs/rules/<family>/NAME.md` holds for this code.
    pub fn markdown(&self) -> String {
        let c = self.code;
        let mut s = format!("# {} ({})\n\n", c.name, c.id);
        s.push_str(&format!(
            "Reported by {} · severity: {}\n\n",
            self.family.reported_by(),
            c.severity.as_str()
        ));
        for line in self.section.body.trim().lines() {
            match line.strip_prefix("### ") {
                Some(h) => {
                    s.push_str("## ");
                    s.push_str(h);
                }
                None => s.push_str(line),
            }
            s.push('\n');
        }
        s
    }

    /// The first paragraph of "What it means", on one line.
    pub fn summary(&self) -> String {
        let body = self.section.body;
        let after = body
            .split("### What it means")
            .nth(1)
            .unwrap_or(body)
            .trim_start();
        let para = after.split("\n\n").next().unwrap_or("");
        para.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The fenced blocks of its "Example" part: (info string, text).
    pub fn examples(&self) -> Vec<(&'static str, &'static str)> {
        let body = self.section.body;
        let Some(ex) = body.split("### Example").nth(1) else {
            return Vec::new();
        };
        let ex = ex.split("\n### ").next().unwrap_or("");
        let mut out = Vec::new();
        let mut rest = ex;
        while let Some(i) = rest.find("```") {
            let after = &rest[i + 3..];
            let (info, tail) = after.split_once('\n').unwrap_or((after, ""));
            let Some(end) = tail.find("```") else { break };
            out.push((info.trim(), &tail[..end]));
            rest = &tail[end + 3..];
        }
        out
    }
}

/// Every documented code, in the order of [`ALL`].
pub fn all() -> Vec<CodeDoc> {
    let secs: Vec<(Family, Section)> = Family::ALL
        .iter()
        .flat_map(|&f| sections(f).into_iter().map(move |s| (f, s)))
        .collect();
    ALL.iter()
        .filter_map(|&code| {
            let family = Family::of(code);
            secs.iter()
                .find(|(f, s)| *f == family && s.id == code.id)
                .map(|&(family, section)| CodeDoc {
                    code,
                    family,
                    section,
                })
        })
        .collect()
}

/// Every documented code whose id or name is `key` (case-insensitive), in
/// the order of [`ALL`]: a name can stand for a front-end and a
/// Kubernetes code at once (`invalid-profile-name`).
pub fn find(key: &str) -> Vec<CodeDoc> {
    all()
        .into_iter()
        .filter(|d| d.code.id.eq_ignore_ascii_case(key) || d.code.name.eq_ignore_ascii_case(key))
        .collect()
}

/// The index page `docs/rules/<family>/README.md`.
pub fn index_markdown(family: Family) -> String {
    let title = match family {
        Family::Check => "Front-end codes",
        Family::K8s => "Kubernetes codes",
    };
    let mut s = format!(
        "# {title}\n\nReported by {}. Generated from `src/diag/codes/{}.md` (`aaprof rule CODE` prints the same text); a test keeps these pages in sync.\n\n| code | name | severity | what it means |\n|---|---|---|---|\n",
        family.reported_by(),
        family.dir()
    );
    for d in all().into_iter().filter(|d| d.family == family) {
        s.push_str(&format!(
            "| {} | [{}]({}.md) | {} | {} |\n",
            d.code.id,
            d.code.name,
            d.code.name,
            d.code.severity.as_str(),
            d.summary().replace('|', "\\|")
        ));
    }
    s
}
