//! The transition graph of a policy: where a confined process can go.
//!
//! Nodes are the profiles, children and hats of the policies given, and
//! where a transition can end outside of them: unconfined, a profile
//! that is not there, any profile at all. Edges are what takes a process
//! from one to another: exec rules (`ix`, `px`, `cx`, `ux`, with their
//! fallbacks and safe or unsafe variants), `change_profile` rules, and
//! stacking (`&` targets). A `px` or `cx` without a target goes to the
//! profiles whose attachment shares a path with the rule's (decided on
//! the patterns, as [`aare::overlap`] decides it). An edge that leaves
//! confinement (to unconfined, to a missing profile, to any profile) is
//! marked, for the renderings to highlight.
//!
//! [`Graph::dot`] writes Graphviz text (clustered by file) and
//! [`Graph::svg`] draws it without Graphviz (laid out by the `layout-rs`
//! crate); [`Graph::reach`] keeps what one profile can reach.

use crate::aare::{self, Literals, Pattern};
use crate::check::file::{ExecBase, ExecMode};
use crate::policy::{Mode, RuleKind};
use crate::resolve::{Outcome, ResolvedProfile};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::ProfileKeyword;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};

#[derive(Debug, Default, Serialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// The profile's full name (`parent//child`), or for a node that is
    /// no profile of the policy: `unconfined`, the name a rule gives, or
    /// `*` (any profile).
    pub name: String,
    pub kind: NodeKind,
    /// Where the profile is defined (none for the other kinds).
    pub at: Option<Location>,
    /// The attachment, variables expanded.
    pub attachment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    Profile,
    Child,
    Hat,
    /// Outside of every profile.
    Unconfined,
    /// A profile a rule names that the policies given do not define.
    Missing,
    /// Any profile (`change_profile` without a target).
    Any,
}

#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    /// Indices of [`Graph::nodes`].
    pub from: usize,
    pub to: usize,
    pub how: How,
    /// The exec mode as written (`Px`, `cix`, ...), or `safe`/`unsafe`
    /// for change_profile where written.
    pub mode: String,
    /// The transition leaves confinement: to unconfined, to a profile
    /// that is not there, or to any profile.
    pub leaves: bool,
    /// Why it goes where it goes, where that is not the rule's own word
    /// (an attachment matched, a fallback taken).
    pub note: Option<String>,
    /// The rules that take it, in reading order.
    pub rules: Vec<Via>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum How {
    Exec,
    ChangeProfile,
    /// To a hat, by change_hat.
    ChangeHat,
    /// A `&` target: the new profile is stacked on the current one.
    Stack,
}

#[derive(Debug, Clone, Serialize)]
pub struct Via {
    /// The rule as written.
    pub rule: String,
    /// The path (or for change_profile, the exec condition) the rule
    /// applies to, variables expanded.
    pub path: Option<String>,
    pub at: Location,
}

/// A profile's attachment as literals and pattern (`None`: it has none).
type Attachment = Option<(Literals, Option<Pattern>)>;

/// The profiles an exec path attaches to.
struct Attached<'a> {
    /// Each profile's attachment.
    attach: &'a [Attachment],
    /// By the path and the profile whose children are meant (`cx`),
    /// else (`px`) the top-level ones.
    matched: HashMap<(String, Option<usize>), Vec<usize>>,
}

/// A profile of the policies, as the graph reads it.
struct Profile<'a> {
    full: String,
    p: &'a ResolvedProfile,
    parent: Option<usize>,
}

