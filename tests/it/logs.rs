//! `aaprof logs`: denials of written logs (each format the kernel's
//! records reach a user in) explained on a profile tree. The real
//! kernel's records are explained in the QEMU test (kernel.rs).

use super::cli::{aaprof, stderr, stdout, tmpdir};
use super::support::repo;

const PROFILE: &str = "profile deny-write {
  file,
  deny /** w,
  owner /home/*/notes rw,
  capability chown,
  deny capability sys_admin,
}

profile strict {
  owner /home/*/notes r,
  /etc/hosts r,
}
";

/// One record in each of the forms a log holds them: dmesg, journalctl
/// -k, auditd (a hexadecimal name too).
const LOG: &str = r#"[   12.345678] audit: type=1400 audit(1733300000.123:45): apparmor="DENIED" operation="mknod" class="file" profile="deny-write" name="/tmp/written" pid=123 comm="sh" requested_mask="c" denied_mask="c" fsuid=0 ouid=0
[   12.345679] audit: type=1400 audit(1733300000.124:46): apparmor="DENIED" operation="mknod" class="file" profile="deny-write" name="/tmp/written" pid=124 comm="sh" requested_mask="c" denied_mask="c" fsuid=0 ouid=0
[   12.400000] some other kernel line
Dec 04 10:00:00 node kernel: audit: type=1400 audit(1733300001.1:47): apparmor="DENIED" operation="open" class="file" profile="deny-write" name="/etc/passwd" pid=125 comm="cat" requested_mask="r" denied_mask="r" fsuid=0 ouid=0
type=AVC msg=audit(1733300002.1:48): apparmor="DENIED" operation="open" class="file" profile="strict" name=2F686F6D652F616E6E2F6E6F746573 pid=126 comm="cat" requested_mask="r" denied_mask="r" fsuid=1001 ouid=1000
type=AVC msg=audit(1733300002.1:49): apparmor="DENIED" operation="capable" class="cap" profile="deny-write" pid=127 comm="mount" capability=21 capname="sys_admin"
type=AVC msg=audit(1733300002.1:50): apparmor="ALLOWED" operation="capable" class="cap" profile="strict" pid=127 comm="ip" capability=12 capname="net_admin"
type=AVC msg=audit(1733300002.1:51): apparmor="DENIED" operation="open" class="file" profile="nginx" name="/var/www/x" pid=127 comm="nginx" requested_mask="r" denied_mask="r" fsuid=0 ouid=0
"#;

/// The reason of each denial of `logs --format json`'s output.
fn reasons(o: &std::process::Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&stdout(o)).expect("json");
    v.as_array()
        .expect("a list")
        .iter()
        .map(|d| d["reason"].as_str().expect("a reason").to_string())
        .collect()
}

#[test]
fn each_denial_says_which_rule_or_which_lack_of_one() {
    let dir = tmpdir("logs-explain");
    let p = dir.join("profiles");
    std::fs::write(&p, PROFILE).unwrap();
    let log = dir.join("log");
    std::fs::write(&log, LOG).unwrap();
    let path = p.display().to_string();
    let o = aaprof(
        &[
            "logs",
            "--profiles",
            &path,
            "--suggest",
            &log.display().to_string(),
        ],
        None,
        &repo(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "DENIED mknod (2 times): profile `deny-write`, file \"/tmp/written\": c
  why: denied by `deny /** w` ({path}:3:3)
  to allow it: an allow rule does not override a deny rule; remove or narrow the deny rule
DENIED open: profile `deny-write`, file \"/etc/passwd\": r
  why: the tree's profile allows it: the profile the kernel ran is not the one the tree defines (a stale load; `aaprof replace` it)
  to allow it: load the tree's profile (`aaprof replace`)
DENIED open: profile `strict`, file \"/home/ann/notes\": r
  why: no rule of the profile allows `r` on it for a user who does not own it
  to allow it, add to the profile: /home/ann/notes r,
DENIED capable: profile `deny-write`, capability sys_admin
  why: denied by `deny capability sys_admin` ({path}:6:3)
  to allow it: an allow rule does not override a deny rule; remove or narrow the deny rule
ALLOWED capable: profile `strict`, capability net_admin
  why: no rule of the profile allows capability net_admin
  to allow it, add to the profile: capability net_admin,
DENIED open: profile `nginx`, file \"/var/www/x\": r
  why: the tree defines no profile `nginx`: it is not what the kernel ran
  to allow it, add to the profile: /var/www/x r,
"
        )
    );
}

#[test]
fn json_gives_the_reason_and_the_rules_with_their_places() {
    let dir = tmpdir("logs-json");
    let p = dir.join("profiles");
    std::fs::write(&p, PROFILE).unwrap();
    let o = aaprof(
        &[
            "logs",
            "--profiles",
            &p.display().to_string(),
            "--format",
            "json",
            "-",
        ],
        Some(LOG.as_bytes()),
        &repo(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let reasons: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "denied-by-rule",
            "stale",
            "no-rule",
            "denied-by-rule",
            "no-rule",
            "not-in-tree"
        ]
    );
    assert_eq!(v[0]["count"], 2);
    assert_eq!(v[0]["rules"][0]["rule"], "deny /** w");
    assert!(v[0]["rules"][0]["at"].as_str().unwrap().ends_with(":3:3"));
}

#[test]
fn a_log_without_denials_and_bad_input() {
    let dir = tmpdir("logs-none");
    let p = dir.join("profiles");
    std::fs::write(&p, PROFILE).unwrap();
    let path = p.display().to_string();
    let o = aaprof(
        &["logs", "--profiles", &path, "-"],
        Some(b"[ 0.0] Linux version 6.1\n"),
        &repo(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "no AppArmor denials in the log\n");
    let o = aaprof(
        &["logs", "--profiles", &path, "/nonexistent/log"],
        None,
        &repo(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read `/nonexistent/log`"),
        "{}",
        stderr(&o)
    );
    let o = aaprof(
        &["logs", "--profiles", "/nonexistent/tree", "-"],
        Some(b""),
        &repo(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/tree"), "{}", stderr(&o));
}

/// A profile with rules of the classes the policy automaton holds.
const CLASSES: &str = "profile demo {
  signal send set=(term, kill) peer=other,
  deny signal send set=kill peer=other,
  ptrace read peer=unconfined,
  network inet stream,
  deny network inet6 raw,
  dbus bind bus=session name=org.demo.*,
  mount fstype=tmpfs options=(rw,nosuid) tmpfs -> /tmp/x/,
}
";

/// Records of those classes as the kernel writes them (dbus-daemon's for
/// dbus, which reach the log through auditd as USER_AVC).
const CLASS_LOG: &str = r#"[    1.1] audit: type=1400 audit(1.1:1): apparmor="DENIED" operation="signal" class="signal" profile="demo" pid=10 comm="sh" requested_mask="send" denied_mask="send" signal=kill peer="other"
[    1.2] audit: type=1400 audit(1.1:2): apparmor="DENIED" operation="signal" class="signal" profile="demo" pid=10 comm="sh" requested_mask="send" denied_mask="send" signal=hup peer="unconfined"
[    1.3] audit: type=1400 audit(1.1:3): apparmor="DENIED" operation="signal" class="signal" profile="demo" pid=10 comm="sh" requested_mask="send" denied_mask="send" signal=term peer="other"
[    1.4] audit: type=1400 audit(1.1:4): apparmor="DENIED" operation="ptrace" class="ptrace" profile="demo" pid=10 comm="gdb" requested_mask="trace" denied_mask="trace" peer="unconfined"
[    1.5] audit: type=1400 audit(1.1:5): apparmor="DENIED" operation="create" class="net" profile="demo" pid=10 comm="ping" family="inet6" sock_type="raw" protocol=58 requested_mask="create" denied_mask="create"
[    1.6] audit: type=1400 audit(1.1:6): apparmor="DENIED" operation="mount" class="mount" info="failed flags match" error=-13 profile="demo" name="/tmp/x/" pid=10 comm="mount" fstype="tmpfs" srcname="tmpfs" flags="rw, noexec"
type=USER_AVC msg=audit(1.1:7): pid=1 uid=102 auid=4294967295 ses=4294967295 subj=unconfined msg='apparmor="DENIED" operation="dbus_bind" bus="system" name="org.demo.x" mask="bind" pid=10 label="demo" exe="/usr/bin/dbus-daemon" sauid=102 hostname=? addr=? terminal=?'
"#;

#[test]
fn denials_of_the_other_classes_are_decided_on_the_policy_automaton() {
    let dir = tmpdir("logs-classes");
    let p = dir.join("demo");
    std::fs::write(&p, CLASSES).unwrap();
    let log = dir.join("log");
    std::fs::write(&log, CLASS_LOG).unwrap();
    let path = p.display().to_string();
    let features = super::support::shared()
        .join("conformance/features/features.extended-perms-policydb")
        .display()
        .to_string();
    let o = aaprof(
        &[
            "logs",
            "-M",
            &features,
            "--profiles",
            &path,
            "--suggest",
            &log.display().to_string(),
        ],
        None,
        &repo(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "DENIED signal: profile `demo`, signal send kill peer=other
  why: denied by `deny signal send set=kill peer=other` ({path}:3:3), although `signal send set=(term, kill) peer=other` ({path}:2:3) allow it
  to allow it: an allow rule does not override a deny rule; remove or narrow the deny rule
DENIED signal: profile `demo`, signal send hup peer=unconfined
  why: no rule of the profile allows `send` of it
  to allow it, add to the profile: signal send set=(hup) peer=unconfined,
DENIED signal: profile `demo`, signal send term peer=other
  why: the tree's profile allows it (`signal send set=(term, kill) peer=other` ({path}:2:3)): the profile the kernel ran is not the one the tree defines (a stale load)
  to allow it: load the tree's profile (`aaprof replace`)
DENIED ptrace: profile `demo`, ptrace trace peer=unconfined
  why: no rule of the profile allows `trace` of it
  to allow it, add to the profile: ptrace trace peer=unconfined,
DENIED create: profile `demo`, network create inet6 raw
  why: denied by `deny network inet6 raw` ({path}:6:3)
  to allow it: an allow rule does not override a deny rule; remove or narrow the deny rule
DENIED mount: profile `demo`, mount fstype=tmpfs options=rw,noexec tmpfs /tmp/x/
  why: no rule of the profile allows `mount` of it
  to allow it, add to the profile: mount fstype=tmpfs options=(rw,noexec) tmpfs -> /tmp/x/,
DENIED dbus_bind: profile `demo`, dbus bind bus=system name=org.demo.x
  why: no rule of the profile allows `bind` of it
  to allow it, add to the profile: dbus bind bus=system name=org.demo.x,
"
        )
    );
    // each suggestion is a rule that allows what was logged
    let mut fixed = CLASSES.trim_end().trim_end_matches('}').to_string();
    for line in stdout(&o).lines() {
        if let Some(rule) = line.strip_prefix("  to allow it, add to the profile: ") {
            fixed.push_str(&format!("  {rule}\n"));
        }
    }
    fixed.push_str("}\n");
    std::fs::write(&p, &fixed).unwrap();
    let o = aaprof(
        &[
            "logs",
            "-M",
            &features,
            "--profiles",
            &path,
            "--format",
            "json",
            &log.display().to_string(),
        ],
        None,
        &repo(),
    );
    let reasons = reasons(&o);
    assert_eq!(
        reasons,
        [
            "denied-by-rule",
            "stale",
            "stale",
            "stale",
            "denied-by-rule",
            "stale",
            "stale"
        ],
        "{fixed}"
    );
}

#[test]
fn fix_adds_each_rule_to_the_profile_that_ran_and_diff_shows_it_first() {
    let dir = tmpdir("logs-fix");
    let p = dir.join("tree");
    let before = "profile top {\n  /etc/hosts r,\n\n  profile child {\n  }\n}\nprofile oneline { /etc/motd r, }\n";
    std::fs::write(&p, before).unwrap();
    let log = dir.join("log");
    std::fs::write(
        &log,
        r#"apparmor="DENIED" operation="open" class="file" profile="top" name="/etc/passwd" pid=1 comm="cat" requested_mask="r" denied_mask="r" fsuid=0 ouid=0
apparmor="DENIED" operation="capable" class="cap" profile="top//child" pid=2 comm="ip" capability=12 capname="net_admin"
apparmor="DENIED" operation="ptrace" class="ptrace" profile="oneline" pid=3 comm="ps" requested_mask="read" denied_mask="read" peer="unconfined"
apparmor="DENIED" operation="open" class="file" profile="top" name="/srv/a[1]*" pid=1 comm="cat" requested_mask="r" denied_mask="r" fsuid=0 ouid=0
apparmor="DENIED" operation="open" class="file" profile="elsewhere" name="/x" pid=1 comm="cat" requested_mask="r" denied_mask="r" fsuid=0 ouid=0
"#,
    )
    .unwrap();
    let (path, log) = (p.display().to_string(), log.display().to_string());
    let run = |extra: &[&str]| {
        let mut args = vec!["logs", "--profiles", path.as_str()];
        args.extend_from_slice(extra);
        args.push(log.as_str());
        aaprof(&args, None, &repo())
    };
    let o = run(&["--diff"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "--- {path}\n+++ {path}\n@@ -2,6 +2,9 @@\n   /etc/hosts r,\n \n   profile child {{\n+    capability net_admin,\n   }}\n\
             +  /etc/passwd r,\n+  /srv/a\\[1\\]\\* r,\n }}\n-profile oneline {{ /etc/motd r, }}\n\
             +profile oneline {{ /etc/motd r, ptrace read peer=unconfined, }}\n"
        ),
        "{}",
        stderr(&o)
    );
    // the explanations went to standard error, the file is as it was
    assert!(stderr(&o).contains("DENIED capable: profile `top//child`"));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), before);
    let o = run(&["--fix"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = run(&["--format", "json"]);
    let reasons = reasons(&o);
    assert_eq!(
        reasons,
        ["stale", "stale", "stale", "stale", "not-in-tree"],
        "{}",
        std::fs::read_to_string(&p).unwrap()
    );
}

#[test]
fn a_suggested_path_uses_the_tunables_where_they_match_a_part_exactly() {
    let dir = tmpdir("logs-tunables");
    std::fs::create_dir_all(dir.join("tunables")).unwrap();
    std::fs::write(
        dir.join("tunables/global"),
        "@{HOMEDIRS}=/home/\n@{HOME}=@{HOMEDIRS}/*/ /root/\n@{PROC}=/proc/\n@{pid}={[1-9],[1-9][0-9],[1-9][0-9][0-9],[1-9][0-9][0-9][0-9]}\n",
    )
    .unwrap();
    let p = dir.join("app");
    std::fs::write(
        &p,
        "include <tunables/global>\nprofile app {\n  /etc/hosts r,\n}\n",
    )
    .unwrap();
    let log = dir.join("log");
    std::fs::write(
        &log,
        r#"apparmor="DENIED" operation="open" class="file" profile="app" name="/home/ann/.config/app/x" pid=1 comm="app" requested_mask="r" denied_mask="r" fsuid=1000 ouid=1000
apparmor="DENIED" operation="open" class="file" profile="app" name="/proc/1234/status" pid=1 comm="app" requested_mask="r" denied_mask="r" fsuid=1000 ouid=1000
apparmor="DENIED" operation="open" class="file" profile="app" name="/proc/self/mounts" pid=1 comm="app" requested_mask="r" denied_mask="r" fsuid=1000 ouid=1000
"#,
    )
    .unwrap();
    let (base, path, log) = (
        dir.display().to_string(),
        p.display().to_string(),
        log.display().to_string(),
    );
    let o = aaprof(
        &["logs", "-b", &base, "--profiles", &path, "--suggest", &log],
        None,
        &repo(),
    );
    let rules: Vec<String> = stdout(&o)
        .lines()
        .filter_map(|l| l.strip_prefix("  to allow it, add to the profile: "))
        .map(str::to_string)
        .collect();
    assert_eq!(
        rules,
        [
            // a user's own files: for their owner only
            "owner @{HOME}/.config/app/x r,",
            "owner @{PROC}/@{pid}/status r,",
            "owner @{PROC}/self/mounts r,"
        ],
        "{}",
        stdout(&o)
    );
    // the rules allow what was denied
    let o = aaprof(
        &["logs", "-b", &base, "--profiles", &path, "--fix", &log],
        None,
        &repo(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = aaprof(
        &[
            "logs",
            "-b",
            &base,
            "--profiles",
            &path,
            "--format",
            "json",
            &log,
        ],
        None,
        &repo(),
    );
    let reasons = reasons(&o);
    assert!(reasons.iter().all(|r| r == "stale"), "{reasons:?}");
}

#[test]
fn a_file_rule_is_for_its_owner_only_when_a_user_read_their_own_file() {
    let dir = tmpdir("logs-owner");
    let p = dir.join("app");
    std::fs::write(&p, "profile app {\n  /usr/bin/app mr,\n}\n").unwrap();
    let log = dir.join("log");
    let denied = |name: &str, fsuid: u32, ouid: u32| {
        format!(
            "apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"app\" name=\"{name}\" pid=1 comm=\"app\" requested_mask=\"r\" denied_mask=\"r\" fsuid={fsuid} ouid={ouid}\n"
        )
    };
    let text = [
        denied("/home/ann/own", 1000, 1000),
        denied("/home/ann/theirs", 1001, 1000),
        denied("/etc/rootfile", 0, 0),
    ]
    .concat();
    std::fs::write(&log, text).unwrap();
    let (path, log) = (p.display().to_string(), log.display().to_string());
    let o = aaprof(
        &["logs", "--profiles", &path, "--suggest", &log],
        None,
        &repo(),
    );
    let out = stdout(&o);
    let rules: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("  to allow it, add to the profile: "))
        .collect();
    assert_eq!(
        rules,
        [
            "owner /home/ann/own r,",
            "/home/ann/theirs r,",
            "/etc/rootfile r,"
        ],
        "{out}"
    );
    // with the rules added, each access is allowed as it was made
    let o = aaprof(&["logs", "--profiles", &path, "--fix", &log], None, &repo());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = aaprof(
        &["logs", "--profiles", &path, "--format", "json", &log],
        None,
        &repo(),
    );
    let reasons = reasons(&o);
    assert_eq!(reasons, ["stale", "stale", "stale"]);
}

