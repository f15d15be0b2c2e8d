//! ## What it does
//! Flags write access (`w` or `a`) and execute or mmap-as-executable access
//! (`x` modes or `m`) to paths that overlap, in one rule or in two rules of
//! the same profile. Overlap is decided exactly, on the patterns' automata,
//! and the finding names a path both rules match.
//!
//! ## Why is this bad?
//! Being able to write a file and then execute or map it executable lets a
//! compromised program run code of its choosing under the profile (W^X).
//! Profiles should grant write and execute on disjoint paths.
//!
//! ## Example
//! ```apparmor
//! owner @{HOME}/.cache/myapp/** rw,
//! owner @{HOME}/.cache/myapp/**.so m,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! owner @{HOME}/.cache/myapp/** rw,
//! /usr/lib/myapp/**.so m,
//! ```

use crate::diag::Diagnostic;
use crate::lint::facts::FileRule;
use crate::lint::{Context, finding};

rule!("L204", "write-exec-same-path", Security, Warning, true, None);

fn writes(f: &FileRule) -> bool {
    !f.deny && (f.perms.write || f.perms.append)
}

fn runs(f: &FileRule) -> bool {
    !f.deny && (f.perms.exec || f.perms.mmap)
}

fn halves_meet(a: &FileRule, b: &FileRule) -> bool {
    !(a.owner && b.other || a.other && b.owner)
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    cx.per_profile(&RULE, out, |pf, out| {
        let files = &pf.files;
        for (i, l) in files.iter().enumerate() {
            if !l.local || !(writes(l) || runs(l)) {
                continue;
            }
            if writes(l) && runs(l) {
                let ex = l.example().unwrap_or(l.norm).to_string();
                out.push(
                    finding(
                        &RULE,
                        l.rule.span,
                        format!(
                            "`{}` grants both write and execute/mmap on `{}` (W^X)",
                            l.mode_text(),
                            cx.written(l.path)
                        ),
                    )
                    .note(format!("for example `{ex}` could be written, then run"))
                    .help("grant write and execute on separate paths"),
                );
                continue;
            }
            let other = pf.candidates(l).map(|j| (j, &files[j])).find_map(|(j, o)| {
                // a rule of an include that is W^X by itself is that
                // include's finding
                if j == i || !halves_meet(l, o) || (!o.local && writes(o) && runs(o)) {
                    return None;
                }
                let pair = (writes(l) && runs(o)) || (runs(l) && writes(o));
                // two rules of this file: reported once, at the later one
                if !pair || (o.local && j > i) {
                    return None;
                }
                l.overlap(o).map(|w| (o, w))
            });
            if let Some((o, w)) = other {
                let (wr, ex) = if writes(l) { (l, o) } else { (o, l) };
                out.push(
                    finding(
                        &RULE,
                        l.rule.span,
                        format!(
                            "`{w}` can be both written (`{} {}`) and executed or mapped (`{} {}`) (W^X)",
                            cx.written(wr.path),
                            wr.mode_text(),
                            cx.written(ex.path),
                            ex.mode_text()
                        ),
                    )
                    .label(o.rule.span, "the overlapping rule")
                    .note(format!("the other rule is at {}", cx.locate(o.rule.span)))
                    .help("grant write and execute on paths that do not overlap"),
                );
            }
        }
    });
}
