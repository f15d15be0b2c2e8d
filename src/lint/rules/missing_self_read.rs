//! ## What it does
//! Flags a profile with an attachment (`profile foo /usr/bin/foo`) that
//! does not allow reading (`r`) its own executable. The check is exact:
//! some rule's pattern must match everything the attachment matches.
//!
//! ## Why is this bad?
//! An interpreted program (a shell, Python or Perl script) is read by its
//! interpreter under the profile, and programs that re-exec themselves or
//! inspect their own binary need it too; without `mr` on itself the
//! program fails in ways that are hard to trace back to the profile.
//! Upstream's profile tests require the rule for this reason.
//!
//! ## Example
//! ```apparmor
//! profile foo /usr/bin/foo {
//!   /etc/foo.conf r,
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile foo /usr/bin/foo {
//!   /usr/bin/foo mr,
//!   /etc/foo.conf r,
//! }
//! ```
//!
//! ## Fix safety
//! Unsafe: the fix adds a rule, which grants more than before.

use crate::aare::{self, Pattern};
use crate::diag::Diagnostic;
use crate::lint::fix::edit;
use crate::lint::{Context, finding};
use crate::syntax::ast::ProfileKeyword;

rule!("L106", "missing-self-read", Correctness, Warning, true, Unsafe);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let ast_profiles = crate::lint::facts::ast_profiles(&cx.ast.items);
    for pf in &cx.facts().profiles {
        let p = pf.profile;
        if !cx.is_local(p.span) || matches!(p.keyword, ProfileKeyword::Hat | ProfileKeyword::Caret) {
            continue;
        }
        let attach = match &p.attachment {
            Some(a) => a.clone(),
            None if p.name.starts_with('/') => p.name.clone(),
            None => continue,
        };
        let Ok(pat) = Pattern::parse(&attach) else { continue };
        let Some(ex) = aare::example(&pat) else { continue };
        let granted = |want_read: bool| {
            pf.files.iter().any(|f| {
                !f.deny
                    && !f.owner
                    && !f.other
                    && if want_read { f.perms.read } else { f.perms.mmap }
                    && f.covers_pattern(&attach, &pat, &ex)
            })
        };
        if granted(true) {
            continue;
        }
        let missing = "r";
        let Some(ap) = ast_profiles.iter().find(|a| a.span == p.span) else {
            continue;
        };
        let mut d = finding(
            &RULE,
            ap.name.span,
            format!("profile `{}` does not allow `{missing}` on its own executable `{attach}`", p.name),
        )
        .help("add `@{exec_path} mr,` or the executable's path with `mr`");
        let at = ap.open.end as usize;
        let indent = "  ".repeat(1 + usize::from(p.name.contains("//")));
        let written = p
            .header
            .iter()
            .find_map(|e| match e {
                crate::syntax::ast::Elem::Word(w) if !w.text.is_empty() => {
                    Some(cx.slice(w.span).to_string())
                }
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| cx.slice(ap.name.span).to_string());
        d.fix = Some(edit::unsafe_(
            format!("add `{written} mr,`"),
            vec![edit::replace(cx.span(at, at), format!("\n{indent}{written} mr,"))],
        ));
        out.push(d);
    }
}
