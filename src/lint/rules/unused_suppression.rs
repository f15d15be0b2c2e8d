//! ## What it does
//! Flags a suppression comment, or one code in it, that suppresses no
//! finding.
//!
//! ## Why is this bad?
//! The problem it was written for has gone, so the comment is noise; left
//! in place it would also hide the same problem if it came back somewhere
//! it was not meant to be allowed. Codes of rules that are switched off are
//! not reported, since they could not have fired.
//!
//! ## Example
//! ```apparmor
//! /etc/hosts r,  # aaprof: ignore[too-wide]
//! ```
//!
//! ## Use instead
//! ```apparmor
//! /etc/hosts r,
//! ```

use crate::diag::Diagnostic;
use crate::lint::Context;

rule!("L002", "unused-suppression", Correctness, Warning, true, None);

/// Reported by the suppression pass ([`crate::lint::suppress`]).
pub fn check(_cx: &Context, _out: &mut Vec<Diagnostic>) {}
