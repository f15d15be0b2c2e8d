//! Shared helpers for the integration tests.

use aaprof::diag::render::{self, Format};
use aaprof::resolve::Outcome;
use aaprof::source::SourceMap;
use std::path::PathBuf;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the repository (present on developer machines and in CI).
pub fn shared() -> PathBuf {
    repo().join("..").join("shared")
}

pub fn concise(sources: &SourceMap, out: &Outcome) -> String {
    let mut buf = Vec::new();
    render::render(&mut buf, sources, &out.diagnostics, Format::Concise, false)
        .expect("rendering to memory cannot fail");
    String::from_utf8_lossy(&buf).into_owned()
}
