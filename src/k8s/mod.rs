//! Kubernetes manifests checked for their AppArmor settings.
//!
//! The pipeline: manifest text → [`yaml::parse`] (a tree with spans) →
//! [`workload`] (the pod specs in it) → [`checks`] (the rules of
//! `docs/guide/k8s.md`, as the API server, kubelet, container runtime and
//! Pod Security Admission apply them) → diagnostics. [`fix`] rewrites the
//! deprecated annotations as fields, editing only the lines concerned.

pub mod checks;
pub mod fix;
pub mod loader;
pub mod profile;
pub mod profiles;
pub mod workload;
pub mod yaml;

use crate::diag::Diagnostic;
use std::collections::HashMap;

pub use profiles::{Loaded, ProfileSet};

/// A Pod Security Standards level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PssLevel {
    Privileged,
    Baseline,
    Restricted,
}

impl PssLevel {
    pub fn parse(s: &str) -> Option<PssLevel> {
        match s {
            "privileged" => Some(PssLevel::Privileged),
            "baseline" => Some(PssLevel::Baseline),
            "restricted" => Some(PssLevel::Restricted),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PssLevel::Privileged => "privileged",
            PssLevel::Baseline => "baseline",
            PssLevel::Restricted => "restricted",
        }
    }
}

/// A Pod Security Standards policy: a level at a version, enforced
/// (requests are rejected) or only warned about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pss {
    pub level: PssLevel,
    pub version: String,
    pub enforce: bool,
}

/// What the checks compare manifests with.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Profiles declared in the profile tree the nodes load.
    pub profiles: Option<ProfileSet>,
    /// Profiles loaded on a node.
    pub loaded: Option<Loaded>,
    /// A policy for every namespace (`--pss`).
    pub pss: Option<Pss>,
    /// Policies set by the labels of Namespace objects in the input.
    pub namespaces: HashMap<String, Vec<Pss>>,
}

/// Check every object of a parsed stream.
///
/// A finding about the run rather than one manifest (that profiles were
/// not looked up, K0206) is made at each place it concerns; [`finish_run`]
/// keeps one of them for the whole run.
pub fn check(stream: &yaml::Stream, text: &str, opts: &Options) -> Vec<Diagnostic> {
    checks::check_stream(stream, text, opts)
}

/// What a run over many manifests says once: of the findings of every
/// manifest, only the first "profile existence was not checked" stays,
/// saying how many more it stands for.
pub fn finish_run(diags: &mut Vec<Diagnostic>) {
    checks::say_once(diags, crate::diag::code::K8S_PROFILE_UNCHECKED, |n| {
        format!(
            "the same goes for {n} other use{} of a `Localhost` profile in this run",
            if n == 1 { "" } else { "s" }
        )
    });
}

/// The Pod Security labels of the Namespace objects of a stream.
pub fn namespace_policies(stream: &yaml::Stream) -> Vec<(String, Vec<Pss>)> {
    let mut out = Vec::new();
    for doc in &stream.documents {
        for obj in workload::objects(&doc.root) {
            if obj.get("kind").and_then(yaml::Node::as_str) != Some("Namespace") {
                continue;
            }
            let Some(name) = obj.path(&["metadata", "name"]).and_then(yaml::Node::as_str) else {
                continue;
            };
            let labels = obj.path(&["metadata", "labels"]);
            let label = |k: &str| {
                labels
                    .and_then(|l| l.get(&format!("pod-security.kubernetes.io/{k}")))
                    .and_then(yaml::Node::as_str)
            };
            let mut policies = Vec::new();
            for (mode, enforce) in [("enforce", true), ("warn", false)] {
                if let Some(level) = label(mode).and_then(PssLevel::parse) {
                    policies.push(Pss {
                        level,
                        version: label(&format!("{mode}-version"))
                            .unwrap_or("latest")
                            .to_string(),
                        enforce,
                    });
                }
            }
            out.push((name.to_string(), policies));
        }
    }
    out
}
