//! `aaprof compile` of signal, ptrace, mqueue, io_uring and userns rules
//! against the 6.0 reference: every conformance PASS case that uses them,
//! the rule samples below and the upstream profiles that use them, for
//! several kernels, compared semantically by [`compare`] (records, and
//! the product walk of every automaton pair with permissions decoded in
//! the kernel's terms).

use crate::support::{PolicyCompile, par_map, sd_files, shared};
use aaprof::binpolicy::{compare, decode, records};
use std::path::{Path, PathBuf};

/// One profile per sample, so that a difference names its rules.
const SAMPLES: &[&str] = &[
    // signal: permissions, sets, peers, qualifiers
    "signal,",
    "signal send,",
    "signal (receive),",
    "signal r, signal w,",
    "deny signal receive set=(hup usr1 rtmin+3 exists) peer=/usr/bin/*, signal,",
    "audit deny signal set=(kill), audit signal peer=foo,",
    "priority=10 signal set=(int) peer=a, priority=-5 deny signal,",
    "signal (send receive) set=(stp tstp) peer=\"{a,b/**}\",",
    "signal set=(rtmin+0 rtmin+32 emt) peer=\\x41b,",
    "prompt signal send,",
    "signal, deny signal,",
    "allow signal set=(hup), signal set=(hup),",
    // ptrace
    "ptrace,",
    "ptrace (read readby) peer=/bin/*, deny ptrace trace,",
    "audit ptrace tracedby, priority=3 deny ptrace readby peer=x, ptrace peer=x,",
    "ptrace peer=a\\*b, ptrace peer=[ab]?c,",
    "prompt ptrace read peer=x, ptrace,",
    "ptrace, audit deny ptrace,",
    // mqueue, posix and sysv
    "mqueue,",
    "mqueue (read write) /foo,",
    "mqueue create label=bar /q*, mqueue read label=bar /q*,",
    "mqueue type=sysv 1234, deny mqueue (delete getattr) type=sysv,",
    "mqueue label=foo,",
    "mqueue (create setattr) label=/foo/, mqueue open type=posix label=lab,",
    "audit mqueue getattr type=posix /a/b, deny mqueue create 42,",
    "mqueue label=\"*/\",",
    "mqueue label=a\\/,",
    "allow mqueue r /x, mqueue create /x,",
    "mqueue type=sysv 4294967297, mqueue type=sysv 0,",
    "mqueue type=posix /a/**, mqueue delete /a/*/b,",
    "mqueue r label=foo, mqueue w label=foo, audit mqueue create label=foo,",
    "prompt mqueue /a,",
    "priority=7 mqueue (open getattr) type=sysv label=l 9,",
    // io_uring
    "io_uring,",
    "io_uring sqpoll, io_uring override_creds label=foo,",
    "io_uring sqpoll label=foo, io_uring override_creds label=foo,",
    "deny io_uring override_creds label=/bar*, audit io_uring sqpoll,",
    "priority=5 io_uring override_creds, deny io_uring,",
    "io_uring sqpoll label=a, allow io_uring override_creds label=a,",
    "prompt io_uring sqpoll,",
    // userns
    "userns,",
    "deny userns create,",
    "audit userns, priority=2 deny userns,",
    "prompt userns,",
    // all together, with a file rule
    "signal, ptrace, mqueue, io_uring, userns, file,",
];

/// A kernel to compile for: a features file.
struct Kernel {
    name: String,
    path: PathBuf,
}

fn features_dir() -> PathBuf {
    shared().join("conformance/features")
}

/// A temporary directory of one test.
fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aaprof-compile-ipc-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temporary directory");
    d
}

fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the features file has `{from}`");
    text.replacen(from, to, 1)
}

