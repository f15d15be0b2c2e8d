//! One document's analysis: `aaprof lint` of the editor's text, with the
//! `aaprof.toml` found from the document's directory (its include path,
//! base, selection, preset and severities) and the suppressions in the
//! text honoured, and the answers drawn from it: the protocol's
//! diagnostics (secondary labels as related locations), code actions,
//! hover and symbols.

use super::index::Index;
use super::position::{Encoding, LineMap, uri_of};
use crate::diag::{Diagnostic, Severity};
use crate::lint::config::Config;
use crate::lint::{self, FixMode, Linter};
use crate::resolve::vars::SetVar;
use crate::resolve::{self, SearchPath, Session};
use crate::source::FileId;
use crate::syntax::ast;
use crate::vfs::Vfs;
use lsp_types as lt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the linter found in one version of a document.
pub struct Analysis {
    /// The document's own file in the session (its diagnostics are the
    /// ones located there).
    file: Option<FileId>,
    diagnostics: Vec<Diagnostic>,
    /// The other files the findings point into (includes): path and text.
    others: HashMap<FileId, (Option<PathBuf>, String)>,
    /// The text analysed.
    text: Arc<str>,
    /// What the text names, where: made when a request first needs it
    /// (most versions of a document typed are only diagnosed).
    index: std::sync::OnceLock<Index>,
    /// The set variables as the resolver left them after the document.
    pub vars: crate::resolve::vars::ByName<SetVar>,
    /// The files the document included, in reading order, with the path
    /// and text each was read with.
    pub included: Vec<(PathBuf, Arc<str>)>,
    /// The include path the document was checked with (its directory for
    /// `""` includes, the editor's buffers overlaid).
    pub search: SearchPath,
}

impl Analysis {
    /// Lint `text` as the file at `path` (if it has one), reading includes
    /// through `fs` into `session` (whose parses of unchanged files are
    /// reused), with the patterns already met taken from `cache`.
    pub fn of(
        text: &str,
        path: Option<&Path>,
        base: &resolve::Options,
        fs: &Vfs,
        session: &Session,
        cache: &lint::Cache,
    ) -> Analysis {
        let mut opts = base.clone();
        opts.search.fs = fs.clone();
        if let Some(dir) = path.and_then(Path::parent) {
            opts.search.cwd = dir.to_path_buf();
        }
        let config = path
            .and_then(Config::discover)
            .and_then(|p| Config::load(&p).ok())
            .unwrap_or_default();
        opts.search
            .include_dirs
            .extend(config.include.iter().cloned());
        if let Some(b) = &config.base {
            opts.search.base_dir = b.clone();
        }
        let settings = config.settings(&[], &[], None);
        let run = Linter {
            session,
            opts: &opts,
            settings: &settings,
            cache,
        };
        let name = path.map_or_else(|| "untitled".to_string(), |p| p.display().to_string());
        let r = lint::lint_source(&run, &name, path, Some(text.to_string()), FixMode::Off);
        let sources = session.sources();
        let mut others = HashMap::new();
        for d in &r.diagnostics {
            for l in d.primary.iter().chain(&d.secondary) {
                let f = l.span.file;
                if Some(f) != r.file && !others.contains_key(&f) {
                    let path = sources.get(f).and_then(|s| s.path.clone());
                    others.insert(f, (path, sources.text(f).to_string()));
                }
            }
        }
        let included = r
            .read
            .iter()
            .filter_map(|&f| {
                let path = sources.get(f)?.path.clone()?;
                Some((path, Arc::from(sources.text(f))))
            })
            .collect();
        Analysis {
            file: r.file,
            diagnostics: r.diagnostics,
            others,
            text: Arc::from(text),
            index: std::sync::OnceLock::new(),
            vars: r.vars,
            included,
            search: opts.search,
        }
    }

