//! The documentation of the front end's and the Kubernetes checks' codes
//! (`src/diag/codes/*.md`, printed by `aaprof rule CODE`, generated into
//! `docs/rules/check/` and `docs/rules/k8s/`): every code has one page with
//! its three parts, every checked example produces its code, and the
//! generated pages are up to date.

use super::support::repo;
use aaprof::diag::code::ALL;
use aaprof::diag::doc::{self, Family};
use aaprof::k8s::{self, yaml};
use aaprof::resolve::{Options, Session};

#[test]
fn every_code_has_one_section_with_its_three_parts() {
    for family in Family::ALL {
        let secs = doc::sections(family);
        for s in &secs {
            let code = ALL.iter().find(|c| c.id == s.id);
            let code = code.unwrap_or_else(|| panic!("{}: a section for no code", s.id));
            assert_eq!(Family::of(*code), family, "{} in the wrong file", s.id);
            assert_eq!(code.name, s.name, "{}: the heading's name", s.id);
            assert_eq!(
                secs.iter().filter(|o| o.id == s.id).count(),
                1,
                "{} documented twice",
                s.id
            );
        }
    }
    let docs = doc::all();
    for c in ALL {
        let d = docs.iter().find(|d| d.code == *c);
        let d = d.unwrap_or_else(|| panic!("{} ({}) is not documented", c.id, c.name));
        let body = d.section.body;
        let parts: Vec<&str> = body
            .lines()
            .filter_map(|l| l.strip_prefix("### "))
            .collect();
        assert_eq!(
            parts,
            ["What it means", "Example", "How to fix"],
            "{}: the parts of its section",
            c.id
        );
        assert!(!d.summary().is_empty(), "{}: empty summary", c.id);
        assert!(!d.examples().is_empty(), "{}: no example block", c.id);
        for (info, _) in d.examples() {
            assert!(
                ["apparmor", "yaml", "text"].contains(&info),
                "{}: example fenced as `{info}`",
                c.id
            );
        }
    }
    assert_eq!(docs.len(), ALL.len());
}

/// An example fenced `apparmor` is checked as a policy file, one fenced
/// `yaml` as a manifest (with no profile tree): each must produce its code.
#[test]
fn checked_examples_produce_their_code() {
    let mut checked = 0;
    for d in doc::all() {
        for (info, text) in d.examples() {
            let found: Vec<&str> = match info {
                "apparmor" => {
                    let session = Session::new();
                    let out =
                        session.check_text("example", None, text.to_string(), &Options::default());
                    out.diagnostics.iter().map(|x| x.code.id).collect()
                }
                "yaml" => {
                    let session = Session::new();
                    let file = session.add_text("example", None, text.to_string());
                    let stream = yaml::parse(text, file);
                    // Namespace objects set their own Pod Security level,
                    // as on the command line
                    let opts = k8s::Options {
                        namespaces: k8s::namespace_policies(&stream).into_iter().collect(),
                        ..k8s::Options::default()
                    };
                    k8s::check(&stream, text, &opts)
                        .iter()
                        .map(|x| x.code.id)
                        .collect()
                }
                _ => continue,
            };
            assert!(
                found.contains(&d.code.id),
                "the example of {} gives {found:?}:\n{text}",
                d.code.id
            );
            checked += 1;
        }
    }
    // the others are outputs or need files, flags or a profile tree
    assert!(checked >= 45, "only {checked} examples checked");
}

/// `docs/rules/check/` and `docs/rules/k8s/` are generated (`aaprof rule
/// --write-docs docs/rules`); they must match the code.
#[test]
fn code_docs_are_in_sync() {
    for family in Family::ALL {
        let dir = repo().join("docs/rules").join(family.dir());
        for d in doc::all().into_iter().filter(|d| d.family == family) {
            let page = dir.join(format!("{}.md", d.code.name));
            let have = std::fs::read_to_string(&page).unwrap_or_default();
            assert!(
                have == d.markdown(),
                "{} is out of date: run `cargo run -- rule --write-docs docs/rules`",
                page.display()
            );
        }
        let index = std::fs::read_to_string(dir.join("README.md")).unwrap_or_default();
        assert!(
            index == doc::index_markdown(family),
            "{}/README.md is out of date: run `cargo run -- rule --write-docs docs/rules`",
            dir.display()
        );
        // no page for a code that is gone
        for e in std::fs::read_dir(&dir).expect("docs dir") {
            let name = e.expect("entry").file_name().to_string_lossy().into_owned();
            let stem = name.trim_end_matches(".md");
            assert!(
                name == "README.md"
                    || doc::all()
                        .iter()
                        .any(|d| d.family == family && d.code.name == stem),
                "{}/{name} documents no code",
                family.dir()
            );
        }
    }
}
