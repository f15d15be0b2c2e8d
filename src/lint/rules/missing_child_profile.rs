//! ## What it does
//! Flags a child-profile transition (`Cx`, `cx`, `Cix`, `Cux`...) that no
//! child profile can take: `Cx -> name` where the profile has no child
//! `name`, or a `Cx` without a target where no child's attachment overlaps
//! the rule's path. `Cx -> &name` stacks the profile with `name` and is
//! not checked.
//!
//! ## Why is this bad?
//! With no child to move to, the exec fails (or, with `Cix`/`Cux`, silently
//! falls back to inheriting the profile or running unconfined). This is
//! usually a misspelt child name or a child that was renamed.
//!
//! ## Example
//! ```apparmor
//! profile foo {
//!   /usr/bin/helper Cx -> helpr,
//!   profile helper { }
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile foo {
//!   /usr/bin/helper Cx -> helper,
//!   profile helper { }
//! }
//! ```

use crate::aare::Pattern;
use crate::check::file::ExecBase;
use crate::diag::Diagnostic;
use crate::lint::{Context, finding};

rule!("L110", "missing-child-profile", Correctness, Warning, true, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for pf in &cx.facts().profiles {
        // an abstraction on its own: the profile including it may define
        // the children it transitions to
        if pf.profile.synthetic {
            continue;
        }
        let children = &pf.profile.children;
        for f in pf.files.iter().filter(|f| f.local && !f.deny) {
            let Some(mode) = f.perms.exec_mode else { continue };
            if mode.base != ExecBase::Child {
                continue;
            }
            let fallback = match mode.fallback {
                Some(ExecBase::Inherit) => " (it falls back to inheriting this profile)",
                Some(ExecBase::Unconfined) => " (it falls back to running unconfined)",
                _ => "",
            };
            match f.target {
                Some(t) => {
                    // `Cx -> &name` stacks this profile with `name` (the
                    // parser writes `parent//&name`): not a child
                    if t.starts_with('&') || t.contains("//") || t.contains('@') || children.iter().any(|c| c.name == t) {
                        continue;
                    }
                    let names = children.iter().map(|c| c.name.as_str());
                    let mut d = finding(
                        &RULE,
                        f.rule.span,
                        format!(
                            "`{}` has no child profile `{t}` to transition to{fallback}",
                            pf.full_name
                        ),
                    );
                    if cx.policy.profiles.iter().any(|p| p.name == t) {
                        d = d
                            .note(format!("`{t}` is a top-level profile: `Cx` only reaches children of `{}`", pf.full_name))
                            .help(format!("write `Px -> {t}`, or move `{t}` inside `{}`", pf.full_name));
                    } else if let Some(s) = crate::suggest::did_you_mean(t, names) {
                        d = d.help(format!("did you mean `{s}`?"));
                    } else {
                        d = d.help(format!("add `profile {t} {{ ... }}` inside `{}`", pf.full_name));
                    }
                    out.push(d);
                }
                None => {
                    let Some(pat) = f.pattern() else { continue };
                    let attached = children.iter().any(|c| {
                        let a = c.attachment.clone().unwrap_or_else(|| c.name.clone());
                        Pattern::parse(&a)
                            .ok()
                            .is_some_and(|q| crate::aare::overlap(&q, pat).is_some())
                    });
                    if !attached {
                        out.push(
                            finding(
                                &RULE,
                                f.rule.span,
                                format!(
                                    "no child profile of `{}` attaches to `{}`{fallback}",
                                    pf.full_name, cx.written(f.path)
                                ),
                            )
                            .help("name the child with `Cx -> child`, or add a child profile attached to this path"),
                        );
                    }
                }
            }
        }
    }
}
