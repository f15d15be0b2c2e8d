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
