//! `aaprof compile` of dbus and mount-family rules (`mount`, `remount`,
//! `umount`, `pivot_root`) against the 6.0 reference: every conformance
//! PASS case of these families and samples of every rule form, for five
//! features files, compared by `binpolicy::compare` (the records' fields,
//! and a product walk of each pair of automata with the permissions the
//! kernel reads at every pair of states).

use crate::support::{Reference, par_map, sd_files, shared};
use aaprof::binpolicy::compare;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The features files with legacy accept tables: every class's encoding
/// and their downgrades (no dbus mediation, no mount mediation, neither
/// network nor unix).
const LEGACY: [&str; 4] = [
    "features.all",
    "features.dbus",
    "features.mount",
    "features.mount+dbus",
];

/// The features file with permission tables.
const EXTENDED: &str = "features.extended-perms-policydb";

fn features_file(f: &str) -> PathBuf {
    shared().join("conformance/features").join(f)
}

/// `aaprof compile -M FEATURES FILE`, or `None` when it refuses the file.
fn ours(features: &str, file: &Path) -> Option<Vec<u8>> {
    let out = Command::new(env!("CARGO_BIN_EXE_aaprof"))
        .arg("compile")
        .arg("-M")
        .arg(features_file(features))
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .output()
        .expect("aaprof runs");
    (out.status.success() && !out.stdout.is_empty()).then_some(out.stdout)
}

fn reference(features: &str, file: &Path) -> Option<Vec<u8>> {
    let dir = file.parent().unwrap_or(Path::new("."));
    Reference::Upstream.compile_for(features, &[], dir, Some(file), None)
}

/// Why two binary policies differ (`binpolicy::compare`: records by
/// name, their fields, and a product walk of each automaton pair), or
/// `None` when they are semantically equal; with whether the bytes are
/// the same.
fn difference(ours: &[u8], theirs: &[u8]) -> Result<bool, String> {
    match compare::compare(ours, theirs) {
        Ok(c) if c.equal() => Ok(c.byte_identical),
        Ok(c) => Err(c.to_string().replace('\n', " ")),
        Err(e) => Err(format!("undecodable: {e}")),
    }
}

/// How one file compiles with both compilers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// Semantically equal; byte-identical or not.
    Equal(bool),
    BothReject,
    Differ(String),
}

fn verdict(features: &str, file: &Path) -> Verdict {
    match (ours(features, file), reference(features, file)) {
        (Some(a), Some(b)) => match difference(&a, &b) {
            Ok(identical) => Verdict::Equal(identical),
            Err(d) => Verdict::Differ(d),
        },
        (None, None) => Verdict::BothReject,
        (Some(_), None) => Verdict::Differ("the reference rejects it, aaprof compiles it".into()),
        (None, Some(_)) => Verdict::Differ("aaprof rejects it, the reference compiles it".into()),
    }
}

/// Whether a rule of the families appears in a policy text.
fn mentions_family(text: &str) -> bool {
    text.lines().any(|l| {
        l.split_whitespace()
            .find(|w| {
                !matches!(*w, "audit" | "allow" | "deny" | "prompt") && !w.starts_with("priority=")
            })
            .is_some_and(|w| {
                let w = w.trim_end_matches(',');
                matches!(w, "dbus" | "mount" | "remount" | "umount" | "pivot_root")
            })
    })
}

/// The PASS cases (not marked `#=TODO`) of conformance directories;
/// `only_mentioning`: those with a rule of the families.
fn pass_cases(dirs: &[&str], only_mentioning: bool) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for d in dirs {
        for f in sd_files(&shared().join("conformance/tst/simple_tests").join(d)) {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            let pass = text.lines().any(|l| {
                l.strip_prefix("#=EXRESULT")
                    .is_some_and(|r| r.trim() == "PASS")
            });
            // `#=TODO`: the reference is known to get the case wrong
            let todo = text.lines().any(|l| l.starts_with("#=TODO"));
            if pass && !todo && (!only_mentioning || mentions_family(&text)) {
                v.push(f);
            }
        }
    }
    v
}

