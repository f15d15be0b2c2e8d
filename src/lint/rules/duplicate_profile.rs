//! ## What it does
//! Flags a profile name defined by two of the files linted together (the
//! front end already rejects a name defined twice in one file).
//!
//! ## Why is this bad?
//! The kernel holds one profile per name: whichever file is loaded last
//! silently replaces the other, so which rules apply depends on load
//! order. It usually means a profile was copied or renamed and the old
//! file left behind.
//!
//! ## Example
//! ```apparmor
//! # in /etc/apparmor.d/foo
//! profile foo /usr/bin/foo { }
//! # in /etc/apparmor.d/foo.bak
//! profile foo /usr/bin/foo { }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! # in /etc/apparmor.d/foo only
//! profile foo /usr/bin/foo { }
//! ```

use crate::diag::Diagnostic;
use crate::lint::{Context, finding};
use crate::source::Span;
use std::collections::HashMap;

rule!("L113", "duplicate-profile", Correctness, Warning, true, None);

/// Reported across files, by [`across_files`].
pub fn check(_cx: &Context, _out: &mut Vec<Diagnostic>) {}

/// The names of the top-level profiles of each linted file, in the order
/// the files were given: a finding for each name met again.
pub fn across_files(files: &[Vec<(String, Span)>]) -> Vec<Diagnostic> {
    let mut first: HashMap<&str, Span> = HashMap::new();
    let mut out = Vec::new();
    for names in files {
        let mut here: HashMap<&str, Span> = HashMap::new();
        for (n, span) in names {
            if here.insert(n, *span).is_some() {
                continue; // twice in one file: the front end's error
            }
            match first.get(n.as_str()) {
                Some(prev) if prev.file != span.file => out.push(
                    finding(&RULE, *span, format!("profile `{n}` is also defined in another file"))
                        .label(*prev, "defined here too")
                        .note("the kernel keeps one profile per name: the file loaded last replaces the other")
                        .help("remove one of the definitions, or rename one profile"),
                ),
                Some(_) => {}
                None => {
                    first.insert(n, *span);
                }
            }
        }
    }
    out
}