    /// What the analysed text names, where.
    pub fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::of(&self.text))
    }

    /// The findings located in the document itself.
    fn own(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.span().is_some_and(|s| Some(s.file) == self.file))
    }

    /// The document's diagnostics in the protocol's terms (`uri` names
    /// the document). Findings located in an included file belong to that
    /// file; an include that fails is reported at the include line.
    pub fn lsp_diagnostics(&self, uri: &lt::Uri, text: &str, e: Encoding) -> Vec<lt::Diagnostic> {
        let lines = LineMap::new(text, e);
        // the included files' line maps, each made once
        let mut maps: HashMap<FileId, Option<(lt::Uri, LineMap)>> = HashMap::new();
        let mut out = Vec::new();
        for d in &self.diagnostics {
            let Some(span) = d.span() else { continue };
            if Some(span.file) != self.file {
                continue;
            }
            let related: Vec<lt::DiagnosticRelatedInformation> = d
                .secondary
                .iter()
                .filter_map(|l| {
                    let location = self.location(l.span, uri, &lines, &mut maps, e)?;
                    Some(lt::DiagnosticRelatedInformation {
                        location,
                        message: if l.message.is_empty() {
                            "related".into()
                        } else {
                            l.message.clone()
                        },
                    })
                })
                .collect();
            let mut message = d.message.clone();
            for n in &d.notes {
                message.push_str("\nnote: ");
                message.push_str(n);
            }
            if let Some(h) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(h);
            }
            out.push(lt::Diagnostic {
                range: lines.range(span.start as usize, span.end as usize),
                severity: Some(match d.severity {
                    Severity::Error => lt::DiagnosticSeverity::ERROR,
                    Severity::Warning => lt::DiagnosticSeverity::WARNING,
                    Severity::Info => lt::DiagnosticSeverity::INFORMATION,
                }),
                code: Some(lt::NumberOrString::String(d.code.id.to_string())),
                source: Some("aaprof".into()),
                message,
                related_information: (!related.is_empty()).then_some(related),
                ..Default::default()
            });
        }
        out
    }

    /// Where a span is: in the document (`uri`, its `lines`) or in an
    /// included file (`maps` keeps their line maps).
    fn location<'a>(
        &'a self,
        span: crate::source::Span,
        uri: &lt::Uri,
        lines: &LineMap,
        maps: &mut HashMap<FileId, Option<(lt::Uri, LineMap<'a>)>>,
        e: Encoding,
    ) -> Option<lt::Location> {
        let range = |m: &LineMap| m.range(span.start as usize, span.end as usize);
        if Some(span.file) == self.file {
            return Some(lt::Location::new(uri.clone(), range(lines)));
        }
        let (uri, map) = maps
            .entry(span.file)
            .or_insert_with(|| {
                let (path, t) = self.others.get(&span.file)?;
                Some((uri_of(path.as_ref()?)?, LineMap::new(t, e)))
            })
            .as_ref()?;
        Some(lt::Location::new(uri.clone(), range(map)))
    }

    /// The fixes of the findings that touch `range`, and a suppression
    /// comment for each finding there.
    pub fn code_actions(
        &self,
        uri: &lt::Uri,
        text: &str,
        range: lt::Range,
        e: Encoding,
    ) -> Vec<lt::CodeActionOrCommand> {
        let lines = LineMap::new(text, e);
        let (from, to) = (lines.offset(range.start), lines.offset(range.end));
        let own: Vec<&Diagnostic> = self.own().collect();
        let lsp = self.lsp_diagnostics(uri, text, e);
        let mut out = Vec::new();
        for d in own {
            let Some(span) = d.span() else { continue };
            let (s, t) = (span.start as usize, span.end as usize);
            if t < from || s > to {
                continue;
            }
            let shown: Vec<lt::Diagnostic> = lsp
                .iter()
                .filter(|x| {
                    x.range == lines.range(s, t)
                        && x.code == Some(lt::NumberOrString::String(d.code.id.to_string()))
                })
                .cloned()
                .collect();
            if let Some(fix) = &d.fix {
                let edits: Vec<lt::TextEdit> = fix
                    .edits
                    .iter()
                    .filter(|ed| Some(ed.span.file) == self.file)
                    .map(|ed| {
                        lt::TextEdit::new(
                            lines.range(ed.span.start as usize, ed.span.end as usize),
                            ed.replacement.clone(),
                        )
                    })
                    .collect();
                if edits.len() == fix.edits.len() && !edits.is_empty() {
                    let title = if fix.safe {
                        fix.message.clone()
                    } else {
                        format!("{} (unsafe: may change what is allowed)", fix.message)
                    };
                    out.push(action(title, uri, edits, shown.clone(), fix.safe));
                }
            }
            if d.code.id.starts_with('L') {
                let line = lines.position(s).line;
                let end = lines.offset(lt::Position::new(line + 1, 0));
                let eol = text[..end].trim_end_matches('\n').len();
                let at = lines.position(eol);
                let edit = lt::TextEdit::new(
                    lt::Range::new(at, at),
                    format!("  # aaprof: ignore[{}]", d.code.id),
                );
                out.push(action(
                    format!("Suppress {} ({}) on this line", d.code.name, d.code.id),
                    uri,
                    vec![edit],
                    shown,
                    false,
                ));
            }
        }
        out
    }

    /// The documentation of the findings at `at`.
    pub fn hover(&self, text: &str, at: lt::Position, e: Encoding) -> Option<String> {
        let lines = LineMap::new(text, e);
        let off = lines.offset(at);
        let mut pages: Vec<String> = Vec::new();
        for d in self.own() {
            let Some(span) = d.span() else { continue };
            if (span.start as usize) <= off && off <= span.end as usize {
                if let Some((_, page)) = crate::lint::registry::pages(d.code.id).into_iter().next()
                {
                    if !pages.contains(&page) {
                        pages.push(page);
                    }
                }
            }
        }
        (!pages.is_empty()).then(|| pages.join("\n\n---\n\n"))
    }

    /// The document's profiles, with their children and hats nested.
    pub fn symbols(&self, text: &str, e: Encoding) -> Vec<lt::DocumentSymbol> {
        let parsed = crate::syntax::parse(text, FileId(0));
        let lines = LineMap::new(text, e);
        let mut out = variable_symbols(self.index(), &lines);
        out.extend(symbols_of(&parsed.ast.items, &lines));
        out
    }
}