/// Every (features, file) pair's verdict; prints the counts and the
/// differences, returns the differences.
fn run(name: &str, files: &[PathBuf], features: &[&str]) -> Vec<String> {
    let pairs: Vec<(&str, &PathBuf)> = features
        .iter()
        .flat_map(|f| files.iter().map(move |p| (*f, p)))
        .collect();
    let results = par_map(&pairs, |(f, p)| Some((*f, (*p).clone(), verdict(f, p))));
    let mut diffs = Vec::new();
    for f in features {
        let mine: Vec<_> = results.iter().filter(|r| r.0 == *f).collect();
        let equal = mine
            .iter()
            .filter(|r| matches!(r.2, Verdict::Equal(_)))
            .count();
        let identical = mine.iter().filter(|r| r.2 == Verdict::Equal(true)).count();
        let rejected = mine.iter().filter(|r| r.2 == Verdict::BothReject).count();
        let differ: Vec<_> = mine
            .iter()
            .filter_map(|r| match &r.2 {
                Verdict::Differ(d) => Some(format!("{f} {}: {d}", r.1.display())),
                _ => None,
            })
            .collect();
        eprintln!(
            "{name} {f}: {} cases, {equal} equal ({identical} byte-identical), \
             {rejected} rejected by both, {} differ",
            mine.len(),
            differ.len()
        );
        diffs.extend(differ);
    }
    diffs.sort();
    for d in &diffs {
        eprintln!("  {d}");
    }
    diffs
}

fn conformance_cases() -> Vec<PathBuf> {
    let mut files = pass_cases(&["dbus", "generated_dbus", "mount"], false);
    files.extend(pass_cases(&["vars", "generated_conditional"], true));
    assert!(files.len() > 1000, "{} cases", files.len());
    files
}

#[test]
fn conformance_pass_cases_compile_as_the_reference_compiles_them() {
    let diffs = run("conformance", &conformance_cases(), &LEGACY);
    assert!(diffs.is_empty(), "{} differ", diffs.len());
}

#[test]
fn conformance_pass_cases_with_permission_tables() {
    let diffs = run("conformance", &conformance_cases(), &[EXTENDED]);
    assert!(diffs.is_empty(), "{} differ", diffs.len());
}

