//! `aaprof lsp`: a Language Server Protocol server. One main loop reads
//! the client's messages in order; the documents the editor has open are
//! kept as the editor has them, and every analysis reads the include tree
//! through a [`Vfs`] that overlays those buffers on the disk, so an unsaved
//! change to an abstraction re-diagnoses the open profiles that include
//! it. What it answers, and from where:
//!
//! - diagnostics: everything `aaprof lint` reports for the file, with its
//!   `aaprof.toml` and suppressions (see [`analysis`]);
//! - code actions: every fix a finding carries (safe ones marked
//!   preferred, unsafe ones labelled), and a suppression comment;
//! - formatting: the document through `aaprof fmt`;
//! - hover: the documentation of the findings at the position;
//! - document symbols: profiles, children and hats.
//!
//! A request that panics is answered with an error and the server goes
//! on.

mod analysis;
pub mod position;

use crate::resolve;
use crate::vfs::Vfs;
use analysis::Analysis;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lt;
use position::{Encoding, LineMap, path_of};
use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;

/// Why the server stopped before the client said `exit`.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("language server protocol: {0}")]
    Protocol(#[from] lsp_server::ProtocolError),
    #[error("the client's connection closed")]
    Closed,
}

/// The include path and kernel features documents are checked with when
/// neither the client's initialisation options nor an `aaprof.toml` say
/// otherwise (the command line's `-I`, `-b` and `-M`).
#[derive(Clone, Debug)]
pub struct Defaults {
    pub options: resolve::Options,
}

/// The client's initialisation options (all optional): `include` (the
/// `-I` directories) and `base` (`-b`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct InitOptions {
    include: Vec<PathBuf>,
    base: Option<PathBuf>,
}

/// A document the editor has open.
struct Doc {
    uri: lt::Uri,
    /// The path the document is checked as (its own for a `file:` URI).
    path: Option<PathBuf>,
    version: i32,
    text: String,
    analysis: Option<Analysis>,
}

struct Server<'c> {
    conn: &'c Connection,
    encoding: Encoding,
    options: resolve::Options,
    docs: BTreeMap<String, Doc>,
}

/// Serve `conn` until the client says `exit` (after `shutdown`).
pub fn serve(conn: &Connection, defaults: Defaults) -> Result<(), ServeError> {
    let (id, params) = conn.initialize_start()?;
    let params: lt::InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let encoding = negotiate(&params);
    let init: InitOptions = params
        .initialization_options
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let mut options = defaults.options;
    options.search.include_dirs.extend(init.include);
    if let Some(b) = init.base {
        options.search.base_dir = b;
    }
    let result = lt::InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(lt::ServerInfo {
            name: "aaprof".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    conn.initialize_finish(id, serde_json::to_value(result).unwrap_or_default())?;
    let mut server = Server {
        conn,
        encoding,
        options,
        docs: BTreeMap::new(),
    };
    for msg in &conn.receiver {
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req)? {
                    return Ok(());
                }
                server.request(req);
            }
            Message::Notification(n) => {
                if n.method == "exit" {
                    return Ok(());
                }
                server.notification(n);
            }
            Message::Response(_) => {}
        }
    }
    Err(ServeError::Closed)
}

/// UTF-8 when the client offers it, else UTF-16 (the protocol's default).
fn negotiate(params: &lt::InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    if offered.is_some_and(|v| v.contains(&lt::PositionEncodingKind::UTF8)) {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    }
}

