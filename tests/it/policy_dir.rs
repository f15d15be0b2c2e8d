//! A policy directory read as apparmor_parser reads it: `check`, `lint`
//! and `fmt` given a directory skip what is no policy (kernel feature
//! files, packaging leftovers, README files, the `disable/` link folder),
//! check abstractions, tunables, `local/` and `*.d` include folders as
//! fragments, and reach the references' verdict on the same tree.

use super::cli::{aaprof, stderr, stdout, tmpdir};
use super::support::Reference;
use std::path::Path;
use std::process::Output;

/// `apparmor_parser -Q -K` of a directory, as each reference is run.
fn reference(r: Reference, base: &Path, dir: &Path) -> Output {
    r.command()
        .arg("-Q")
        .arg("-K")
        .arg("-b")
        .arg(base)
        .arg(dir)
        .output()
        .expect("apparmor_parser runs")
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

/// A small tree laid out as Debian's `/etc/apparmor.d`, with every kind of
/// entry a real one has.
fn debian_like_tree(name: &str) -> std::path::PathBuf {
    let d = tmpdir(name).join("apparmor.d");
    write(
        &d,
        "tunables/global",
        "@{PROC}=/proc/\n@{pid}={[1-9],[1-9][0-9]}\ninclude <tunables/home>\n",
    );
    write(
        &d,
        "tunables/home",
        "@{HOMEDIRS}=/home/\ninclude <tunables/home.d>\n",
    );
    write(&d, "tunables/home.d/site", "@{HOMEDIRS}+=/srv/home/\n");
    write(
        &d,
        "abstractions/base",
        "  @{PROC}/@{pid}/maps r,\n  include if exists <abstractions/base.d>\n",
    );
    write(&d, "abstractions/base.d/extra", "  /etc/ld.so.cache r,\n");
    write(&d, "local/usr.bin.foo", "  @{HOMEDIRS}*/.foo r,\n");
    write(&d, "local/README", "Site-specific additions go here.\n");
    // a hat file of an include folder, as apache2.d/phpsysinfo
    write(
        &d,
        "foo.d/status",
        "  ^status {\n    include <abstractions/base>\n    /usr/bin/foo-status r,\n  }\n",
    );
    // a kernel feature ABI file: not policy
    write(
        &d,
        "abi/3.0",
        "query {label {multi_transaction {yes\n}\n}\n}\ndbus {mask {acquire send receive\n}\n}\n",
    );
    write(
        &d,
        "usr.bin.foo",
        "abi <abi/3.0>,\ninclude <tunables/global>\n\n/usr/bin/foo {\n  include <abstractions/base>\n  /usr/bin/foo r,\n  include <foo.d>\n  include if exists <local/usr.bin.foo>\n}\n",
    );
    // packaging leftovers: skipped silently, or with a word
    write(&d, "usr.bin.foo.dpkg-old", "this is not { policy\n");
    write(&d, "usr.bin.foo.rpmnew", "this is not { policy\n");
    // a disabled profile: the reference skips it, aaprof checks it
    write(
        &d,
        "usr.bin.old",
        "include <tunables/global>\n\n/usr/bin/old {\n  /usr/bin/old r,\n}\n",
    );
    std::fs::create_dir_all(d.join("disable")).expect("mkdir");
    let _ = std::os::unix::fs::symlink(d.join("usr.bin.old"), d.join("disable/usr.bin.old"));
    d
}

#[test]
fn a_debian_like_tree_checks_lints_and_formats_as_the_references_read_it() {
    let d = debian_like_tree("policy-dir");
    let dir = d.to_str().expect("utf-8 path");
    for r in Reference::ALL {
        let out = reference(r, &d, &d);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            r.version(),
            stderr(&out)
        );
        if r == Reference::Upstream {
            // what the reference mentions skipping, aaprof mentions too
            assert!(
                stderr(&out).contains("usr.bin.foo.rpmnew"),
                "{}",
                stderr(&out)
            );
        }
    }

    let o = aaprof(&["check", "-b", dir, "--format", "concise", dir], None, &d);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("usr.bin.foo.rpmnew"), "{err}");
    assert!(!err.contains("dpkg-old"), "{err}");

    let o = aaprof(
        &[
            "lint",
            "-b",
            dir,
            "--fail-on",
            "error",
            "--format",
            "concise",
            dir,
        ],
        None,
        &d,
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // no finding is in a file that is no policy
    for not_policy in ["abi/", "disable/", "local/README", ".dpkg-old", ".rpmnew"] {
        let at = format!("{dir}/{not_policy}");
        assert!(
            !stdout(&o).lines().any(|l| l.starts_with(&at)),
            "{}",
            stdout(&o)
        );
        assert!(
            !stdout(&o).contains(&format!("{not_policy}:")),
            "{}",
            stdout(&o)
        );
    }

    // fmt leaves what is no policy alone
    let o = aaprof(&["fmt", "--check", dir], None, &d);
    let out = format!("{}{}", stdout(&o), stderr(&o));
    for not_policy in ["abi/", "disable/", "README", "dpkg-old"] {
        assert!(!out.contains(not_policy), "{out}");
    }
}

#[test]
fn a_hat_file_alone_is_checked_as_part_of_a_profile() {
    let d = debian_like_tree("policy-dir-hat");
    let dir = d.to_str().expect("utf-8 path");
    let o = aaprof(
        &["check", "-b", dir, "--format", "concise", "foo.d/status"],
        None,
        &d,
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // and a mistake in it is still found, where it is
    write(
        &d,
        "foo.d/status",
        "  ^status {\n    /usr/bin/foo-status rz,\n  }\n",
    );
    let o = aaprof(
        &["check", "-b", dir, "--format", "concise", "foo.d/status"],
        None,
        &d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("foo.d/status:2:"), "{}", stdout(&o));
}

/// The stock tree of this machine (Debian's `apparmor` and
/// `apparmor-profiles` packages, installed by the test command): both
/// references accept it, and so do `check` and `lint`.
#[test]
fn the_stock_etc_apparmor_d_checks_and_lints_without_error() {
    let etc = Path::new("/etc/apparmor.d");
    assert!(
        etc.join("tunables/global").exists(),
        "Debian's apparmor package is not installed; run the test command from README.md"
    );
    for r in Reference::ALL {
        let out = reference(r, etc, etc);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            r.version(),
            stderr(&out)
        );
    }
    let o = aaprof(
        &["check", "--format", "concise", "/etc/apparmor.d"],
        None,
        etc,
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let o = aaprof(
        &[
            "lint",
            "--fail-on",
            "error",
            "--format",
            "concise",
            "/etc/apparmor.d",
        ],
        None,
        etc,
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(!stdout(&o).contains(": error["), "{}", stdout(&o));
}
