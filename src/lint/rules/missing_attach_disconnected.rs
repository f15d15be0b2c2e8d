//! ## What it does
//! Flags a profile meant for containers — its name mentions a container
//! runtime or orchestrator (`docker`, `containerd`, `podman`, `cri-o`,
//! `k8s`, `kube`, `lxc`, `runc`, `crun`, `container`) — without the
//! `attach_disconnected` flag.
//!
//! ## Why is this bad?
//! Inside a container, files are reached through paths that are not
//! connected to the host's root (mount namespaces, pivot_root). Without
//! `attach_disconnected` the kernel cannot name them, and access fails with
//! "Failed name lookup - disconnected path", breaking the workload in ways
//! no file rule can fix.
//!
//! ## Example
//! ```apparmor
//! profile k8s-nginx flags=(mediate_deleted) {
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile k8s-nginx flags=(mediate_deleted, attach_disconnected) {
//! }
//! ```
//!
//! ## Fix safety
//! Unsafe: the flag changes how the kernel names files.

use crate::diag::Diagnostic;
use crate::lint::fix::edit;
use crate::lint::{Context, finding};
use crate::syntax::ast::Elem;

rule!("L109", "missing-attach-disconnected", Correctness, Warning, true, Unsafe);

const WORDS: &[&str] = &[
    "docker", "containerd", "podman", "crio", "cri-o", "k8s", "kube", "lxc", "runc", "crun",
    "container",
];

/// Whether a profile name suggests the profile confines containers.
pub fn is_container_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let base = lower.rsplit('/').next().unwrap_or(&lower);
    WORDS.iter().any(|w| base.contains(w))
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for p in crate::lint::facts::ast_profiles(&cx.ast.items) {
        if !is_container_name(&p.name.text) {
            continue;
        }
        let flags: Vec<&crate::syntax::ast::Word> = p
            .header
            .iter()
            .flat_map(|e| match e {
                Elem::Flags { values, .. } => values.iter().collect(),
                _ => Vec::new(),
            })
            .collect();
        if flags.iter().any(|f| f.text.starts_with("attach_disconnected")) {
            continue;
        }
        // flags are not inherited: a child profile named for a container
        // runtime is reported on its own
        if !cx.is_local(p.name.span) {
            continue;
        }
        let edit = match flags.last() {
            Some(last) => edit::replace(
                cx.span(last.span.end as usize, last.span.end as usize),
                ", attach_disconnected",
            ),
            None => edit::replace(
                cx.span(p.open.start as usize, p.open.start as usize),
                "flags=(attach_disconnected) ",
            ),
        };
        let mut d = finding(
            &RULE,
            p.name.span,
            format!(
                "profile `{}` looks meant for containers but lacks `attach_disconnected`",
                p.name.text
            ),
        )
        .note("paths inside a container are often disconnected from the host's root; without the flag, access fails with \"Failed name lookup - disconnected path\"")
        .help("add `attach_disconnected` to the profile's flags");
        d.fix = Some(edit::unsafe_("add `attach_disconnected`", vec![edit]));
        out.push(d);
    }
}
