//! Shared helpers for the integration tests.

use aaprof::diag::render::{self, Format};
use aaprof::resolve::Outcome;
use aaprof::source::SourceMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the repository (present on developer machines and in CI).
pub fn shared() -> PathBuf {
    repo().join("..").join("shared")
}

pub fn concise(sources: &SourceMap, out: &Outcome) -> String {
    let mut buf = Vec::new();
    render::render(&mut buf, sources, &out.diagnostics, Format::Concise, false)
        .expect("rendering to memory cannot fail");
    String::from_utf8_lossy(&buf).into_owned()
}

/// The two reference compilers the binary-identity tests compare with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reference {
    /// Debian 12's packaged `apparmor_parser` (3.0.8), run as installed.
    Debian,
    /// `../shared/oracle/apparmor_parser` (6.0.0~alpha1), the version
    /// whose language aaprof follows, always with `--config-file=/dev/null`
    /// and `features.all` (this machine's kernel is not the target).
    Upstream,
}

impl Reference {
    pub const ALL: [Reference; 2] = [Reference::Debian, Reference::Upstream];

    pub fn version(self) -> &'static str {
        match self {
            Reference::Debian => "3.0.8",
            Reference::Upstream => "6.0.0~alpha1",
        }
    }

    fn program(self) -> PathBuf {
        match self {
            Reference::Debian => debian_apparmor_parser(),
            Reference::Upstream => {
                let p = shared().join("oracle/apparmor_parser");
                assert!(
                    p.is_file(),
                    "the 6.0 reference {} is missing; ../shared must sit beside the repository",
                    p.display()
                );
                p
            }
        }
    }

    /// The reference with its fixed options (for the 6.0 reference: no
    /// configuration file, `features.all`, no cache).
    pub fn command(self) -> Command {
        self.command_for("features.all")
    }

    /// As [`command`](Self::command), the 6.0 reference compiling for the
    /// kernel of `../shared/conformance/features/FEATURES` instead.
    fn command_for(self, features: &str) -> Command {
        self.command_for_file(&shared().join("conformance/features").join(features))
    }

    /// The parser with its fixed options: for the 6.0 reference, no
    /// configuration file, the kernel of `features` and no cache.
    fn command_for_file(self, features: &Path) -> Command {
        let mut cmd = Command::new(self.program());
        if self == Reference::Upstream {
            cmd.arg("--config-file=/dev/null")
                .arg("-M")
                .arg(features)
                .arg("-K");
        }
        cmd
    }

    /// `apparmor_parser -Q -S` of a file or of standard input, with the
    /// reference's fixed options before `args`; `None` when it refuses
    /// the policy.
    pub fn compile(
        self,
        args: &[&Path],
        cwd: &Path,
        file: Option<&Path>,
        stdin: Option<&str>,
    ) -> Option<Vec<u8>> {
        self.compile_for("features.all", args, cwd, file, stdin)
    }

    /// As [`compile`](Self::compile), for the kernel of another features
    /// file of `../shared/conformance/features` (6.0 reference only).
    pub fn compile_for(
        self,
        features: &str,
        args: &[&Path],
        cwd: &Path,
        file: Option<&Path>,
        stdin: Option<&str>,
    ) -> Option<Vec<u8>> {
        self.compile_outcome(features, args, cwd, file, stdin).ok()
    }

    /// As [`compile_for`](Self::compile_for), saying why there is no
    /// output: a refusal, or a crash (killed by a signal, or an uncaught
    /// exception: the C++ runtime's "terminate called" on standard error,
    /// where the parser's compiling child dies of it).
    pub fn compile_outcome(
        self,
        features: &str,
        args: &[&Path],
        cwd: &Path,
        file: Option<&Path>,
        stdin: Option<&str>,
    ) -> Result<Vec<u8>, NoOutput> {
        use std::os::unix::process::ExitStatusExt;
        let mut cmd = self.command_for(features);
        cmd.arg("-Q").arg("-S").current_dir(cwd);
        for a in args {
            cmd.arg(a);
        }
        if let Some(f) = file {
            cmd.arg(f);
        }
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("apparmor_parser runs");
        if let Some(mut si) = child.stdin.take() {
            if let Some(text) = stdin {
                let _ = si.write_all(text.as_bytes());
            }
        }
        let out = child.wait_with_output().expect("apparmor_parser finishes");
        let terminated = String::from_utf8_lossy(&out.stderr).contains("terminate called");
        if out.status.signal().is_some() || terminated {
            return Err(NoOutput::Crashed);
        }
        if out.status.success() && !out.stdout.is_empty() {
            Ok(out.stdout)
        } else {
            Err(NoOutput::Refused)
        }
    }
}

/// Why a reference compiler wrote no policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoOutput {
    /// It refused the policy (or found no profile in it).
    Refused,
    /// It was killed by a signal (an uncaught exception aborts it).
    Crashed,
}

fn debian_apparmor_parser() -> PathBuf {
    for dir in ["/usr/sbin", "/sbin", "/usr/bin"] {
        let p = Path::new(dir).join("apparmor_parser");
        if p.exists() {
            return p;
        }
    }
    panic!("Debian's apparmor_parser is not installed; run the test command from README.md");
}

pub fn top_level_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir readable")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !aaprof::resolve::include::is_skipped(n))
        })
        .collect();
    v.sort();
    v
}

/// `f` over `items` on two threads (the oracle tests spend their time in
/// `apparmor_parser`); the results that are `Some`, in no set order.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> Option<R> + Sync) -> Vec<R> {
    let results = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    if let Some(r) = f(item) {
                        results
                            .lock()
                            .expect("no panic while holding the lock")
                            .push(r);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no panic while holding the lock")
}

/// Every `.sd` file (conformance case) under `dir`, recursively, sorted.
pub fn sd_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("conformance dir readable") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "sd") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// How one file is compiled by both compilers, for the binary-policy
/// tests that compare samples: the kernel's features file, the include
/// arguments (`-I DIR`, `-b DIR`, the same for both) and the directory to
/// run in.
pub struct PolicyCompile<'a> {
    pub features: &'a Path,
    pub args: &'a [std::ffi::OsString],
    pub cwd: Option<&'a Path>,
}

impl PolicyCompile<'_> {
    /// The 6.0 reference's binary policy (`-S`), or its standard error.
    pub fn reference(&self, file: &Path) -> Result<Vec<u8>, String> {
        let mut cmd = Reference::Upstream.command_for_file(self.features);
        cmd.arg("-Q").arg("-S").args(self.args).arg(file);
        self.run(cmd, |out| !out.stdout.is_empty())
    }

    /// aaprof's binary policy, or its diagnostics.
    pub fn ours(&self, file: &Path) -> Result<Vec<u8>, String> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aaprof"));
        cmd.arg("compile")
            .arg("-M")
            .arg(self.features)
            .args(self.args)
            .arg(file);
        self.run(cmd, |_| true)
    }

    fn run(
        &self,
        mut cmd: Command,
        wrote: impl Fn(&std::process::Output) -> bool,
    ) -> Result<Vec<u8>, String> {
        if let Some(d) = self.cwd {
            cmd.current_dir(d);
        }
        let out = cmd.output().expect("the compiler runs");
        if out.status.success() && wrote(&out) {
            Ok(out.stdout)
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}