/// The shared features files: legacy and extended tables, kernels without
/// signal and ptrace mediation (`features.mount`, `features.dbus`), with
/// posix queues, io_uring and userns (the extended ones), without a policy
/// automaton (`features.nopolicydb`).
const FEATURES: &[&str] = &[
    "features.all",
    "features.extended-perms-policydb",
    "features.extended-perms-no-policydb",
    "features.af_inet",
    "features.mount",
    "features.dbus",
    "features.nopolicydb",
];

/// The shared kernels, the extended-permissions kernel without permission
/// tables, and `features.all` with every class of these families (sysv
/// queues too, which no shared features file has).
fn kernels(dir: &Path) -> Vec<Kernel> {
    let f = features_dir();
    let all = std::fs::read_to_string(f.join("features.all")).expect("features.all");
    let ext = std::fs::read_to_string(f.join("features.extended-perms-policydb"))
        .expect("features.extended-perms-policydb");
    let every = replaced(
        &all,
        "namespaces {pivot_root",
        "namespaces {mask {userns_create\n}\npivot_root",
    ) + "io_uring {mask {sqpoll override_creds\n}\n}\n\
         ipc {posix_mqueue {create read write open delete setattr getattr\n}\n\
         sysv_mqueue {create read write open delete setattr getattr\n}\n}\n";
    let legacy = replaced(
        &ext,
        "permstable32 {allow deny subtree cond kill complain prompt audit quiet hide xindex tag label\n}\n\
         permstable32_version {0x000003\n}\n",
        "",
    );
    let every_path = dir.join("features.every-ipc");
    let legacy_path = dir.join("features.extended-legacy");
    std::fs::write(&every_path, every).expect("features written");
    std::fs::write(&legacy_path, legacy).expect("features written");
    let mut v: Vec<Kernel> = FEATURES
        .iter()
        .map(|name| Kernel {
            name: (*name).to_string(),
            path: f.join(name),
        })
        .collect();
    v.push(Kernel {
        name: "features.extended-perms-policydb without permstable32".into(),
        path: legacy_path,
    });
    v.push(Kernel {
        name: "features.all with every ipc class".into(),
        path: every_path,
    });
    v
}

/// Where includes are found.
enum Base {
    /// The conformance cases' `includes/`.
    Conformance,
    /// The upstream profile tree.
    Upstream,
}

impl Base {
    fn args(&self) -> Vec<std::ffi::OsString> {
        match self {
            Base::Conformance => vec![
                "-I".into(),
                shared().join("conformance/tst/simple_tests").into(),
            ],
            Base::Upstream => {
                let up = shared().join("corpora/upstream");
                vec!["-b".into(), up.clone().into(), "-I".into(), up.into()]
            }
        }
    }
}

/// How one file compiled for one kernel.
enum Outcome {
    /// The policy automata equal, with the number of records compared,
    /// the places outside them that differ (the attachment, the file
    /// automaton...: other stages') and whether the bytes are the
    /// reference's.
    Equal(usize, Vec<String>, bool),
    /// The reference refuses it (not counted).
    Refused,
    Differs(String),
    /// aaprof does not compile a rule of another family yet.
    NotYet,
}

