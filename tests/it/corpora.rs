//! Real-world profile trees must check clean: every profile of the upstream
//! tree and of the apparmor.d project (with their include bases), our own
//! `corpus/`, and the profiles Debian's packages install. Where the
//! reference parser rejects a profile too, we must reject it as well; those
//! are listed here with the reason.

use super::support::{concise, par_map, repo, shared, top_level_files};
use aaprof::resolve::{Options, SearchPath, Session, walk_dir};
use std::path::{Path, PathBuf};

fn opts(base: &Path, include: &[PathBuf]) -> Options {
    Options {
        search: SearchPath {
            include_dirs: include.to_vec(),
            base_dir: base.to_path_buf(),
            cwd: base.to_path_buf(),
            fs: aaprof::vfs::Vfs::disk(),
        },
        features: aaprof::features::Features::all(),
        warn_unsupported: false,
        fragments: false,
    }
}

/// Check files; return (file, diagnostics) for every file with an error.
fn failing(files: &[PathBuf], opts: &Options) -> Vec<(String, String)> {
    let session = Session::new();
    let mut out = Vec::new();
    for f in files {
        let o = session.check_path(f, &f.display().to_string(), opts);
        if o.has_errors() {
            out.push((f.display().to_string(), concise(&session.sources(), &o)));
        }
    }
    out
}

#[test]
fn upstream_profiles_check_clean() {
    let base = shared().join("corpora").join("upstream");
    let files = top_level_files(&base);
    assert!(
        files.len() >= 190,
        "upstream corpus missing ({} files)",
        files.len()
    );
    let bad = failing(&files, &opts(&base, &[]));
    assert!(bad.is_empty(), "upstream profiles with errors: {bad:#?}");
}

