//! The binary-identity oracle of `fmt`, the safe lint fixes and `emit`:
//! for every profile a reference compiler compiles (`apparmor_parser -Q
//! -S`), the formatted text, the safe-fixed text and `emit`'s output
//! (compiled with no include path at all) must compile to the very same
//! bytes. Each corpus is run against both references: Debian's 3.0.8 and
//! the 6.0.0~alpha1 build in `../shared/oracle` (see
//! [`Reference`](super::support::Reference)).
//!
//! The corpora: the upstream profile tree, the project's own `corpus/`
//! (with the upstream tree as include base), the apparmor.d tree (with its
//! `mappings/` include folder), Debian's installed profiles
//! (`/etc/apparmor.d` and `/usr/share/apparmor/extra-profiles`), and the
//! `EXRESULT PASS` cases of the conformance suite (piped on standard input
//! the way upstream's harness runs them).
//!
//! Each original is compiled once and its bytes reused for the three
//! comparisons; a text that is byte-identical to one already compiled
//! with the same options (a fix that changed nothing, a formatted case that
//! was already canonical, an emitted text seen before) is not compiled
//! again. Formatting is applied to the whole include tree (a copy under
//! `target/`), fixes to the profile's own file, and emitted text stands
//! alone. Everything is written under `target/oracle/`. Comparisons known
//! to differ, each with its cause, are listed in
//! `tests/oracle-known-differences.txt`; any other difference fails, and so
//! does a listed one that no longer differs.
//!
//! Debian's 3.0.8 reads two constructs of the apparmor.d tree differently
//! from the parser aaprof follows: it takes a `#` comment at the end of a
//! variable assignment as more values, and it does not expand variables in
//! the target of a link permission (`/a rwl -> /b@{x},`). For 3.0.8 only,
//! the tree is compared on a copy in which both are rewritten away (the
//! comment dropped, the link rule removed) in every file alike; 6.0 reads
//! the tree as it is.

use super::fmt::format_checked;
use super::support::{Reference, par_map, repo, shared, top_level_files};
use aaprof::emit::{abi_reference, emit};
use aaprof::lint::{Cache, FixMode, Linter, Settings, lint_source};
use aaprof::resolve::{Options, SearchPath, Session, walk_dir};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One profile (or conformance case) to compare.
pub(super) struct Case {
    /// How failures name it.
    pub(super) what: String,
    /// Its file (in the base tree, or outside it); `None` for text piped
    /// on standard input.
    pub(super) path: Option<PathBuf>,
    pub(super) text: String,
    /// A conformance case the suite marks `#=TODO` (the reference is known
    /// not to give the expected result).
    pub(super) todo: bool,
}

pub(super) struct Corpus {
    pub(super) name: &'static str,
    pub(super) reference: Reference,
    /// The reference's `-b` (when `pass_base`) and aaprof's include base.
    pub(super) base: PathBuf,
    /// The reference's working directory (quoted includes are relative to it).
    pub(super) cwd: PathBuf,
    /// `-I` folders, as paths under `base` where they are inside it.
    pub(super) includes: Vec<PathBuf>,
    /// Whether `-b base` is passed (the conformance harness passes none).
    pub(super) pass_base: bool,
    /// Options given to every compile, the emitted text's included.
    pub(super) extra: Vec<PathBuf>,
    pub(super) cases: Vec<Case>,
}

/// What became of one comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// Byte-identical binary policy.
    Same,
    /// The reference compiled it to other bytes.
    Differs,
    /// The reference refused the text aaprof produced.
    Rejected,
    /// aaprof refused to produce a text (a syntax error for `fmt`, an error
    /// for `emit`) for a profile the reference compiles.
    Refused,
    /// Emitted text only: the bytes differ in the legacy network table
    /// alone, where the original's grants less, and are identical when
    /// both are compiled for a kernel that mediates network in the policy
    /// automaton (see [`net_table_lost`]).
    NetTableLost,
}

/// fmt, fix, emit.
const CHECKS: [&str; 3] = ["fmt", "fix", "emit"];

struct Compared {
    what: String,
    verdicts: [Verdict; 3],
    /// Whether the safe fixes changed the text.
    fixed: bool,
}