/// Profiles of every rule form of the families: each conditional, each
/// permission, each mount option kind, audit/deny/priority, detached
/// mounts, and rules the reference merges.
const SAMPLES: &[&str] = &[
    // dbus
    "dbus,",
    "dbus send,",
    "dbus receive,",
    "dbus (send receive),",
    "dbus bind,",
    "dbus eavesdrop,",
    "dbus r,",
    "dbus w,",
    "dbus rw,",
    "dbus bus=session,",
    "dbus bus=system path=/org/freedesktop//DBus interface=org.freedesktop.DBus member=Hello,",
    "dbus send bus=session path=/a/** interface=org.a.{b,c} member=M* peer=(name=org.x label=unconfined),",
    "dbus receive peer=(label=/usr/bin/*),",
    "dbus bind bus=session name=org.foo.*,",
    "dbus name=org.foo,",
    "dbus eavesdrop bus=system,",
    "audit dbus send,",
    "deny dbus send bus=session,",
    "audit deny dbus bind name=x,",
    "allow dbus eavesdrop,",
    "priority=5 dbus send,\n  priority=-3 deny dbus send path=/a,",
    "dbus send path=/a,\n  deny dbus send path=/a/**,\n  audit dbus receive,",
    "dbus bind name=a,\n  dbus send peer=(name=a),",
    "dbus send bus=\"a b\" member=\"x,y\",",
    // mount
    "mount,",
    "mount /a -> /b,",
    "mount -> /b/,",
    "mount /dev/sda1,",
    "mount fstype=ext4,",
    "mount fstype=(ext2, ext3 ext4) /dev/sd* -> /mnt/**,",
    "mount vfstype=tmpfs tmpfs -> /tmp/,",
    "mount options=ro,",
    "mount options=(ro, nosuid, nodev) /a -> /b,",
    "mount options=(rw, suid, dev, exec, async) -> /b,",
    "mount options=(bind) /a -> /b,",
    "mount options=(rbind) /a -> /b,",
    "mount options=(move) /a -> /b,",
    "mount options=(remount) -> /b,",
    "mount options=(remount, ro) /a,",
    "mount options=(make-private) -> /b,",
    "mount options=(rshared) /b,",
    "mount options=(unbindable, runbindable, private, rprivate, slave, rslave, shared, rshared) -> /b,",
    "mount options in (ro, nosuid) /a -> /b,",
    "mount options in (bind) /d -> /4,",
    "mount options=(ro) options=(rw) fstype=ext4 -> /b,",
    "mount options=(nosuid) options in (ro, noexec) -> /b,",
    "mount options=(silent, acl, relatime, iversion, strictatime, lazytime, mand, dirsync, sync, noatime, nodiratime, nosymfollow) -> /m,",
    "mount options=(user) -> /m,",
    "mount options=(nouser) -> /m,",
    "mount detached -> /x/,",
    "mount options=(move) detached -> /x/,",
    "mount options=(bind) detached -> /x/,",
    "mount fstype=ext4 detached -> /x/,",
    "audit mount /a -> /b,",
    "deny mount -> /b/**,",
    "audit deny mount fstype=proc,",
    "priority=10 mount /a -> /b,\n  priority=-10 deny mount,",
    // remount
    "remount,",
    "remount /a/,",
    "remount options=ro /a/,",
    "remount options=(ro, nosuid) options=(rw) /a/,",
    "remount options in (ro, rw) /,",
    "deny remount /,",
    // umount
    "umount,",
    "umount /mnt/**,",
    "audit umount /m,",
    "deny umount /,",
    "umount options=ro fstype=ext4 /mnt/**,",
    // pivot_root
    "pivot_root,",
    "pivot_root /new/,",
    "pivot_root oldroot=/old/ /new/,",
    "pivot_root oldroot=/old/ /new/ -> child,",
    "audit pivot_root oldroot=/o/ /n/,",
    "deny pivot_root,",
    // rules the reference merges
    "mount -> /x,\n  umount /x,",
    "mount -> /x,\n  umount /x,\n  pivot_root /x,",
    "mount /o -> /n,\n  pivot_root oldroot=/o /n,",
    "umount /x,\n  pivot_root /x,",
    // an umount's conditionals decide what it merges with
    "mount fstype=zfs,\n  umount fstype=zfs,",
    "umount options=ro /x,\n  mount options=ro -> /x,",
    "umount fstype=ext4,\n  mount,",
    "umount options in (ro),\n  mount options in (ro) -> /y,\n  mount options in (ro),",
    "mount -> /x,\n  allow umount /x,",
    "audit mount -> /x,\n  umount /x,",
    "deny mount -> /x,\n  deny umount /x,",
    "mount -> /x,\n  mount -> /x,",
    "mount fstype=(a, b) -> /x,\n  mount fstype=(b, a) -> /x,\n  umount /x,",
    "mount options=(bind) -> /x,\n  umount /x,",
    "priority=1 mount -> /x,\n  umount /x,",
    "deny mount -> /x,\n  audit deny umount /x,",
    "audit deny mount -> /x,\n  audit deny umount /x,",
    "mount /a/ -> /b/,\n  pivot_root oldroot=/a/ /b/ -> t,",
    "mount options=(ro, remount) /a -> /b,",
    "mount options in (remount) -> /x,",
    "mount options=(bind, make-private) -> /b,",
    "mount options=(move, ro) /a -> /b,",
    "mount options=(rw) options in (bind) /a -> /b,",
    "pivot_root oldroot=/o/ oldroot=/p/ /n/,",
    "mount //a//b// -> ///c//,",
    "dbus send path=//a///b,",
    "dbus send member={a,b}* interface=[a-c]?.x,",
    // both families
    "mount,\n  dbus,\n  umount,\n  pivot_root,\n  remount,",
];

fn samples(features: &[&str]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!(
        "aaprof-dbusmount-{}-{}",
        std::process::id(),
        features.len()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut files = Vec::new();
    for (i, body) in SAMPLES.iter().enumerate() {
        let f = dir.join(format!("sample-{i}.sd"));
        std::fs::write(&f, format!("profile sample{i} {{\n  {body}\n}}\n")).expect("write");
        files.push(f);
    }
    let diffs = run("samples", &files, features);
    let _ = std::fs::remove_dir_all(&dir);
    diffs
}

#[test]
fn samples_of_every_rule_form_compile_as_the_reference_compiles_them() {
    let diffs = samples(&LEGACY);
    assert!(diffs.is_empty(), "{} differ", diffs.len());
}

#[test]
fn samples_with_permission_tables() {
    let diffs = samples(&[EXTENDED]);
    assert!(diffs.is_empty(), "{} differ", diffs.len());
}

#[test]
fn a_bind_mount_of_a_filesystem_type_is_rejected_as_the_reference_rejects_it() {
    let dir = std::env::temp_dir().join(format!("aaprof-dbusmount-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let f = dir.join("bad.sd");
    std::fs::write(
        &f,
        "profile bad {\n  mount options=(bind) fstype=ext4 /a -> /b,\n}\n",
    )
    .expect("write");
    assert_eq!(reference("features.all", &f), None);
    assert_eq!(ours("features.all", &f), None);
    let _ = std::fs::remove_dir_all(&dir);
}
