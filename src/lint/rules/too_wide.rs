//! ## What it does
//! Flags file rules that grant a whole system tree: any rule whose pattern
//! matches everything under `/`, `/tmp/`, `/var/tmp/`, `/etc/`, `/home/`,
//! `/root/`, `/var/`, `/usr/`, `/dev/`, `/run/`, `/sys/`, `/proc/` or
//! `/boot/` (decided exactly: `/{,var/}tmp/** rw` covers `/tmp/**`), and the
//! bare `file,` rule.
//!
//! ## Why is this bad?
//! Such a rule confines nothing in that tree: secrets, other users' files,
//! device nodes and kernel interfaces all become reachable. It is usually a
//! stopgap that was never narrowed.
//!
//! ## Example
//! ```apparmor
//! /tmp/** rw,
//! file,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! owner /tmp/myapp-*/** rw,
//! ```

use crate::aare::{self, Pattern};
use crate::check::{Family, family};
use crate::diag::Diagnostic;
use crate::lint::facts::qualifiers;
use crate::lint::{Context, finding};
use crate::syntax::ast::Elem;

rule!("L205", "too-wide", Security, Warning, true, None);

const TREES: &[&str] = &[
    "/**", "/tmp/**", "/var/tmp/**", "/etc/**", "/home/**", "/root/**", "/var/**", "/usr/**",
    "/dev/**", "/run/**", "/sys/**", "/proc/**", "/boot/**",
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let trees: Vec<Pattern> = TREES.iter().filter_map(|t| Pattern::parse(t).ok()).collect();
    cx.per_profile(&RULE, out, |pf, out| {
        for f in pf.files.iter().filter(|f| f.local && !f.deny) {
            let Some(p) = f.pattern() else { continue };
            let hit = TREES.iter().zip(&trees).find(|(t, tree)| {
                let probe = format!("{}x", &t[..t.len() - 2]);
                f.may_match(&probe) && p.matches(&probe) && aare::includes(p, tree)
            });
            if let Some((t, _)) = hit {
                let what = if *t == "/**" {
                    "the whole file system".to_string()
                } else {
                    format!("everything under `{}`", &t[..t.len() - 2])
                };
                out.push(
                    finding(
                        &RULE,
                        f.path.span,
                        format!("`{} {}` grants {what}", cx.written(f.path), f.mode_text()),
                    )
                    .help("narrow the rule to the files the program uses"),
                );
            }
        }
    });
    for pf in &cx.facts().profiles {
        for r in pf.others.iter().filter(|r| cx.is_local(r.span)) {
            if qualifiers(&r.prefix).0 || family(r) != Family::File {
                continue;
            }
            let bare = matches!(r.elems.as_slice(), [Elem::Word(w)] if w.is_key("file"));
            if bare {
                out.push(
                    finding(&RULE, r.span, "`file,` grants every file permission on every path")
                        .help("list the paths and permissions the program needs"),
                );
            }
        }
    }
}
