//! Renderers: `full` (codespan-reporting source excerpts), `concise` (one
//! line per finding), `json` (stable schema, see docs/json-output.md),
//! `sarif` (SARIF 2.1.0, see [`sarif`]) and `github` (workflow commands
//! that GitHub Actions shows as annotations).

pub mod sarif;

use super::{Diagnostic, Severity};
use crate::source::SourceMap;
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Full,
    Concise,
    Json,
    Sarif,
    Github,
}

/// What a renderer may say about a code beyond its id and name (the lint
/// rules' descriptions, for SARIF).
#[derive(Clone, Debug, Default)]
pub struct CodeInfo {
    pub id: &'static str,
    pub name: &'static str,
    pub summary: String,
    pub help_uri: Option<String>,
    pub category: Option<&'static str>,
}

/// Render diagnostics in the given format. `color` only affects `full`.
pub fn render(
    out: &mut dyn Write,
    sources: &SourceMap,
    diags: &[Diagnostic],
    format: Format,
    color: bool,
) -> io::Result<()> {
    render_with(out, sources, diags, format, color, &[])
}

/// [`render`], with descriptions of the codes for formats that list them.
pub fn render_with(
    out: &mut dyn Write,
    sources: &SourceMap,
    diags: &[Diagnostic],
    format: Format,
    color: bool,
    codes: &[CodeInfo],
) -> io::Result<()> {
    match format {
        Format::Sarif => {
            let doc = sarif::log(sources, diags, codes);
            serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
            writeln!(out)
        }
        Format::Github => {
            for d in diags {
                writeln!(out, "{}", github_line(sources, d))?;
            }
            Ok(())
        }
        Format::Full => full(out, sources, diags, color),
        Format::Concise => {
            for d in diags {
                writeln!(out, "{}", concise_record(sources, d))?;
            }
            Ok(())
        }
        Format::Json => {
            let doc = JsonReport::new(sources, diags);
            serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
            writeln!(out)
        }
    }
}

/// `PATH:LINE:COL: SEVERITY[CODE]: MESSAGE`
pub fn concise_line(sources: &SourceMap, d: &Diagnostic) -> String {
    let (path, line, col) = match d.span() {
        Some(span) => {
            let (l, c) = sources.line_col(span);
            (sources.name(span.file).to_string(), l, c)
        }
        None => ("-".to_string(), 1, 1),
    };
    format!(
        "{}:{}:{}: {}[{}]: {}",
        path,
        line,
        col,
        d.severity.as_str(),
        d.code.id,
        d.message.replace('\n', " ")
    )
}

/// A finding in `concise` output: its [`concise_line`], then its help, if
/// any, on the next line, indented (`  help: ...`), so that "did you mean"
/// suggestions reach CI logs too. A line that starts with a blank is never
/// a record, so tools that read records keep working.
pub fn concise_record(sources: &SourceMap, d: &Diagnostic) -> String {
    let mut s = concise_line(sources, d);
    if let Some(h) = &d.help {
        s.push_str("\n  help: ");
        s.push_str(&h.replace('\n', " "));
    }
    s
}

/// A GitHub Actions workflow command: `::warning file=F,line=L,...::MSG`.
pub fn github_line(sources: &SourceMap, d: &Diagnostic) -> String {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let mut props = Vec::new();
    if let Some(span) = d.span() {
        let (l, c) = sources.line_col(span);
        let end = crate::source::Span {
            start: span.end,
            ..span
        };
        let (el, ec) = sources.line_col(end);
        props.push(format!("file={}", prop(sources.name(span.file))));
        props.push(format!("line={l}"));
        props.push(format!("col={c}"));
        props.push(format!("endLine={el}"));
        if el == l {
            props.push(format!("endColumn={ec}"));
        }
    }
    props.push(format!(
        "title={}",
        prop(&format!("{} {}", d.code.id, d.code.name))
    ));
    let mut msg = d.message.clone();
    if let Some(h) = &d.help {
        msg.push_str("\nhelp: ");
        msg.push_str(h);
    }
    format!("::{level} {}::{}", props.join(","), data(&msg))
}

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<crate::source::FileId> {
    let sev = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Info => cs::Severity::Note,
    };
    let mut labels = Vec::new();
    if let Some(p) = &d.primary {
        labels.push(cs::Label::primary(p.span.file, p.span.range()).with_message(&p.message));
    }
    for s in &d.secondary {
        labels.push(cs::Label::secondary(s.span.file, s.span.range()).with_message(&s.message));
    }
    let mut notes = d.notes.clone();
    if let Some(h) = &d.help {
        notes.push(format!("help: {h}"));
    }
    cs::Diagnostic::new(sev)
        .with_code(d.code.id)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

