//! The checks: every rule the API server, the kubelet, the container
//! runtime and Pod Security Admission apply to AppArmor settings, and the
//! mistakes they let through. Messages follow Kubernetes' own
//! `<path>: <Type>: <detail>` form where Kubernetes has one.

use super::profile::{
    ANNOTATION_PREFIX, Field, MAX_PROFILE_LEN, PSP_ALLOWED, PSP_DEFAULT, Profile,
    annotation_value_valid,
};
use super::profiles::Place;
use super::workload::{self, Container, Site};
use super::yaml::{Entry, Node, Stream, Value};
use super::{Options, Pss};
use crate::diag::{Diagnostic, Severity, code};
use crate::source::Span;
use crate::suggest::did_you_mean;
use std::collections::HashSet;

const TYPES: &str = r#""Localhost", "RuntimeDefault", "Unconfined""#;

pub fn check_stream(stream: &Stream, text: &str, opts: &Options) -> Vec<Diagnostic> {
    let mut c = Checker {
        opts,
        text,
        diags: Vec::new(),
        reported: HashSet::new(),
    };
    if let Some(e) = &stream.error {
        c.diags.push(
            Diagnostic::new(code::YAML_ERROR, format!("invalid YAML: {}", e.message))
                .at(e.span, "")
                .note("documents after this point were not checked"),
        );
    }
    for doc in &stream.documents {
        c.duplicate_keys(&doc.root, 0);
        for obj in workload::objects(&doc.root) {
            c.object(obj);
        }
    }
    // the node requirement is the same for every pod: say it once a file
    say_once(&mut c.diags, code::K8S_NODE_APPARMOR, |n| {
        format!("the same holds for the other {n} pod specs of this file that set a profile")
    });
    c.diags
}

/// Keep only the first finding with `code`; `note(n)`, said of the `n`
/// dropped, goes on it.
pub fn say_once(
    diags: &mut Vec<Diagnostic>,
    code: crate::diag::Code,
    note: impl Fn(usize) -> String,
) {
    let total = diags.iter().filter(|d| d.code == code).count();
    if total <= 1 {
        return;
    }
    let mut first = true;
    diags.retain(|d| d.code != code || std::mem::replace(&mut first, false));
    if let Some(d) = diags.iter_mut().find(|d| d.code == code) {
        d.notes.push(note(total - 1));
    }
}

struct Checker<'a> {
    opts: &'a Options,
    text: &'a str,
    diags: Vec<Diagnostic>,
    /// Settings already cross-checked (a pod-level field applies to every
    /// container; say so once).
    reported: HashSet<(Span, &'static str)>,
}

/// A container's AppArmor annotation.
struct Annotation<'a> {
    entry: &'a Entry,
    container: &'a str,
    value: String,
}

/// Where a container's effective profile comes from.
struct Effective<'a> {
    profile: Profile,
    /// The value that sets it: the field's `type`, or the annotation value.
    node: &'a Node,
    /// Where the profile's name is written: `localhostProfile`, or the
    /// annotation value.
    name_node: &'a Node,
}

impl<'a> Effective<'a> {
    fn from_field(f: &Field<'a>) -> Option<Effective<'a>> {
        let node = f.type_node.unwrap_or(f.node);
        Some(Effective {
            profile: f.profile.clone()?,
            node,
            name_node: f.profile_node.unwrap_or(node),
        })
    }
}

impl<'a> Checker<'a> {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn line_of(&self, span: Span) -> usize {
        let end = (span.start as usize).min(self.text.len());
        self.text
            .get(..end)
            .map_or(0, |t| t.bytes().filter(|&b| b == b'\n').count())
            + 1
    }

    /// A key written twice in one mapping: kubectl and Helm reject the
    /// file; tools that accept it keep only the last value.
    fn duplicate_keys(&mut self, n: &Node, depth: usize) {
        if depth > super::yaml::MAX_DEPTH {
            return;
        }
        match &n.value {
            Value::Scalar(_) => {}
            Value::Seq(items) => {
                for i in items {
                    self.duplicate_keys(i, depth + 1);
                }
            }
            Value::Map(entries) => {
                let mut seen: std::collections::HashMap<&str, &Node> =
                    std::collections::HashMap::new();
                for e in entries {
                    if let Some(k) = e.key.as_scalar().map(|s| s.text.as_str()) {
                        if let Some(first) = seen.get(k) {
                            let line = self.line_of(first.span);
                            self.push(
                                Diagnostic::new(
                                    code::YAML_DUPLICATE_KEY,
                                    format!("mapping key \"{k}\" already defined at line {line}"),
                                )
                                .at(e.key.span, "defined again here")
                                .label(first.span, "first defined here")
                                .note("kubectl and Helm reject the file; tools that accept it keep only the last value and silently drop the first")
                                .help(format!("merge the two `{k}` entries into one")),
                            );
                        } else {
                            seen.insert(k, &e.key);
                        }
                    }
                    self.duplicate_keys(&e.value, depth + 1);
                }
            }
        }
    }

