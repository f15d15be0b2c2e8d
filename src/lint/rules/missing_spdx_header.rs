//! ## What it does
//! With the `apparmor.d` preset: flags a profile file whose header comment
//! has no `SPDX-License-Identifier` line.
//!
//! ## Why is this bad?
//! Profiles are copied between projects and distributions; a machine
//! readable licence line says under which terms. The apparmor.d project
//! requires one in every file.
//!
//! ## Example
//! ```apparmor
//! abi <abi/4.0>,
//! profile foo { }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! # SPDX-License-Identifier: GPL-2.0-only
//! abi <abi/4.0>,
//! profile foo { }
//! ```

use crate::diag::Diagnostic;
use crate::lint::{Context, Preset, finding};

rule!("L313", "missing-spdx-header", Style, Info, false, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.preset != Preset::ApparmorD || !cx.has_profiles() {
        return;
    }
    let header: Vec<&str> = cx
        .text
        .lines()
        .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        .collect();
    if header.iter().any(|l| l.contains("SPDX-License-Identifier")) {
        return;
    }
    out.push(
        finding(&RULE, cx.span(0, 0), "no `SPDX-License-Identifier` in the header")
            .help("start the file with `# SPDX-License-Identifier: ...`"),
    );
}