fn full(
    out: &mut dyn Write,
    sources: &SourceMap,
    diags: &[Diagnostic],
    color: bool,
) -> io::Result<()> {
    let config = term::Config::default();
    for d in diags {
        let cd = to_codespan(d);
        let res = if color {
            let mut w = term::termcolor::Ansi::new(&mut *out);
            term::emit_to_write_style(&mut w, &config, sources, &cd)
        } else {
            let mut w = term::termcolor::NoColor::new(&mut *out);
            term::emit_to_write_style(&mut w, &config, sources, &cd)
        };
        res.map_err(io::Error::other)?;
    }
    Ok(())
}

/// The JSON document. Schema version 1; fields are only ever added.
#[derive(Serialize)]
pub struct JsonReport<'a> {
    pub version: u32,
    pub diagnostics: Vec<JsonDiagnostic<'a>>,
    pub summary: JsonSummary,
}

#[derive(Serialize)]
pub struct JsonSummary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

#[derive(Serialize)]
pub struct JsonLocation {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub byte_start: u32,
    pub byte_end: u32,
}

#[derive(Serialize)]
pub struct JsonLabel {
    pub message: String,
    pub location: JsonLocation,
}

#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub severity: Severity,
    pub message: &'a str,
    pub location: Option<JsonLocation>,
    pub labels: Vec<JsonLabel>,
    pub notes: &'a [String],
    pub help: Option<&'a str>,
    /// The suggested fix, if any (`aaprof lint --fix` applies it).
    pub fix: Option<JsonFix>,
}

#[derive(Serialize)]
pub struct JsonFix {
    pub message: String,
    /// `true` when applying it cannot change what the kernel enforces.
    pub safe: bool,
    pub edits: Vec<JsonEdit>,
}

#[derive(Serialize)]
pub struct JsonEdit {
    pub location: JsonLocation,
    pub replacement: String,
}

pub fn location(sources: &SourceMap, span: crate::source::Span) -> JsonLocation {
    let (line, column) = sources.line_col(span);
    let end = crate::source::Span {
        start: span.end,
        ..span
    };
    let (end_line, end_column) = sources.line_col(end);
    JsonLocation {
        path: sources.name(span.file).to_string(),
        line,
        column,
        end_line,
        end_column,
        byte_start: span.start,
        byte_end: span.end,
    }
}

impl<'a> JsonReport<'a> {
    pub fn new(sources: &SourceMap, diags: &'a [Diagnostic]) -> JsonReport<'a> {
        let count = |s| diags.iter().filter(|d| d.severity == s).count();
        JsonReport {
            version: 1,
            summary: JsonSummary {
                errors: count(Severity::Error),
                warnings: count(Severity::Warning),
                infos: count(Severity::Info),
            },
            diagnostics: diags
                .iter()
                .map(|d| JsonDiagnostic {
                    code: d.code.id,
                    name: d.code.name,
                    severity: d.severity,
                    message: &d.message,
                    location: d.primary.as_ref().map(|p| location(sources, p.span)),
                    labels: d
                        .secondary
                        .iter()
                        .map(|l| JsonLabel {
                            message: l.message.clone(),
                            location: location(sources, l.span),
                        })
                        .collect(),
                    notes: &d.notes,
                    help: d.help.as_deref(),
                    fix: d.fix.as_ref().map(|f| JsonFix {
                        message: f.message.clone(),
                        safe: f.safe,
                        edits: f
                            .edits
                            .iter()
                            .map(|e| JsonEdit {
                                location: location(sources, e.span),
                                replacement: e.replacement.clone(),
                            })
                            .collect(),
                    }),
                })
                .collect(),
        }
    }
}