/// The reference's compiled bytes per (options, text), so that a text
/// seen before is not compiled again (same text, same options, same bytes).
#[derive(Default)]
struct Memo(Mutex<HashMap<MemoKey, Option<Vec<u8>>>>);

/// (the compile's options, the text compiled)
type MemoKey = (String, String);

impl Memo {
    fn get_or(
        &self,
        key: (String, String),
        f: impl FnOnce() -> Option<Vec<u8>>,
    ) -> Option<Vec<u8>> {
        if let Some(v) = self.0.lock().expect("no panic holding the lock").get(&key) {
            return v.clone();
        }
        let v = f();
        self.0
            .lock()
            .expect("no panic holding the lock")
            .insert(key, v.clone());
        v
    }
}

impl Corpus {
    fn out_dir(&self) -> PathBuf {
        repo()
            .join("target/oracle")
            .join(self.reference.version())
            .join(self.name)
    }

    /// The reference's include options for a tree rooted at `base` (the
    /// corpus's own or its formatted copy).
    pub(super) fn args(&self, base: &Path) -> Vec<PathBuf> {
        let mut v = self.extra.clone();
        if self.pass_base {
            v.push(PathBuf::from("-b"));
            v.push(base.to_path_buf());
        }
        for d in &self.includes {
            v.push(PathBuf::from("-I"));
            v.push(match d.strip_prefix(&self.base) {
                Ok(rel) => base.join(rel),
                Err(_) => d.clone(),
            });
        }
        v
    }

    fn compile(
        &self,
        args: &[PathBuf],
        cwd: &Path,
        file: Option<&Path>,
        stdin: Option<&str>,
    ) -> Option<Vec<u8>> {
        let a: Vec<&Path> = args.iter().map(PathBuf::as_path).collect();
        self.reference.compile(&a, cwd, file, stdin)
    }

    pub(super) fn options(&self) -> Options {
        Options {
            search: SearchPath {
                include_dirs: self.includes.clone(),
                base_dir: self.base.clone(),
                cwd: self.cwd.clone(),
                fs: aaprof::vfs::Vfs::disk(),
            },
            features: aaprof::features::Features::all(),
            warn_unsupported: false,
            fragments: false,
        }
    }
}