fn action(
    title: String,
    uri: &lt::Uri,
    edits: Vec<lt::TextEdit>,
    diagnostics: Vec<lt::Diagnostic>,
    preferred: bool,
) -> lt::CodeActionOrCommand {
    lt::CodeActionOrCommand::CodeAction(lt::CodeAction {
        title,
        kind: Some(lt::CodeActionKind::QUICKFIX),
        diagnostics: (!diagnostics.is_empty()).then_some(diagnostics),
        edit: Some(lt::WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..Default::default()
        }),
        is_preferred: preferred.then_some(true),
        ..Default::default()
    })
}

/// The variables the document defines (`=`, not `+=`), one symbol each.
#[allow(deprecated)] // `deprecated` is a required field of the struct
fn variable_symbols(index: &Index, lines: &LineMap) -> Vec<lt::DocumentSymbol> {
    index
        .occurrences
        .iter()
        .filter_map(|o| match &o.name {
            super::index::Name::VarDef { name, add: false } => Some(lt::DocumentSymbol {
                name: format!("@{{{name}}}"),
                detail: Some("variable".into()),
                kind: lt::SymbolKind::VARIABLE,
                tags: None,
                deprecated: None,
                range: lines.range(o.start, o.end),
                selection_range: lines.range(o.start, o.end),
                children: None,
            }),
            _ => None,
        })
        .collect()
}

#[allow(deprecated)] // `deprecated` is a required field of the struct
fn symbols_of(items: &[ast::Item], lines: &LineMap) -> Vec<lt::DocumentSymbol> {
    let mut out = Vec::new();
    for item in items {
        let ast::Item::Profile(p) = item else {
            continue;
        };
        let kind = match p.keyword {
            ast::ProfileKeyword::Hat | ast::ProfileKeyword::Caret => lt::SymbolKind::METHOD,
            _ => lt::SymbolKind::MODULE,
        };
        let name = if p.name.text.is_empty() {
            "(unnamed)".to_string()
        } else {
            p.name.text.clone()
        };
        let children = symbols_of(&p.items, lines);
        out.push(lt::DocumentSymbol {
            name,
            detail: Some(match p.keyword {
                ast::ProfileKeyword::Hat | ast::ProfileKeyword::Caret => "hat".into(),
                _ => "profile".into(),
            }),
            kind,
            tags: None,
            deprecated: None,
            range: lines.range(p.span.start as usize, p.span.end as usize),
            selection_range: lines.range(p.name.span.start as usize, p.name.span.end as usize),
            children: (!children.is_empty()).then_some(children),
        });
    }
    out
}
