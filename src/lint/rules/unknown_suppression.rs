//! ## What it does
//! Flags a suppression comment (`# aaprof: ignore[...]`, `# apparmor-lint:
//! ignore=...`, `#aa:lint ignore=...`) that names a code aaprof does not
//! know, or an error that cannot be suppressed.
//!
//! ## Why is this bad?
//! A misspelt code suppresses nothing, so the finding it was meant to
//! silence is still reported — or, worse, the comment outlives the rule it
//! was written for and misleads the next reader. Errors that make the
//! kernel refuse the policy cannot be silenced: the profile would not load.
//!
//! ## Example
//! ```apparmor
//! /usr/bin/foo ux,  # aaprof: ignore[unconfined-exc]
//! ```
//!
//! ## Use instead
//! ```apparmor
//! /usr/bin/foo ux,  # aaprof: ignore[unconfined-exec]
//! ```

use crate::diag::Diagnostic;
use crate::lint::Context;

rule!("L001", "unknown-suppression", Correctness, Warning, true, None);

/// Reported by the suppression pass ([`crate::lint::suppress`]), which
/// sees every finding of the file.
pub fn check(_cx: &Context, _out: &mut Vec<Diagnostic>) {}