/// Compare every case of `corpus`; prints the table line.
fn run(corpus: &Corpus) -> Vec<Compared> {
    let out = corpus.out_dir();
    let _ = std::fs::remove_dir_all(&out);
    for d in ["fix", "emit", "outside"] {
        std::fs::create_dir_all(out.join(d)).expect("mkdir under target/");
    }
    let stdin = corpus.cases.iter().all(|c| c.path.is_none());
    // the formatted include tree (for the cases read from files)
    let fmt_base = out.join("fmt");
    let tree = if stdin {
        FormattedTree {
            formatted: 0,
            changed: 0,
            refused: Default::default(),
        }
    } else {
        formatted_copy(&corpus.base, &fmt_base)
    };
    let args = corpus.args(&corpus.base);
    let fmt_args = corpus.args(&fmt_base);
    let opts = corpus.options();
    let session = Session::new();
    let cache = Cache::default();
    let settings = Settings::all();
    let memo = Memo::default();
    let args_key = format!("{args:?}");
    let indexed: Vec<(usize, &Case)> = corpus.cases.iter().enumerate().collect();
    let compile_text = |key: &str, args: &[PathBuf], cwd: &Path, text: &str| {
        memo.get_or((key.to_string(), text.to_string()), || {
            corpus.compile(args, cwd, None, Some(text))
        })
    };
    let results = par_map(&indexed, |&(i, case)| {
        let before = match &case.path {
            Some(p) => corpus.compile(&args, &corpus.cwd, Some(p), None),
            None => compile_text(&args_key, &args, &corpus.cwd, &case.text),
        }?;
        let judge = |after: Option<Vec<u8>>| match after {
            Some(b) if b == before => Verdict::Same,
            Some(_) => Verdict::Differs,
            None => Verdict::Rejected,
        };
        // fmt: the case's file in the formatted tree, or its formatted text
        let fmt = match &case.path {
            Some(p) if tree.refused.contains(p) => Verdict::Refused,
            Some(p) => {
                let target = match p.strip_prefix(&corpus.base) {
                    Ok(rel) => Some(fmt_base.join(rel)),
                    Err(_) => format_checked(&case.text, &case.what).map(|f| {
                        let t = out.join("outside").join(format!("{i}.fmt"));
                        std::fs::write(&t, f).expect("write under target/");
                        t
                    }),
                };
                match target {
                    Some(t) => judge(corpus.compile(&fmt_args, &corpus.cwd, Some(&t), None)),
                    None => Verdict::Refused,
                }
            }
            None => match format_checked(&case.text, &case.what) {
                Some(f) if f == case.text => Verdict::Same,
                Some(f) => judge(compile_text(&args_key, &args, &corpus.cwd, &f)),
                None => Verdict::Refused,
            },
        };
        // fix: every rule on, safe fixes only, on the case's own text
        let linted = lint_source(
            &Linter {
                session: &session,
                opts: &opts,
                settings: &settings,
                cache: &cache,
            },
            &case.what,
            case.path.as_deref(),
            Some(case.text.clone()),
            FixMode::Safe,
        );
        let fixed = linted.fixed.as_ref().map(|f| f.text.clone());
        let fix = match &fixed {
            None => Verdict::Same,
            Some(t) if case.path.is_some() => {
                let file = out.join("fix").join(i.to_string());
                std::fs::write(&file, t).expect("write under target/");
                judge(corpus.compile(&args, &corpus.cwd, Some(&file), None))
            }
            Some(t) => judge(compile_text(&args_key, &args, &corpus.cwd, t)),
        };
        // emit: the resolved policy as one text, compiled with no include path
        let checked =
            session.check_text(&case.what, case.path.as_deref(), case.text.clone(), &opts);
        let emitted = if checked.has_errors() {
            Verdict::Refused
        } else {
            let abi = abi_reference(&checked.policy, &opts.search);
            let text = emit(
                &checked.policy,
                std::slice::from_ref(&case.what),
                abi.as_deref(),
            );
            let dir = out.join("emit");
            let file = dir.join(format!("{i}.emitted"));
            std::fs::write(&file, &text).expect("write under target/");
            let after = memo.get_or(("emit".to_string(), text.clone()), || {
                corpus.compile(&corpus.extra, &dir, Some(&file), None)
            });
            match &after {
                Some(a) if *a != before && net_table_lost(corpus, &before, a, case, &file) => {
                    Verdict::NetTableLost
                }
                _ => judge(after),
            }
        };
        Some(Compared {
            what: case.what.clone(),
            verdicts: [fmt, fix, emitted],
            fixed: fixed.is_some(),
        })
    });
    let mut results = results;
    results.sort_by(|a, b| a.what.cmp(&b.what));
    let same = |k: usize| {
        results
            .iter()
            .filter(|r| r.verdicts[k] == Verdict::Same)
            .count()
    };
    println!(
        "oracle | {} | {} | {} cases | {} compiled | identical: fmt {}, fix {} ({} fixed), emit {} (+{} where the reference lost network rules) | {} files formatted, {} changed",
        corpus.name,
        corpus.reference.version(),
        corpus.cases.len(),
        results.len(),
        same(0),
        same(1),
        results.iter().filter(|r| r.fixed).count(),
        same(2),
        results
            .iter()
            .filter(|r| r.verdicts[2] == Verdict::NetTableLost)
            .count(),
        tree.formatted,
        tree.changed,
    );
    if !tree.refused.is_empty() {
        println!(
            "  files of the tree aaprof does not format: {:?}",
            tree.refused
        );
    }
    results
}