/// Whether aaprof's errors are all E0801 about families other than
/// these.
fn not_yet(stderr: &str) -> bool {
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error[")).collect();
    !errors.is_empty()
        && errors.iter().all(|l| {
            l.contains("error[E0801]")
                && !["signal", "ptrace", "mqueue", "io_uring", "userns"]
                    .iter()
                    .any(|f| l.contains(&format!("compile {f} rules")))
        })
}

fn compare(kernel: &Kernel, base: &Base, file: &Path) -> Outcome {
    let args = base.args();
    let run = PolicyCompile {
        features: &kernel.path,
        args: &args,
        cwd: None,
    };
    let Ok(r) = run.reference(file) else {
        return Outcome::Refused;
    };
    let o = match run.ours(file) {
        Ok(o) => o,
        Err(e) if not_yet(&e) => return Outcome::NotYet,
        Err(e) => return Outcome::Differs(format!("aaprof refuses it: {e}")),
    };
    let c = match compare::compare(&r, &o) {
        Ok(c) => c,
        Err(e) => return Outcome::Differs(format!("undecodable: {e}")),
    };
    let ours_differ = |place: &str| {
        place == "policy automaton" || place.starts_with("policydb") || place == "record"
    };
    if c.differences.iter().any(|d| ours_differ(&d.place)) {
        return Outcome::Differs(c.to_string());
    }
    let n = records(&decode(&r).unwrap_or_default()).map_or(0, |v| v.len());
    let mut elsewhere: Vec<String> = c.differences.iter().map(|d| d.place.clone()).collect();
    elsewhere.sort();
    elsewhere.dedup();
    Outcome::Equal(n, elsewhere, c.byte_identical)
}

/// The conformance PASS cases with a rule of these families.
fn conformance_cases() -> Vec<PathBuf> {
    let simple = shared().join("conformance/tst/simple_tests");
    let families = ["signal", "ptrace", "mqueue", "io_uring", "userns"];
    sd_files(&simple)
        .into_iter()
        .filter(|p| {
            let Ok(text) = std::fs::read_to_string(p) else {
                return false;
            };
            let pass = text.lines().any(|l| {
                l.strip_prefix("#=EXRESULT")
                    .is_some_and(|r| r.trim() == "PASS")
            });
            let disabled = text.lines().any(|l| l.starts_with("#=DISABLED"));
            let uses = text.lines().any(|l| {
                let l = l.trim_start();
                !l.starts_with('#')
                    && l.split(|c: char| c.is_whitespace() || c == ',')
                        .filter(|w| {
                            !matches!(*w, "audit" | "deny" | "allow" | "prompt")
                                && !w.starts_with("priority=")
                        })
                        .take(1)
                        .any(|w| families.contains(&w))
            });
            pass && !disabled && uses
        })
        .collect()
}

/// The samples, one profile each, in one file.
fn samples_file(dir: &Path) -> PathBuf {
    let mut text = String::new();
    for (i, s) in SAMPLES.iter().enumerate() {
        text.push_str(&format!("/sample{i} {{\n  {s}\n}}\n"));
    }
    let p = dir.join("samples.sd");
    std::fs::write(&p, text).expect("samples written");
    p
}

#[test]
fn ipc_rules_compile_as_the_reference_compiles_them() {
    let dir = scratch("cases");
    let cases = conformance_cases();
    assert!(
        cases.len() >= 60,
        "the conformance cases of these families are found ({})",
        cases.len()
    );
    let samples = samples_file(&dir);
    let mut files = cases.clone();
    files.push(samples.clone());
    let kernels = kernels(&dir);
    let jobs: Vec<(usize, PathBuf)> = (0..kernels.len())
        .flat_map(|k| files.iter().map(move |f| (k, f.clone())))
        .collect();
    let results = par_map(&jobs, |(k, f)| {
        Some((*k, f.clone(), compare(&kernels[*k], &Base::Conformance, f)))
    });
    let mut report = String::new();
    let mut failures = Vec::new();
    for (k, kernel) in kernels.iter().enumerate() {
        let (mut equal, mut refused, mut differs, mut profiles, mut bytes) = (0, 0, 0, 0, 0);
        let mut fully = 0;
        let mut elsewhere = std::collections::BTreeMap::<String, usize>::new();
        for (_, f, o) in results.iter().filter(|r| r.0 == k) {
            match o {
                Outcome::Equal(n, other, same) => {
                    equal += 1;
                    profiles += n;
                    bytes += usize::from(*same);
                    fully += usize::from(other.is_empty());
                    for o in other {
                        *elsewhere.entry(o.clone()).or_default() += 1;
                    }
                }
                Outcome::Refused => refused += 1,
                Outcome::NotYet => {
                    differs += 1;
                    failures.push(format!("{} / {}: not compiled", kernel.name, f.display()));
                }
                Outcome::Differs(d) => {
                    differs += 1;
                    failures.push(format!("{} / {}: {d}", kernel.name, f.display()));
                }
            }
        }
        report.push_str(&format!(
            "{}: {equal} files with equal policy automata ({profiles} profiles; \
             {fully} files equal in everything, {bytes} byte-identical), {differs} differ, \
             {refused} refused by the reference; differing elsewhere: {elsewhere:?}\n",
            kernel.name
        ));
    }
    eprintln!("{report}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // the comparison sees a difference: rules of classes the kernel
    // lacks compiled for one that has them
    let (every, all) = (&kernels[kernels.len() - 1], &kernels[0]);
    let base = Base::Conformance;
    let args = base.args();
    let run = |features| PolicyCompile {
        features,
        args: &args,
        cwd: None,
    };
    let r = run(&every.path)
        .reference(&samples)
        .expect("the reference compiles");
    let o = run(&all.path).ours(&samples).expect("aaprof compiles");
    let c = compare::compare(&r, &o).expect("both decode");
    assert!(
        c.differences.iter().any(|d| d.place == "policy automaton"),
        "{c}"
    );
    // the samples are compiled by the reference for every kernel
    assert!(
        results
            .iter()
            .filter(|r| r.1 == samples)
            .all(|r| !matches!(r.2, Outcome::Refused)),
        "the reference compiles every sample"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every upstream profile with a rule of these families: where aaprof
/// compiles it (the families of other helpers are still missing for
/// some), its policy automaton is the reference's.
#[test]
fn upstream_profiles_with_ipc_rules_have_the_reference_policy_automaton() {
    let dir = scratch("upstream");
    let up = shared().join("corpora/upstream");
    let families = ["signal", "ptrace", "mqueue", "io_uring", "userns"];
    let files: Vec<PathBuf> = crate::support::top_level_files(&up)
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| {
                t.lines().any(|l| {
                    l.split(|c: char| c.is_whitespace() || c == ',')
                        .find(|w| !w.is_empty() && !matches!(*w, "audit" | "deny" | "allow"))
                        .is_some_and(|w| families.contains(&w))
                })
            })
        })
        .collect();
    assert!(
        files.len() >= 100,
        "upstream profiles found ({})",
        files.len()
    );
    let all = kernels(&dir);
    let kernels: Vec<&Kernel> = all
        .iter()
        .filter(|k| {
            k.name == "features.all"
                || k.name == "features.extended-perms-policydb"
                || k.name == "features.all with every ipc class"
        })
        .collect();
    let jobs: Vec<(usize, PathBuf)> = (0..kernels.len())
        .flat_map(|k| files.iter().map(move |f| (k, f.clone())))
        .collect();
    let results = par_map(&jobs, |(k, f)| {
        Some((*k, f.clone(), compare(kernels[*k], &Base::Upstream, f)))
    });
    let mut failures = Vec::new();
    for (k, kernel) in kernels.iter().enumerate() {
        let mut counts = [0usize; 5];
        for (_, f, o) in results.iter().filter(|r| r.0 == k) {
            match o {
                Outcome::Equal(_, other, _) => {
                    counts[0] += 1;
                    if other.is_empty() {
                        counts[4] += 1;
                    }
                }
                Outcome::Differs(d) => {
                    counts[1] += 1;
                    failures.push(format!("{} / {}: {d}", kernel.name, f.display()));
                }
                Outcome::NotYet => counts[2] += 1,
                Outcome::Refused => counts[3] += 1,
            }
        }
        eprintln!(
            "{}: {} with equal policy automata ({} equal in everything), {} differ, \
             {} not compiled yet (other families), {} refused by the reference",
            kernel.name, counts[0], counts[4], counts[1], counts[2], counts[3]
        );
        assert!(counts[0] >= 50, "most of them compile and are compared");
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
