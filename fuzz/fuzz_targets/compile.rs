//! The compiler on arbitrary input: whatever checks clean is compiled for
//! a kernel with permission tables and for one with legacy accept
//! tables, and every automaton aaprof packs must pass the kernel's unpack
//! checks (`aare::pack::verify_with`, which the compiler runs on each
//! table it writes: a failure is the E0803 diagnostic). Any panic, any
//! E0803 and any record that does not decode is a bug.
#![no_main]

use aaprof::compile::{self, Options};
use aaprof::diag::code;
use aaprof::features::Features;
use aaprof::resolve::{self, SearchPath, Session};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

/// A kernel without a policy automaton's permission tables: the legacy
/// accept tables and the network table.
const LEGACY: &str = "caps {mask {chown dac_override}\n}\nfile {mask {create read write exec append mmap_exec link lock}\n}\nnetwork {af_mask {unix inet inet6}\n}\npolicy {versions {v5 {yes\n}\n}\n}\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let base = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/parse/include"
    ));
    let opts = resolve::Options {
        search: SearchPath {
            include_dirs: vec![base.clone()],
            base_dir: base.clone(),
            cwd: base.clone(),
            // only the fixture tree: an absolute include must not read
            // the host's files (or `/dev/zero` without end)
            fs: aaprof::vfs::Vfs::confined(std::slice::from_ref(&base)),
        },
        features: Features::all(),
        warn_unsupported: false,
        fragments: false,
    };
    let s = Session::new();
    let out = s.check_text("fuzz", None, text.to_string(), &opts);
    if out.has_errors() {
        return;
    }
    let legacy = Features::parse(LEGACY).expect("the legacy features text parses");
    for features in [Features::all(), legacy] {
        let copts = Options {
            features,
            // small, so that a fuzzed input ends quickly
            budget: compile::build::Budget {
                states: 20_000,
                positions: 2_000_000,
            },
            ..Default::default()
        };
        let c = compile::compile(&out.policy, &copts);
        if let Some(d) = c
            .diagnostics
            .iter()
            .find(|d| d.code == code::TABLES_FAIL_KERNEL_CHECKS)
        {
            panic!("a packed table fails the kernel's checks: {}", d.message);
        }
        if !c.has_errors() {
            // a file without profiles loads nothing, as the reference's
            // (zero bytes); every record that is written must decode
            for record in &c.records {
                let elements = aaprof::binpolicy::decode(record).expect("our records decode");
                aaprof::binpolicy::records(&elements).expect("our records have a version");
            }
        }
    }
});
