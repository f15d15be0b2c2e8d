//! A YAML document tree that keeps where every node was written.
//!
//! Built from saphyr-parser's events (which carry start and end markers) so
//! that every finding about a manifest can point at the key or value it is
//! about. Only what manifests need is modelled: mappings (in written order,
//! duplicates kept and reported), sequences and scalars; anchors and aliases
//! are resolved by copying, and `<<` merge keys are applied as Kubernetes'
//! YAML reader (go-yaml) applies them.

use crate::source::{FileId, Span};
use saphyr_parser::{Event, Parser, ScalarStyle};

/// Documents nested deeper than this are refused rather than walked.
pub const MAX_DEPTH: usize = 256;
/// Alias expansion beyond this many nodes is refused (the "billion laughs").
const MAX_ALIAS_NODES: usize = 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    pub text: String,
    pub style: Style,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    Block,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    /// Written in flow style (`{...}`, `[...]`): fixes do not edit these.
    pub flow: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// One document of a stream.
#[derive(Clone, Debug)]
pub struct Document {
    pub root: Node,
    pub span: Span,
}

/// A problem reading the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub span: Span,
    pub message: String,
}

/// The documents read and, if the stream is malformed, the first problem
/// (documents after it are not read).
#[derive(Debug, Default)]
pub struct Stream {
    pub documents: Vec<Document>,
    pub error: Option<YamlError>,
}

impl Node {
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar that is not null.
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar()
            .filter(|s| !s.is_null())
            .map(|s| s.text.as_str())
    }

    /// Is this `null`, `~` or nothing at all?
    pub fn is_null(&self) -> bool {
        self.as_scalar().is_some_and(Scalar::is_null)
    }

    /// The entry for `key` in a mapping. With duplicate keys the last one
    /// wins, as in the Kubernetes tools that tolerate them.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?
            .iter()
            .rev()
            .find(|e| e.key.as_str() == Some(key))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Follow a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// A short name of the node's type for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar(s) if s.is_null() => "null",
            Value::Scalar(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "mapping",
        }
    }
}

impl Scalar {
    pub fn is_null(&self) -> bool {
        self.style == Style::Plain
            && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }
}

/// Read every document of a YAML stream.
pub fn parse(text: &str, file: FileId) -> Stream {
    let offsets = CharOffsets::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder {
        file,
        text,
        stack: Vec::new(),
        anchors: std::collections::HashMap::new(),
        copied: 0,
        doc_start: 0,
        pending_doc: None,
    };
    let mut stream = Stream::default();
    while let Some(ev) = parser.next_event() {
        match ev {
            Ok((Event::StreamEnd, _)) => break,
            Ok((ev, span)) => {
                let start = offsets.byte(span.start.index());
                let end = offsets.byte(span.end.index());
                match builder.event(ev, start, end) {
                    Ok(Some(doc)) => stream.documents.push(doc),
                    Ok(None) => {}
                    Err(message) => {
                        stream.error = Some(YamlError {
                            span: Span::new(file, start, end.max(start)),
                            message,
                        });
                        break;
                    }
                }
            }
            Err(e) => {
                let at = offsets.byte(e.marker().index());
                stream.error = Some(YamlError {
                    span: Span::new(file, at, at),
                    message: e.info().to_string(),
                });
                break;
            }
        }
    }
    stream
}

/// Character index → byte offset (saphyr's markers count characters).
struct CharOffsets {
    /// Byte offset of each character, or empty when the text is ASCII.
    table: Vec<u32>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> CharOffsets {
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i as u32).collect()
        };
        CharOffsets {
            table,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.table.is_empty() {
            char_index.min(self.len)
        } else {
            self.table.get(char_index).map_or(self.len, |&b| b as usize)
        }
    }
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        flow: bool,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        flow: bool,
        entries: Vec<Entry>,
        key: Option<Node>,
    },
}

struct Builder<'a> {
    file: FileId,
    text: &'a str,
    stack: Vec<Frame>,
    anchors: std::collections::HashMap<usize, Node>,
    copied: usize,
    doc_start: usize,
    pending_doc: Option<Node>,
}