impl Graph {
    /// The graph of every profile the outcomes hold (files with errors
    /// are the caller's to leave out).
    pub fn build(outcomes: &[&Outcome], sources: &SourceMap) -> Graph {
        let mut profiles = Vec::new();
        for o in outcomes {
            for p in &o.policy.profiles {
                if !p.synthetic {
                    collect(p, None, &mut profiles);
                }
            }
        }
        let mut g = Graph::default();
        let mut index: HashMap<String, usize> = HashMap::new();
        for pr in &profiles {
            let kind = match (pr.parent, pr.p.keyword) {
                (None, _) => NodeKind::Profile,
                (Some(_), ProfileKeyword::Hat | ProfileKeyword::Caret) => NodeKind::Hat,
                (Some(_), _) => NodeKind::Child,
            };
            index.insert(pr.full.clone(), g.nodes.len());
            g.nodes.push(Node {
                name: pr.full.clone(),
                kind,
                at: Some(location(sources, pr.p.span)),
                attachment: attachment(pr.p),
            });
        }
        let attach: Vec<Attachment> = profiles
            .iter()
            .map(|pr| attachment(pr.p).map(|a| (Literals::of(&a), Pattern::parse(&a).ok())))
            .collect();
        let mut edges: BTreeMap<(usize, usize, How, String), Edge> = BTreeMap::new();
        let mut by_path = Attached {
            attach: &attach,
            matched: HashMap::new(),
        };
        for (i, pr) in profiles.iter().enumerate() {
            if is_hat(pr.p) {
                if let Some(parent) = pr.parent {
                    add(
                        &mut edges,
                        parent,
                        i,
                        How::ChangeHat,
                        "^",
                        false,
                        None,
                        None,
                    );
                }
            }
            for (r, m) in pr.p.rules.iter().zip(&pr.p.model) {
                let Some(m) = m else { continue };
                if m.qualifiers.mode != Mode::Allow {
                    continue;
                }
                let via = || Via {
                    rule: sources
                        .slice(r.span)
                        .trim()
                        .trim_end_matches(',')
                        .trim()
                        .to_string(),
                    path: None,
                    at: location(sources, r.span),
                };
                match &m.kind {
                    RuleKind::File(f) => {
                        let Some(exec) = f.exec else { continue };
                        let mut v = via();
                        v.path = f.path.clone();
                        let ends = g.exec_targets(&profiles, &mut by_path, &index, i, &exec, f);
                        let mode = exec.letters();
                        for (to, how, leaves, note) in ends {
                            add(&mut edges, i, to, how, &mode, leaves, note, Some(v.clone()));
                        }
                    }
                    RuleKind::ChangeProfile(c) => {
                        let mut v = via();
                        v.path = c.exec.clone();
                        let mode = match c.safety {
                            Some(true) => "unsafe",
                            Some(false) => "safe",
                            None => "",
                        };
                        for (to, how, leaves) in
                            g.change_targets(&profiles, &index, c.target.as_deref())
                        {
                            add(&mut edges, i, to, how, mode, leaves, None, Some(v.clone()));
                        }
                    }
                    _ => {}
                }
            }
        }
        g.edges = edges.into_values().collect();
        g
    }

    /// The node named `name`, made if it is not there.
    fn special(&mut self, name: &str, kind: NodeKind) -> usize {
        if let Some(i) = self
            .nodes
            .iter()
            .position(|n| n.name == name && n.kind == kind)
        {
            return i;
        }
        self.nodes.push(Node {
            name: name.to_string(),
            kind,
            at: None,
            attachment: None,
        });
        self.nodes.len() - 1
    }

    /// Where an exec rule of profile `i` can take a process: (node, how,
    /// leaves confinement, note).
    fn exec_targets(
        &mut self,
        profiles: &[Profile],
        by_path: &mut Attached,
        index: &HashMap<String, usize>,
        i: usize,
        exec: &ExecMode,
        f: &crate::policy::file::File,
    ) -> Vec<(usize, How, bool, Option<String>)> {
        let mode = exec.compiled(f.target.is_some());
        let top = profiles[i].parent.map_or(i, |p| top_of(profiles, p));
        match mode.base {
            ExecBase::Inherit => vec![(i, How::Exec, false, None)],
            ExecBase::Unconfined => {
                let u = self.special("unconfined", NodeKind::Unconfined);
                vec![(u, How::Exec, true, None)]
            }
            ExecBase::Profile | ExecBase::Child => {
                let child = mode.base == ExecBase::Child;
                if let Some(t) = &f.target {
                    // the label the compiler gives the kernel: a child's
                    // under the profile's own name; `A//&B` is A and B
                    // stacked, `&B` the profile itself and B
                    let label = if child {
                        format!("{}//{t}", profiles[i].full)
                    } else {
                        t.clone()
                    };
                    let how = if label.starts_with('&') || label.contains("//&") {
                        How::Stack
                    } else {
                        How::Exec
                    };
                    let mut out = Vec::new();
                    for name in label.trim_start_matches('&').split("//&") {
                        if how == How::Stack && name == profiles[i].full {
                            continue; // the profile itself stays
                        }
                        match index.get(name) {
                            Some(&to) => out.push((to, how, false, None)),
                            None => {
                                let (to, leaves, note) = self.fallback(&mode, i, name);
                                out.push((to, how, leaves, note));
                            }
                        }
                    }
                    return out;
                }
                // the profiles whose attachment shares a path with the rule's
                let path = f.path.as_deref().unwrap_or("/{**,}");
                let scope = child.then_some(top);
                let key = (path.to_string(), scope);
                let attach = by_path.attach;
                let matched = by_path.matched.entry(key).or_insert_with(|| {
                    let lit = Literals::of(path);
                    let Ok(pat) = Pattern::parse(path) else {
                        return Vec::new();
                    };
                    (0..attach.len())
                        .filter(|&j| match scope {
                            Some(top) => profiles[j].parent == Some(top) && !is_hat(profiles[j].p),
                            None => profiles[j].parent.is_none(),
                        })
                        .filter(|&j| {
                            matches!(&attach[j], Some((la, Some(pa)))
                                if lit.may_overlap(la) && aare::overlap(&pat, pa).is_some())
                        })
                        .collect()
                });
                let mut out: Vec<(usize, How, bool, Option<String>)> = matched
                    .iter()
                    .map(|&j| (j, How::Exec, false, None))
                    .collect();
                if out.is_empty() {
                    let what = if child {
                        format!("no child of `{}` attaches to the path", profiles[top].full)
                    } else {
                        "no profile given attaches to the path".to_string()
                    };
                    let (to, leaves, note) = self.fallback(&mode, i, &what);
                    out.push((to, How::Exec, leaves, note));
                }
                out
            }
        }
    }

