//! SARIF 2.1.0 (the OASIS Static Analysis Results Interchange Format), as
//! code-scanning services read it: one run, the tool's rules (every code
//! that has a finding), and one result per finding with its location,
//! related locations and fix.

use super::CodeInfo;
use crate::diag::{Diagnostic, Severity};
use crate::source::{SourceMap, Span};
use serde_json::{Value, json};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A URI reference for a path as shown: relative paths stay relative,
/// absolute ones become `file://` URIs; characters a URI cannot hold are
/// percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn region(sources: &SourceMap, span: Span) -> Value {
    let (l, c) = sources.line_col(span);
    let (el, ec) = sources.line_col(Span {
        start: span.end,
        ..span
    });
    json!({
        "startLine": l,
        "startColumn": c,
        "endLine": el,
        "endColumn": ec,
    })
}

fn physical(sources: &SourceMap, span: Span) -> Value {
    json!({
        "artifactLocation": { "uri": uri(sources.name(span.file)) },
        "region": region(sources, span),
    })
}

/// The SARIF log for a set of findings.
pub fn log(sources: &SourceMap, diags: &[Diagnostic], codes: &[CodeInfo]) -> Value {
    let mut rules: Vec<Value> = Vec::new();
    let mut index: Vec<&str> = Vec::new();
    for d in diags {
        if index.contains(&d.code.id) {
            continue;
        }
        index.push(d.code.id);
        let info = codes.iter().find(|c| c.id == d.code.id);
        let summary = info
            .map(|i| i.summary.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| d.code.name.replace('-', " "));
        let mut rule = json!({
            "id": d.code.id,
            "name": d.code.name,
            "shortDescription": { "text": summary },
            "defaultConfiguration": { "level": level(d.code.severity) },
        });
        if let Some(uri) = info.and_then(|i| i.help_uri.clone()) {
            rule["helpUri"] = json!(uri);
        }
        if let Some(cat) = info.and_then(|i| i.category) {
            rule["properties"] = json!({ "tags": [cat] });
        }
        rules.push(rule);
    }
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            for n in &d.notes {
                text.push_str("\nnote: ");
                text.push_str(n);
            }
            if let Some(h) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(h);
            }
            let mut r = json!({
                "ruleId": d.code.id,
                "ruleIndex": index.iter().position(|c| *c == d.code.id).unwrap_or(0),
                "level": level(d.severity),
                "message": { "text": text },
            });
            if let Some(p) = &d.primary {
                r["locations"] = json!([{ "physicalLocation": physical(sources, p.span) }]);
            }
            if !d.secondary.is_empty() {
                r["relatedLocations"] = Value::Array(
                    d.secondary
                        .iter()
                        .enumerate()
                        .map(|(i, l)| {
                            let mut loc = json!({
                                "id": i + 1,
                                "physicalLocation": physical(sources, l.span),
                            });
                            if !l.message.is_empty() {
                                loc["message"] = json!({ "text": l.message });
                            }
                            loc
                        })
                        .collect(),
                );
            }
            if let Some(f) = &d.fix {
                let mut changes: Vec<Value> = Vec::new();
                for e in &f.edits {
                    changes.push(json!({
                        "artifactLocation": { "uri": uri(sources.name(e.span.file)) },
                        "replacements": [{
                            "deletedRegion": region(sources, e.span),
                            "insertedContent": { "text": e.replacement },
                        }],
                    }));
                }
                r["fixes"] = json!([{
                    "description": { "text": f.message },
                    "artifactChanges": changes,
                }]);
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "aaprof",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://example.invalid/aaprof",
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}