#[test]
fn an_abstraction_is_proposed_where_a_rule_of_it_names_what_was_denied() {
    let dir = tmpdir("logs-abstractions");
    std::fs::create_dir_all(dir.join("abstractions")).unwrap();
    std::fs::write(
        dir.join("abstractions/resolve"),
        "/etc/resolv.conf r,\n/etc/{hosts,host.conf} r,\nnetwork inet dgram,\n",
    )
    .unwrap();
    // takes in all of it, naming none
    std::fs::write(dir.join("abstractions/broad"), "/etc/** r,\nnetwork,\n").unwrap();
    let p = dir.join("app");
    std::fs::write(&p, "profile app {\n  /usr/bin/app mr,\n}\n").unwrap();
    let log = dir.join("log");
    let denied = |name: &str| {
        format!(
            "apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"app\" name=\"{name}\" pid=1 comm=\"app\" requested_mask=\"r\" denied_mask=\"r\" fsuid=1000 ouid=0\n"
        )
    };
    let net = |ty: &str| {
        format!(
            "apparmor=\"DENIED\" operation=\"create\" class=\"net\" profile=\"app\" pid=1 comm=\"app\" family=\"inet\" sock_type=\"{ty}\" protocol=0 requested_mask=\"create\" denied_mask=\"create\"\n"
        )
    };
    let text = [
        denied("/etc/resolv.conf"),
        denied("/etc/hosts"),
        denied("/etc/passwd"),
        net("dgram"),
        net("stream"),
    ]
    .concat();
    std::fs::write(&log, text).unwrap();
    let (base, path, log) = (
        dir.display().to_string(),
        p.display().to_string(),
        log.display().to_string(),
    );
    let o = aaprof(
        &["logs", "-b", &base, "--profiles", &path, "--suggest", &log],
        None,
        &repo(),
    );
    let said = stdout(&o);
    let rules: Vec<&str> = said
        .lines()
        .filter_map(|l| l.strip_prefix("  to allow it, add to the profile: "))
        .collect();
    assert_eq!(
        rules,
        [
            "include <abstractions/resolve>",
            "include <abstractions/resolve>",
            "/etc/passwd r,",
            "include <abstractions/resolve>",
            "network create inet stream,"
        ],
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("    (it allows this; or the rule `/etc/resolv.conf r,`)\n"),
        "{}",
        stdout(&o)
    );
    // --fix includes it once, and what was denied is allowed
    let o = aaprof(
        &["logs", "-b", &base, "--profiles", &path, "--fix", &log],
        None,
        &repo(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        "profile app {\n  /usr/bin/app mr,\n  include <abstractions/resolve>\n  /etc/passwd r,\n  network create inet stream,\n}\n"
    );
    let o = aaprof(
        &[
            "logs",
            "-b",
            &base,
            "--profiles",
            &path,
            "--format",
            "json",
            &log,
        ],
        None,
        &repo(),
    );
    let reasons = reasons(&o);
    assert!(reasons.iter().all(|r| r == "stale"), "{reasons:?}");
}