    /// Where a `px`/`cx` goes when its profile is not there: its fallback
    /// (`pix` inherits, `pux` runs unconfined), else nowhere the policy
    /// defines (the kernel refuses the exec).
    fn fallback(
        &mut self,
        mode: &ExecMode,
        i: usize,
        missing: &str,
    ) -> (usize, bool, Option<String>) {
        match mode.fallback {
            Some(ExecBase::Inherit) => (i, false, Some(format!("{missing}: inherits"))),
            Some(ExecBase::Unconfined) => (
                self.special("unconfined", NodeKind::Unconfined),
                true,
                Some(format!("{missing}: runs unconfined")),
            ),
            _ => (self.special(missing, NodeKind::Missing), true, None),
        }
    }

    /// Where a change_profile rule can go: (node, how, leaves).
    fn change_targets(
        &mut self,
        profiles: &[Profile],
        index: &HashMap<String, usize>,
        target: Option<&str>,
    ) -> Vec<(usize, How, bool)> {
        let Some(t) = target else {
            return vec![(self.special("*", NodeKind::Any), How::ChangeProfile, true)];
        };
        let (stack, name) = match t.strip_prefix('&') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let how = if stack {
            How::Stack
        } else {
            How::ChangeProfile
        };
        if name == "unconfined" {
            return vec![(self.special("unconfined", NodeKind::Unconfined), how, true)];
        }
        if let Some(&to) = index.get(name) {
            return vec![(to, how, false)];
        }
        let matched: Vec<usize> = match Pattern::parse(name) {
            Ok(p) if !p.is_literal() => profiles
                .iter()
                .enumerate()
                .filter(|(_, pr)| p.matches(&pr.full))
                .map(|(j, _)| j)
                .collect(),
            _ => Vec::new(),
        };
        if matched.is_empty() {
            return vec![(self.special(name, NodeKind::Missing), how, true)];
        }
        matched.into_iter().map(|j| (j, how, false)).collect()
    }

    /// What the profile `from` can reach in at most `depth` transitions
    /// (every one without a depth); `None` when there is no such profile.
    pub fn reach(&self, from: &str, depth: Option<usize>) -> Option<Graph> {
        let start = self
            .nodes
            .iter()
            .position(|n| n.name == from && n.at.is_some())?;
        let mut dist = vec![usize::MAX; self.nodes.len()];
        dist[start] = 0;
        let mut queue = VecDeque::from([start]);
        while let Some(n) = queue.pop_front() {
            if depth.is_some_and(|d| dist[n] >= d) {
                continue;
            }
            for e in self.edges.iter().filter(|e| e.from == n) {
                if dist[e.to] == usize::MAX {
                    dist[e.to] = dist[n] + 1;
                    queue.push_back(e.to);
                }
            }
        }
        let mut renumber = vec![usize::MAX; self.nodes.len()];
        let mut g = Graph::default();
        for (i, n) in self.nodes.iter().enumerate() {
            if dist[i] != usize::MAX {
                renumber[i] = g.nodes.len();
                g.nodes.push(n.clone());
            }
        }
        for e in &self.edges {
            let (f, t) = (renumber[e.from], renumber[e.to]);
            if f != usize::MAX && t != usize::MAX && dist[e.from] < depth.unwrap_or(usize::MAX) {
                g.edges.push(Edge {
                    from: f,
                    to: t,
                    ..e.clone()
                });
            }
        }
        Some(g)
    }

