//! `aaprof emit`: the emitted text must compile, with Debian's
//! `apparmor_parser -Q -S` and no include path at all, to the same binary
//! policy as the original tree — for every profile of the corpora that
//! Debian's parser compiles.
//!
//! Debian's parser is 3.0.8, and in two places it reads policy differently
//! from the current parser aaprof follows: it takes a `#` comment at the
//! end of a variable assignment as more values, and it does not expand
//! variables in the target of a link permission (`/a rwl -> /b@{x},`). The
//! apparmor.d tree has both. For it, the comparison is made on a copy in
//! which those two constructs are rewritten away (the comment dropped, the
//! link rule removed) in every file alike; how many profiles that touches
//! is printed.

use super::support::{compile, par_map, repo, shared, top_level_files};
use aaprof::emit::{abi_reference, emit};
use aaprof::resolve::{Options, SearchPath, Session, walk_dir};
use std::path::{Path, PathBuf};

struct Tree {
    name: &'static str,
    base: PathBuf,
    includes: Vec<PathBuf>,
    profiles: Vec<PathBuf>,
}

/// (compiled by apparmor_parser, byte-identical, differing)
fn oracle(tree: &Tree) -> (usize, usize, Vec<String>) {
    let out_dir = repo().join("target/emit-oracle").join(tree.name);
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    let opts = Options {
        search: SearchPath {
            include_dirs: tree.includes.clone(),
            base_dir: tree.base.clone(),
            cwd: tree.base.clone(),
        },
        features: aaprof::features::Features::all(),
        warn_unsupported: false,
        fragments: false,
    };
    let indexed: Vec<(usize, &PathBuf)> = tree.profiles.iter().enumerate().collect();
    let results = par_map(&indexed, |&(i, path)| {
        let mut args: Vec<PathBuf> = vec!["-b".into(), tree.base.clone()];
        for d in &tree.includes {
            args.push("-I".into());
            args.push(d.clone());
        }
        let a: Vec<&Path> = args.iter().map(PathBuf::as_path).collect();
        let before = compile(&a, &tree.base, Some(path), None)?;
        let what = path.display().to_string();
        let session = Session::new();
        let out = session.check_path(path, &what, &opts);
        if out.has_errors() {
            return Some((what, false));
        }
        let abi = abi_reference(&out.policy, &opts.search);
        let text = emit(&out.policy, std::slice::from_ref(&what), abi.as_deref());
        let file = out_dir.join(format!("{i}.emitted"));
        std::fs::write(&file, &text).expect("write");
        // no -b, no -I: the text must stand alone
        let same = compile(&[], &out_dir, Some(&file), None).as_ref() == Some(&before);
        Some((what, same))
    });
    let differ: Vec<String> = results
        .iter()
        .filter(|r| !r.1)
        .map(|r| r.0.clone())
        .collect();
    println!(
        "emit oracle {}: {} of {} profiles compiled by apparmor_parser, {} byte-identical when emitted",
        tree.name,
        results.len(),
        tree.profiles.len(),
        results.len() - differ.len()
    );
    (results.len(), results.len() - differ.len(), differ)
}

fn assert_oracle(tree: Tree, min_compiled: usize) {
    let (compiled, same, differ) = oracle(&tree);
    assert!(
        compiled >= min_compiled,
        "{}: only {compiled} compiled",
        tree.name
    );
    assert!(
        differ.is_empty(),
        "{}: emitted policy differs: {differ:#?}",
        tree.name
    );
    assert_eq!(same, compiled);
}

#[test]
fn emitted_policy_is_identical_upstream_corpus() {
    let base = shared().join("corpora/upstream");
    let profiles = top_level_files(&base);
    assert_oracle(
        Tree {
            name: "upstream",
            base,
            includes: vec![],
            profiles,
        },
        10,
    );
}

#[test]
fn emitted_policy_is_identical_project_corpus() {
    let base = shared().join("corpora/upstream");
    assert_oracle(
        Tree {
            name: "corpus",
            base,
            includes: vec![],
            profiles: top_level_files(&repo().join("corpus")),
        },
        3,
    );
}

#[test]
fn emitted_policy_is_identical_debian_profiles() {
    let base = PathBuf::from("/etc/apparmor.d");
    let extra = Path::new("/usr/share/apparmor/extra-profiles");
    assert!(
        extra.is_dir(),
        "Debian's apparmor packages are not installed; run the test command from README.md"
    );
    let mut profiles = top_level_files(&base);
    profiles.extend(top_level_files(extra));
    assert_oracle(
        Tree {
            name: "debian",
            base,
            includes: vec![],
            profiles,
        },
        20,
    );
}

/// Rewrite away what Debian's 3.0.8 reads differently (see the module
/// comment); returns whether the text changed.
fn normalize_for_3_0(text: &str) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        let is_assignment = (t.starts_with("@{") || t.starts_with("${"))
            && t.find('}').is_some_and(|i| {
                let rest = t[i + 1..].trim_start();
                ["=", "+=", "?=", ":="]
                    .iter()
                    .any(|op| rest.starts_with(op))
            });
        if is_assignment {
            if let Some(i) = line.find(" #").or_else(|| line.find("\t#")) {
                out.push_str(line[..i].trim_end());
                out.push('\n');
                changed = true;
                continue;
            }
        }
        let code = line.split(" #").next().unwrap_or(line);
        let link_with_var = code.split_once("->").is_some_and(|(before, target)| {
            let perms_have_l = before
                .split_whitespace()
                .last()
                .is_some_and(|w| w.chars().all(|c| c.is_ascii_alphabetic()) && w.contains('l'));
            (perms_have_l || before.trim_start().starts_with("link ")) && target.contains("@{")
        });
        if link_with_var {
            out.push('\n');
            changed = true;
            continue;
        }
        out.push_str(line);
    }
    (out, changed)
}

fn normalized_copy(from: &Path, to: &Path) -> usize {
    let _ = std::fs::remove_dir_all(to);
    let mut touched = 0;
    for f in walk_all(from) {
        let rel = f.strip_prefix(from).expect("under root");
        let target = to.join(rel);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        let bytes = std::fs::read(&f).expect("read");
        match String::from_utf8(bytes.clone()) {
            Ok(t) => {
                let (n, changed) = normalize_for_3_0(&t);
                touched += usize::from(changed);
                std::fs::write(&target, n).expect("write");
            }
            Err(_) => std::fs::write(&target, bytes).expect("write"),
        }
    }
    touched
}

fn walk_all(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn emitted_policy_is_identical_apparmor_d_corpus() {
    let copy = repo().join("target/emit-oracle/apparmor.d-tree");
    let touched = normalized_copy(&shared().join("corpora/apparmor.d"), &copy);
    println!("emit oracle apparmor.d: {touched} files rewritten for Debian's 3.0.8 parser");
    let profiles = walk_dir(&copy.join("profiles")).expect("profiles");
    assert_oracle(
        Tree {
            name: "apparmor.d",
            includes: vec![copy.join("mappings")],
            base: copy,
            profiles,
        },
        900,
    );
}

#[test]
fn normalization_rewrites_only_the_two_constructs() {
    let text =
        "@{A}=/a # note\n@{B}=/b\n/x rwl -> /y@{B},\n/x rw,\nlink /p -> /q@{A},\n/z r, # keep\n";
    let (n, changed) = normalize_for_3_0(text);
    assert!(changed);
    assert_eq!(n, "@{A}=/a\n@{B}=/b\n\n/x rw,\n\n/z r, # keep\n");
}
