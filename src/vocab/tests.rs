use super::*;

use std::path::{Path, PathBuf};

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/tst/simple_tests")
}

/// `(expect_pass, text)` of every `.sd` case under `simple_tests/<sub>`.
fn cases(sub: &str) -> Vec<(PathBuf, bool, String)> {
    let dir = conformance_dir().join(sub);
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return out;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.extension().and_then(|e| e.to_str()) != Some("sd") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let pass = text.lines().any(|l| l.trim() == "#=EXRESULT PASS");
        out.push((p, pass, text));
    }
    out
}

// --- capabilities ----------------------------------------------------------

#[test]
fn capabilities_are_in_kernel_order() {
    assert_eq!(CAPABILITIES.len(), 41);
    assert_eq!(capability_number("chown"), Some(0));
    assert_eq!(capability_number("sys_admin"), Some(21));
    assert_eq!(capability_number("mac_admin"), Some(33));
    assert_eq!(capability_number("audit_read"), Some(37));
    assert_eq!(capability_number("checkpoint_restore"), Some(40));
    assert_eq!(capability_number("CHOWN"), None);
    assert_eq!(capability_backmap("bpf"), Some("sys_admin"));
    assert_eq!(capability_backmap("chown"), None);
}

#[test]
fn capabilities_match_feature_files() {
    // The kernel lists its capabilities in number order in caps/mask.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/conformance/features/features.af_inet");
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let line = text
        .lines()
        .find(|l| l.contains("chown dac_override"))
        .unwrap_or_default();
    let words: Vec<&str> = line
        .trim_start_matches("caps {")
        .trim_start_matches("mask {")
        .split_whitespace()
        .collect();
    let words: Vec<&str> = words.into_iter().filter(|w| !w.contains('{')).collect();
    assert_eq!(words, CAPABILITIES);
}

// --- network ---------------------------------------------------------------

#[test]
fn address_family_tables_agree() {
    assert_eq!(ADDRESS_FAMILIES.len(), NETWORK_DOMAINS.len());
    for (i, (name, num)) in ADDRESS_FAMILIES.iter().enumerate() {
        assert_eq!(NETWORK_DOMAINS[i], *name);
        assert_eq!(address_family_number(name), Some(*num));
    }
    assert_eq!(address_family_number("inet6"), Some(10));
    assert_eq!(address_family_number("mctp"), Some(45));
    assert_eq!(address_family_number("local"), None);
    assert_eq!(address_family_number("decnet"), None);
}

#[test]
fn network_specs() {
    for ok in [
        "inet", "unspec", "stream", "tcp", "icmp", "unix", "packet", "mctp",
    ] {
        assert!(is_valid_network_spec(ok, None), "{ok}");
    }
    for bad in ["foo", "local", "dccp", "icmpv6"] {
        assert!(!is_valid_network_spec(bad, None), "{bad}");
    }
    for (a, b) in [
        ("inet", "tcp"),
        ("inet", "udp"),
        ("inet", "icmp"),
        ("inet", "raw"),
        ("inet6", "tcp"),
        ("unspec", "dgram"),
    ] {
        assert!(is_valid_network_spec(a, Some(b)), "{a} {b}");
    }
    for (a, b) in [
        ("inet", "foo"),
        ("inet6", "icmp"),
        ("unix", "tcp"),
        ("stream", "inet"),
        ("tcp", "inet"),
    ] {
        assert!(!is_valid_network_spec(a, Some(b)), "{a} {b}");
    }
}