fn capabilities(encoding: Encoding) -> lt::ServerCapabilities {
    lt::ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => lt::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lt::PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(lt::TextDocumentSyncCapability::Options(
            lt::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lt::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lt::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        code_action_provider: Some(lt::CodeActionProviderCapability::Options(
            lt::CodeActionOptions {
                code_action_kinds: Some(vec![lt::CodeActionKind::QUICKFIX]),
                ..Default::default()
            },
        )),
        document_formatting_provider: Some(lt::OneOf::Left(true)),
        hover_provider: Some(lt::HoverProviderCapability::Simple(true)),
        document_symbol_provider: Some(lt::OneOf::Left(true)),
        ..Default::default()
    }
}

impl Server<'_> {
    fn send(&self, msg: impl Into<Message>) {
        // a closed connection ends the loop on the next receive
        let _ = self.conn.sender.send(msg.into());
    }

    fn request(&mut self, req: Request) {
        let id = req.id.clone();
        let method = req.method.clone();
        let answer = std::panic::catch_unwind(AssertUnwindSafe(|| self.answer(req)));
        let response = match answer {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err(e)) => Response::new_err(id, e.0 as i32, e.1),
            Err(panic) => {
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("aaprof panicked answering {method}: {why}"),
                )
            }
        };
        self.send(response);
    }

    fn answer(&mut self, req: Request) -> Result<serde_json::Value, (ErrorCode, String)> {
        fn params<P: serde::de::DeserializeOwned>(req: Request) -> Result<P, (ErrorCode, String)> {
            serde_json::from_value(req.params)
                .map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
        }
        match req.method.as_str() {
            "textDocument/codeAction" => {
                let p: lt::CodeActionParams = params(req)?;
                Ok(json(&self.code_actions(&p)))
            }
            "textDocument/formatting" => {
                let p: lt::DocumentFormattingParams = params(req)?;
                Ok(json(&self.formatting(&p.text_document.uri)))
            }
            "textDocument/hover" => {
                let p: lt::HoverParams = params(req)?;
                Ok(json(&self.hover(&p.text_document_position_params)))
            }
            "textDocument/documentSymbol" => {
                let p: lt::DocumentSymbolParams = params(req)?;
                Ok(json(&self.symbols(&p.text_document.uri)))
            }
            m => Err((
                ErrorCode::MethodNotFound,
                format!("aaprof does not answer {m}"),
            )),
        }
    }

    fn notification(&mut self, n: Notification) {
        fn params<P: serde::de::DeserializeOwned>(n: Notification) -> Option<P> {
            serde_json::from_value(n.params).ok()
        }
        let changed = match n.method.as_str() {
            "textDocument/didOpen" => {
                let Some(p) = params::<lt::DidOpenTextDocumentParams>(n) else {
                    return;
                };
                let d = p.text_document;
                let path = path_of(&d.uri);
                self.docs.insert(
                    d.uri.as_str().to_string(),
                    Doc {
                        uri: d.uri,
                        path,
                        version: d.version,
                        text: d.text,
                        analysis: None,
                    },
                );
                true
            }
            "textDocument/didChange" => {
                let Some(p) = params::<lt::DidChangeTextDocumentParams>(n) else {
                    return;
                };
                let encoding = self.encoding;
                let Some(doc) = self.docs.get_mut(p.text_document.uri.as_str()) else {
                    return;
                };
                for change in p.content_changes {
                    apply_change(&mut doc.text, change, encoding);
                }
                doc.version = p.text_document.version;
                true
            }
            "textDocument/didClose" => {
                let Some(p) = params::<lt::DidCloseTextDocumentParams>(n) else {
                    return;
                };
                if let Some(doc) = self.docs.remove(p.text_document.uri.as_str()) {
                    self.publish(&doc.uri, Vec::new(), None);
                }
                true
            }
            _ => false,
        };
        if changed {
            self.reanalyse();
        }
    }

    /// Analyse every open document again (an edit to one may change what
    /// another includes) and publish what changed.
    fn reanalyse(&mut self) {
        let buffers: HashMap<PathBuf, Arc<str>> = self
            .docs
            .values()
            .filter_map(|d| Some((d.path.clone()?, Arc::from(d.text.as_str()))))
            .collect();
        let fs = Vfs::disk().overlay(buffers);
        let keys: Vec<String> = self.docs.keys().cloned().collect();
        for k in keys {
            let Some(doc) = self.docs.get_mut(&k) else {
                continue;
            };
            let a = Analysis::of(&doc.text, doc.path.as_deref(), &self.options, &fs);
            let diags = a.lsp_diagnostics(&doc.uri, &doc.text, self.encoding);
            doc.analysis = Some(a);
            let (uri, version) = (doc.uri.clone(), doc.version);
            self.publish(&uri, diags, Some(version));
        }
    }

    fn publish(&self, uri: &lt::Uri, diagnostics: Vec<lt::Diagnostic>, version: Option<i32>) {
        let p = lt::PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics,
            version,
        };
        self.send(Notification::new(
            "textDocument/publishDiagnostics".into(),
            p,
        ));
    }

    fn doc(&self, uri: &lt::Uri) -> Option<&Doc> {
        self.docs.get(uri.as_str())
    }

    fn code_actions(&self, p: &lt::CodeActionParams) -> Vec<lt::CodeActionOrCommand> {
        let Some(doc) = self.doc(&p.text_document.uri) else {
            return Vec::new();
        };
        let Some(a) = &doc.analysis else {
            return Vec::new();
        };
        a.code_actions(&doc.uri, &doc.text, p.range, self.encoding)
    }

    fn formatting(&self, uri: &lt::Uri) -> Option<Vec<lt::TextEdit>> {
        let doc = self.doc(uri)?;
        let formatted = crate::fmt::format(&doc.text, crate::source::FileId(0)).ok()?;
        if formatted == doc.text {
            return Some(Vec::new());
        }
        let lines = LineMap::new(&doc.text, self.encoding);
        Some(vec![lt::TextEdit::new(
            lines.range(0, doc.text.len()),
            formatted,
        )])
    }

    fn hover(&self, p: &lt::TextDocumentPositionParams) -> Option<lt::Hover> {
        let doc = self.doc(&p.text_document.uri)?;
        let a = doc.analysis.as_ref()?;
        a.hover(&doc.text, p.position, self.encoding)
    }

    fn symbols(&self, uri: &lt::Uri) -> Option<lt::DocumentSymbolResponse> {
        let doc = self.doc(uri)?;
        let a = doc.analysis.as_ref()?;
        Some(lt::DocumentSymbolResponse::Nested(
            a.symbols(&doc.text, self.encoding),
        ))
    }
}

/// Apply one change the client sent: a range replaced, or (without a
/// range) the whole text.
fn apply_change(text: &mut String, change: lt::TextDocumentContentChangeEvent, e: Encoding) {
    match change.range {
        None => *text = change.text,
        Some(r) => {
            let lines = LineMap::new(text, e);
            let (start, end) = (lines.offset(r.start), lines.offset(r.end));
            let (start, end) = (start.min(end), end.max(start));
            text.replace_range(start..end, &change.text);
        }
    }
}

/// An answer as JSON.
fn json(v: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests;
