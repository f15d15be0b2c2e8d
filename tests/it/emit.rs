//! `aaprof emit` on small policies (`tests/fixtures/emit/*.apparmor`): the
//! emitted text, compiled with no include path, gives the same binary
//! policy as the original, with each reference that compiles the original
//! (the 6.0 reference must compile every fixture). A fixture with a line
//! `# 3.0.8 differs: WHY` is one where 3.0.8 reads the original otherwise
//! than 6.0, which aaprof follows: there 3.0.8 must give other bytes.
//! Whole corpora are compared in `oracle.rs`.

use super::support::{Reference, repo};
use aaprof::emit::{abi_reference, emit};
use aaprof::resolve::{Options, SearchPath, Session};
use std::path::Path;

#[test]
fn emitted_fixtures_compile_to_the_same_policy() {
    let dir = repo().join("tests/fixtures/emit");
    let out = repo().join("target/emit-fixtures");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).expect("mkdir under target/");
    let opts = Options {
        search: SearchPath {
            include_dirs: vec![],
            base_dir: dir.clone(),
            cwd: dir.clone(),
            fs: aaprof::vfs::Vfs::disk(),
        },
        features: aaprof::features::Features::all(),
        warn_unsupported: false,
        fragments: false,
    };
    let mut fixtures: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "apparmor"))
        .collect();
    fixtures.sort();
    assert!(!fixtures.is_empty());
    for path in &fixtures {
        let what = path.display().to_string();
        let checked = Session::new().check_path(path, &what, &opts);
        assert!(!checked.has_errors(), "{what}: {:?}", checked.diagnostics);
        let abi = abi_reference(&checked.policy, &opts.search);
        let text = emit(&checked.policy, std::slice::from_ref(&what), abi.as_deref());
        let file = out.join(path.file_name().expect("file name"));
        std::fs::write(&file, &text).expect("write under target/");
        for reference in Reference::ALL {
            let args = [Path::new("-b"), dir.as_path()];
            let Some(before) = reference.compile(&args, &dir, Some(path), None) else {
                assert!(
                    reference != Reference::Upstream,
                    "{what}: the 6.0 reference does not compile the fixture"
                );
                continue;
            };
            let after = reference.compile(&[], &out, Some(&file), None);
            // a fixture of a construct the two references read differently
            // says so, with the reason, and 3.0.8 must then differ
            let source = std::fs::read_to_string(path).expect("fixture");
            if reference == Reference::Debian && source.contains("\n# 3.0.8 differs: ") {
                assert!(
                    after.is_some() && after.as_ref() != Some(&before),
                    "{what}: says 3.0.8 differs, but the emitted text compiles to the same bytes with it"
                );
                continue;
            }
            assert!(
                after.as_ref() == Some(&before),
                "{what}: the emitted text compiles to {} with {}:\n{text}",
                if after.is_some() {
                    "other bytes"
                } else {
                    "nothing"
                },
                reference.version()
            );
        }
    }
}

/// The include that the reference skips because a branch not taken read
/// the file first is reported, at the skipped include, with the first one.
#[test]
fn an_include_lost_to_an_untaken_branch_is_reported() {
    let dir = repo().join("tests/fixtures/emit");
    let path = dir.join("include-read-in-an-untaken-branch.apparmor");
    let opts = Options {
        search: SearchPath {
            include_dirs: vec![],
            base_dir: dir.clone(),
            cwd: dir.clone(),
            fs: aaprof::vfs::Vfs::disk(),
        },
        ..Options::default()
    };
    let session = Session::new();
    let out = session.check_path(&path, "branch", &opts);
    let lost: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.code.id == "W0205")
        .collect();
    assert_eq!(lost.len(), 1, "{:?}", out.diagnostics);
    let sources = session.sources();
    let (line, _) = sources.line_col(lost[0].span().expect("a place"));
    assert_eq!(line, 9, "at the second include");
}