/// Whether the emitted text's bytes `after` differ from the original's
/// `before` only where the 6.0 reference loses network rules of the
/// original. On a kernel without `network_v8`, it writes network rules to
/// a legacy table (`net_allowed_af`) that is one static buffer for the
/// whole file (`network_rule::allow` in its `network.h`), freed whenever a
/// `network_rule` is destroyed: as every profile holds one, that happens
/// each time a `{ }` block or a conditional branch closes (the parser
/// deletes the temporary profile that held its rules). The rules read
/// before are lost, and the emitted text, with no blocks left, keeps them.
///
/// Decided on the bytes: with the table cut out, both are identical; each
/// entry of the original's table is contained in the emitted one's; and
/// compiled for a kernel with network mediation in the policy automaton
/// (`features.extended-perms-policydb`, where that table is not written),
/// the two are byte-identical.
fn net_table_lost(
    corpus: &Corpus,
    before: &[u8],
    after: &[u8],
    case: &Case,
    emitted: &Path,
) -> bool {
    if corpus.reference != Reference::Upstream {
        return false;
    }
    let (Some((rest_b, tables_b)), Some((rest_a, tables_a))) =
        (cut_net_tables(before), cut_net_tables(after))
    else {
        return false;
    };
    let contained = tables_b.len() == tables_a.len()
        && tables_b
            .iter()
            .zip(&tables_a)
            .all(|(b, a)| b.len() == a.len() && b.iter().zip(a).all(|(x, y)| x & y == *x));
    if rest_b != rest_a || !contained {
        return false;
    }
    let features = "features.extended-perms-policydb";
    let owned = corpus.args(&corpus.base);
    let args: Vec<&Path> = owned.iter().map(PathBuf::as_path).collect();
    let original = match &case.path {
        Some(p) => corpus
            .reference
            .compile_for(features, &args, &corpus.cwd, Some(p), None),
        None => corpus
            .reference
            .compile_for(features, &args, &corpus.cwd, None, Some(&case.text)),
    };
    let extra: Vec<&Path> = corpus.extra.iter().map(PathBuf::as_path).collect();
    let dir = emitted.parent().unwrap_or(Path::new("."));
    let emit = corpus
        .reference
        .compile_for(features, &extra, dir, Some(emitted), None);
    original.is_some() && original == emit
}

/// The binary policy with every `net_allowed_af` array cut out, and the
/// arrays' values (allowed, audited, quieted per address family); `None`
/// where an array is not well formed.
fn cut_net_tables(policy: &[u8]) -> Option<(Vec<u8>, Vec<Vec<u16>>)> {
    const NAME: &[u8] = b"\x04\x0f\x00net_allowed_af\x00";
    let mut rest = Vec::with_capacity(policy.len());
    let mut tables = Vec::new();
    let mut at = 0;
    while let Some(found) = policy[at..].windows(NAME.len()).position(|w| w == NAME) {
        let start = at + found;
        rest.extend_from_slice(&policy[at..start]);
        let mut k = start + NAME.len();
        // an array (0x0b) of u16 count, then count × 3 u16 (0x02, value)
        if policy.get(k) != Some(&0x0b) {
            return None;
        }
        let count = u16::from_le_bytes([*policy.get(k + 1)?, *policy.get(k + 2)?]) as usize;
        k += 3;
        let mut values = Vec::with_capacity(count * 3);
        for _ in 0..count * 3 {
            values.push(u16::from_le_bytes([
                *policy.get(k + 1)?,
                *policy.get(k + 2)?,
            ]));
            k += 3;
        }
        // the array's end (0x0c)
        if policy.get(k) != Some(&0x0c) {
            return None;
        }
        tables.push(values);
        at = k + 1;
    }
    rest.extend_from_slice(&policy[at..]);
    Some((rest, tables))
}

/// How many originals the reference must compile.
enum Expect {
    Exactly(usize),
    /// For trees the machine installs (their packages may grow).
    AtLeast(usize),
}

/// Every comparison byte-identical, or listed with its cause in
/// tests/oracle-known-differences.txt (or, for emit, explained by the
/// reference's lost network rules, see [`net_table_lost`]); a listed one
/// that no longer differs fails too.
fn assert_oracle(corpus: Corpus, expect: Expect) {
    let results = run(&corpus);
    let compiled = results.len();
    let label = format!("{} with {}", corpus.name, corpus.reference.version());
    let mut bad = Vec::new();
    for r in &results {
        for (k, v) in r.verdicts.iter().enumerate() {
            if *v == Verdict::NetTableLost {
                println!(
                    "  {} {}: the reference lost network rules of the original",
                    CHECKS[k], r.what
                );
            } else if *v != Verdict::Same {
                bad.push(format!("{} {}: {v:?}", CHECKS[k], r.what));
            }
        }
    }
    for b in &bad {
        println!("  {b}");
    }
    match expect {
        Expect::Exactly(n) => assert_eq!(compiled, n, "{label}: originals compiled"),
        Expect::AtLeast(n) => assert!(
            compiled >= n,
            "{label}: only {compiled} originals compiled, expected at least {n}"
        ),
    }
    let known = known_differences(&corpus);
    let new: Vec<&String> = bad.iter().filter(|b| !known.contains(b)).collect();
    let gone: Vec<&String> = known.iter().filter(|k| !bad.contains(k)).collect();
    assert!(
        new.is_empty(),
        "{label}: {} comparisons not byte-identical (out of {compiled} profiles) and not in tests/oracle-known-differences.txt:\n{}",
        new.len(),
        new.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        gone.is_empty(),
        "{label}: now byte-identical, remove from tests/oracle-known-differences.txt: {gone:#?}"
    );
}