    /// The edge's label: its mode and the paths (or rules) that take it,
    /// the first few of them.
    pub fn label(e: &Edge) -> String {
        const SHOWN: usize = 3;
        let mut words: Vec<String> = Vec::new();
        for v in e.rules.iter().take(SHOWN) {
            words.push(written_path(&v.rule));
        }
        if e.rules.len() > SHOWN {
            words.push(format!("and {} more", e.rules.len() - SHOWN));
        }
        let head = match e.how {
            How::ChangeHat => "change_hat".to_string(),
            How::ChangeProfile => format!("change_profile {}", e.mode).trim_end().to_string(),
            How::Stack => format!("stack {}", e.mode).trim_end().to_string(),
            How::Exec => e.mode.clone(),
        };
        let mut s = head;
        for w in words {
            s.push('\n');
            s.push_str(&w);
        }
        if let Some(n) = &e.note {
            s.push('\n');
            s.push('(');
            s.push_str(n);
            s.push(')');
        }
        s
    }

    /// Graphviz text: profiles clustered by the file that defines them,
    /// what leaves confinement in red.
    pub fn dot(&self) -> String {
        let mut out = String::from(
            "digraph aaprof {\n  rankdir=LR;\n  node [shape=box, fontsize=11];\n  edge [fontsize=9];\n",
        );
        let mut by_file: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut loose = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            match &n.at {
                Some(at) => by_file.entry(&at.file).or_default().push(i),
                None => loose.push(i),
            }
        }
        for (k, (file, nodes)) in by_file.iter().enumerate() {
            out.push_str(&format!(
                "  subgraph cluster_{k} {{\n    label={};\n    style=dashed;\n",
                quote(file)
            ));
            for &i in nodes {
                out.push_str(&format!("    {}\n", self.node_line(i)));
            }
            out.push_str("  }\n");
        }
        for i in loose {
            out.push_str(&format!("  {}\n", self.node_line(i)));
        }
        for e in &self.edges {
            let mut attrs = vec![format!("label={}", quote(&Graph::label(e)))];
            if e.leaves {
                attrs.push("color=red".into());
                attrs.push("fontcolor=red".into());
                attrs.push("penwidth=2".into());
            }
            if matches!(e.how, How::ChangeProfile | How::ChangeHat | How::Stack) {
                attrs.push("style=dashed".into());
            }
            out.push_str(&format!(
                "  n{} -> n{} [{}];\n",
                e.from,
                e.to,
                attrs.join(", ")
            ));
        }
        out.push_str("}\n");
        out
    }

    fn node_line(&self, i: usize) -> String {
        let n = &self.nodes[i];
        let mut label = display_name(n);
        if let Some(a) = &n.attachment {
            if *a != n.name {
                label.push('\n');
                label.push_str(&shorten(a, 60));
            }
        }
        let style = match n.kind {
            NodeKind::Profile => "",
            NodeKind::Child => ", style=rounded",
            NodeKind::Hat => ", style=\"rounded,dashed\"",
            NodeKind::Unconfined => ", shape=octagon, color=red, fontcolor=red",
            NodeKind::Missing => ", shape=octagon, color=red, fontcolor=red, style=dashed",
            NodeKind::Any => ", shape=doubleoctagon, color=red, fontcolor=red",
        };
        format!("n{i} [label={}{style}];", quote(&label))
    }

    /// An SVG drawing of the graph, laid out without Graphviz (by the
    /// `layout-rs` crate, from [`Graph::dot`]). `Err` says why it could
    /// not be drawn.
    pub fn svg(&self) -> Result<String, String> {
        if self.nodes.is_empty() {
            // the layout crate cannot lay out nothing
            return Ok(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"0\" height=\"0\"></svg>".into(),
            );
        }
        let dot = self.dot_for_layout();
        // the layout crate is not ours: a panic in it is an error here
        std::panic::catch_unwind(|| {
            let mut parser = layout::gv::DotParser::new(&dot);
            let ast = parser.process()?;
            let mut builder = layout::gv::GraphBuilder::new();
            builder.visit_graph(&ast);
            let mut vg = builder.get();
            let mut svg = layout::backends::svg::SVGWriter::new();
            vg.do_it(false, false, false, &mut svg);
            Ok(svg.finalize())
        })
        .map_err(|_| "the layout of the graph failed".to_string())?
    }

    /// [`Graph::dot`] as the layout crate reads it: no clusters (it has
    /// none), each node labelled with its file instead; left to right.
    fn dot_for_layout(&self) -> String {
        let mut out = String::from("digraph aaprof {\n  rankdir=LR;\n");
        for (i, n) in self.nodes.iter().enumerate() {
            let mut label = display_name(n);
            if let Some(a) = &n.attachment {
                if *a != n.name {
                    label.push('\n');
                    label.push_str(&shorten(a, 48));
                }
            }
            if let (Some(at), NodeKind::Profile) = (&n.at, n.kind) {
                label.push('\n');
                label.push('[');
                label.push_str(at.file.rsplit('/').next().unwrap_or(&at.file));
                label.push(']');
            }
            let style = match n.kind {
                NodeKind::Profile => " shape=box",
                // (named colours: the layout crate reads no short hex)
                NodeKind::Child | NodeKind::Hat => " shape=box fillcolor=aliceblue",
                NodeKind::Unconfined | NodeKind::Missing | NodeKind::Any => {
                    " shape=box color=red fillcolor=mistyrose"
                }
            };
            out.push_str(&format!("  n{i} [label={}{style}];\n", quote(&label)));
        }
        for e in &self.edges {
            let mut attrs = format!("label={}", quote(&Graph::label(e)));
            if e.leaves {
                attrs.push_str(" color=red penwidth=2");
            }
            if matches!(e.how, How::ChangeProfile | How::ChangeHat | How::Stack) {
                attrs.push_str(" style=dashed");
            }
            out.push_str(&format!("  n{} -> n{} [{attrs}];\n", e.from, e.to));
        }
        out.push_str("}\n");
        out
    }
}