    fn object(&mut self, obj: &'a Node) {
        let kind = obj.get("kind").and_then(Node::as_str);
        if kind == Some("PodSecurityPolicy") {
            self.psp(obj);
            return;
        }
        let Some(site) = workload::site(obj) else {
            return;
        };
        let annotations_node = site.meta.and_then(|m| m.get("annotations"));
        self.misplaced(&site, obj, annotations_node, None, 0);
        self.field_placement(&site);
        self.site(&site, annotations_node);
    }

    /// AppArmor annotations anywhere in a workload object other than its
    /// pod's metadata: accepted by the API server, read by nobody.
    fn misplaced(
        &mut self,
        site: &Site<'a>,
        n: &'a Node,
        pod_annotations: Option<&Node>,
        shadowed_by: Option<&Node>,
        depth: usize,
    ) {
        if depth > super::yaml::MAX_DEPTH {
            return;
        }
        match &n.value {
            Value::Scalar(_) => {}
            Value::Seq(items) => {
                for i in items {
                    self.misplaced(site, i, pod_annotations, None, depth + 1);
                }
            }
            Value::Map(entries) => {
                let is_pod_annotations = pod_annotations.is_some_and(|p| std::ptr::eq(p, n));
                for (i, e) in entries.iter().enumerate() {
                    let key = e.key.as_str().unwrap_or("");
                    if !is_pod_annotations && key.starts_with(ANNOTATION_PREFIX) {
                        let right = format!("{}annotations", site.meta_path());
                        let mut d = match shadowed_by {
                            Some(later) => Diagnostic::new(
                                code::K8S_ANNOTATION_NO_EFFECT,
                                format!(
                                    "the AppArmor annotation `{key}` has no effect: its `annotations` block is replaced by the one at line {}",
                                    self.line_of(later.span)
                                ),
                            )
                            .at(e.key.span, "dropped")
                            .label(later.span, "only this block is kept"),
                            None => Diagnostic::new(
                                code::K8S_ANNOTATION_NO_EFFECT,
                                format!(
                                    "the AppArmor annotation `{key}` has no effect here: Kubernetes reads it only from `{right}`"
                                ),
                            )
                            .at(e.key.span, "ignored here"),
                        };
                        // an annotation that confines nothing is an error,
                        // unless the pod already gets what it asks for; one
                        // a duplicate block drops is the duplicate key's
                        // error (K0002) already
                        let asked = e.value.as_str().and_then(Profile::from_annotation);
                        let container = key.strip_prefix(ANNOTATION_PREFIX).unwrap_or("");
                        let redundant = asked
                            .as_ref()
                            .is_some_and(|p| pod_gives(site, container, p));
                        // the fix moves what a workload's own metadata holds
                        let fixable = !site.prefix.is_empty()
                            && site
                                .object
                                .path(&["metadata", "annotations"])
                                .is_some_and(|a| std::ptr::eq(a, n));
                        let by_fix = if fixable {
                            "; `aaprof k8s check --fix` moves it into the pod template"
                        } else {
                            ""
                        };
                        d = if shadowed_by.is_some() {
                            d.with_severity(Severity::Warning)
                                .help("merge the two `annotations` blocks into one")
                        } else if redundant {
                            d.with_severity(Severity::Warning).help(format!(
                                "delete it: the pod spec already gives container `{container}` this profile{}",
                                if fixable { " (`aaprof k8s check --fix` does)" } else { "" }
                            ))
                        } else if site.prefix.is_empty() {
                            d.note("the API server accepts the object, and the pod runs without the profile")
                                .help("move it under the Pod's `metadata.annotations`, or better, use the container's `securityContext.appArmorProfile` field")
                        } else {
                            d.note(format!("the API server accepts the object, and every pod made from it runs without the profile{by_fix}"))
                                .help(format!(
                                    "move it to the pod template's annotations (`{right}`), or better, set the container's `securityContext.appArmorProfile` field in `{}`",
                                    site.spec_path().trim_end_matches('.')
                                ))
                        };
                        self.push(d);
                        continue;
                    }
                    // a key written again later: this value is dropped
                    let later = entries[i + 1..]
                        .iter()
                        .rev()
                        .find(|l| l.key.as_str() == Some(key) && !key.is_empty())
                        .map(|l| &l.key);
                    self.misplaced(site, &e.value, pod_annotations, later, depth + 1);
                }
            }
        }
    }

