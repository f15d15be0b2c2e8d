//! `aaprof load`, `replace`, `remove` and `status` in a real kernel:
//! Debian's `linux-image-amd64` booted under `qemu-system-x86_64`
//! (software emulation) with a small initramfs of busybox, the aaprof
//! binary (and the libraries it links), Debian's abstractions and
//! tunables, and the profiles below. The guest runs the checks in its
//! init script and prints `CHECK <name> ok` for each that holds; the test
//! fails on a check missing or failed. Every policy the guest loads is
//! compiled there by aaprof, for that kernel's own features.
//!
//! The test command (README.md) installs `qemu-system-x86`,
//! `linux-image-amd64` and `busybox-static`.

use super::support::repo;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The tutorial's profile (Kubernetes "Restrict a Container's Access to
/// Resources with AppArmor").
const DENY_WRITE: &str = "#include <tunables/global>

profile k8s-apparmor-example-deny-write flags=(attach_disconnected) {
  #include <abstractions/base>

  file,

  # Deny all file writes.
  deny /** w,
}
";

/// The same, changed: reading /etc/motd is denied too.
const DENY_WRITE_AND_MOTD: &str = "#include <tunables/global>

profile k8s-apparmor-example-deny-write flags=(attach_disconnected) {
  #include <abstractions/base>

  file,

  deny /** w,
  deny /etc/motd r,
}
";

const OTHER: &str = "profile aaprof-test-other {\n  /etc/** r,\n}\n";

const COMPLAINER: &str = "profile aaprof-test-complain flags=(complain) {\n  /etc/** r,\n}\n";

/// Rules of kernels newer than Debian 12's, compiled (with `-M`) for
/// features it lacks: its kernel refuses the record, and says why.
const NEWER: &str =
    "profile aaprof-test-newer {\n  /tmp/** r,\n  mqueue,\n  io_uring,\n  userns,\n  unix,\n}\n";

/// A child whose parent is not loaded: the kernel refuses it.
const ORPHAN: &str = "profile aaprof-no-parent//child {\n  /etc/** r,\n}\n";

/// The guest's checks: each prints `CHECK name ok | what it printed` or
/// `CHECK name FAIL (what it printed)`.
const INIT: &str = r#"#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
check() { if [ "$2" = 0 ]; then echo "CHECK $1 ok | $(echo "$3" | head -2 | tr '\n' ' ')"; else echo "CHECK $1 FAIL ($3)"; fi; }
if grep -q apparmor=0 /proc/cmdline; then
  mount -t securityfs securityfs /sys/kernel/security
  out=$(aaprof load /profiles/other 2>&1); test $? = 2 && echo "$out" | grep -q 'AppArmor is not enabled in this kernel'
  check disabled-clear-error $? "$out"
  echo ALL-CHECKS-DONE
  poweroff -f
fi
out=$(aaprof load /profiles/other 2>&1); test $? = 2 && echo "$out" | grep -q 'securityfs is not mounted'
check not-mounted-clear-error $? "$out"
mount -t securityfs securityfs /sys/kernel/security
echo "hello" > /etc/motd
waitfor() { i=0; while [ $i -lt 150 ]; do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.2; i=$((i+1)); done; return 1; }
confined() { sh -c 'echo -n "exec k8s-apparmor-example-deny-write" > /proc/self/attr/exec && exec "$@"' confined "$@"; }

out=$(aaprof load /profiles/deny-write 2>&1); check load $? "$out"
aaprof status > /tmp/status; grep -q '^   k8s-apparmor-example-deny-write$' /tmp/status && grep -q '^1 profile in enforce mode:$' /tmp/status
check listed-in-enforce-mode $? "$(cat /tmp/status)"
aaprof status --format json | grep -q '"name":"k8s-apparmor-example-deny-write"'
check status-json $? "$(aaprof status --format json)"

out=$(aaprof status --profiles /tree 2>&1); code=$?
test $code = 1 && ! echo "$out" | grep -q error && echo "$out" | grep -q '^2 profiles of /tree not loaded (missing):$' && echo "$out" | grep -q '^   aaprof-test-other$' && echo "$out" | grep -q '^0 profiles of /tree loaded from other text (stale):$'
check status-tree-missing $? "$code $out"

out=$(confined sh -c 'echo x > /tmp/written' 2>&1); test $? != 0 && test ! -s /tmp/written && echo "$out" | grep -q 'Permission denied'
check confined-write-denied $? "$out"
out=$(confined cat /etc/motd 2>&1); test "$out" = hello
check confined-read-allowed $? "$out"
# A deny rule's denial is not logged (deny is quiet unless `audit deny`),
# nor is what busybox runs in-process: the shell raising a hard limit
# needs a capability the profile does not grant, which the kernel's
# audit thread logs a moment later.
confined sh -c 'ulimit -Hn 1048576' 2>/dev/null
waitfor_dmesg() { i=0; while [ $i -lt 25 ]; do dmesg | grep -q "$1" && return 0; sleep 0.2; i=$((i+1)); done; return 1; }
waitfor_dmesg 'apparmor="DENIED" operation="capable"'
dmesg > /tmp/kmsg.txt
out=$(aaprof logs --profiles /profiles/deny-write --suggest /tmp/kmsg.txt 2>&1); test $? = 1 && echo "$out" | grep -q '^DENIED capable: profile `k8s-apparmor-example-deny-write`, capability sys_resource$' && echo "$out" | grep -q '^  why: no rule of the profile allows capability sys_resource$' && echo "$out" | grep -q '^  to allow it, add to the profile: capability sys_resource,$'
check logs-explain-the-kernels-denial $? "$(grep -m1 'apparmor="DENIED"' /tmp/kmsg.txt | sed 's/.*audit: //') => $out"

# A signal to an unconfined process: abstractions/base lets the profile
# receive from unconfined and signal itself, not send to others.
sleep 100 & sleeper=$!
confined sh -c "kill -HUP $sleeper" 2>/dev/null
waitfor_dmesg 'apparmor="DENIED" operation="signal"'
dmesg > /tmp/kmsg.txt
out=$(aaprof logs --profiles /profiles/deny-write --suggest /tmp/kmsg.txt 2>&1); test $? = 1 && echo "$out" | grep -q '^DENIED signal: profile `k8s-apparmor-example-deny-write`, signal send hup peer=unconfined$' && echo "$out" | grep -q '^  why: no rule of the profile allows `send` of it$' && echo "$out" | grep -q '^  to allow it, add to the profile: signal send set=(hup) peer=unconfined,$'
check logs-explain-a-signal-the-kernel-denied $? "$(grep -m1 'operation="signal"' /tmp/kmsg.txt | sed 's/.*audit: //') => $out"
kill $sleeper 2>/dev/null

out=$(aaprof load /profiles/deny-write 2>&1); test $? = 2 && echo "$out" | grep -q 'already loaded'
check load-again-refused $? "$out"

out=$(aaprof replace --dry-run /profiles/deny-write 2>&1); echo "$out" | grep -q 'would leave `k8s-apparmor-example-deny-write` alone (unchanged)'
check dry-run-unchanged $? "$out"
out=$(aaprof replace --dry-run /profiles/changed 2>&1); echo "$out" | grep -q 'would replace `k8s-apparmor-example-deny-write`: file "/etc/motd": no longer allows `r open`'
check dry-run-replace-says-what-changes $? "$out"

out=$(aaprof replace /profiles/changed 2>&1); check replace $? "$out"
out=$(confined cat /etc/motd 2>&1); test $? != 0 && echo "$out" | grep -q 'Permission denied'
check changed-profile-enforced $? "$out"

aaprof load /tree/complainer > /dev/null
out=$(aaprof status --profiles /tree --format json 2>&1); code=$?
test $code = 1 && echo "$out" | grep -q '"stale":\["k8s-apparmor-example-deny-write"\]' && echo "$out" | grep -q '"complain":\["aaprof-test-complain"\]'
check status-tree-stale-and-complain $? "$code $out"

out=$(aaprof load /profiles/other /profiles/changed 2>&1); code=$?
aaprof status > /tmp/status
test $code = 2 && ! grep -q 'aaprof-test-other' /tmp/status
check rejected-set-leaves-nothing $? "$code $out $(cat /tmp/status)"

out=$(aaprof load /profiles/other /profiles/orphan 2>&1); code=$?
aaprof status > /tmp/status
test $code = 2 && echo "$out" | grep -q 'the kernel rejected `aaprof-test-other`, `aaprof-no-parent//child`' && ! grep -q 'aaprof-test-other' /tmp/status
check set-with-a-refused-record-leaves-nothing $? "$code $out $(cat /tmp/status)"

out=$(aaprof load -M /features.all /profiles/newer 2>&1); code=$?
test $code = 2 && echo "$out" | grep -q 'the kernel rejected `aaprof-test-newer`: failed to unpack' && ! aaprof status | grep -q aaprof-test-newer
check kernel-rejection-with-reason $? "$code $out"

out=$(su -s /bin/sh nobody -c 'aaprof replace /profiles/other' 2>&1); code=$?
test $code = 2 && echo "$out" | grep -q 'needs root'
check unprivileged-clear-error $? "$code $out"

out=$(aaprof remove k8s-apparmor-example-deny-write 2>&1); check remove $? "$out"
aaprof status > /tmp/status; ! grep -q 'k8s-apparmor-example-deny-write' /tmp/status
check removed-gone $? "$(cat /tmp/status)"
out=$(aaprof remove k8s-apparmor-example-deny-write 2>&1); test $? = 2 && echo "$out" | grep -q 'not loaded'
check remove-missing-clear-error $? "$out"

mkdir /tmp/w
cp /profiles/deny-write /tmp/w/deny-write; cp /profiles/other /tmp/w/other; cp /tree/complainer /tmp/w/complainer
aaprof load --watch /tmp/w --status-file /tmp/loader/status.json >> /tmp/watch.log 2>&1 &
watcher=$!
waitfor /tmp/watch.log 'tree version' && grep -q 'loaded `k8s-apparmor-example-deny-write`' /tmp/watch.log && grep -q 'loaded `aaprof-test-other`' /tmp/watch.log && grep -q '`aaprof-test-complain` is loaded already' /tmp/watch.log && grep -q '"ready": true' /tmp/loader/status.json
check watch-loads-tree $? "$(cat /tmp/watch.log)"
: > /tmp/watch.log
cp /profiles/changed /tmp/w/deny-write
waitfor /tmp/watch.log 'tree version' && grep -q 'replaced `k8s-apparmor-example-deny-write`' /tmp/watch.log && ! grep -q 'aaprof-test-other' /tmp/watch.log && ! confined cat /etc/motd > /dev/null 2>&1
check watch-replaces-only-the-changed $? "$(cat /tmp/watch.log)"
: > /tmp/watch.log
printf 'profile aaprof-test-other {\n  /etc/** r,\n' > /tmp/w/other
waitfor /tmp/watch.log 'tree version' && grep -q 'its last good policy stays loaded' /tmp/watch.log && aaprof status | grep -q '^   aaprof-test-other$' && grep -q '"ready": false' /tmp/loader/status.json
check watch-error-keeps-last-good $? "$(cat /tmp/watch.log)"
: > /tmp/watch.log
rm /tmp/w/other /tmp/w/complainer
waitfor /tmp/watch.log 'tree version' && grep -q 'removed `aaprof-test-other`' /tmp/watch.log && ! aaprof status | grep -q aaprof-test-other && aaprof status | grep -q '^   aaprof-test-complain$' && grep -q '"ready": true' /tmp/loader/status.json
check watch-removes-only-what-it-loaded $? "$(cat /tmp/watch.log)"
kill $watcher

@POD@
# a kernel that loads one record at a time: the same interface, its
# features without policy/set_load
mkdir -p /tmp/sfs/apparmor
cp -r /sys/kernel/security/apparmor/features /tmp/sfs/apparmor/features && rm /tmp/sfs/apparmor/features/policy/set_load
for f in .load .replace .remove profiles; do touch /tmp/sfs/apparmor/$f; mount --bind /sys/kernel/security/apparmor/$f /tmp/sfs/apparmor/$f; done
# (policy is a link into the kernel's apparmorfs)
ln -s /sys/kernel/security/apparmor/policy /tmp/sfs/apparmor/policy
out=$(aaprof replace --securityfs /tmp/sfs /profiles/other /profiles/deny-write /profiles/orphan 2>&1); code=$?
test $code = 2 && echo "$out" | grep -q "the kernel rejected \`aaprof-no-parent//child\`: .*parent" && echo "$out" | grep -q 'one profile at a time, so aaprof put back the `k8s-apparmor-example-deny-write` loaded before, removed `aaprof-test-other` again' && ! aaprof status | grep -q aaprof-test-other && ! confined cat /etc/motd > /dev/null 2>&1
check one-at-a-time-refusal-puts-back-what-was-there $? "$code $out"
out=$(aaprof replace /debian/* 2>&1); code=$?
n=$(echo "$out" | grep -c '^replaced')
status=$(aaprof status --profiles /debian 2>&1)
test $code = 0 && test $n -ge 10 && echo "$status" | grep -q '^0 profiles of /debian not loaded (missing):$' && echo "$status" | grep -q '^0 profiles of /debian loaded from other text (stale):$'
check debian-profiles-load-and-are-current $? "$code, $n profiles replaced: $out $status"
echo 1 > /sys/module/apparmor/parameters/lock_policy
out=$(aaprof replace /profiles/other 2>&1); test $? = 2 && echo "$out" | grep -q 'policy is locked'
check locked-clear-error $? "$out"
echo ALL-CHECKS-DONE
poweroff -f
"#;

/// The checks the guest must report as holding.
const CHECKS: &[&str] = &[
    "not-mounted-clear-error",
    "load",
    "listed-in-enforce-mode",
    "status-json",
    "status-tree-missing",
    "confined-write-denied",
    "confined-read-allowed",
    "logs-explain-the-kernels-denial",
    "logs-explain-a-signal-the-kernel-denied",
    "load-again-refused",
    "dry-run-unchanged",
    "dry-run-replace-says-what-changes",
    "replace",
    "changed-profile-enforced",
    "status-tree-stale-and-complain",
    "rejected-set-leaves-nothing",
    "set-with-a-refused-record-leaves-nothing",
    "kernel-rejection-with-reason",
    "unprivileged-clear-error",
    "remove",
    "removed-gone",
    "remove-missing-clear-error",
    "watch-loads-tree",
    "watch-replaces-only-the-changed",
    "watch-error-keeps-last-good",
    "watch-removes-only-what-it-loaded",
    "k8s-pod-loads-tree-and-is-ready",
    "k8s-pod-api-unreachable-is-logged-not-fatal",
    "k8s-rollout-replaces-and-removes",
    "one-at-a-time-refusal-puts-back-what-was-there",
    "debian-profiles-load-and-are-current",
    "locked-clear-error",
];

/// A word for the guest's shell.
fn sh(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// The guest's part that runs the loader as the DaemonSet of `aaprof k8s
/// loader` runs it on a node: the pod's mounts as the kubelet makes them
/// (a ConfigMap volume is a directory of links into `..data`), then the
/// container's args and its readiness probe, unchanged. Version one of a
/// tree, then the rollout of version two (a new pod, with the first's
/// state directory).
fn pod_checks(
    v1: &super::k8s_cli::LoaderManifest,
    v2: &super::k8s_cli::LoaderManifest,
    files: &mut Vec<(String, u32, Vec<u8>)>,
) -> String {
    use super::k8s_cli::Mount;
    let mut out = String::from(
        "export NODE_NAME=guest-node KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=6443\n",
    );
    let mut script = |m: &super::k8s_cli::LoaderManifest, tag: &str| -> (String, String, String) {
        files.push((format!("k8s/{tag}"), 0o40755, Vec::new()));
        let mut mount = String::new();
        for (at, what) in &m.mounts {
            match what {
                Mount::Host(h) if h == at => {
                    mount.push_str(&format!("mkdir -p {}\n", sh(at)));
                }
                Mount::Host(h) => mount.push_str(&format!(
                    "grep -q ' {at} ' /proc/mounts || {{ mkdir -p {at} {h}; mount --bind {h} {at}; }}\n",
                    at = sh(at),
                    h = sh(h)
                )),
                Mount::ConfigMap(name) => {
                    assert_eq!(*name, m.configmap);
                    mount.push_str(&format!(
                        "rm -rf {at}; mkdir -p {at}/..{tag}; cp /k8s/{tag}/* {at}/..{tag}/; ln -s ..{tag} {at}/..data\n",
                        at = sh(at)
                    ));
                    for (key, text) in &m.data {
                        files.push((
                            format!("k8s/{tag}/{key}"),
                            0o100644,
                            text.as_bytes().to_vec(),
                        ));
                        mount.push_str(&format!(
                            "ln -s ..data/{key} {at}/{key}\n",
                            key = sh(key),
                            at = sh(at)
                        ));
                    }
                }
            }
        }
        let args: Vec<String> = m
            .args
            .iter()
            .map(|a| sh(&a.replace("$(NODE_NAME)", "guest-node")))
            .collect();
        let probe: Vec<String> = m.probe.iter().map(|a| sh(a)).collect();
        (mount, format!("aaprof {}", args.join(" ")), probe.join(" "))
    };
    let (mount1, run1, probe1) = script(v1, "v1");
    let (mount2, run2, probe2) = script(v2, "v2");
    assert_eq!(probe1.split(' ').next(), Some("'aaprof'"));
    out.push_str(&format!(
        "{mount1}{run1} >> /tmp/pod.log 2>&1 &\npod=$!\n\
         waitfor /tmp/pod.log 'tree version' && grep -q 'tree version {ver1}:' /tmp/pod.log && aaprof status | grep -q '^   aaprof-test-other$' && {probe1} > /tmp/probe 2>&1 && sleep 1 && test $(grep -c 'tree version' /tmp/pod.log) = 1\n\
         check k8s-pod-loads-tree-and-is-ready $? \"$(cat /tmp/pod.log /tmp/probe)\"\n\
         grep -q 'cannot reach the Kubernetes API' /tmp/pod.log && kill -0 $pod\n\
         check k8s-pod-api-unreachable-is-logged-not-fatal $? \"$(grep -i kubernetes /tmp/pod.log)\"\n\
         kill $pod; wait $pod 2>/dev/null; : > /tmp/pod.log\n\
         {mount2}{run2} >> /tmp/pod.log 2>&1 &\npod=$!\n\
         waitfor /tmp/pod.log 'tree version' && grep -q 'tree version {ver2}:' /tmp/pod.log && grep -q 'replaced `k8s-apparmor-example-deny-write`' /tmp/pod.log && grep -q 'removed `aaprof-test-other`' /tmp/pod.log && ! aaprof status | grep -q aaprof-test-other && {probe2} > /tmp/probe 2>&1 && ! confined cat /etc/motd > /dev/null 2>&1\n\
         check k8s-rollout-replaces-and-removes $? \"$(cat /tmp/pod.log /tmp/probe)\"\n\
         kill $pod\n",
        ver1 = v1.version,
        ver2 = v2.version,
    ));
    out
}

/// A newc cpio archive of `files` (path in the archive, mode, contents;
/// a mode of 0o120777 makes a symlink to the contents).
fn cpio(files: &[(String, u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut entry = |name: &str, mode: u32, data: &[u8], ino: usize| {
        let header = format!(
            "070701{ino:08x}{mode:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            0,
            0,
            1,
            0,
            data.len(),
            0,
            0,
            0,
            0,
            name.len() + 1,
            0
        );
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        while out.len() % 4 != 0 {
            out.push(0);
        }
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    };
    for (i, (name, mode, data)) in files.iter().enumerate() {
        entry(name, *mode, data, i + 1);
    }
    entry("TRAILER!!!", 0, &[], 0);
    out
}

/// Every file under `dir`, as archive entries under `at`.
fn tree(dir: &Path, at: &str, out: &mut Vec<(String, u32, Vec<u8>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| Some(e.ok()?.path())).collect();
    entries.sort();
    for p in entries {
        let name = format!(
            "{at}/{}",
            p.file_name().unwrap_or_default().to_string_lossy()
        );
        if p.is_dir() {
            out.push((name.clone(), 0o40755, Vec::new()));
            tree(&p, &name, out);
        } else if let Ok(data) = std::fs::read(&p) {
            out.push((name, 0o100644, data));
        }
    }
}

/// The newest kernel image installed.
fn kernel_image() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/boot")
        .map(|rd| {
            rd.filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("vmlinuz-"))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.pop().expect(
        "no /boot/vmlinuz-*: run the test command from README.md (it installs linux-image-amd64)",
    )
}

/// The shared libraries a binary links, from `ldd`.
fn libraries(bin: &Path) -> Vec<PathBuf> {
    let out = Command::new("ldd").arg(bin).output().expect("ldd runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let p = l.split_whitespace().find(|w| w.starts_with('/'))?;
            Some(PathBuf::from(p))
        })
        .collect()
}

#[test]
fn policy_is_loaded_enforced_replaced_and_removed_in_a_real_kernel() {
    let busybox = Path::new("/bin/busybox");
    assert!(
        busybox.is_file(),
        "no /bin/busybox: run the test command from README.md (it installs busybox-static)"
    );
    let bin = Path::new(env!("CARGO_BIN_EXE_aaprof"));
    let mut files: Vec<(String, u32, Vec<u8>)> = Vec::new();
    for d in [
        "bin", "proc", "sys", "dev", "tmp", "etc", "profiles", "lib", "lib64",
    ] {
        files.push((d.to_string(), 0o40755, Vec::new()));
    }
    files.push((
        "bin/busybox".into(),
        0o100755,
        std::fs::read(busybox).expect("busybox"),
    ));
    let applets = Command::new(busybox)
        .arg("--list")
        .output()
        .expect("busybox runs");
    for a in String::from_utf8_lossy(&applets.stdout).lines() {
        if a != "busybox" {
            files.push((format!("bin/{a}"), 0o120777, b"busybox".to_vec()));
        }
    }
    files.push((
        "bin/aaprof".into(),
        0o100755,
        std::fs::read(bin).expect("aaprof"),
    ));
    let mut dirs = std::collections::BTreeSet::new();
    for lib in libraries(bin) {
        let rel = lib.to_string_lossy().trim_start_matches('/').to_string();
        let mut parent = Path::new(&rel).parent();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            dirs.insert(p.to_string_lossy().to_string());
            parent = p.parent();
        }
        let data = std::fs::read(&lib).expect("a library");
        files.push((rel, 0o100755, data));
    }
    for d in dirs {
        files.push((d, 0o40755, Vec::new()));
    }
    files.push(("etc/apparmor.d".into(), 0o40755, Vec::new()));
    files.push((
        "etc/passwd".into(),
        0o100644,
        b"root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n".to_vec(),
    ));
    files.push((
        "etc/group".into(),
        0o100644,
        b"root:x:0:\nnogroup:x:65534:\n".to_vec(),
    ));
    for d in ["abi", "tunables", "abstractions", "local", "apache2.d"] {
        let src = Path::new("/etc/apparmor.d").join(d);
        assert!(
            src.is_dir(),
            "no {}: run the test command from README.md (it installs apparmor)",
            src.display()
        );
        let at = format!("etc/apparmor.d/{d}");
        files.push((at.clone(), 0o40755, Vec::new()));
        tree(&src, &at, &mut files);
    }
    for (name, text) in [
        ("deny-write", DENY_WRITE),
        ("changed", DENY_WRITE_AND_MOTD),
        ("other", OTHER),
        ("newer", NEWER),
        ("orphan", ORPHAN),
    ] {
        files.push((
            format!("profiles/{name}"),
            0o100644,
            text.as_bytes().to_vec(),
        ));
    }
    // Debian's own profiles (packages apparmor and apparmor-profiles),
    // which this repository did not write
    let mut debian = 0;
    for e in std::fs::read_dir("/etc/apparmor.d")
        .expect("/etc/apparmor.d")
        .flatten()
    {
        let p = e.path();
        if p.is_file() {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            files.push((
                format!("debian/{name}"),
                0o100644,
                std::fs::read(&p).expect("a profile"),
            ));
            debian += 1;
        }
    }
    assert!(
        debian >= 10,
        "Debian's profiles are installed (apparmor-profiles)"
    );
    files.push(("debian".into(), 0o40755, Vec::new()));
    // a profile tree, as a node keeps one
    files.push(("tree".into(), 0o40755, Vec::new()));
    for (name, text) in [
        ("deny-write", DENY_WRITE),
        ("other", OTHER),
        ("complainer", COMPLAINER),
    ] {
        files.push((format!("tree/{name}"), 0o100644, text.as_bytes().to_vec()));
    }
    let all = super::support::shared().join("conformance/features/features.all");
    files.push((
        "features.all".into(),
        0o100644,
        std::fs::read(&all).expect("../shared's features.all"),
    ));
    // a node of a cluster: the loader's manifests for two versions of a
    // tree, and what a pod's service account holds (the API server is not
    // there: the loader must say so and go on)
    let k8s = repo().join("target/kernel-test/k8s");
    let _ = std::fs::remove_dir_all(&k8s);
    for (tag, trees) in [
        ("v1", &[("deny-write", DENY_WRITE), ("other", OTHER)][..]),
        ("v2", &[("deny-write", DENY_WRITE_AND_MOTD)][..]),
    ] {
        std::fs::create_dir_all(k8s.join(tag)).expect("target/ writable");
        for (name, text) in trees {
            std::fs::write(k8s.join(tag).join(name), text).expect("target/ writable");
        }
    }
    let v1 = super::k8s_cli::loader_manifest(&k8s.join("v1"), &[]);
    let v2 = super::k8s_cli::loader_manifest(&k8s.join("v2"), &[]);
    files.push(("k8s".into(), 0o40755, Vec::new()));
    let pod = pod_checks(&v1, &v2, &mut files);
    let account = "var/run/secrets/kubernetes.io/serviceaccount";
    let mut at = String::new();
    for part in account.split('/') {
        at = if at.is_empty() {
            part.to_string()
        } else {
            format!("{at}/{part}")
        };
        files.push((at.clone(), 0o40755, Vec::new()));
    }
    let ca = k8s.join("ca.crt");
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "/dev/null",
            "-subj",
            "/CN=guest-cluster-ca",
            "-days",
            "2",
            "-out",
        ])
        .arg(&ca)
        .output()
        .expect("openssl runs: run the test command from README.md (it installs openssl)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    files.push((
        format!("{account}/ca.crt"),
        0o100644,
        std::fs::read(&ca).expect("ca.crt"),
    ));
    files.push((
        format!("{account}/token"),
        0o100644,
        b"guest-token".to_vec(),
    ));
    files.push((
        "init".into(),
        0o100755,
        INIT.replace("@POD@", &pod).into_bytes(),
    ));
    // a directory must come before what is in it
    files.sort_by_key(|(n, m, _)| (n.matches('/').count(), *m != 0o40755, n.clone()));
    files.dedup_by(|a, b| a.0 == b.0);
    let dir = repo().join("target/kernel-test");
    std::fs::create_dir_all(&dir).expect("target/ writable");
    let initrd = dir.join("initrd.cpio");
    std::fs::write(&initrd, cpio(&files)).expect("initramfs written");
    let console = boot(
        &initrd,
        "apparmor=1 security=apparmor",
        &dir.join("console.log"),
    );
    expect(&console, CHECKS, "console.log");
    // the same guest, booted with AppArmor off
    let console = boot(&initrd, "apparmor=0", &dir.join("console-disabled.log"));
    expect(&console, &["disabled-clear-error"], "console-disabled.log");
}

/// Boot the kernel with `initrd` and `lsm` on its command line; the
/// console's text, also written to `log`.
fn boot(initrd: &Path, lsm: &str, log: &Path) -> String {
    let out = Command::new("timeout")
        .args(["300", "qemu-system-x86_64", "-cpu", "max", "-m", "1024", "-nographic", "-no-reboot"])
        .arg("-kernel")
        .arg(kernel_image())
        .arg("-initrd")
        .arg(initrd)
        .args(["-append", &format!("console=ttyS0 {lsm} panic=-1 quiet loglevel=1")])
        .output()
        .expect("qemu-system-x86_64 runs: run the test command from README.md (it installs qemu-system-x86)");
    let console = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    std::fs::write(log, console.as_bytes()).expect("console log written");
    console
}

/// Every check of `checks` reported as holding on `console`, and the guest
/// done.
fn expect(console: &str, checks: &[&str], log: &str) {
    // (the firmware's terminal codes can precede the first line)
    let reported: Vec<&str> = console
        .lines()
        .filter_map(|l| l.find("CHECK ").map(|i| &l[i..]))
        .collect();
    for c in checks {
        let ok = format!("CHECK {c} ok");
        assert!(
            reported
                .iter()
                .any(|l| *l == ok || l.starts_with(&format!("{ok} |"))),
            "the guest did not report `{ok}`; it reported:\n{}\n(console in target/kernel-test/{log})",
            reported.join("\n")
        );
    }
    assert!(
        console.contains("ALL-CHECKS-DONE"),
        "the guest did not finish its checks:\n{console}"
    );
}