/// A session shared by many files, as `check` shares one (on two threads)
/// and the language server keeps one, reads each file as a session of its
/// own does: what it keeps between profiles (included rules expanded and
/// checked, what a body's include brought in, the tunables' state) changes
/// neither the findings nor the policy. Every apparmor.d profile, checked
/// with the features file's warnings and as fragments where they are.
#[test]
fn a_shared_session_reads_each_profile_as_a_session_of_its_own() {
    let root = shared().join("corpora").join("apparmor.d");
    let mut files = walk_dir(&root.join("profiles")).expect("profiles readable");
    files.extend(walk_dir(&root.join("abstractions")).expect("abstractions readable"));
    files.sort();
    assert!(files.len() >= 1300, "apparmor.d corpus missing");
    let mut o = opts(&root, &[root.join("mappings")]);
    o.warn_unsupported = true;
    o.fragments = true;
    let read = |session: &Session, f: &PathBuf| {
        let name = f.display().to_string();
        let out = session.check_path(f, &name, &o);
        let abi = aaprof::emit::abi_reference(&out.policy, &o.search);
        let text = aaprof::emit::emit(&out.policy, std::slice::from_ref(&name), abi.as_deref());
        let rules: usize = out.policy.profiles.iter().map(|p| p.rules.len()).sum();
        (
            name,
            concise(&session.sources(), &out),
            text,
            rules,
            out.read.len(),
        )
    };
    let one = Session::new();
    let mut together = par_map(&files, |f| Some(read(&one, f)));
    let mut alone = par_map(&files, |f| Some(read(&Session::new(), f)));
    together.sort();
    alone.sort();
    assert_eq!(together.len(), alone.len());
    let differ: Vec<String> = together
        .iter()
        .zip(&alone)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| {
            format!(
                "{}: shared session:\n{}\n{} rules, {} files read\nits own:\n{}\n{} rules, {} files read",
                a.0, a.1, a.3, a.4, b.1, b.3, b.4
            )
        })
        .collect();
    assert!(
        differ.is_empty(),
        "{} of {} files read otherwise in a shared session:\n{}",
        differ.len(),
        files.len(),
        differ
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn apparmor_d_profiles_match_the_reference_verdicts() {
    let root = shared().join("corpora").join("apparmor.d");
    let files = walk_dir(&root.join("profiles")).expect("profiles readable");
    assert!(
        files.len() >= 1300,
        "apparmor.d corpus missing ({} files)",
        files.len()
    );
    let bad = failing(&files, &opts(&root, &[root.join("mappings")]));
    let names: Vec<String> = bad
        .iter()
        .map(|(f, _)| f.rsplit('/').next().unwrap_or(f).to_string())
        .collect();
    let mut got = names.clone();
    got.sort();
    let mut want: Vec<String> = REJECTED.iter().map(|(f, _)| f.to_string()).collect();
    want.sort();
    assert_eq!(
        got, want,
        "verdicts differ from the reference parser: {bad:#?}"
    );
}

/// The apparmor.d profiles that the reference parser rejects (see
/// corpora/README.md: 11 profiles for conflicting exec modifiers between
/// overlapping rules, 2 for an undeclared `@{appid}`, 1 syntax error), as
/// files, with the reason aaprof gives.
const REJECTED: &[(&str, &str)] = &[
    ("pg_dropcluster", "syntax error: an include inside a rule"),
    (
        "steam-game-native",
        "undefined @{appid} in abstractions/flatpak",
    ),
    (
        "steam-game-proton",
        "undefined @{appid} in abstractions/flatpak",
    ),
    ("epiphany", "one glycin loader path with two Px targets"),
    ("fbwrap", "one glycin loader path with two Px targets"),
    ("foliate", "one glycin loader path with Px and Cx targets"),
    (
        "xdg-desktop-portal-validate-icon",
        "one glycin loader path with Px and Cx targets",
    ),
    ("flatpak", "bwrap with two Px targets"),
    ("gnome-software", "bwrap with two Px targets"),
    ("sshd", "login shells both Ux and Cx -> shell"),
    ("sshd-session", "login shells both Ux and Cx -> shell"),
    ("login", "login shells both Ux and Cx -> shell"),
    ("su", "login shells both Ux and Cx -> shell"),
];

#[test]
fn own_corpus_checks_clean() {
    let dir = repo().join("corpus");
    let files = walk_dir(&dir).expect("corpus readable");
    assert!(files.len() >= 3, "our corpus has {} profiles", files.len());
    // our profiles include the usual abstractions; the upstream tree
    // provides them
    let base = shared().join("corpora").join("upstream");
    let bad = failing(&files, &opts(&base, &[]));
    assert!(bad.is_empty(), "corpus profiles with errors: {bad:#?}");
}

/// The profiles Debian's apparmor, apparmor-profiles and
/// apparmor-profiles-extra packages install (the test set-up installs them).
#[test]
fn debian_packaged_profiles_check_clean() {
    let etc = PathBuf::from("/etc/apparmor.d");
    let extra = PathBuf::from("/usr/share/apparmor/extra-profiles");
    assert!(
        etc.join("tunables").is_dir() && extra.is_dir(),
        "Debian's apparmor packages are not installed; run the test command from README.md"
    );
    let mut files = top_level_files(&etc);
    files.extend(top_level_files(&extra));
    assert!(
        files.len() >= 100,
        "only {} Debian profiles found",
        files.len()
    );
    let bad = failing(&files, &opts(&etc, &[]));
    assert!(bad.is_empty(), "Debian profiles with errors: {bad:#?}");
}

/// Lint every corpus with the default rules — profiles, and abstractions
/// on their own: real, loading policy must raise no correctness error.
#[test]
fn corpora_lint_without_correctness_errors() {
    use aaprof::lint::{Category, FixMode, Linter, RULES, Settings, lint_source, registry};
    let up = shared().join("corpora").join("upstream");
    let ad = shared().join("corpora").join("apparmor.d");
    let fragments = |mut o: Options| {
        o.fragments = true;
        o
    };
    let sets: Vec<(Vec<PathBuf>, Options)> = vec![
        (top_level_files(&up), opts(&up, &[])),
        (
            walk_dir(&up.join("abstractions")).expect("abstractions"),
            fragments(opts(&up, &[])),
        ),
        (
            walk_dir(&ad.join("abstractions")).expect("abstractions"),
            fragments(opts(&ad, &[ad.join("mappings")])),
        ),
        (
            walk_dir(&ad.join("profiles")).expect("profiles"),
            opts(&ad, &[ad.join("mappings")]),
        ),
        (
            top_level_files(Path::new("/etc/apparmor.d")),
            opts(Path::new("/etc/apparmor.d"), &[]),
        ),
    ];
    let settings = Settings::default();
    let mut linted = 0;
    let mut findings = 0;
    let mut bad = Vec::new();
    for (files, o) in &sets {
        let session = Session::new();
        let cache = aaprof::lint::Cache::default();
        for f in files {
            let r = lint_source(
                &Linter {
                    session: &session,
                    opts: o,
                    settings: &settings,
                    cache: &cache,
                },
                &f.display().to_string(),
                Some(f),
                None,
                FixMode::Off,
            );
            linted += 1;
            for d in &r.diagnostics {
                let Some(rule) = registry::find(d.code.id) else {
                    continue;
                };
                findings += 1;
                if rule.def.category == Category::Correctness && d.is_error() {
                    bad.push(format!("{}: {} {}", f.display(), d.code.id, d.message));
                }
            }
        }
    }
    assert!(linted >= 2200, "only {linted} files linted");
    assert!(findings > 0, "no lint finding at all in {linted} files");
    assert!(
        bad.is_empty(),
        "correctness errors in valid policy: {bad:#?}"
    );
    assert!(
        RULES
            .iter()
            .filter(|r| r.def.category == Category::Correctness)
            .count()
            >= 10
    );
}

/// Abstractions checked on their own, as the body of a profile (files
/// under `abstractions/`, with `<tunables/global>` first): upstream's all
/// check clean; of apparmor.d's, one is rejected, as the reference parser
/// rejects it inside any profile (an `ix` rule with a link target `->`
/// overlapping a plain `ix` rule is a conflicting exec transition).
#[test]
fn abstractions_check_as_fragments() {
    let walk = |root: &Path, inc: &[PathBuf]| {
        let mut o = opts(root, inc);
        o.fragments = true;
        let files = walk_dir(&root.join("abstractions")).expect("abstractions");
        assert!(files.len() > 100, "{} abstractions", files.len());
        failing(&files, &o)
    };
    let up = shared().join("corpora").join("upstream");
    let bad = walk(&up, &[]);
    assert!(
        bad.is_empty(),
        "upstream abstractions with errors: {bad:#?}"
    );
    let ad = shared().join("corpora").join("apparmor.d");
    let bad = walk(&ad, &[ad.join("mappings")]);
    let names: Vec<&str> = bad.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(names.len(), 1, "{bad:#?}");
    assert!(names[0].ends_with("abstractions/common/app"), "{bad:#?}");
    assert!(bad[0].1.contains("E0503"), "{bad:#?}");
}
