//! `network` and `unix` rules compiled by aaprof and by the 6.0 reference,
//! compared semantically by `binpolicy::compare` (the same records with
//! the same fields, and automata that mean the same on every input).
//!
//! Features: `features.all` (network by family and type in the legacy
//! `net_allowed_af` table, unix rules under class 4), `features.af_inet`
//! and `features.extended-perms-policydb` (network_v8 with inet
//! conditionals, in the policy automaton, with permission tables), and
//! the last two again without `permstable32` (`-legacy`: the same
//! encoding with legacy accept words); `features.dbus` and
//! `features.nopolicydb` (no unix mediation: unix rules only downgraded to
//! the legacy table).

use crate::support::{PolicyCompile, par_map, sd_files, shared};
use aaprof::binpolicy::compare::compare;
use std::path::PathBuf;

fn work_dir() -> PathBuf {
    let d = crate::support::repo().join("target/compile_net");
    std::fs::create_dir_all(&d).expect("target/ writable");
    d
}

/// A features file of `../shared/conformance/features`, or that file
/// without its permission table lines (`NAME-legacy`), written under
/// target/.
fn features(name: &str) -> PathBuf {
    let dir = shared().join("conformance/features");
    let Some(base) = name.strip_suffix("-legacy") else {
        return dir.join(name);
    };
    let text = std::fs::read_to_string(dir.join(base)).expect("features file readable");
    let mut out = String::new();
    let mut skip = false;
    for line in text.lines() {
        if line.starts_with("permstable32") {
            skip = true;
            continue;
        }
        if skip {
            skip = false;
            if line == "}" {
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    let p = work_dir().join(name);
    std::fs::write(&p, out).expect("target/ writable");
    p
}

/// Whether two binary policies are semantically equal (the comparer of
/// `aaprof inspect --against`), and byte-identical.
fn same_policy(ours: &[u8], reference: &[u8]) -> Result<bool, String> {
    let c = compare(ours, reference).map_err(|e| e.to_string())?;
    let rest: Vec<String> = c
        .differences
        .iter()
        .map(|d| d.to_string().replace('\n', " | "))
        .collect();
    if rest.is_empty() {
        Ok(c.byte_identical)
    } else {
        Err(rest.join(" || "))
    }
}

#[derive(Debug, Default)]
struct Tally {
    equal: usize,
    /// Of those, how many are byte-identical.
    identical: usize,
    /// aaprof does not compile another family of the file yet.
    skipped: usize,
    /// The reference refuses the file for this kernel.
    refused: usize,
    differ: Vec<(String, String)>,
}

const FEATURES: [&str; 7] = [
    "features.all",
    "features.af_inet",
    "features.extended-perms-policydb",
    // kernels without af_unix mediation: unix rules only downgraded
    "features.dbus",
    "features.nopolicydb",
    // the same network encoding with legacy accept words
    "features.af_inet-legacy",
    "features.extended-perms-policydb-legacy",
];

fn run(files: &[PathBuf], features_name: &str) -> Tally {
    let fpath = features(features_name);
    let results = par_map(files, |f| {
        let name = f.to_string_lossy().into_owned();
        let run = PolicyCompile {
            features: &fpath,
            args: &[],
            cwd: f.parent(),
        };
        let Ok(r) = run.reference(f) else {
            return Some((name, Err(Some(String::new()))));
        };
        Some(match run.ours(f) {
            Err(e) if e.contains("does not compile") => (name, Err(None)),
            Err(e) => (name, Err(Some(e))),
            Ok(o) => (name, same_policy(&o, &r).map_err(Some)),
        })
    });
    let mut t = Tally::default();
    for (name, r) in results {
        match r {
            Ok(identical) => {
                t.equal += 1;
                t.identical += usize::from(identical);
            }
            Err(None) => t.skipped += 1,
            Err(Some(e)) if e.is_empty() => t.refused += 1,
            Err(Some(e)) => t.differ.push((name, e)),
        }
    }
    t.differ.sort();
    t
}

/// The conformance cases of the network and unix families that the
/// reference compiles.
fn conformance_cases() -> Vec<PathBuf> {
    let dir = shared().join("conformance/tst/simple_tests");
    let mut v = Vec::new();
    for sub in ["network", "unix"] {
        v.extend(
            sd_files(&dir.join(sub)).into_iter().filter(|p| {
                std::fs::read_to_string(p).is_ok_and(|t| t.contains("#=EXRESULT PASS"))
            }),
        );
    }
    v
}

/// Rule samples of every form: perms, families, types, protocols,
/// conditionals, audit/deny, unix addresses and peers.
const SAMPLES: &[&str] = &[
    "network,",
    "deny network,",
    "audit network,",
    "audit deny network,",
    "network inet,",
    "network inet6 stream,",
    "network inet tcp,",
    "network inet udp,",
    "network inet icmp,",
    "network inet raw,",
    "network inet6 tcp,",
    "network tcp,",
    "network stream,",
    "network dgram,",
    "network unix,",
    "network unix stream,",
    "deny network unix dgram,",
    "audit network netlink raw,",
    "network netlink,",
    "network packet packet,",
    "deny network inet6,",
    "audit deny network inet,",
    "network (create) inet,",
    "network (bind listen) inet stream,",
    "network (send receive) inet6 udp,",
    "network (getopt setopt) inet tcp,",
    "network (connect accept shutdown getattr setattr) inet,",
    "network inet ip=127.0.0.1,",
    "network inet6 ip=::1 port=80,",
    "network (bind) inet port=80-1100,",
    "network (bind) inet port=1-1023,",
    "network inet ip=none,",
    "network (connect send) inet peer=(ip=10.0.0.1 port=443),",
    "network (send) inet stream peer=(ip=192.168.1.1),",
    "network ip=10.1.2.3,",
    "network (connect) port=22 peer=(port=2000-3000),",
    "deny network inet port=8080,",
    "audit network (bind) inet6 port=5000,",
    "unix,",
    "deny unix,",
    "audit unix,",
    "audit deny unix,",
    "unix (create),",
    "unix (bind) type=stream addr=@foo,",
    "unix (bind) addr=auto,",
    "unix (listen accept) type=seqpacket addr=@srv*,",
    "unix (send receive) type=dgram addr=none,",
    "unix (connect send) peer=(addr=@a//b label=foo),",
    "unix (getopt setopt getattr setattr shutdown) type=stream,",
    "unix type=dgram peer=(label=/usr/bin/**),",
    "deny unix (send) peer=(addr=@bad),",
    "priority=5 unix (receive) addr=@x,",
    "audit unix (connect) type=stream peer=(addr=@dbus-*),",
    "unix (bind) type=stream addr=none,",
    "deny unix (connect) type=seqpacket,",
    "priority=-5 deny unix,",
    "audit deny unix (send) type=dgram,",
    "priority=10 unix (send receive) peer=(label=unconfined),",
    "unix (create bind listen) type=stream addr=@/tmp/.X11-unix/X[0-9]*,",
    "network inet6 raw,",
    "network (listen) inet6 stream port=1024-2048,",
    "network (bind) inet port=0,",
    "network (bind) inet port=65535,",
    "network inet ip=::ffff:1.2.3.4,",
    "network (bind) inet port=80-1100 ip=10.0.0.1,",
    "network inet label=foo,",
    "network (connect) inet peer=(ip=1.2.3.4 label=foo),",
    "network inet interface=eth0,",
    "network (send receive) inet6 udp peer=(ip=none),",
    "deny network (connect) inet6 peer=(ip=::1 port=53),",
    "network (create getattr) unix,",
    "deny network unix,",
    "audit network unix seqpacket,",
];

fn sample_files() -> Vec<PathBuf> {
    let dir = work_dir().join("samples");
    std::fs::create_dir_all(&dir).expect("target/ writable");
    let mut v = Vec::new();
    for (i, s) in SAMPLES.iter().enumerate() {
        let p = dir.join(format!("s{i:02}.sd"));
        std::fs::write(&p, format!("profile s{i} {{\n  {s}\n}}\n")).expect("write");
        v.push(p);
    }
    // several rules, profiles sharing the file's legacy table, a hat
    let multi = dir.join("multi.sd");
    std::fs::write(
        &multi,
        "profile m1 {\n  network inet stream,\n  deny network inet6,\n  unix (send) type=dgram,\n  ^hat {\n    audit network netlink,\n  }\n}\nprofile m2 {\n  file,\n}\nprofile m3 {\n  network (create) inet6 tcp,\n  deny unix type=stream,\n  network inet dgram,\n  network inet dgram,\n}\n",
    )
    .expect("write");
    v.push(multi);
    // the reference loses the legacy table's rules when a block closes
    let blocks = dir.join("blocks.sd");
    std::fs::write(
        &blocks,
        "$FOO=true\nprofile b1 {\n  network inet stream,\n  audit {\n    network inet6 dgram,\n  }\n  network netlink raw,\n  unix (send),\n}\nprofile b2 {\n  network ax25,\n  if $FOO {\n    network x25,\n  }\n  deny unix,\n}\n",
    )
    .expect("write");
    v.push(blocks);
    // and when a conditional ends, taken or not (an empty block too); a
    // hat after the conditional starts a table of its own
    let untaken = dir.join("untaken.sd");
    std::fs::write(
        &untaken,
        "$BAR=false\nprofile c1 {\n  network inet stream,\n  if $BAR {\n    network x25,\n  }\n  network netlink raw,\n}\nprofile c2 {\n  network ax25,\n  audit {\n  }\n  network inet6,\n}\nprofile c3 {\n  network inet,\n  if $BAR {\n  } else {\n    network appletalk,\n  }\n  ^h {\n    network inet6 dgram,\n  }\n}\n",
    )
    .expect("write");
    v.push(untaken);
    // a hat is read where it is written: before the block that follows
    let hat_block = dir.join("hat_block.sd");
    std::fs::write(
        &hat_block,
        "profile p {\n  network inet,\n  ^hat {\n    network inet6,\n  }\n  audit {\n    network ax25,\n  }\n}\nprofile q {\n  audit {\n    file,\n  }\n  ^h2 {\n    network netlink,\n  }\n  network inet dgram,\n}\n",
    )
    .expect("write");
    v.push(hat_block);
    // modes: unconfined profiles carry no class markers, complain does
    let modes = dir.join("modes.sd");
    std::fs::write(
        &modes,
        "profile u flags=(unconfined) {\n  network,\n  unix,\n}\nprofile c flags=(complain) {\n  network inet,\n  unix (send),\n}\n",
    )
    .expect("write");
    v.push(modes);
    v
}

fn report(what: &str, features: &str, t: &Tally) {
    println!(
        "compile_net | {what} | {features} | equal {} (byte-identical {}) | differ {} | skipped (other families) {} | refused by the reference {}",
        t.equal,
        t.identical,
        t.differ.len(),
        t.skipped,
        t.refused
    );
    for (n, e) in &t.differ {
        println!("  {n}: {}", e.lines().next().unwrap_or(""));
    }
}

#[test]
fn samples_compile_as_the_reference_compiles_them() {
    let files = sample_files();
    let mut bad = 0;
    for f in FEATURES {
        let t = run(&files, f);
        report("samples", f, &t);
        assert_eq!(t.skipped, 0, "the samples hold network and unix rules only");
        assert!(t.equal > 0);
        bad += t.differ.len();
    }
    assert_eq!(bad, 0, "samples differ from the reference");
}

#[test]
fn conformance_cases_compile_as_the_reference_compiles_them() {
    let files = conformance_cases();
    let mut bad = 0;
    for f in FEATURES {
        let t = run(&files, f);
        report("conformance", f, &t);
        assert!(t.equal > 0);
        bad += t.differ.len();
    }
    assert_eq!(bad, 0, "conformance cases differ from the reference");
}
