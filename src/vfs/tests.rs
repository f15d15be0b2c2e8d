//! The file systems against a directory made for each test.

use super::*;

fn dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aaprof-vfs-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("inside/sub")).expect("temporary directory");
    std::fs::write(d.join("inside/a"), "profile a {}\n").expect("written");
    std::fs::write(d.join("outside"), "secret\n").expect("written");
    d
}

#[test]
fn the_disk_reads_files_and_directories() {
    let d = dir("disk");
    let fs = Vfs::disk();
    assert_eq!(fs.kind(&d.join("inside")), Some(Kind::Dir));
    assert_eq!(fs.kind(&d.join("inside/a")), Some(Kind::File));
    assert_eq!(fs.kind(&d.join("nothing")), None);
    assert_eq!(
        fs.read_text(&d.join("inside/a"), 100).as_deref(),
        Ok("profile a {}\n")
    );
    let mut names = fs.read_dir(&d.join("inside")).expect("listed");
    names.sort();
    assert_eq!(names, ["a", "sub"]);
    assert_eq!(
        fs.read_text(&d.join("inside"), 100),
        Err("is a directory".to_string())
    );
    assert_eq!(fs, Vfs::disk(), "one disk");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_file_past_the_limit_is_not_read_whole() {
    let d = dir("limit");
    let fs = Vfs::disk();
    assert!(
        fs.read_text(&d.join("inside/a"), 5)
            .is_err_and(|e| e.contains("5 byte limit"))
    );
    assert_eq!(fs.read_bytes(&d.join("inside/a"), 5), None);
    // an endless device ends at the limit instead of filling memory
    if Path::new("/dev/zero").exists() {
        assert!(fs.read_text(Path::new("/dev/zero"), 1 << 20).is_err());
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_confined_disk_shows_nothing_outside_its_roots() {
    let d = dir("confined");
    let fs = Vfs::confined(&[d.join("inside")]);
    assert_ne!(fs, Vfs::disk());
    assert_eq!(fs.kind(&d.join("inside/a")), Some(Kind::File));
    assert_eq!(fs.kind(&d.join("inside/sub")), Some(Kind::Dir));
    assert_eq!(fs.kind(&d.join("outside")), None);
    assert!(fs.read_text(&d.join("outside"), 100).is_err());
    assert!(fs.read_text(&d.join("inside/../outside"), 100).is_err());
    assert!(fs.read_dir(&d).is_err());
    assert_eq!(fs.kind(Path::new("/etc/passwd")), None);
    assert_eq!(fs.kind(Path::new("/dev/zero")), None);
    // a link out of the roots is outside too
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d.join("outside"), d.join("inside/link")).expect("linked");
        assert_eq!(fs.kind(&d.join("inside/link")), None);
        assert_eq!(Vfs::disk().kind(&d.join("inside/link")), Some(Kind::File));
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_overlay_reads_its_files_as_given_and_the_rest_from_below() {
    let d = dir("overlay");
    let files = HashMap::from([
        (d.join("inside/a"), Arc::from("profile edited {}\n")),
        (d.join("inside/new"), Arc::from("# not saved yet\n")),
    ]);
    let fs = Vfs::disk().overlay(files);
    assert_eq!(
        fs.read_text(&d.join("inside/a"), 100).as_deref(),
        Ok("profile edited {}\n")
    );
    assert_eq!(fs.kind(&d.join("inside/new")), Some(Kind::File));
    assert_eq!(
        fs.read_text(&d.join("outside"), 100).as_deref(),
        Ok("secret\n")
    );
    let mut names = fs.read_dir(&d.join("inside")).expect("listed");
    names.sort();
    assert_eq!(names, ["a", "new", "sub"]);
    assert!(
        fs.read_text(&d.join("inside/new"), 3).is_err(),
        "the limit holds"
    );
    assert_eq!(Vfs::disk().kind(&d.join("inside/new")), None);
    let _ = std::fs::remove_dir_all(&d);
}