/// The lines of `tests/oracle-known-differences.txt` for this corpus and
/// reference, as `CHECK CASE: Differs` (the form `assert_oracle` lists).
fn known_differences(corpus: &Corpus) -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("tests/oracle-known-differences.txt"))
        .expect("tests/oracle-known-differences.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(" | ").collect();
            let [version, name, what, _why] = f[..] else {
                panic!("malformed line in tests/oracle-known-differences.txt: {l}");
            };
            (version == corpus.reference.version() && name == corpus.name)
                .then(|| format!("{what}: Differs"))
        })
        .collect()
}

fn file_cases(paths: Vec<PathBuf>) -> Vec<Case> {
    paths
        .into_iter()
        .filter_map(|p| {
            let text = String::from_utf8(std::fs::read(&p).ok()?).ok()?;
            Some(Case {
                // named as ../shared/... wherever the checkout is
                what: match p.strip_prefix(shared()) {
                    Ok(rel) => format!("../shared/{}", rel.display()),
                    Err(_) => p.display().to_string(),
                },
                path: Some(p),
                text,
                todo: false,
            })
        })
        .collect()
}

pub(super) fn upstream(reference: Reference) -> Corpus {
    let base = shared().join("corpora/upstream");
    Corpus {
        name: "upstream",
        reference,
        cwd: base.clone(),
        cases: file_cases(top_level_files(&base)),
        base,
        includes: vec![],
        pass_base: true,
        extra: vec![],
    }
}

pub(super) fn project(reference: Reference) -> Corpus {
    // the project's corpus takes its includes from the upstream tree
    let base = shared().join("corpora/upstream");
    Corpus {
        name: "corpus",
        reference,
        cwd: base.clone(),
        cases: file_cases(top_level_files(&repo().join("corpus"))),
        base,
        includes: vec![],
        pass_base: true,
        extra: vec![],
    }
}

pub(super) fn apparmor_d(reference: Reference) -> Corpus {
    let tree = shared().join("corpora/apparmor.d");
    let base = match reference {
        Reference::Upstream => tree,
        Reference::Debian => {
            let copy = repo().join("target/oracle/3.0.8-apparmor.d-tree");
            let touched = normalized_copy(&tree, &copy);
            println!("oracle apparmor.d: {touched} files rewritten for Debian's 3.0.8 parser");
            copy
        }
    };
    Corpus {
        name: "apparmor.d",
        reference,
        cwd: base.clone(),
        cases: file_cases(walk_dir(&base.join("profiles")).expect("profiles")),
        includes: vec![base.join("mappings")],
        base,
        pass_base: true,
        extra: vec![],
    }
}

pub(super) fn debian(reference: Reference) -> Corpus {
    let base = PathBuf::from("/etc/apparmor.d");
    let extra = Path::new("/usr/share/apparmor/extra-profiles");
    assert!(
        extra.is_dir() && base.is_dir(),
        "Debian's apparmor packages are not installed; run the test command from README.md"
    );
    let mut profiles = top_level_files(&base);
    profiles.extend(top_level_files(extra));
    Corpus {
        name: "debian",
        reference,
        cwd: base.clone(),
        cases: file_cases(profiles),
        base,
        includes: vec![],
        pass_base: true,
        extra: vec![],
    }
}