#[test]
fn network_cases_explained() {
    // Every `network WORD [WORD],` rule without conditionals in the network
    // cases agrees with is_valid_network_spec.
    for (path, pass, text) in cases("network") {
        for line in text.lines() {
            let l = line.split('#').next().unwrap_or("").trim();
            let Some(rest) = l.strip_prefix("network ") else {
                continue;
            };
            let Some(body) = rest.strip_suffix(',') else {
                continue;
            };
            if body.contains(['=', '(']) {
                continue;
            }
            let words: Vec<&str> = body
                .split_whitespace()
                .filter(|w| !NETWORK_PERMS.contains(w))
                .collect();
            let ok = match words.as_slice() {
                [] => true,
                [a] => is_valid_network_spec(a, None),
                [a, b] => is_valid_network_spec(a, Some(b)),
                _ => false,
            };
            if pass {
                assert!(ok, "{}: {l}", path.display());
            } else if !ok {
                // explained
            } else {
                // The case fails for another reason (e.g. rule outside a profile).
                assert!(
                    text.contains("outside") || text.contains("bad_outside"),
                    "{}: {l} accepted",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn perm_families() {
    assert!(PermFamily::Network.is_valid_perm("create"));
    assert!(PermFamily::Network.is_valid_perm("rw"));
    assert!(PermFamily::Network.is_valid_perm("rrw"));
    assert!(!PermFamily::Network.is_valid_perm("eavesdrop"));
    assert!(PermFamily::Dbus.is_valid_perm("eavesdrop"));
    assert!(PermFamily::Ptrace.is_valid_perm("tracedby"));
    assert!(PermFamily::Mqueue.is_valid_perm("delete"));
    assert!(!PermFamily::IoUring.is_valid_perm("read"));
    assert!(!PermFamily::IoUring.is_valid_perm("r"));
    assert!(PermFamily::IoUring.is_valid_perm("sqpoll"));
    assert!(PermFamily::Userns.is_valid_perm("create"));
    assert!(!PermFamily::Userns.is_valid_perm("read"));
    assert!(!is_rw_mode(""));
    assert!(!is_rw_mode("rwx"));
}

#[test]
fn unix_conditionals() {
    let label = find_cond(UNIX_CONDS, "label");
    assert!(label.is_some_and(|c| c.allowed(true) && !c.allowed(false)));
    let addr = find_cond(UNIX_CONDS, "addr");
    assert!(addr.is_some_and(|c| c.allowed(true) && c.allowed(false)));
    assert!(find_cond(UNIX_CONDS, "protocol").is_some_and(|c| !c.supported));
    assert!(find_cond(UNIX_CONDS, "modifier").is_none());
    assert!(is_valid_unix_addr("@foo"));
    assert!(is_valid_unix_addr("none"));
    assert!(is_valid_unix_addr("auto"));
    assert!(!is_valid_unix_addr("/some/path"));
    assert!(find_cond(DBUS_CONDS, "label").is_some_and(|c| !c.allowed(false)));
    assert!(is_valid_mqueue_name("/foo"));
    assert!(is_valid_mqueue_name("123"));
    assert!(!is_valid_mqueue_name("foo"));
    assert!(!is_valid_mqueue_name(""));
}

// --- signals ---------------------------------------------------------------

#[test]
fn signals() {
    for s in SIGNALS {
        assert!(is_valid_signal(s), "{s}");
    }
    assert_eq!(signal_number("hup"), Some(1));
    assert_eq!(signal_number("stp"), signal_number("tstp"));
    assert_eq!(signal_number("exists"), Some(35));
    assert_eq!(signal_number("rtmin+0"), Some(128));
    assert_eq!(signal_number("rtmin+32"), Some(160));
    for bad in [
        "lost",
        "nohup",
        "rtmin+33",
        "rtmin+-99",
        "rtmin+",
        "rtmin+1x",
        "hup.",
        "HUP",
        "",
    ] {
        assert!(!is_valid_signal(bad), "{bad}");
    }
}

#[test]
fn signal_cases_explained() {
    // Every single signal named in a `set=` of a signal case: failing cases
    // that name only valid signals fail for another reason, which we list.
    for (path, pass, text) in cases("signal") {
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            let Some((_, rest)) = line.split_once("set=") else {
                continue;
            };
            let list = match rest.strip_prefix('(') {
                Some(r) => r.split(')').next().unwrap_or(""),
                None => rest.split([' ', ',']).next().unwrap_or(""),
            };
            let sigs: Vec<&str> = list.split([' ', ',']).filter(|s| !s.is_empty()).collect();
            let all_ok = sigs.iter().all(|s| is_valid_signal(s));
            if pass {
                assert!(all_ok, "{}: {line}", path.display());
            }
        }
    }
}

// --- rlimits ---------------------------------------------------------------

#[test]
fn rlimit_tables() {
    for name in RLIMITS {
        assert!(rlimit_number(name).is_some(), "{name}");
        assert!(rlimit_kind(name).is_some(), "{name}");
    }
    assert_eq!(rlimit_number("ofile"), rlimit_number("nofile"));
    assert_eq!(rlimit_number("rttime"), Some(15));
    assert_eq!(rlimit_number("bogus"), None);
    assert_eq!(rlimit_default_unit("cpu"), Some("seconds"));
    assert_eq!(rlimit_default_unit("rttime"), Some("microseconds"));
    assert_eq!(rlimit_default_unit("nofile"), None);
}

#[test]
fn rlimit_values_from_the_cases() {
    use RlimitValue::{Infinity, Limit};
    // PASS values of rlimits/ok_rlimit_*.sd.
    assert_eq!(parse_rlimit_value("cpu", "1024"), Ok(Limit(1024)));
    assert_eq!(parse_rlimit_value("cpu", "infinity"), Ok(Infinity));
    assert_eq!(parse_rlimit_value("fsize", "1023MB"), Ok(Limit(1023 << 20)));
    assert_eq!(parse_rlimit_value("data", "4095KB"), Ok(Limit(4095 << 10)));
    assert_eq!(parse_rlimit_value("stack", "1024GB"), Ok(Limit(1024 << 30)));
    assert_eq!(
        parse_rlimit_value("core", "44444KB"),
        Ok(Limit(44444 << 10))
    );
    assert_eq!(parse_rlimit_value("rss", "infinity"), Ok(Infinity));
    assert_eq!(parse_rlimit_value("nofile", "256"), Ok(Limit(256)));
    assert_eq!(parse_rlimit_value("as", "2047MB"), Ok(Limit(2047 << 20)));
    assert_eq!(parse_rlimit_value("nproc", "1"), Ok(Limit(1)));
    assert_eq!(parse_rlimit_value("memlock", "10240"), Ok(Limit(10240)));
    assert_eq!(parse_rlimit_value("sigpending", "42"), Ok(Limit(42)));
    assert_eq!(parse_rlimit_value("nice", "-10"), Ok(Limit(10)));
    assert_eq!(parse_rlimit_value("rtprio", "10"), Ok(Limit(10)));
    assert_eq!(
        parse_rlimit_value("rttime", "60minutes"),
        Ok(Limit(60 * 60 * 1_000_000))
    );
    // FAIL value of rlimits/bad_rlimit_01.sd: `m` is not a time unit.
    assert!(parse_rlimit_value("rttime", "60m").is_err());
}

#[test]
fn rlimit_value_rules() {
    use RlimitValue::Limit;
    // sizes
    assert_eq!(parse_rlimit_value("fsize", "1K"), Ok(Limit(1024)));
    assert_eq!(parse_rlimit_value("fsize", "1 GB"), Ok(Limit(1 << 30)));
    assert!(parse_rlimit_value("fsize", "1kb").is_err());
    assert!(parse_rlimit_value("fsize", "1B").is_err());
    assert!(parse_rlimit_value("fsize", "1KiB").is_err());
    assert!(parse_rlimit_value("fsize", "-1").is_err());
    // counts take no unit, no sign
    assert!(parse_rlimit_value("nofile", "10K").is_err());
    assert!(parse_rlimit_value("nofile", "-1").is_err());
    assert!(parse_rlimit_value("rtprio", "1s").is_err());
    // nice
    assert_eq!(parse_rlimit_value("nice", "-20"), Ok(Limit(0)));
    assert_eq!(parse_rlimit_value("nice", "19"), Ok(Limit(39)));
    assert!(parse_rlimit_value("nice", "20").is_err());
    assert!(parse_rlimit_value("nice", "-21").is_err());
    assert!(parse_rlimit_value("nice", "1s").is_err());
    // cpu: seconds by default, at least one second with a unit
    assert_eq!(parse_rlimit_value("cpu", "0"), Ok(Limit(0)));
    assert_eq!(parse_rlimit_value("cpu", "2min"), Ok(Limit(120)));
    assert_eq!(parse_rlimit_value("cpu", "1500ms"), Ok(Limit(1)));
    assert_eq!(parse_rlimit_value("cpu", "1week"), Ok(Limit(604_800)));
    assert!(parse_rlimit_value("cpu", "999ms").is_err());
    assert!(parse_rlimit_value("cpu", "0s").is_err());
    assert!(parse_rlimit_value("cpu", "-1").is_err());
    assert!(parse_rlimit_value("cpu", "1fortnight").is_err());
    // rttime: microseconds
    assert_eq!(parse_rlimit_value("rttime", "5"), Ok(Limit(5)));
    assert_eq!(parse_rlimit_value("rttime", "3ms"), Ok(Limit(3000)));
    assert!(parse_rlimit_value("rttime", "0us").is_err());
    // strtoll base 0: a leading zero means octal
    assert_eq!(parse_rlimit_value("nofile", "010"), Ok(Limit(8)));
    assert_eq!(parse_rlimit_value("nofile", "08"), Ok(Limit(0)));
    // malformed text
    for bad in [
        "",
        "abc",
        "1.5",
        "0x10",
        "1 2",
        "--1",
        "infinityKB",
        "10 K B",
    ] {
        assert!(parse_rlimit_value("fsize", bad).is_err(), "{bad:?}");
    }
    // overflow is an error, not a wrap
    assert!(parse_rlimit_value("fsize", "99999999999999999GB").is_err());
    assert!(parse_rlimit_value("fsize", "99999999999999999999999").is_err());
    assert!(parse_rlimit_value("cpu", "99999999999999999weeks").is_err());
    // unknown limit
    assert!(parse_rlimit_value("bogus", "1").is_err());
    assert_eq!(
        parse_rlimit_parts("fsize", "2", Some("M")),
        Ok(Limit(2 << 20))
    );
}

#[test]
fn rlimit_cases_explained() {
    let mut seen = 0;
    for (path, pass, text) in cases("rlimits") {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        for line in text.lines() {
            let l = line.split('#').next().unwrap_or("").trim();
            let Some(rest) = l.strip_prefix("set rlimit ") else {
                continue;
            };
            let Some((limit, value)) = rest.split_once("<=") else {
                continue;
            };
            let value = value.trim().trim_end_matches(',');
            let result = parse_rlimit_value(limit.trim(), value);
            seen += 1;
            if name.contains("outside") {
                // fails because the rule is outside a profile
                assert!(result.is_ok(), "{name}: {l}");
            } else if pass {
                assert!(result.is_ok(), "{name}: {l}: {result:?}");
            } else {
                assert!(result.is_err(), "{name}: {l}");
            }
        }
    }
    if conformance_dir().exists() {
        assert!(seen >= 15, "only {seen} rlimit rules found");
    }
}

// --- mount -----------------------------------------------------------------

#[test]
fn mount_flags() {
    assert_eq!(mount_flag("ro").map(|f| f.set), Some(MS_RDONLY));
    assert_eq!(mount_flag("rw").map(|f| f.clear), Some(MS_RDONLY));
    assert_eq!(mount_flag("R").map(|f| f.set), Some(MS_BIND | MS_REC));
    assert_eq!(
        mount_flag("make-rshared").map(|f| f.kind),
        Some(MountFlagKind::Propagation)
    );
    assert_eq!(
        mount_flag("remount").map(|f| f.kind),
        Some(MountFlagKind::Remount)
    );
    assert_eq!(mount_flag("M").map(|f| f.kind), Some(MountFlagKind::Move));
    for bad in ["load", "nodirsync", "rec", "relative", "suidXXX", "b", "RO"] {
        assert!(mount_flag(bad).is_none(), "{bad}");
    }
    let o = parse_mount_options(["rw", "ro"]);
    assert_eq!(o.conflicts(), vec![("rw", "ro")]);
    let o = parse_mount_options(["lazytime", "nolazytime", "nosuid"]);
    assert_eq!(o.conflicts(), vec![("lazytime", "nolazytime")]);
    let o = parse_mount_options(["bind", "rbind", "ro", "foo"]);
    assert!(o.conflicts().is_empty());
    assert_eq!(o.unknown, vec!["foo"]);
    assert_eq!(o.kinds(), vec![MountFlagKind::Bind, MountFlagKind::Generic]);
    assert_eq!(MS_ALL_FLAGS & MS_NOUSER, 0);
    assert_eq!(MS_NEW_FLAGS & MS_BIND, 0);
    assert_ne!(MS_REMOUNT_FLAGS & MS_SHARED, 0);
}

#[test]
fn mount_option_cases_explained() {
    // Unknown options and options=() conflicts are errors in the mount cases.
    for (path, pass, text) in cases("mount") {
        for line in text.lines() {
            let l = line.split('#').next().unwrap_or("");
            for (eq, rest) in l
                .match_indices("options")
                .filter_map(|(i, _)| l.get(i + 7..))
                .map(|r| r.trim_start())
                .filter_map(|r| {
                    let r = r
                        .strip_prefix('=')
                        .map(|x| (true, x))
                        .or_else(|| r.strip_prefix("in").map(|x| (false, x)))?;
                    Some(r)
                })
            {
                let rest = rest.trim_start();
                let list = match rest.strip_prefix('(') {
                    Some(r) => r.split(')').next().unwrap_or(""),
                    None => rest.split([' ', ',']).next().unwrap_or(""),
                };
                let o = parse_mount_options(list.split([' ', ',']).filter(|s| !s.is_empty()));
                let bad = !o.unknown.is_empty() || (eq && !o.conflicts().is_empty());
                if pass {
                    assert!(!bad, "{}: {l}", path.display());
                }
            }
        }
    }
}

// --- profile flags ----------------------------------------------------------

fn flags(list: &str) -> Vec<String> {
    let items: Vec<(&str, Option<&str>)> = list
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| (s, None))
        .collect();
    check_flags(&items)
}

#[test]
fn profile_flags_basic() {
    assert!(flags("complain").is_empty());
    assert!(flags("audit,complain,audit").is_empty());
    assert!(flags("attach_disconnected, attach_disconnected.ipc=/foo").is_empty());
    assert!(flags("attach_disconnected.ipc=/foo, attach_disconnected.ipc=/foo").is_empty());
    assert!(flags("kill.signal=stp, kill.signal=tstp").is_empty());
    assert!(flags("error=eperm").is_empty());
    assert!(flags("error=EAGAIN error=EWOULDBLOCK").is_empty());
    assert!(flags("attach_disconnected.path=@{var}").is_empty());

    assert_eq!(
        flags("enforce, complain"),
        vec!["profile flag 'enforce' conflicts with 'complain'"]
    );
    assert_eq!(flags("foo"), vec!["invalid profile flag 'foo'"]);
    assert_eq!(
        flags("chroot_relative namespace_relative"),
        vec!["profile flag 'chroot_relative' conflicts with 'namespace_relative'"]
    );
    assert_eq!(
        flags("attach_disconnected.path=/a no_attach_disconnected"),
        vec!["profile flag 'attach_disconnected' conflicts with 'no_attach_disconnected'"]
    );
    assert_eq!(
        flags("kill.signal=hup."),
        vec!["unknown signal 'hup.' in profile flag 'kill.signal'"]
    );
    assert_eq!(
        flags("error=13"),
        vec!["unknown error code '13' in profile flag 'error'"]
    );
    assert_eq!(
        flags("error="),
        vec!["unknown error code '' in profile flag 'error'"]
    );
    assert_eq!(
        flags("kill.signal"),
        vec!["profile flag 'kill.signal' requires a value"]
    );
    assert_eq!(
        flags("attach_disconnected.path"),
        vec!["profile flag 'attach_disconnected.path' requires a value"]
    );
    assert_eq!(
        flags("audit=1"),
        vec!["profile flag 'audit' does not take a value ('1')"]
    );
    assert_eq!(
        flags("attach_disconnected.ipc=foo"),
        vec!["profile flag 'attach_disconnected.ipc' needs an absolute path, not 'foo'"]
    );
    assert_eq!(
        flags("attach_disconnected.ipc=/foo, attach_disconnected.ipc=/bar"),
        vec!["profile flag 'attach_disconnected.ipc' set to conflicting values '/foo' and '/bar'"]
    );
    assert_eq!(flags("kill.signal=int kill.signal=quit").len(), 1);
    // explicit (name, value) pairs work the same as `name=value` strings
    assert!(check_flags(&[("kill.signal", Some("hup")), ("complain", None)]).is_empty());
    assert_eq!(check_flags(&[("complain", Some("x"))]).len(), 1);
    // messages are lowercase-initial and have no trailing period
    for m in flags("Complain foo. kill.signal=x error=y enforce complain") {
        assert!(!m.ends_with('.'), "{m}");
        assert!(m.starts_with(|c: char| c.is_lowercase()), "{m}");
    }
}

/// The text inside `flags=(...)` or a bare `(...)` before `{` on a header.
fn flag_lists(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('#') || !l.ends_with('{') {
            continue;
        }
        let Some(open) = l.rfind('(') else {
            continue;
        };
        let before = l[..open].trim_end();
        if before.ends_with("xattrs=") || before.ends_with("identities=") {
            continue;
        }
        let Some(close) = l[open..].find(')') else {
            continue;
        };
        out.push(l[open + 1..open + close].to_string());
    }
    out
}

#[test]
fn profile_flag_cases_explained() {
    // Failing flag cases that check_flags does not catch, with the reason.
    const OTHER_REASON: &[&str] = &[
        "flags_bad_disconnected_ipc4.sd", // @{var} expands to a relative path
        "flags_bad_disconnected_path4.sd", // idem
        "flags_bad_disconnected_path5.sd", // idem
    ];
    for (path, pass, text) in cases("profile/flags") {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let lists = flag_lists(&text);
        if lists.is_empty() {
            continue;
        }
        let errors: Vec<String> = lists.iter().flat_map(|l| flags(l)).collect();
        let empty_list = lists.iter().any(|l| l.trim().is_empty());
        if pass {
            assert!(errors.is_empty(), "{name}: {errors:?}");
        } else if !OTHER_REASON.contains(&name.as_str()) {
            assert!(
                !errors.is_empty() || empty_list,
                "{name}: no error for {lists:?}"
            );
        }
    }
}

#[test]
fn errno_names() {
    assert_eq!(errno_number("EPERM"), Some(1));
    assert_eq!(errno_number("enoent"), Some(2));
    assert_eq!(errno_number("EHWPOISON"), Some(133));
    assert_eq!(errno_number("ENOTVALIDERROR"), None);
    assert_eq!(errno_number("13"), None);
    let mut names: Vec<&str> = ERRNO_NAMES.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), ERRNO_NAMES.len());
}

#[test]
fn flag_name_tables_agree() {
    let mut all: Vec<&str> = PROFILE_MODE_FLAGS.to_vec();
    all.extend(PROFILE_FLAGS);
    all.extend(PROFILE_VALUE_FLAGS.iter().map(|(n, _)| *n));
    all.sort_unstable();
    all.dedup();
    let mut names = PROFILE_FLAG_NAMES.to_vec();
    names.sort_unstable();
    assert_eq!(all, names);
}
