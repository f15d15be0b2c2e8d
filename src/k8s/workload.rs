//! Where pod specs live in Kubernetes objects.

use super::yaml::{Node, Value};

/// A pod spec found in an object: a Pod's own, or a workload's template.
#[derive(Debug)]
pub struct Site<'a> {
    pub kind: &'a str,
    pub object: &'a Node,
    /// A template (of a workload or a PodTemplate), not a Pod being created.
    pub template: bool,
    /// The field path of the pod template (`spec.template`), or `""` for a Pod.
    pub prefix: &'static str,
    /// The pod's metadata (`metadata` or `<template>.metadata`).
    pub meta: Option<&'a Node>,
    /// The pod spec.
    pub spec: Option<&'a Node>,
    /// The kind is not a built-in workload; its `spec.template` is read as a
    /// pod template because it has that shape.
    pub guessed: bool,
}

/// One container of a pod spec.
#[derive(Debug)]
pub struct Container<'a> {
    /// `containers`, `initContainers` or `ephemeralContainers`.
    pub group: &'static str,
    pub index: usize,
    pub node: &'a Node,
    pub name: Option<&'a str>,
    pub name_node: Option<&'a Node>,
}

impl Container<'_> {
    /// `spec.containers[0]` under the site's prefix.
    pub fn path(&self, site: &Site<'_>) -> String {
        format!("{}{}[{}]", site.spec_path(), self.group, self.index)
    }
}

impl<'a> Site<'a> {
    /// `spec.` or `spec.template.spec.`.
    pub fn spec_path(&self) -> String {
        format!("{}spec.", self.dotted())
    }

    /// `metadata.` or `spec.template.metadata.`.
    pub fn meta_path(&self) -> String {
        format!("{}metadata.", self.dotted())
    }

    fn dotted(&self) -> String {
        if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}.", self.prefix)
        }
    }

    pub fn containers(&self) -> Vec<Container<'a>> {
        let mut out = Vec::new();
        let Some(spec) = self.spec else {
            return out;
        };
        for group in ["initContainers", "containers", "ephemeralContainers"] {
            let Some(items) = spec.get(group).and_then(Node::as_seq) else {
                continue;
            };
            for (index, node) in items.iter().enumerate() {
                let name_node = node.get("name");
                out.push(Container {
                    group,
                    index,
                    node,
                    name: name_node.and_then(Node::as_str),
                    name_node,
                });
            }
        }
        out
    }

    /// `spec.os.name` is `windows`.
    pub fn windows(&self) -> bool {
        self.spec
            .and_then(|s| s.path(&["os", "name"]))
            .and_then(Node::as_str)
            == Some("windows")
    }
}

/// The objects of a document: the document itself, or the items of a
/// `List` (`v1/List`, `PodList`, ...), recursively.
pub fn objects(root: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    collect(root, &mut out, 0);
    out
}

fn collect<'a>(n: &'a Node, out: &mut Vec<&'a Node>, depth: usize) {
    if depth > 8 {
        return;
    }
    let is_list = n
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k.ends_with("List"));
    match (is_list, n.get("items").map(|i| &i.value)) {
        (true, Some(Value::Seq(items))) => {
            for i in items {
                collect(i, out, depth + 1);
            }
        }
        _ => {
            if n.as_map().is_some() {
                out.push(n);
            }
        }
    }
}

/// Where a kind keeps its pod template, as a field path.
pub fn template_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &[],
        "PodTemplate" => &["template"],
        "ReplicationController"
        | "ReplicaSet"
        | "Deployment"
        | "DaemonSet"
        | "StatefulSet"
        | "Job" => &["spec", "template"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        _ => return None,
    })
}

fn prefix_of(path: &[&str]) -> &'static str {
    match path {
        [] => "",
        ["template"] => "template",
        ["spec", "template"] => "spec.template",
        _ => "spec.jobTemplate.spec.template",
    }
}

/// The pod spec of an object, if it has one.
pub fn site(obj: &Node) -> Option<Site<'_>> {
    let kind = obj.get("kind").and_then(Node::as_str)?;
    let (path, guessed) = match template_path(kind) {
        Some(p) => (p, false),
        // a custom resource (Argo Rollout, OpenKruise CloneSet...) shaped
        // like a workload: its controller makes pods from the template
        None if obj
            .path(&["spec", "template", "spec", "containers"])
            .and_then(Node::as_seq)
            .is_some() =>
        {
            (&["spec", "template"][..], true)
        }
        None => return None,
    };
    let template = if path.is_empty() {
        Some(obj)
    } else {
        obj.path(path)
    };
    Some(Site {
        kind,
        object: obj,
        template: kind != "Pod",
        prefix: prefix_of(path),
        meta: template.and_then(|t| t.get("metadata")),
        spec: template.and_then(|t| t.get("spec")),
        guessed,
    })
}

/// The object's own namespace.
pub fn namespace(obj: &Node) -> Option<&str> {
    obj.path(&["metadata", "namespace"]).and_then(Node::as_str)
}

/// `Kind/name` for messages.
pub fn describe(obj: &Node) -> String {
    let kind = obj.get("kind").and_then(Node::as_str).unwrap_or("object");
    match obj.path(&["metadata", "name"]).and_then(Node::as_str) {
        Some(n) => format!("{kind}/{n}"),
        None => kind.to_string(),
    }
}