/// The `EXRESULT PASS` cases that are not disabled, as upstream's harness
/// feeds them: without the `#=` lines, on standard input, from `tst/`,
/// with `-I tst/simple_tests` and no `-b`.
pub(super) fn conformance(reference: Reference) -> Corpus {
    let tst = shared().join("conformance/tst");
    let simple = tst.join("simple_tests");
    let mut cases = Vec::new();
    for f in super::support::sd_files(&simple) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).expect("case")).into_owned();
        if text.lines().any(|l| l.starts_with("#=DISABLED"))
            || !text.lines().any(|l| l.trim_end() == "#=EXRESULT PASS")
        {
            continue;
        }
        let policy: String = text
            .split_inclusive('\n')
            .filter(|l| !l.starts_with("#="))
            .collect();
        cases.push(Case {
            what: f.strip_prefix(&simple).unwrap_or(&f).display().to_string(),
            path: None,
            todo: text.lines().any(|l| l.starts_with("#=TODO")),
            text: policy,
        });
    }
    // upstream's harness gives the features file; 6.0 is always given it
    let extra = match reference {
        Reference::Debian => vec![
            PathBuf::from("-M"),
            shared().join("conformance/features/features.all"),
        ],
        Reference::Upstream => vec![],
    };
    Corpus {
        extra,
        name: "conformance",
        reference,
        base: simple.clone(),
        cwd: tst,
        includes: vec![simple],
        pass_base: false,
        cases,
    }
}

#[test]
fn upstream_corpus_debian_3_0() {
    assert_oracle(upstream(Reference::Debian), Expect::Exactly(15));
}

#[test]
fn upstream_corpus_upstream_6_0() {
    assert_oracle(upstream(Reference::Upstream), Expect::Exactly(198));
}

#[test]
fn project_corpus_debian_3_0() {
    assert_oracle(project(Reference::Debian), Expect::Exactly(3));
}

#[test]
fn project_corpus_upstream_6_0() {
    assert_oracle(project(Reference::Upstream), Expect::Exactly(3));
}

// 3.0.8 compiles 948 files of the rewritten copy.
#[test]
fn apparmor_d_corpus_debian_3_0() {
    assert_oracle(apparmor_d(Reference::Debian), Expect::Exactly(948));
}

#[test]
fn apparmor_d_corpus_upstream_6_0() {
    assert_oracle(apparmor_d(Reference::Upstream), Expect::Exactly(1343));
}

#[test]
fn debian_profiles_debian_3_0() {
    assert_oracle(debian(Reference::Debian), Expect::AtLeast(143));
}

#[test]
fn debian_profiles_upstream_6_0() {
    assert_oracle(debian(Reference::Upstream), Expect::AtLeast(143));
}

#[test]
fn conformance_pass_cases_debian_3_0() {
    assert_oracle(conformance(Reference::Debian), Expect::Exactly(2062));
}

#[test]
fn conformance_pass_cases_upstream_6_0() {
    assert_oracle(conformance(Reference::Upstream), Expect::Exactly(2359));
}

/// Copy `from` to `to`, formatting every file that formats (not the
/// kernel feature files under `abi/`).
struct FormattedTree {
    formatted: usize,
    changed: usize,
    /// Text files aaprof refused to format (copied as they are).
    refused: std::collections::HashSet<PathBuf>,
}

fn formatted_copy(from: &Path, to: &Path) -> FormattedTree {
    let mut tree = FormattedTree {
        formatted: 0,
        changed: 0,
        refused: Default::default(),
    };
    let _ = std::fs::remove_dir_all(to);
    for p in walk_all(from) {
        let rel = p.strip_prefix(from).expect("under root");
        let target = to.join(rel);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        let bytes = std::fs::read(&p).expect("readable");
        let is_abi = rel.components().any(|c| c.as_os_str() == "abi");
        let out = match String::from_utf8(bytes.clone()) {
            Ok(t) if !is_abi => match format_checked(&t, &p.display().to_string()) {
                Some(f) => {
                    tree.changed += usize::from(f != t);
                    Some(f)
                }
                None => {
                    tree.refused.insert(p.clone());
                    None
                }
            },
            _ => None,
        };
        match out {
            Some(f) => {
                tree.formatted += 1;
                std::fs::write(&target, f).expect("write");
            }
            None => std::fs::write(&target, bytes).expect("write"),
        }
    }
    tree
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
fn normalization_rewrites_only_the_two_constructs() {
    let text =
        "@{A}=/a # note\n@{B}=/b\n/x rwl -> /y@{B},\n/x rw,\nlink /p -> /q@{A},\n/z r, # keep\n";
    let (n, changed) = normalize_for_3_0(text);
    assert!(changed);
    assert_eq!(n, "@{A}=/a\n@{B}=/b\n\n/x rw,\n\n/z r, # keep\n");
}