    /// `appArmorProfile` where the API has no such field, and misspelled
    /// field names: kubectl's strict decoding rejects them; lenient clients
    /// drop them silently.
    fn field_placement(&mut self, site: &Site<'a>) {
        // the securityContext mappings where the field is valid, with the
        // path of their owner
        let mut valid: Vec<(&Node, String)> = Vec::new();
        let spec_path = site.spec_path();
        if let Some(sc) = site.spec.and_then(|s| s.get("securityContext")) {
            valid.push((sc, format!("{spec_path}securityContext")));
        }
        for c in site.containers() {
            if let Some(sc) = c.node.get("securityContext") {
                valid.push((sc, format!("{}.securityContext", c.path(site))));
            }
        }
        for (sc, path) in &valid {
            for e in sc.as_map().unwrap_or_default() {
                let Some(key) = e.key.as_str() else { continue };
                if key == "appArmorProfile" {
                    for f in e.value.as_map().unwrap_or_default() {
                        let Some(fk) = f.key.as_str() else { continue };
                        if fk != "type" && fk != "localhostProfile" {
                            let mut d = Diagnostic::new(
                                code::K8S_UNKNOWN_FIELD,
                                format!("unknown field \"{path}.appArmorProfile.{fk}\""),
                            )
                            .at(f.key.span, "")
                            .note("kubectl rejects the object (strict decoding); lenient clients drop the field silently")
                            .help("`appArmorProfile` has two fields: `type` and `localhostProfile`");
                            if let Some(m) = did_you_mean(fk, ["type", "localhostProfile"]) {
                                d = d.help(format!("did you mean `{m}`?"));
                            }
                            self.push(d);
                        }
                    }
                } else if key.eq_ignore_ascii_case("appArmorProfile")
                    || did_you_mean(key, ["appArmorProfile"]).is_some()
                {
                    self.push(
                        Diagnostic::new(code::K8S_UNKNOWN_FIELD, format!("unknown field \"{path}.{key}\""))
                            .at(e.key.span, "")
                            .note("kubectl rejects the object (strict decoding); lenient clients drop the field silently, leaving the container without the profile")
                            .help("did you mean `appArmorProfile`?"),
                    );
                }
            }
        }
        let root = if site.guessed {
            // only the pod template of a custom resource has a known schema
            site.object.path(&["spec", "template"])
        } else {
            Some(site.object)
        };
        if let Some(root) = root {
            let valid_maps: Vec<&Node> = valid.iter().map(|(n, _)| *n).collect();
            self.stray_fields(site, root, &valid_maps, 0);
        }
    }

    fn stray_fields(&mut self, site: &Site<'a>, n: &'a Node, valid: &[&Node], depth: usize) {
        if depth > super::yaml::MAX_DEPTH {
            return;
        }
        match &n.value {
            Value::Scalar(_) => {}
            Value::Seq(items) => {
                for i in items {
                    self.stray_fields(site, i, valid, depth + 1);
                }
            }
            Value::Map(entries) => {
                let ok_here = valid.iter().any(|v| std::ptr::eq(*v, n));
                for e in entries {
                    if !ok_here && e.key.as_str() == Some("appArmorProfile") {
                        self.push(
                            Diagnostic::new(
                                code::K8S_UNKNOWN_FIELD,
                                "unknown field \"appArmorProfile\" here: it is a field of a pod's or a container's `securityContext`",
                            )
                            .at(e.key.span, "")
                            .note("kubectl rejects the object (strict decoding); lenient clients drop the field silently")
                            .help(format!(
                                "move it under `{}securityContext` (every container) or `{}containers[*].securityContext` (one container)",
                                site.spec_path(),
                                site.spec_path()
                            )),
                        );
                        continue;
                    }
                    self.stray_fields(site, &e.value, valid, depth + 1);
                }
            }
        }
    }

