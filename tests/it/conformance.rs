//! The upstream parser test suite, run the way upstream runs it: each case's
//! lines other than its `#=` header lines are the policy, read as standard
//! input with the working directory `tst/`, include path
//! `tst/simple_tests` and features `features/features.all`. The verdict
//! (accepted or rejected) is compared with `#=EXRESULT`.
//!
//! The agreement is a ratchet: `tests/conformance-ratchet.txt` records the
//! number of agreeing cases per group, and this test fails if any drops.
//! Raise the numbers there when the implementation improves.

use super::support::{repo, shared};
use aaprof::features::Features;
use aaprof::resolve::{Options, SearchPath, Session};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

struct Case {
    path: PathBuf,
    family: String,
    generated: bool,
    expect_pass: bool,
    policy: String,
}

fn cases(root: &Path) -> Vec<Case> {
    let files = super::support::sd_files(root);
    let mut out = Vec::new();
    for path in files {
        let bytes = std::fs::read(&path).expect("case readable");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if text.lines().any(|l| l.starts_with("#=DISABLED")) {
            continue; // upstream scores disabled cases as TODO whatever happens
        }
        let expect_pass = text
            .lines()
            .find_map(|l| l.strip_prefix("#=EXRESULT"))
            .map(|v| v.trim() == "PASS")
            .expect("every case states #=EXRESULT");
        let policy: String = text
            .split_inclusive('\n')
            .filter(|l| !l.starts_with("#="))
            .collect();
        let rel = path.strip_prefix(root).expect("under root");
        let family = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push(Case {
            generated: family.starts_with("generated_"),
            family,
            path,
            expect_pass,
            policy,
        });
    }
    out
}

fn read_ratchet(path: &Path) -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(path).expect("ratchet file present");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').expect("KEY=COUNT lines");
            (k.trim().to_string(), v.trim().parse().expect("count"))
        })
        .collect()
}

#[test]
fn upstream_conformance_suite() {
    let tst = shared().join("conformance").join("tst");
    let simple = tst.join("simple_tests");
    let features_text = std::fs::read_to_string(shared().join("conformance/features/features.all"))
        .expect("features.all readable");
    let features = Features::parse(&features_text).expect("features.all parses");
    let opts = Options {
        search: SearchPath {
            include_dirs: vec![simple.clone()],
            // upstream's harness passes no -b; pin the base to the suite so
            // the machine's /etc/apparmor.d cannot change verdicts
            base_dir: simple.clone(),
            cwd: tst.clone(),
            fs: aaprof::vfs::Vfs::disk(),
        },
        features,
        warn_unsupported: false,
        fragments: false,
    };
    let all = cases(&simple);
    assert!(all.len() > 3000, "conformance cases missing: {}", all.len());
    // family -> (agree, total)
    let mut per_family: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut hand, mut hand_total, mut gen_, mut gen_total) = (0, 0, 0, 0);
    let mut wrong = Vec::new();
    for c in &all {
        let session = Session::new();
        let out = session.check_text("-", None, c.policy.clone(), &opts);
        let agree = out.has_errors() != c.expect_pass;
        let e = per_family.entry(c.family.clone()).or_default();
        e.1 += 1;
        if agree {
            e.0 += 1;
        } else {
            wrong.push(
                c.path
                    .strip_prefix(&tst)
                    .unwrap_or(&c.path)
                    .display()
                    .to_string(),
            );
        }
        if c.generated {
            gen_total += 1;
            gen_ += agree as usize;
        } else {
            hand_total += 1;
            hand += agree as usize;
        }
    }
    let total = hand + gen_;
    let total_n = hand_total + gen_total;
    println!(
        "conformance: {total}/{total_n} agree ({:.2}%)",
        100.0 * total as f64 / total_n as f64
    );
    println!(
        "  hand-written: {hand}/{hand_total} ({:.2}%)",
        100.0 * hand as f64 / hand_total as f64
    );
    println!(
        "  generated:    {gen_}/{gen_total} ({:.2}%)",
        100.0 * gen_ as f64 / gen_total as f64
    );
    for (f, (a, n)) in &per_family {
        println!("  {f:<24} {a:>5}/{n:<5}");
    }
    let listing = repo().join("target").join("conformance-disagreements.txt");
    let _ = std::fs::write(&listing, wrong.join("\n"));
    println!("disagreeing cases listed in {}", listing.display());

    let ratchet = read_ratchet(&repo().join("tests").join("conformance-ratchet.txt"));
    let mut drops = Vec::new();
    let mut check = |key: &str, got: usize| {
        if let Some(&min) = ratchet.get(key) {
            if got < min {
                drops.push(format!("{key}: {got} < {min}"));
            }
        }
    };
    check("total", total);
    check("hand-written", hand);
    check("generated", gen_);
    for (f, (a, _)) in &per_family {
        check(f, *a);
    }
    assert!(drops.is_empty(), "conformance ratchet dropped: {drops:?}");
    // the bar the front end was accepted at
    assert!(
        hand * 1000 >= hand_total * 985,
        "hand-written agreement below 98.5%"
    );
    assert!(total * 100 >= total_n * 95, "overall agreement below 95%");
}