impl Builder<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn event(
        &mut self,
        ev: Event<'_>,
        start: usize,
        end: usize,
    ) -> Result<Option<Document>, String> {
        match ev {
            Event::StreamStart | Event::Nothing | Event::StreamEnd => {}
            Event::DocumentStart(_) => {
                self.doc_start = start;
                self.pending_doc = None;
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                let root = self.pending_doc.take();
                return Ok(root.map(|root| Document {
                    span: self.span(self.doc_start, root.span.end as usize),
                    root,
                }));
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| "alias to an unknown anchor".to_string())?;
                self.copied += count_nodes(&node);
                if self.copied > MAX_ALIAS_NODES {
                    return Err("aliases expand to too many nodes".into());
                }
                self.add(node)?;
            }
            Event::Scalar(text, style, anchor, _tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    _ => Style::Block,
                };
                let flow = self.in_flow();
                // saphyr's span of a quoted scalar runs on past the closing
                // quote (over blanks and a comment): end it at the quote
                let end = if style == Style::Quoted {
                    quoted_end(self.text, start).unwrap_or(end)
                } else {
                    end
                };
                let node = Node {
                    value: Value::Scalar(Scalar {
                        text: text.into_owned(),
                        style,
                    }),
                    span: self.span(start, end),
                    flow,
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.add(node)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.push(Frame::Seq {
                    start,
                    anchor,
                    flow: self.starts_flow(start, '['),
                    items: Vec::new(),
                })?;
            }
            Event::MappingStart(anchor, _) => {
                self.push(Frame::Map {
                    start,
                    anchor,
                    flow: self.starts_flow(start, '{'),
                    entries: Vec::new(),
                    key: None,
                })?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = self.stack.pop().ok_or("unbalanced YAML events")?;
                let node = match frame {
                    Frame::Seq {
                        start: s,
                        anchor,
                        flow,
                        items,
                    } => {
                        let e = items.last().map_or(end.max(s), |n| n.span.end as usize);
                        let e = if flow { end.max(e) } else { e };
                        (
                            anchor,
                            Node {
                                value: Value::Seq(items),
                                span: self.span(s, e),
                                flow,
                            },
                        )
                    }
                    Frame::Map {
                        start: s,
                        anchor,
                        flow,
                        entries,
                        key,
                    } => {
                        if key.is_some() {
                            return Err("mapping ended before the value of its last key".into());
                        }
                        let e = entries
                            .last()
                            .map_or(end.max(s), |n| n.value.span.end as usize);
                        let e = if flow { end.max(e) } else { e };
                        (
                            anchor,
                            Node {
                                value: Value::Map(merge_keys(entries)),
                                span: self.span(s, e),
                                flow,
                            },
                        )
                    }
                };
                let (anchor, node) = node;
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.add(node)?;
            }
        }
        Ok(None)
    }

    fn in_flow(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame::Seq { flow: true, .. } | Frame::Map { flow: true, .. })
        )
    }

    /// Flow collections start at their bracket; block ones at their first
    /// item or key.
    fn starts_flow(&self, start: usize, bracket: char) -> bool {
        self.in_flow() || self.text.as_bytes().get(start) == Some(&(bracket as u8))
    }

    fn push(&mut self, frame: Frame) -> Result<(), String> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn add(&mut self, node: Node) -> Result<(), String> {
        match self.stack.last_mut() {
            None => self.pending_doc = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => {
                    if !matches!(node.value, Value::Scalar(_)) {
                        return Err(
                            "a mapping key must be a plain value, not a list or mapping".into()
                        );
                    }
                    *key = Some(node);
                }
                Some(k) => entries.push(Entry {
                    key: k,
                    value: node,
                }),
            },
        }
        Ok(())
    }
}

/// The end (after the closing quote) of the quoted scalar at `start`.
fn quoted_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(start)?;
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn count_nodes(n: &Node) -> usize {
    1 + match &n.value {
        Value::Scalar(_) => 0,
        Value::Seq(s) => s.iter().map(count_nodes).sum(),
        Value::Map(m) => m.iter().map(|e| 1 + count_nodes(&e.value)).sum(),
    }
}

/// Apply `<<` merge keys: entries of the merged mappings that the mapping
/// does not set itself are added after its own.
fn merge_keys(entries: Vec<Entry>) -> Vec<Entry> {
    if !entries.iter().any(|e| {
        e.key.as_str() == Some("<<") && e.key.as_scalar().is_some_and(|s| s.style == Style::Plain)
    }) {
        return entries;
    }
    let (merges, mut own): (Vec<Entry>, Vec<Entry>) = entries
        .into_iter()
        .partition(|e| e.key.as_str() == Some("<<"));
    for m in merges {
        let sources: Vec<&Node> = match &m.value.value {
            Value::Map(_) => vec![&m.value],
            Value::Seq(items) => items.iter().collect(),
            Value::Scalar(_) => Vec::new(),
        };
        for src in sources {
            for e in src.as_map().unwrap_or_default() {
                if !own.iter().any(|o| o.key.as_str() == e.key.as_str()) {
                    own.push(e.clone());
                }
            }
        }
    }
    own
}

#[cfg(test)]
mod tests;