    fn site(&mut self, site: &Site<'a>, annotations_node: Option<&'a Node>) {
        let containers = site.containers();
        let meta_path = format!("{}annotations", site.meta_path());
        let windows = site.windows();

        // ephemeral containers are added to running Pods through their own
        // subresource, never written in a manifest
        if let Some(e) = site.spec.and_then(|s| s.entry("ephemeralContainers"))
            && e.value.as_seq().is_some_and(|s| !s.is_empty())
        {
            let path = format!("{}ephemeralContainers", site.spec_path());
            let detail = if site.template {
                "ephemeral containers not allowed in pod template"
            } else {
                "cannot be set on create"
            };
            self.push(
                Diagnostic::new(code::K8S_EPHEMERAL, format!("{path}: Forbidden: {detail}"))
                    .at(e.key.span, "")
                    .help("remove `ephemeralContainers`; add them to a running Pod with `kubectl debug`"),
            );
        }

        // the annotations
        let mut annotations: Vec<Annotation<'a>> = Vec::new();
        if let Some(entries) = annotations_node.and_then(Node::as_map) {
            for e in entries {
                let Some(key) = e.key.as_str() else { continue };
                if let Some(container) = key.strip_prefix(ANNOTATION_PREFIX) {
                    let value = match &e.value.value {
                        Value::Scalar(s) if s.is_null() => String::new(),
                        Value::Scalar(s) => s.text.clone(),
                        _ => {
                            self.push(
                                Diagnostic::new(
                                    code::MANIFEST_SHAPE,
                                    format!(
                                        "{meta_path}[{key}]: Invalid value: annotation values must be strings, found a {}",
                                        e.value.type_name()
                                    ),
                                )
                                .at(e.key.span, "")
                                .help("write the value as a string: `runtime/default`, `unconfined` or `localhost/<profile>`"),
                            );
                            continue;
                        }
                    };
                    annotations.push(Annotation {
                        entry: e,
                        container,
                        value,
                    });
                } else {
                    self.misspelled(e, key);
                }
            }
        }
        for a in &annotations {
            self.annotation(site, a, &containers, &meta_path);
        }

        // the fields
        let spec_path = site.spec_path();
        let pod_field = site
            .spec
            .and_then(|s| Field::read(s, spec_path.trim_end_matches('.')));
        if let Some(f) = &pod_field {
            self.field(f);
        }
        let container_fields: Vec<Option<Field<'a>>> = containers
            .iter()
            .map(|c| Field::read(c.node, &c.path(site)))
            .collect();
        for f in container_fields.iter().flatten() {
            self.field(f);
        }
        if windows {
            for f in pod_field.iter().chain(container_fields.iter().flatten()) {
                self.push(
                    Diagnostic::new(
                        code::K8S_WINDOWS,
                        format!("{}: Forbidden: cannot be set for a windows pod", f.path),
                    )
                    .at(f.key.span, "")
                    .note("`spec.os.name` is `windows`; AppArmor is a Linux security module")
                    .help("remove `appArmorProfile`"),
                );
            }
        }

        // per container: agreement, deprecation, the effective profile
        let mut effective: Vec<(&Container<'a>, Effective<'a>)> = Vec::new();
        for (c, cfield) in containers.iter().zip(&container_fields) {
            let annotation = c
                .name
                .and_then(|n| annotations.iter().find(|a| a.container == n));
            let field = cfield.as_ref().or(pod_field.as_ref());
            if let Some(a) = annotation {
                let ann_profile = Profile::from_annotation(&a.value);
                match (field, &ann_profile) {
                    (Some(f), Some(ap)) if !windows => self.agree(f, a, ap),
                    (None, Some(ap)) => {
                        self.deprecated(site, a, c, Some(ap), &meta_path);
                    }
                    _ => {}
                }
            }
            // container field, then annotation, then pod field
            let eff = cfield
                .as_ref()
                .and_then(Effective::from_field)
                .or_else(|| {
                    annotation.and_then(|a| {
                        Profile::from_annotation(&a.value).map(|p| Effective {
                            profile: p,
                            node: &a.entry.value,
                            name_node: &a.entry.value,
                        })
                    })
                })
                .or_else(|| pod_field.as_ref().and_then(Effective::from_field));
            if let Some(e) = eff {
                effective.push((c, e));
            }
        }

        if !windows {
            for (c, e) in &effective {
                if let Profile::Localhost(name) = &e.profile {
                    self.cross_check(name, e.name_node, c);
                }
            }
            // one note per pod: any explicit profile but Unconfined needs
            // AppArmor on the node
            if let Some((_, e)) = effective
                .iter()
                .find(|(_, e)| e.profile != Profile::Unconfined)
            {
                self.push(
                    Diagnostic::new(
                        code::K8S_NODE_APPARMOR,
                        format!(
                            "{}: pods that set an AppArmor profile are rejected on nodes without AppArmor (`Cannot enforce AppArmor: AppArmor is not enabled on the host`)",
                            workload::describe(site.object)
                        ),
                    )
                    .at(e.node.span, "")
                    .help("schedule the pod only on nodes with AppArmor enabled (for example with a nodeSelector or node affinity)"),
                );
            }
        }

        self.pod_security(
            site,
            &annotations,
            pod_field.as_ref(),
            &containers,
            &container_fields,
        );
    }

    /// An annotation key that looks like an AppArmor annotation but is not
    /// one Kubernetes reads.
    fn misspelled(&mut self, e: &Entry, key: &str) {
        let lower = key.to_ascii_lowercase();
        if !lower.contains("apparmor") || key == PSP_DEFAULT || key == PSP_ALLOWED {
            return;
        }
        let (domain, name) = match key.split_once('/') {
            Some((d, n)) => (d, Some(n)),
            None => (key, None),
        };
        let prefix = ANNOTATION_PREFIX.trim_end_matches('/');
        let domain_l = domain.to_ascii_lowercase();
        let close = domain_l.contains("kubernetes.io")
            || crate::suggest::edit_distance(&domain_l, prefix) <= 6;
        if !close {
            return;
        }
        let suggestion = format!("{ANNOTATION_PREFIX}{}", name.unwrap_or("<container>"));
        self.push(
            Diagnostic::new(
                code::K8S_ANNOTATION_MISSPELLED,
                format!("`{key}` is not an annotation Kubernetes reads, so it sets no AppArmor profile"),
            )
            .at(e.key.span, "")
            .help(format!("did you mean `{suggestion}`? Better still, use the container's `securityContext.appArmorProfile` field")),
        );
    }

