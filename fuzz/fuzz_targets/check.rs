//! Lexer + parser + resolution on arbitrary input. Includes resolve inside
//! a small fixed tree so the resolver's include, variable and conditional
//! paths are exercised too (and nothing outside it is read: the search
//! path's file system is confined to it); any panic or hang is a bug.
#![no_main]

use aaprof::resolve::{Options, SearchPath, Session};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let base = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/parse/include"));
    let opts = Options {
        search: SearchPath {
            include_dirs: vec![base.clone()],
            base_dir: base.clone(),
            cwd: base.clone(),
            // only the fixture tree: an absolute include must not read
            // the host's files (or `/dev/zero` without end)
            fs: aaprof::vfs::Vfs::confined(std::slice::from_ref(&base)),
        },
        features: aaprof::features::Features::all(),
        warn_unsupported: false,
        fragments: false,
    };
    let s = Session::new();
    let out = s.check_text("fuzz", None, text.to_string(), &opts);
    // rendering must not panic either
    let mut sink = Vec::new();
    let _ = aaprof::diag::render::render(
        &mut sink,
        &s.sources(),
        &out.diagnostics,
        aaprof::diag::render::Format::Full,
        false,
    );
});
