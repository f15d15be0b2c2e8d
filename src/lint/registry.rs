//! The rule table and what is read off it: lookup by code or name, and
//! each rule's documentation, which is the doc comment at the top of the
//! rule's own file (so `aaprof rule`, `docs/rules/` and the code cannot
//! drift apart).

use super::{Context, RuleDef};
use crate::diag::Diagnostic;

/// One registered rule.
pub struct Rule {
    pub def: RuleDef,
    pub check: fn(&Context, &mut Vec<Diagnostic>),
    /// The rule file's text (its documentation is read from it).
    pub source: &'static str,
    /// The rule's module (and file) name.
    pub module: &'static str,
}

pub use super::rules::RULES;

impl Rule {
    pub fn id(&self) -> &'static str {
        self.def.code.id
    }

    pub fn name(&self) -> &'static str {
        self.def.code.name
    }

    /// The rule's documentation in Markdown: the `//!` lines that open its
    /// file.
    pub fn doc(&self) -> String {
        let mut out = String::new();
        for line in self.source.lines() {
            let Some(rest) = line.strip_prefix("//!") else {
                break;
            };
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            out.push('\n');
        }
        out
    }

    /// The first paragraph of "What it does", on one line.
    pub fn summary(&self) -> String {
        let doc = self.doc();
        let body = doc
            .split("## What it does")
            .nth(1)
            .unwrap_or(doc.as_str())
            .trim_start();
        let para = body.split("\n\n").next().unwrap_or("");
        para.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The page `docs/rules/NAME.md` holds for this rule.
    pub fn markdown(&self) -> String {
        let d = &self.def;
        let mut s = format!("# {} ({})\n\n", d.code.name, d.code.id);
        s.push_str(&format!(
            "Category: {} · default severity: {} · {} · fix: {}\n\n",
            d.category.as_str(),
            d.code.severity.as_str(),
            if d.default_on {
                "on by default"
            } else {
                "off unless selected"
            },
            d.fix.as_str()
        ));
        s.push_str(&self.doc());
        s
    }
}

/// A rule by code (`L101`) or name (`redundant-rule`), case-insensitively.
pub fn find(key: &str) -> Option<&'static Rule> {
    index_of(key).map(|i| &RULES[i])
}

/// The documentation pages a code or name has, `(code, markdown)`: the
/// lint rule's first, then the front end's and Kubernetes' codes (a name
/// two families share has two). What `aaprof rule KEY` prints and the
/// language server's hover shows.
pub fn pages(key: &str) -> Vec<(&'static str, String)> {
    let mut pages: Vec<(&'static str, String)> = Vec::new();
    if let Some(r) = find(key) {
        pages.push((r.id(), r.markdown()));
    }
    pages.extend(
        crate::diag::doc::find(key)
            .iter()
            .map(|d| (d.code.id, d.markdown())),
    );
    pages
}

/// The rule code or name closest to a misspelt `key`, if one is close.
pub fn did_you_mean(key: &str) -> Option<&'static str> {
    crate::suggest::did_you_mean(key, RULES.iter().flat_map(|r| [r.id(), r.name()]))
}

/// The index of a rule in [`RULES`].
pub fn index_of(key: &str) -> Option<usize> {
    RULES
        .iter()
        .position(|r| r.id().eq_ignore_ascii_case(key) || r.name().eq_ignore_ascii_case(key))
}

/// The index page `docs/rules/README.md`.
pub fn index_markdown() -> String {
    let mut s = String::from(
        "# Lint rules\n\nGenerated from the rules' own documentation (`aaprof rule CODE` prints the same text); a test keeps these pages in sync. The codes of the front end (`E`, `W`) are in [check/](check/README.md), those of `aaprof k8s check` (`K`) in [k8s/](k8s/README.md).\n\n| code | name | category | severity | default | fix | what it finds |\n|---|---|---|---|---|---|---|\n",
    );
    for r in RULES {
        let d = &r.def;
        s.push_str(&format!(
            "| {} | [{}]({}.md) | {} | {} | {} | {} | {} |\n",
            d.code.id,
            d.code.name,
            d.code.name,
            d.category.as_str(),
            d.code.severity.as_str(),
            if d.default_on { "on" } else { "off" },
            d.fix.as_str(),
            r.summary().replace('|', "\\|")
        ));
    }
    s
}
