//! `aaprof query`: what a profile allows on a file path, from its compiled
//! file automaton, with the rules that match the path and where they were
//! written (in an abstraction too).

use super::cli::{aaprof, stderr, stdout, tmpdir};
use super::support::{repo, shared};

const TUTORIAL: &str = "profile k8s-apparmor-example-deny-write flags=(attach_disconnected) {\n  file,\n  deny /** w,\n  deny /etc/motd r,\n  owner /home/*/notes rw,\n}\n";

fn query(args: &[&str]) -> std::process::Output {
    let mut all = vec!["query"];
    all.extend_from_slice(args);
    aaprof(&all, None, &repo())
}

#[test]
fn a_deny_rule_and_every_rule_that_matches_are_in_the_answer() {
    let dir = tmpdir("query-tutorial");
    let p = dir.join("deny-write");
    std::fs::write(&p, TUTORIAL).unwrap();
    let path = p.display().to_string();
    let o = query(&[&path, "/etc/motd", "--access", "r"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "profile `k8s-apparmor-example-deny-write`, file \"/etc/motd\":\n  \
             allowed, for its owner and others: x m k l getattr\n  `r`: not allowed (`r` is not)\n  \
             the rules that match it:\n    allows `file` at {path}:2:3\n    denies `deny /** w` at {path}:3:3\n    \
             denies `deny /etc/motd r` at {path}:4:3\n"
        )
    );
    let o = query(&[&path, "/etc/passwd", "--access", "r"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = query(&[&path, "/tmp/x", "--access", "w"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
}

#[test]
fn owner_rules_answer_for_the_owner_only() {
    let dir = tmpdir("query-owner");
    let p = dir.join("p");
    std::fs::write(&p, "profile p {\n  owner /home/*/notes rw,\n}\n").unwrap();
    let path = p.display().to_string();
    let o = query(&[&path, "/home/ann/notes", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let words = |k: &str| -> Vec<String> {
        v[k].as_str()
            .unwrap()
            .split(' ')
            .map(str::to_string)
            .collect()
    };
    assert!(
        words("owner").contains(&"r".into()) && words("owner").contains(&"w".into()),
        "{v}"
    );
    assert!(
        !words("other").contains(&"r".into()) && !words("other").contains(&"w".into()),
        "{v}"
    );
    assert_eq!(v["rules"][0]["owner_only"], true);
    let o = query(&[&path, "/home/ann/notes", "--access", "r", "--as", "other"]);
    assert_eq!(o.status.code(), Some(1));
    let o = query(&[&path, "/home/ann/notes", "--access", "rw", "--as", "owner"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn a_rule_from_an_abstraction_is_shown_where_it_was_written() {
    let up = shared().join("corpora/upstream");
    let base = up.display().to_string();
    let file = up.join("usr.sbin.dnsmasq").display().to_string();
    let o = query(&[
        "-b",
        &base,
        &file,
        "/etc/ld.so.cache",
        "--format",
        "json",
        "--access",
        "r",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["profile"], "dnsmasq");
    let from_base = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["file"].as_str().unwrap().ends_with("abstractions/base"))
        .unwrap_or_else(|| panic!("a rule of abstractions/base: {v}"));
    assert_eq!(from_base["path"], "/{etc,usr/etc}/ld.so.cache");
    assert!(from_base["line"].as_u64().unwrap() > 1);
}

#[test]
fn bad_questions_say_what_is_wrong() {
    let dir = tmpdir("query-bad");
    let p = dir.join("two");
    std::fs::write(&p, "profile a { }\nprofile b { }\n").unwrap();
    let path = p.display().to_string();
    let o = query(&[&path, "/etc/x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("name one with --profile (`a`, `b`)"),
        "{}",
        stderr(&o)
    );
    let o = query(&[&path, "etc/x", "--profile", "a"]);
    assert!(stderr(&o).contains("must be an absolute path"));
    let o = query(&[&path, "/etc/x", "--profile", "c"]);
    assert!(stderr(&o).contains("defines no profile `c`"));
    let o = query(&[&path, "/etc/x", "--profile", "a", "--access", "q"]);
    assert!(stderr(&o).contains("`q` is not a file permission"));
}

#[test]
fn a_capability_is_allowed_by_its_rule_and_denied_by_a_deny_rule() {
    let dir = tmpdir("query-cap");
    let p = dir.join("p");
    std::fs::write(
        &p,
        "profile p {\n  capability chown,\n  capability,\n  deny capability sys_admin,\n}\n",
    )
    .unwrap();
    let path = p.display().to_string();
    let o = query(&[&path, "capability", "sys_admin"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "profile `p`, capability sys_admin:\n  not allowed\n    denies `deny capability sys_admin` at {path}:4:3\n    \
             allows `capability` at {path}:3:3\n"
        )
    );
    // CAP_ and upper case are read as the name
    let o = query(&[&path, "capability", "CAP_CHOWN", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["allowed"], true);
    assert_eq!(v["rules"].as_array().unwrap().len(), 2);
    let o = query(&[&path, "capability", "flying"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a capability name"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_exec_says_which_transition_and_to_which_profile() {
    let dir = tmpdir("query-exec");
    let p = dir.join("web");
    std::fs::write(
        &p,
        "profile web {\n  /usr/bin/helper Px,\n  /usr/bin/sh ux,\n  /usr/bin/* ix,\n}\nprofile helper /usr/bin/helper {\n}\n",
    )
    .unwrap();
    let path = p.display().to_string();
    let o = query(&[&path, "--profile", "web", "exec", "/usr/bin/helper"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains(&format!(
            "  starts it in `helper` (Px) by `/usr/bin/helper Px` at {path}:2:3\n"
        )),
        "{text}"
    );
    let o = query(&[
        &path,
        "--profile",
        "web",
        "exec",
        "/usr/bin/sh",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let t = &v["transitions"][0];
    assert_eq!(
        (t["to"].as_str(), t["leaves"].as_bool()),
        (Some("unconfined"), Some(true))
    );
    // the exact rule outranks the glob `/usr/bin/* ix` for the kernel
    assert_eq!(v["transitions"].as_array().unwrap().len(), 1, "{v}");
    let o = query(&[&path, "--profile", "web", "exec", "/sbin/init"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("cannot be started"), "{}", stdout(&o));
}

/// What the profile's whole compiled policy accepts for `path`, for its
/// owner and for others, in words.
fn whole_policy_answer(
    base: &std::path::Path,
    include: &[std::path::PathBuf],
    file: &std::path::Path,
    profile: &str,
    path: &str,
) -> (String, String) {
    use aaprof::binpolicy::perms::{Kind, Meaning, file_bits};
    let opts = aaprof::resolve::Options {
        search: aaprof::resolve::SearchPath {
            include_dirs: include.to_vec(),
            base_dir: base.to_path_buf(),
            cwd: base.to_path_buf(),
            fs: aaprof::vfs::Vfs::disk(),
        },
        features: aaprof::features::Features::all(),
        warn_unsupported: false,
        fragments: true,
    };
    let session = aaprof::resolve::Session::new();
    let out = session.check_path(file, &file.display().to_string(), &opts);
    let c = aaprof::compile::compile_checked(
        &out,
        &opts.search,
        &aaprof::compile::Options {
            features: opts.features.clone(),
            policy_features: None,
            budget: Default::default(),
        },
    )
    .expect("compiles");
    let input: Vec<u16> = path.bytes().map(u16::from).collect();
    let perms = match aaprof::binpolicy::compare::lookup(&c.bytes(), profile, Kind::File, &input) {
        Ok(Some((Meaning::File(f), _))) => f,
        _ => Default::default(),
    };
    let words = |b: u32| {
        if b == 0 {
            "nothing".to_string()
        } else {
            file_bits(b)
        }
    };
    (words(perms.user.allow), words(perms.other.allow))
}

#[test]
fn the_answer_is_the_whole_policys_though_only_the_rules_for_the_path_are_compiled() {
    // apparmor.d's largest profile (abi 4.0, where the kernel grants
    // getattr of every path) and Debian's man (abi 3.0, children), on
    // paths their rules (owner, deny, globs of abstractions, none)
    // decide differently
    let corpora = shared().join("corpora");
    let apparmor_d = corpora.join("apparmor.d");
    // and a profile of `all` (every file permission) with deny, owner and
    // exec rules, a change_profile on exec and a link rule
    let dir = tmpdir("query-narrowed");
    std::fs::write(
        dir.join("all"),
        "profile all {\n  all,\n  deny /etc/shadow w,\n  deny owner /tmp/** x,\n  /usr/bin/* Px -> all,\n  change_profile /usr/bin/sh -> all,\n  link /tmp/x -> /etc/passwd,\n}\n",
    )
    .unwrap();
    let cases: [(
        &std::path::Path,
        Vec<std::path::PathBuf>,
        std::path::PathBuf,
        &str,
    ); 3] = [
        (&dir, vec![], dir.join("all"), "all"),
        (
            &apparmor_d,
            vec![apparmor_d.join("mappings")],
            apparmor_d.join("profiles/groups/gnome/gnome-shell"),
            "gnome-shell",
        ),
        (
            &corpora.join("upstream"),
            vec![],
            corpora.join("upstream/usr.sbin.dnsmasq"),
            "dnsmasq",
        ),
    ];
    for (base, include, file, profile) in &cases {
        for path in [
            "/etc/passwd",
            "/etc/shadow",
            "/home/u/.config/dconf/user",
            "/home/u/.ssh/id_rsa",
            "/proc/1/cmdline",
            "/proc/self/mountinfo",
            "/usr/bin/gnome-shell",
            "/usr/share/glib-2.0/schemas/gschemas.compiled",
            "/dev/dri/card0",
            "/run/user/1000/bus",
            "/tmp/x",
            "/sys/devices/system/cpu/online",
            "/var/lib/misc/dnsmasq.leases",
            "/etc/ld.so.cache",
            "/usr/bin/sh",
        ] {
            let mut args = vec!["query".to_string(), "-b".into(), base.display().to_string()];
            for i in include {
                args.push("-I".into());
                args.push(i.display().to_string());
            }
            args.extend([
                file.display().to_string(),
                "--profile".into(),
                profile.to_string(),
                path.into(),
                "--format".into(),
                "json".into(),
            ]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let o = aaprof(&args, None, &repo());
            assert_eq!(o.status.code(), Some(0), "{path}: {}", stderr(&o));
            let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
            let got = (
                v["owner"].as_str().unwrap().to_string(),
                v["other"].as_str().unwrap().to_string(),
            );
            assert_eq!(
                got,
                whole_policy_answer(base, include, file, profile, path),
                "{profile} {path}"
            );
        }
    }
}

#[test]
fn the_newest_kernel_abi_is_the_extended_conformance_kernel() {
    let path = shared().join("conformance/features/features.extended-perms-policydb");
    let text = std::fs::read_to_string(&path).expect("the features file");
    let file = aaprof::features::Features::parse(&text).expect("it parses");
    assert_eq!(aaprof::features::Features::newest(), file);
}

/// A profile with rules of every class the policy automaton holds.
const CLASSES: &str = "profile demo /usr/bin/demo {
  signal send set=(term, kill) peer=other,
  deny signal send set=kill peer=other,
  signal receive peer=/usr/bin/*,
  ptrace read peer=unconfined,
  ptrace (trace, read) peer=/usr/bin/gdb,
  network inet stream,
  network unix dgram,
  deny network inet6 raw,
  dbus send bus=session path=/org/freedesktop/Notifications interface=org.freedesktop.Notifications member=Notify peer=(name=org.freedesktop.Notifications),
  dbus bind bus=session name=org.demo.*,
  mount fstype=tmpfs options=(rw,nosuid) tmpfs -> /tmp/x/,
  umount /tmp/x/,
  pivot_root oldroot=/new/old/ /new/,
  userns,
}
profile plain {
  /etc/motd r,
}
";

/// Questions of [`CLASSES`]' profile `demo`: whether all of it is
/// allowed, and the lines of the rules that match it (deny rules first).
const CLASS_CASES: &[(&str, bool, &[usize])] = &[
    ("signal send term peer=other", true, &[2]),
    ("signal send kill peer=other", false, &[3, 2]),
    ("signal send hup peer=other", false, &[]),
    ("signal receive hup peer=/usr/bin/foo", true, &[4]),
    ("signal receive hup peer=/opt/foo", false, &[]),
    ("ptrace read", true, &[5]),
    ("ptrace trace", false, &[]),
    ("ptrace trace peer=/usr/bin/gdb", true, &[6]),
    ("network inet stream", true, &[7]),
    ("network create inet dgram", false, &[]),
    ("network inet6 raw", false, &[9]),
    ("network create send unix dgram", true, &[8]),
    (
        "dbus send bus=session name=org.freedesktop.Notifications path=/org/freedesktop/Notifications interface=org.freedesktop.Notifications member=Notify peer=x",
        true,
        &[10],
    ),
    (
        "dbus send bus=session name=org.freedesktop.Notifications path=/org/freedesktop/Notifications interface=org.freedesktop.Notifications member=Other peer=x",
        false,
        &[],
    ),
    ("dbus bind bus=session name=org.demo.x", true, &[11]),
    ("dbus bind bus=system name=org.demo.x", false, &[]),
    (
        "mount fstype=tmpfs options=rw,nosuid tmpfs /tmp/x/",
        true,
        &[12],
    ),
    ("mount fstype=tmpfs tmpfs /tmp/x/", false, &[]),
    ("umount /tmp/x/", true, &[13]),
    ("umount /tmp/y/", false, &[]),
    ("pivot_root /new/ /new/old/", true, &[14]),
    ("pivot_root /new/ /elsewhere/", false, &[]),
    ("userns create", true, &[15]),
];

#[test]
fn each_class_is_answered_with_the_rules_that_match() {
    let dir = tmpdir("query-classes");
    let p = dir.join("demo");
    std::fs::write(&p, CLASSES).unwrap();
    let path = p.display().to_string();
    for (q, granted, lines) in CLASS_CASES {
        let mut args = vec![path.as_str(), "--profile", "demo", "--format", "json"];
        args.extend(q.split(' '));
        let o = query(&args);
        assert_eq!(
            o.status.code(),
            Some(if *granted { 0 } else { 1 }),
            "{q}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
        assert_eq!(v["allowed"], *granted, "{q}: {v}");
        assert_eq!(v["mediated"], true, "{q}: {v}");
        let got: Vec<u64> = v["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| r["line"].as_u64().expect("a line"))
            .collect();
        let want: Vec<u64> = lines.iter().map(|&l| l as u64).collect();
        assert_eq!(got, want, "{q}: {v}");
    }
    // the text answer names the deny rule and the allow rule it beats
    let o = query(&[
        &path,
        "--profile",
        "demo",
        "signal",
        "send",
        "kill",
        "peer=other",
    ]);
    assert_eq!(
        stdout(&o),
        format!(
            "profile `demo`, signal send kill peer=other:\n  not allowed (`send` is not)\n  \
             of this class, nothing is allowed on it\n  the rules that match it:\n    \
             denies `deny signal send set=kill peer=other` at {path}:3:3\n    \
             allows `signal send set=(term, kill) peer=other` at {path}:2:3\n"
        )
    );
    // a socket's other permissions depend on addresses where inet rules
    // go on to them
    let o = query(&[
        &path,
        "--profile",
        "demo",
        "network",
        "connect",
        "inet",
        "stream",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("undecided: `connect` depends on addresses and ports"),
        "{}",
        stdout(&o)
    );
    // a class word alone asks with its defaults
    let o = query(&[&path, "--profile", "demo", "ptrace"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).starts_with("profile `demo`, ptrace trace peer=unconfined:\n"),
        "{}",
        stdout(&o)
    );
    // bad questions
    for (q, says) in [
        ("signal send", "name one signal"),
        ("signal send nosuchsig", "`nosuchsig` is not a signal name"),
        (
            "signal recieve term",
            "`recieve` is not a signal permission",
        ),
        ("network inet", "name a family and a socket type"),
        (
            "network fly inet stream",
            "`fly` is not a network permission",
        ),
        ("network fly stream", "`fly` is not an address family"),
        (
            "ptrace read colour=blue",
            "`colour=` is not a field of a ptrace question",
        ),
        (
            "mount options=sideways /x",
            "`sideways` is not a mount option",
        ),
    ] {
        let mut args = vec![path.as_str(), "--profile", "demo"];
        args.extend(q.split(' '));
        let o = query(&args);
        assert_eq!(o.status.code(), Some(2), "{q}: {}", stdout(&o));
        assert!(stderr(&o).contains(says), "{q}: {}", stderr(&o));
    }
}

/// Every question of [`CLASS_CASES`], and the same of profile `plain`,
/// decided on the 6.0 reference's binary policy and on aaprof's, for a
/// kernel of the newest ABI and for one of the 3.0 ABI (network by family
/// and type only, permissions in the legacy accept words): the same
/// answer, whether the class is mediated and every permission bit; and
/// `query`'s answer, from the rules that may match alone, is the whole
/// policy's.
#[test]
fn the_answers_on_the_references_policy_are_the_same() {
    use super::support::Reference;
    let dir = tmpdir("query-classes-oracle");
    let p = dir.join("demo");
    std::fs::write(&p, CLASSES).unwrap();
    let features = shared().join("conformance/features");
    for kernel in ["features.extended-perms-policydb", "features.all"] {
        let theirs = Reference::Upstream
            .compile_for(kernel, &[], &dir, Some(&p), None)
            .expect("the reference compiles it");
        let bin = dir.join("ours.bin");
        let f = features.join(kernel).display().to_string();
        let o = aaprof(
            &[
                "compile",
                "-M",
                &f,
                "-o",
                &bin.display().to_string(),
                &p.display().to_string(),
            ],
            None,
            &repo(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let ours = std::fs::read(&bin).unwrap();
        let path = p.display().to_string();
        let mut decided = 0;
        for profile in ["demo", "plain"] {
            for (q, _, _) in CLASS_CASES {
                let words: Vec<String> = q.split(' ').map(str::to_string).collect();
                let access = aaprof::access::Access::parse(&words).expect("a question");
                let a = aaprof::access::decide(&ours, profile, &access).expect("ours reads");
                let b = aaprof::access::decide(&theirs, profile, &access).expect("theirs reads");
                assert_eq!(a, b, "{kernel}: {profile}: {q}");
                decided += usize::from(a.mediated);
                // `query` compiles only the rules that may match: its
                // answer is the whole policy's
                let mut args = vec![
                    "-M",
                    f.as_str(),
                    path.as_str(),
                    "--profile",
                    profile,
                    "--format",
                    "json",
                ];
                args.extend(q.split(' '));
                let o = query(&args);
                let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
                assert_eq!(v["mediated"], a.mediated, "{kernel}: {profile}: {q}: {v}");
                assert_eq!(
                    v["permissions"],
                    serde_json::json!(a.allowed()),
                    "{kernel}: {profile}: {q}: {v}"
                );
            }
        }
        assert!(decided > CLASS_CASES.len(), "{kernel}: {decided} mediated");
    }
}

#[test]
fn the_default_kernel_abi_is_the_conformance_suites_features_all() {
    let path = shared().join("conformance/features/features.all");
    let text = std::fs::read_to_string(&path).expect("the features file");
    let file = aaprof::features::Features::parse(&text).expect("it parses");
    assert_eq!(aaprof::features::Features::all(), file);
}
