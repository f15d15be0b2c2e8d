//! ## What it does
//! Flags a profile attachment or an exec rule that names a program only
//! under `/bin`, `/sbin`, `/lib`, `/lib64` or `/usr/sbin`, without also
//! matching the merged location under `/usr/bin` or `/usr/lib`.
//!
//! ## Why is this bad?
//! On distributions that merged `/usr` (Debian, Ubuntu, Fedora, Arch) or
//! `sbin` into `bin` (Fedora, Arch), those directories are symlinks, and
//! the kernel matches the path after following them: `/bin/bash` is seen
//! as `/usr/bin/bash`. The profile then never attaches, or the exec is
//! denied.
//!
//! ## Example
//! ```apparmor
//! profile dnsmasq /usr/sbin/dnsmasq {
//!   /bin/bash rix,
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile dnsmasq /usr/{,s}bin/dnsmasq {
//!   /{,usr/}bin/bash rix,
//! }
//! ```

use crate::aare::Pattern;
use crate::diag::Diagnostic;
use crate::lint::{Context, finding};

rule!("L402", "usrmerge-path", Portability, Warning, true, None);

/// The merged location of a path, if it lies in a directory that is a
/// symlink on merged systems.
pub fn merged(path: &str) -> Option<String> {
    for (from, to) in [
        ("/bin/", "/usr/bin/"),
        ("/sbin/", "/usr/bin/"),
        ("/usr/sbin/", "/usr/bin/"),
        ("/lib/", "/usr/lib/"),
        ("/lib64/", "/usr/lib64/"),
    ] {
        if let Some(rest) = path.strip_prefix(from) {
            return Some(format!("{to}{rest}"));
        }
    }
    None
}

/// `Some(merged path)` when a literal-looking pattern misses its merged
/// location.
fn misses(text: &str) -> Option<String> {
    let pat = Pattern::parse(text).ok()?;
    let ex = crate::aare::example(&pat)?;
    misses_of(&pat, &ex)
}

/// [`misses`] of a pattern already parsed, with a path `ex` it matches.
fn misses_of(pat: &Pattern, ex: &str) -> Option<String> {
    let m = merged(ex)?;
    (!pat.matches(&m)).then_some(m)
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    cx.per_profile(&RULE, out, |pf, out| {
        let p = pf.profile;
        if cx.is_local(p.span) {
            if let Some(a) = &p.attachment {
                if let Some(m) = misses(a) {
                    out.push(
                        finding(
                            &RULE,
                            cx.attachment_span(p.span),
                            format!("the attachment `{a}` does not match `{m}`, the path the kernel sees on merged-/usr systems"),
                        )
                        .help("match both locations, e.g. `/{,usr/}bin/...` or `/usr/{,s}bin/...`"),
                    );
                }
            }
        }
        for f in pf.files.iter().filter(|f| f.local && !f.deny && f.perms.exec) {
            // the rule's pattern and example are parsed once per path
            let m = f.pattern().zip(f.example()).and_then(|(p, ex)| misses_of(p, ex));
            if let Some(m) = m {
                out.push(
                    finding(
                        &RULE,
                        f.path.span,
                        format!("`{}` does not match `{m}`, the path the kernel sees on merged-/usr systems", cx.written(f.path)),
                    )
                    .help("match both locations, e.g. `/{,usr/}bin/...`"),
                );
            }
        }
    });
}
