//! The layout of policy trees, on trees made under target/.

use super::*;

fn tree() -> tempdir::Dir {
    tempdir::Dir::new(&[
        "apparmor.d/usr.bin.foo",
        "apparmor.d/abstractions/base",
        "apparmor.d/abstractions/base.d/extra",
        "apparmor.d/abstractions/app/common",
        "apparmor.d/tunables/global",
        "apparmor.d/tunables/home.d/site",
        "apparmor.d/local/usr.bin.foo",
        "apparmor.d/local/README",
        "apparmor.d/apache2.d/phpsysinfo",
        "apparmor.d/abi/3.0",
        "apparmor.d/disable/usr.bin.foo",
        "apparmor.d/force-complain/usr.bin.foo",
        "apparmor.d/usr.bin.foo.dpkg-old",
        "apparmor.d/usr.bin.foo.rpmnew",
        "apparmor.d/.hidden",
        "apparmor.d/profiles/groups/bar",
        "work.d/project/baz",
        "mappings/login/base",
    ])
}

/// A throw-away directory tree of empty files under target/.
mod tempdir {
    use std::path::{Path, PathBuf};
    pub struct Dir(pub PathBuf);
    impl Dir {
        pub fn new(files: &[&str]) -> Dir {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let root = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/tree-tests")
                .join(format!("{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            for f in files {
                let p = root.join(f);
                std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
                std::fs::write(&p, "").expect("write");
            }
            Dir(root)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[test]
fn walk_leaves_out_what_is_not_policy() {
    let t = tree();
    let root = t.0.join("apparmor.d");
    let w = walk(&root);
    let rel: Vec<String> = w
        .files
        .iter()
        .map(|f| {
            f.strip_prefix(&root)
                .expect("under root")
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        rel,
        [
            "abstractions/app/common",
            "abstractions/base",
            "abstractions/base.d/extra",
            "apache2.d/phpsysinfo",
            "local/usr.bin.foo",
            "profiles/groups/bar",
            "tunables/global",
            "tunables/home.d/site",
            "usr.bin.foo",
        ]
    );
    assert_eq!(w.noted, [root.join("usr.bin.foo.rpmnew")]);
    assert!(w.failed.is_empty());
}

#[test]
fn fragments_are_told_by_their_folders() {
    let t = tree();
    let search = SearchPath {
        include_dirs: vec![t.0.join("mappings")],
        base_dir: t.0.join("apparmor.d"),
        cwd: t.0.clone(),
        fs: crate::vfs::Vfs::disk(),
    };
    let at = |f: &str| fragment_dir(Some(&t.0.join(f)), &search);
    use FragmentDir::*;
    assert_eq!(at("apparmor.d/usr.bin.foo"), None);
    assert_eq!(at("apparmor.d/profiles/groups/bar"), None);
    assert_eq!(at("apparmor.d/abstractions/base"), Some(Body));
    assert_eq!(at("apparmor.d/abstractions/base.d/extra"), Some(Body));
    assert_eq!(at("apparmor.d/abstractions/app/common"), Some(Body));
    assert_eq!(at("apparmor.d/local/usr.bin.foo"), Some(Body));
    assert_eq!(at("apparmor.d/apache2.d/phpsysinfo"), Some(Body));
    assert_eq!(at("apparmor.d/tunables/global"), Some(Preamble));
    assert_eq!(at("apparmor.d/tunables/home.d/site"), Some(Preamble));
    // a `*.d` folder counts only for the files directly in it
    assert_eq!(at("work.d/project/baz"), None);
    // include directories of the search path hold include material
    assert_eq!(at("mappings/login/base"), Some(Body));
}

#[test]
fn skipped_names_follow_the_reference() {
    assert_eq!(skipped("README"), Some(Skip::Silent));
    assert_eq!(skipped(".foo"), Some(Skip::Silent));
    assert_eq!(skipped("foo.dpkg-old"), Some(Skip::Silent));
    assert_eq!(skipped("foo.pacnew"), Some(Skip::Silent));
    assert_eq!(skipped("foo.rpmsave"), Some(Skip::Noted));
    assert_eq!(skipped("foo~"), Some(Skip::Noted));
    assert_eq!(skipped("foo.bak"), None);
    assert_eq!(skipped("usr.sbin.foo"), None);
}