#[allow(clippy::too_many_arguments)]
fn add(
    edges: &mut BTreeMap<(usize, usize, How, String), Edge>,
    from: usize,
    to: usize,
    how: How,
    mode: &str,
    leaves: bool,
    note: Option<String>,
    via: Option<Via>,
) {
    let e = edges
        .entry((from, to, how, mode.to_string()))
        .or_insert_with(|| Edge {
            from,
            to,
            how,
            mode: mode.to_string(),
            leaves,
            note: note.clone(),
            rules: Vec::new(),
        });
    e.leaves |= leaves;
    if e.note.is_none() {
        e.note = note;
    }
    if let Some(v) = via {
        e.rules.push(v);
    }
}

fn collect<'a>(p: &'a ResolvedProfile, parent: Option<usize>, out: &mut Vec<Profile<'a>>) {
    let full = match parent {
        Some(i) => format!("{}//{}", out[i].full, p.name),
        None => p.name.clone(),
    };
    let me = out.len();
    out.push(Profile { full, p, parent });
    for c in &p.children {
        collect(c, Some(me), out);
    }
}

/// A node's name as drawn: what a node that is no profile stands for.
fn display_name(n: &Node) -> String {
    match n.kind {
        NodeKind::Any => "* (any profile)".into(),
        NodeKind::Missing => format!("{}\n(not defined)", n.name),
        _ => n.name.clone(),
    }
}

fn is_hat(p: &ResolvedProfile) -> bool {
    matches!(p.keyword, ProfileKeyword::Hat | ProfileKeyword::Caret)
}

fn top_of(profiles: &[Profile], mut i: usize) -> usize {
    while let Some(p) = profiles[i].parent {
        i = p;
    }
    i
}

/// The paths a profile attaches to: its attachment, or its name where
/// that is a path.
fn attachment(p: &ResolvedProfile) -> Option<String> {
    p.attachment
        .clone()
        .or_else(|| p.name.starts_with('/').then(|| p.name.clone()))
}

/// The path of an exec rule as written (its first word that is not a
/// qualifier), or the rule itself.
fn written_path(rule: &str) -> String {
    let words: Vec<&str> = rule.split_whitespace().collect();
    let path = words
        .iter()
        .find(|w| w.starts_with('/') || w.starts_with('@') || w.starts_with('"'));
    shorten(path.copied().unwrap_or(rule), 60)
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{cut}…")
}

fn location(sources: &SourceMap, span: Span) -> Location {
    let (file, line, column) = sources.place(span);
    Location { file, line, column }
}

/// A Graphviz string.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