    fn annotation(
        &mut self,
        site: &Site<'a>,
        a: &Annotation<'a>,
        containers: &[Container<'a>],
        meta_path: &str,
    ) {
        let key = a.entry.key.as_str().unwrap_or("");
        // [VAL] ValidatePodTemplateSpec passes the template path itself
        let path = if site.template {
            format!(
                "{}annotations",
                if site.prefix.is_empty() {
                    String::new()
                } else {
                    format!("{}.", site.prefix)
                }
            )
        } else {
            meta_path.to_string()
        };
        if !containers.iter().any(|c| c.name == Some(a.container)) {
            let names: Vec<&str> = containers.iter().filter_map(|c| c.name).collect();
            let mut d = Diagnostic::new(
                code::K8S_CONTAINER_NOT_FOUND,
                format!(
                    "{path}[{key}]: Invalid value: \"{}\": container not found",
                    a.container
                ),
            )
            .at(a.entry.key.span, "no container has this name");
            d = match did_you_mean(a.container, names.iter().copied()) {
                Some(m) => d.help(format!("did you mean `{ANNOTATION_PREFIX}{m}`?")),
                None if names.is_empty() => d.help("the pod spec has no named containers"),
                None => d.help(format!("the pod's containers are: {}", names.join(", "))),
            };
            self.push(d);
        }
        let v = a.value.as_str();
        if !annotation_value_valid(v) {
            let mut d = Diagnostic::new(
                code::K8S_INVALID_PROFILE_NAME,
                format!(
                    "{path}[{key}]: Invalid value: \"{v}\": invalid AppArmor profile name: \"{v}\""
                ),
            )
            .at(a.entry.value.span, "")
            .note("the value must be `runtime/default`, `unconfined` or `localhost/<profile>`");
            let lower = v.to_ascii_lowercase();
            let help = if lower == "runtime/default" || lower == "unconfined" {
                format!("values are case-sensitive: write `{lower}`")
            } else if lower.starts_with("localhost/") {
                // the first ten bytes are ASCII: they match `localhost/`
                format!("values are case-sensitive: write `localhost/{}`", &v[10..])
            } else if let Some(rest) = v
                .strip_prefix("localhost:")
                .or_else(|| v.strip_prefix("localhost"))
            {
                format!("write `localhost/{}`", rest.trim_start_matches('/'))
            } else if matches!(
                v,
                "runtime" | "default" | "RuntimeDefault" | "runtime-default"
            ) {
                "write `runtime/default`".to_string()
            } else if v == "Unconfined" {
                "write `unconfined`".to_string()
            } else {
                format!("to use the profile `{v}` loaded on the node, write `localhost/{v}`")
            };
            d = d.help(help);
            self.push(d);
        } else if v == "localhost/" {
            self.push(
                Diagnostic::new(
                    code::K8S_EMPTY_LOCALHOST,
                    format!("{path}[{key}]: Cannot enforce AppArmor: invalid empty AppArmor profile name: \"{v}\""),
                )
                .at(a.entry.value.span, "")
                .note("the API server accepts this, but the kubelet rejects the pod (reason `AppArmor`)")
                .help("name the profile after the slash: `localhost/<profile>`"),
            );
        }
    }

    fn field(&mut self, f: &Field<'a>) {
        let path = &f.path;
        if f.node.as_map().is_none() {
            self.push(
                Diagnostic::new(
                    code::MANIFEST_SHAPE,
                    format!(
                        "{path}: Invalid value: expected a mapping with `type`, found a {}",
                        f.node.type_name()
                    ),
                )
                .at(f.node.span, ""),
            );
            return;
        }
        let ty = match f.type_node {
            None => {
                self.push(
                    Diagnostic::new(
                        code::K8S_TYPE_REQUIRED,
                        format!("{path}.type: Required value: type is required when appArmorProfile is set"),
                    )
                    .at(f.key.span, "")
                    .help("add `type: RuntimeDefault`, `type: Localhost` (with `localhostProfile`) or `type: Unconfined`"),
                );
                return;
            }
            Some(t) => t,
        };
        let Some(ty_str) = ty.as_scalar().map(|s| s.text.as_str()) else {
            self.push(
                Diagnostic::new(
                    code::MANIFEST_SHAPE,
                    format!(
                        "{path}.type: Invalid value: expected a string, found a {}",
                        ty.type_name()
                    ),
                )
                .at(ty.span, ""),
            );
            return;
        };
        match ty_str {
            "Localhost" => match f.profile_node {
                None => self.push(
                    Diagnostic::new(
                        code::K8S_LOCALHOST_REQUIRED,
                        format!("{path}.localhostProfile: Required value: must be set when AppArmor type is Localhost"),
                    )
                    .at(ty.span, "")
                    .help("add `localhostProfile: <profile>`, the name of a profile loaded on the node"),
                ),
                Some(p) => {
                    let Some(name) = p.as_scalar().map(|s| s.text.as_str()) else {
                        self.push(
                            Diagnostic::new(code::MANIFEST_SHAPE, format!("{path}.localhostProfile: Invalid value: expected a string, found a {}", p.type_name()))
                                .at(p.span, ""),
                        );
                        return;
                    };
                    let trimmed = name.trim();
                    if trimmed != name {
                        self.push(
                            Diagnostic::new(
                                code::K8S_PADDED,
                                format!("{path}.localhostProfile: Invalid value: \"{name}\": must not be padded with whitespace"),
                            )
                            .at(p.span, "")
                            .help(format!("write `localhostProfile: {}`", super::profile::yaml_quote(trimmed))),
                        );
                    } else if name.is_empty() {
                        self.push(
                            Diagnostic::new(
                                code::K8S_LOCALHOST_REQUIRED,
                                format!("{path}.localhostProfile: Required value: must be set when AppArmor type is Localhost"),
                            )
                            .at(p.span, "")
                            .help("name a profile loaded on the node"),
                        );
                    }
                    if name.len() > MAX_PROFILE_LEN {
                        self.push(
                            Diagnostic::new(
                                code::K8S_TOO_LONG,
                                format!("{path}.localhostProfile: Too long: must have at most {MAX_PROFILE_LEN} bytes"),
                            )
                            .at(p.span, format!("{} bytes", name.len())),
                        );
                    }
                }
            },
            "RuntimeDefault" | "Unconfined" => {
                if let Some(p) = f.profile_node {
                    let shown = p.as_str().unwrap_or("");
                    self.push(
                        Diagnostic::new(
                            code::K8S_LOCALHOST_FORBIDDEN,
                            format!("{path}.localhostProfile: Invalid value: \"{shown}\": can only be set when AppArmor type is Localhost"),
                        )
                        .at(p.span, "")
                        .help(format!("set `type: Localhost` to use the profile `{shown}`, or remove `localhostProfile`")),
                    );
                }
            }
            other => {
                let mut d = Diagnostic::new(
                    code::K8S_UNSUPPORTED_TYPE,
                    format!("{path}.type: Unsupported value: \"{other}\": supported values: {TYPES}"),
                )
                .at(ty.span, "");
                if let Some(m) = did_you_mean(other, ["Localhost", "RuntimeDefault", "Unconfined"]) {
                    d = d.help(format!("did you mean `{m}`? (values are case-sensitive)"));
                } else if other.eq_ignore_ascii_case("runtime/default") {
                    d = d.help("the field spells it `RuntimeDefault`");
                }
                self.push(d);
            }
        }
    }

    /// [VAL] validateAppArmorAnnotationsAndFieldsMatchOnCreate.
    fn agree(&mut self, f: &Field<'a>, a: &Annotation<'a>, ap: &Profile) {
        let Some(fp) = &f.profile else { return };
        let key = a.entry.key.as_str().unwrap_or("");
        if fp.type_name() != ap.type_name() {
            let at = f.type_node.map_or(f.key.span, |t| t.span);
            self.push(
                Diagnostic::new(
                    code::K8S_MISMATCH,
                    format!(
                        "{}.type: Forbidden: apparmor type in annotation and field must match",
                        f.path
                    ),
                )
                .at(at, format!("the field says {}", fp.type_name()))
                .label(
                    a.entry.value.span,
                    format!("the annotation says {}", ap.type_name()),
                )
                .help(format!(
                    "remove the annotation `{key}`, or make the two agree"
                )),
            );
        } else if let (Profile::Localhost(fname), Profile::Localhost(aname)) = (fp, ap)
            && fname != aname
        {
            let at = f.profile_node.map_or(f.key.span, |p| p.span);
            self.push(
                Diagnostic::new(
                    code::K8S_MISMATCH,
                    format!("{}.localhostProfile: Forbidden: apparmor profile in annotation and field must match", f.path),
                )
                .at(at, format!("the field names `{fname}`"))
                .label(a.entry.value.span, format!("the annotation names `{aname}`"))
                .help(format!("remove the annotation `{key}`, or make the two agree")),
            );
        }
    }

    fn deprecated(
        &mut self,
        site: &Site<'a>,
        a: &Annotation<'a>,
        c: &Container<'a>,
        p: Option<&Profile>,
        meta_path: &str,
    ) {
        let key = a.entry.key.as_str().unwrap_or("");
        let mut d = Diagnostic::new(
            code::K8S_DEPRECATED_ANNOTATION,
            format!("{meta_path}[{key}]: deprecated since v1.30; use the \"appArmorProfile\" field instead"),
        )
        .at(a.entry.key.span, "");
        if let Some(p) = p {
            d = d.help(format!(
                "set `securityContext.{}` in `{}` (container `{}`); `aaprof k8s check --fix` does this",
                p.field_text(),
                c.path(site),
                a.container
            ));
        }
        self.push(d);
    }

    /// A Localhost profile must exist, be a top-level profile, enforce, and
    /// (for containers) tolerate disconnected paths.
    fn cross_check(&mut self, name: &str, at: &Node, c: &Container<'a>) {
        if !self.reported.insert((at.span, "profile")) {
            return;
        }
        let container = c.name.unwrap_or("?");
        if self.opts.profiles.is_none() && self.opts.loaded.is_none() {
            self.push(
                Diagnostic::new(
                    code::K8S_PROFILE_UNCHECKED,
                    format!("whether the AppArmor profile \"{name}\" exists was not checked"),
                )
                .at(at.span, format!("container `{container}` runs under it"))
                .note("a container whose profile is not loaded on its node fails to start")
                .help("give `--profiles DIR` (the profile tree the nodes load) or `--loaded FILE` (a copy of a node's /sys/kernel/security/apparmor/profiles) to check it"),
            );
        }
        if let Some(set) = &self.opts.profiles {
            match set.by_name.get(name) {
                None => {
                    let d = match set.child_named(name) {
                        Some((full, decl)) => child_diag(name, full, decl, at.span),
                        None => {
                            let mut d = Diagnostic::new(
                                code::K8S_PROFILE_NOT_FOUND,
                                format!("AppArmor profile \"{name}\" is not declared by any profile in the profile tree"),
                            )
                            .at(at.span, format!("container `{container}` runs under it"))
                            .note(format!("containerd fails to create the container: `failed to generate apparmor spec opts: apparmor profile not found {name}`"));
                            d = match did_you_mean(name, set.top_level()) {
                                Some(m) => d.help(format!("did you mean `{m}`?")),
                                None => d.help("Kubernetes matches the name declared after `profile` in the policy, not the file name"),
                            };
                            d
                        }
                    };
                    self.push(d);
                }
                Some(decl) if matches!(decl.place, Place::Child { .. }) => {
                    let d = child_diag(name, name, decl, at.span);
                    self.push(d);
                }
                Some(decl) => {
                    if let Some(problem) = &decl.problem {
                        self.push(
                            Diagnostic::new(
                                code::K8S_PROFILE_FILE_INVALID,
                                format!(
                                    "AppArmor profile \"{name}\" is declared in a file with {} error(s): the container cannot start on a node that loads it",
                                    problem.errors
                                ),
                            )
                            .at(at.span, format!("container `{container}` runs under it"))
                            .label(problem.span, format!("first error: {}", problem.first))
                            .note("apparmor_parser refuses the whole file, so the profile is never loaded and the container runtime fails to create the container")
                            .help("run `aaprof check` on the profile file and fix it"),
                        );
                    }
                    if let Some(mode) = &decl.mode {
                        self.push(
                            Diagnostic::new(
                                code::K8S_PROFILE_NOT_ENFORCING,
                                format!("AppArmor profile \"{name}\" is in {mode} mode: it enforces nothing"),
                            )
                            .at(at.span, format!("container `{container}` runs under it"))
                            .label(decl.span, format!("declared with `flags=({mode})` here"))
                            .help("remove the mode flag once the profile is tested, so that it is enforced"),
                        );
                    }
                    if !decl.attach_disconnected {
                        self.push(
                            Diagnostic::new(
                                code::K8S_NO_ATTACH_DISCONNECTED,
                                format!("AppArmor profile \"{name}\" is used for a container but lacks the `attach_disconnected` flag"),
                            )
                            .at(at.span, format!("container `{container}` runs under it"))
                            .label(decl.span, "declared here")
                            .note("paths outside the container's mount namespace are disconnected; without the flag, access to them is denied with `disconnected path` errors")
                            .help("add `flags=(attach_disconnected)` to the profile"),
                        );
                    }
                }
            }
        }
        if let Some(loaded) = &self.opts.loaded {
            match loaded.modes.get(name) {
                None => {
                    let mut d = Diagnostic::new(
                        code::K8S_PROFILE_NOT_LOADED,
                        format!("AppArmor profile \"{name}\" is not loaded on the node (per `{}`)", loaded.source),
                    )
                    .at(at.span, format!("container `{container}` runs under it"))
                    .note(format!("containerd fails to create the container: `failed to generate apparmor spec opts: apparmor profile not found {name}`"));
                    d = match did_you_mean(name, loaded.top_level()) {
                        Some(m) => d.help(format!("did you mean `{m}`?")),
                        None => d.help("load it on every node the pod can run on (`apparmor_parser -r`, or the Security Profiles Operator)"),
                    };
                    self.push(d);
                }
                Some(mode) if mode != "enforce" => {
                    if self
                        .opts
                        .profiles
                        .as_ref()
                        .is_some_and(|s| s.by_name.get(name).is_some_and(|d| d.mode.is_some()))
                    {
                        return; // already said
                    }
                    self.push(
                        Diagnostic::new(
                            code::K8S_PROFILE_NOT_ENFORCING,
                            format!("AppArmor profile \"{name}\" is loaded in {mode} mode (per `{}`): it enforces nothing", loaded.source),
                        )
                        .at(at.span, format!("container `{container}` runs under it")),
                    );
                }
                Some(_) => {}
            }
        }
    }

    /// Pod Security Standards: baseline and restricted forbid Unconfined.
    fn pod_security(
        &mut self,
        site: &Site<'a>,
        annotations: &[Annotation<'a>],
        pod_field: Option<&Field<'a>>,
        containers: &[Container<'a>],
        container_fields: &[Option<Field<'a>>],
    ) {
        let mut policies: Vec<Pss> = Vec::new();
        if let Some(ns) = workload::namespace(site.object)
            && let Some(p) = self.opts.namespaces.get(ns)
        {
            policies.extend(p.iter().cloned());
        }
        if policies.is_empty()
            && let Some(p) = &self.opts.pss
        {
            policies.push(p.clone());
        }
        let Some(policy) = policies
            .iter()
            .filter(|p| p.level >= super::PssLevel::Baseline)
            .max_by_key(|p| p.enforce)
        else {
            return;
        };
        // (what is wrong, where)
        let mut bad: Vec<(String, Span)> = Vec::new();
        for a in annotations {
            if !(a.value.is_empty()
                || a.value == "runtime/default"
                || a.value.starts_with("localhost/"))
            {
                bad.push((
                    format!(
                        "annotation \"{}{}\"=\"{}\"",
                        ANNOTATION_PREFIX, a.container, a.value
                    ),
                    a.entry.value.span,
                ));
            }
        }
        let unconfined = |f: &Field<'_>| f.type_node.and_then(Node::as_str) == Some("Unconfined");
        if let Some(f) = pod_field.filter(|f| unconfined(f)) {
            bad.push((
                "pod must not set appArmorProfile.type to \"Unconfined\"".into(),
                f.type_node.map_or(f.key.span, |t| t.span),
            ));
        }
        for (c, f) in containers.iter().zip(container_fields) {
            if let Some(f) = f.as_ref().filter(|f| unconfined(f)) {
                bad.push((
                    format!(
                        "container \"{}\" must not set appArmorProfile.type to \"Unconfined\"",
                        c.name.unwrap_or("")
                    ),
                    f.type_node.map_or(f.key.span, |t| t.span),
                ));
            }
        }
        for (what, span) in bad {
            let verb = if site.template {
                "would violate"
            } else {
                "violates"
            };
            let mut d = Diagnostic::new(
                code::K8S_PSS_UNCONFINED,
                format!(
                    "{verb} PodSecurity \"{}:{}\": forbidden AppArmor profile ({what})",
                    policy.level.as_str(),
                    policy.version
                ),
            )
            .at(span, "");
            if !policy.enforce {
                d = d
                    .with_severity(Severity::Warning)
                    .note("the namespace only warns (`pod-security.kubernetes.io/warn`)");
            } else if site.template {
                d = d.note("the API server only warns about a workload's template, but every pod the controller creates from it is rejected");
            }
            d = d.help("use `RuntimeDefault` or a `Localhost` profile; Unconfined needs the `privileged` level");
            self.push(d);
        }
    }

    /// PodSecurityPolicy was removed in Kubernetes 1.25.
    fn psp(&mut self, obj: &'a Node) {
        let at = obj.get("kind").map_or(obj.span, |k| k.span);
        self.push(
            Diagnostic::new(
                code::K8S_PSP_REMOVED,
                format!("{}: PodSecurityPolicy was removed in Kubernetes 1.25; its AppArmor annotations are not applied", workload::describe(obj)),
            )
            .at(at, "")
            .help("use Pod Security Admission (`pod-security.kubernetes.io/enforce: baseline` on the namespace) and set `appArmorProfile` in the pod specs"),
        );
        let Some(ann) = obj.path(&["metadata", "annotations"]) else {
            return;
        };
        for (key, list) in [(PSP_DEFAULT, false), (PSP_ALLOWED, true)] {
            let Some(v) = ann.get(key) else { continue };
            let text = v.as_str().unwrap_or("");
            let values: Vec<&str> = if list {
                text.split(',').collect()
            } else {
                vec![text]
            };
            for value in values {
                if !annotation_value_valid(value) {
                    self.push(
                        Diagnostic::new(
                            code::K8S_INVALID_PROFILE_NAME,
                            format!("metadata.annotations[{key}]: Invalid value: \"{value}\": invalid AppArmor profile name: \"{value}\""),
                        )
                        .with_severity(Severity::Warning)
                        .at(v.span, "")
                        .note("the object is no longer read, so this is only a warning"),
                    );
                }
            }
        }
    }
}

fn child_diag(name: &str, full: &str, decl: &super::profiles::Declared, span: Span) -> Diagnostic {
    let (parent, what) = match &decl.place {
        Place::Child { parent, hat: true } => (parent.as_str(), "a hat"),
        Place::Child { parent, hat: false } => (parent.as_str(), "a child profile"),
        Place::TopLevel => ("", "a profile"),
    };
    Diagnostic::new(
        code::K8S_PROFILE_IS_CHILD,
        format!("AppArmor profile \"{name}\" is {what} of \"{parent}\" (`{full}`); a container can only start in a top-level profile"),
    )
    .at(span, "")
    .label(decl.span, "declared here")
    .help("move the rules into a top-level profile of their own and name that")
}

/// Whether the pod spec of a site gives `container` the profile `p`:
/// its own field, else the pod template's annotation, else the pod's
/// field (the order of [KV] GetProfile).
fn pod_gives(site: &Site<'_>, container: &str, p: &Profile) -> bool {
    let Some(c) = site
        .containers()
        .into_iter()
        .find(|c| c.name == Some(container))
    else {
        return false;
    };
    let spec_path = site.spec_path();
    let effective = Field::read(c.node, &c.path(site))
        .and_then(|f| f.profile)
        .or_else(|| {
            site.meta
                .and_then(|m| m.get("annotations"))
                .and_then(|a| a.get(&format!("{ANNOTATION_PREFIX}{container}")))
                .and_then(Node::as_str)
                .and_then(Profile::from_annotation)
        })
        .or_else(|| {
            site.spec
                .and_then(|s| Field::read(s, spec_path.trim_end_matches('.')))
                .and_then(|f| f.profile)
        });
    effective.as_ref() == Some(p)
}
