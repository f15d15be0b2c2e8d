//! `aaprof compile` of `all,`, of the `kill.signal=` and `error=` flags,
//! of `xattrs=` attachments and of files with several profiles, against
//! the 6.0 reference: each sample is compiled by both for several
//! kernels and the two binary policies must mean the same
//! ([`compare`]: the same records in the same order, automata accepting
//! the same inputs with the same permissions).

use crate::support::{PolicyCompile, par_map, shared};
use aaprof::binpolicy::compare::compare;
use std::path::{Path, PathBuf};

/// One file per sample.
const SAMPLES: &[&str] = &[
    // all, with its qualifiers and beside other rules
    "profile p { all, }",
    "profile p { deny all, }",
    "profile p { audit deny all, }",
    "profile p { audit all, }",
    "profile p { allow all, }",
    "profile p { prompt all, }",
    "profile p { all, deny /etc/shadow w, deny capability sys_admin, }",
    "profile p { deny all, /usr/bin/** rix, capability chown, network inet stream, }",
    "profile p { all, audit deny unix, deny owner /home/** w, }",
    "profile p { audit deny all, signal send, mount, umount, }",
    "profile p { all, deny network, deny ptrace, deny dbus, }",
    "/usr/bin/a { all, ^hat { deny all, } profile child { audit all, } }",
    // kill.signal= and error=
    "profile p flags=(kill.signal=hup) { /** r, }",
    "profile p flags=(error=EPERM) { /** r, }",
    "profile p flags=(complain, kill.signal=rtmin+3, error=eacces) { all, }",
    "profile p flags=(kill.signal=kill) { deny all, ^h flags=(error=ENOENT) { } }",
    // xattrs attachments
    "/usr/bin/x xattrs=(user.a=foo) { /** r, }",
    "/usr/bin/x xattrs=(user.a=foo user.b) { /** r, }",
    "profile x xattrs=(user.foo=\"b*r\") { all, }",
    "profile x /a/{b,c}/** xattrs=(security.x=/x/** user.y=@{HOME} z=q) flags=(kill.signal=term) { /** r, }",
    "profile :ns:x /bin/* xattrs=(user.a=v) { /** r, ^h { /a r, } }",
    // several profiles: the records in the reference's order
    "profile zz { /a r, }\nprofile :b:c { /b r, }\nprofile :a:z { all, }\n/usr/bin/a { ^z { } ^a { } profile m { } }\nprofile B xattrs=(k=v) { }",
];

fn features_dir() -> PathBuf {
    shared().join("conformance/features")
}

/// A temporary directory of one test.
fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aaprof-compile-all-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temporary directory");
    d
}

/// The shared kernels (xattrs and out-of-band transitions in the
/// extended ones, neither in the others), and the extended kernel with
/// the `kill.signal` and `error` profile flags, which no shared features
/// file has.
fn kernels(dir: &Path) -> Vec<PathBuf> {
    let f = features_dir();
    let ext = std::fs::read_to_string(f.join("features.extended-perms-policydb"))
        .expect("features.extended-perms-policydb");
    let from = "policy {outofband";
    assert!(ext.contains(from), "the features file has `{from}`");
    let flags = ext.replacen(
        from,
        "policy {profile {kill.signal {yes\n}\nerror {yes\n}\n}\noutofband",
        1,
    );
    let flags_path = dir.join("features.profile-flags");
    std::fs::write(&flags_path, flags).expect("features written");
    let mut v: Vec<PathBuf> = [
        "features.all",
        "features.extended-perms-policydb",
        "features.nopolicydb",
        "features.af_inet",
        "features.mount",
    ]
    .iter()
    .map(|n| f.join(n))
    .collect();
    v.push(flags_path);
    v
}

#[test]
fn all_rules_flags_and_xattrs_compile_as_the_reference_compiles_them() {
    let dir = scratch("samples");
    let files: Vec<PathBuf> = SAMPLES
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let p = dir.join(format!("sample{i}.sd"));
            std::fs::write(&p, format!("@{{HOME}}=/home/*/\n{s}\n")).expect("sample written");
            p
        })
        .collect();
    let kernels = kernels(&dir);
    let jobs: Vec<(usize, usize)> = (0..kernels.len())
        .flat_map(|k| (0..files.len()).map(move |f| (k, f)))
        .collect();
    let results = par_map(&jobs, |&(k, f)| {
        let kernel = &kernels[k];
        let what = format!(
            "{} for {}",
            SAMPLES[f],
            kernel.file_name().unwrap_or_default().to_string_lossy()
        );
        let run = PolicyCompile {
            features: kernel,
            args: &[],
            cwd: None,
        };
        let verdict = match (run.reference(&files[f]), run.ours(&files[f])) {
            (Err(e), _) => Err(format!("the reference refuses it: {e}")),
            (_, Err(e)) => Err(format!("aaprof refuses it: {e}")),
            (Ok(r), Ok(o)) => match compare(&o, &r) {
                Ok(c) if c.equal() => Ok(c.byte_identical),
                Ok(c) => Err(c.to_string()),
                Err(e) => Err(format!("undecodable: {e}")),
            },
        };
        Some((what, verdict))
    });
    assert_eq!(results.len(), jobs.len());
    let identical = results.iter().filter(|r| r.1 == Ok(true)).count();
    let wrong: Vec<String> = results
        .iter()
        .filter_map(|(what, v)| v.as_ref().err().map(|e| format!("{what}: {e}")))
        .collect();
    println!(
        "{} samples × {} kernels: {} semantically equal ({identical} byte-identical), {} differ",
        files.len(),
        kernels.len(),
        results.len() - wrong.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let _ = std::fs::remove_dir_all(&dir);
}
