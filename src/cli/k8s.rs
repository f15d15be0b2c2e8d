//! `aaprof k8s check`.

use super::check::{Job, check_all, display_name, options};
use super::{Output, OutputArgs, PolicyArgs, exit};
use aaprof::diag::render::{self, Format};
use aaprof::diag::{Diagnostic, code};
use aaprof::k8s::fix::{FixOptions, migrate};
use aaprof::k8s::{self, Loaded, ProfileSet, Pss, PssLevel, yaml};
use aaprof::resolve::{Session, walk_dir};
use aaprof::source::Span;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct K8sArgs {
    #[command(subcommand)]
    pub command: K8sCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum K8sCommand {
    /// Check the AppArmor settings of the pods in Kubernetes manifests.
    ///
    /// Reads YAML or JSON manifests (multi-document streams, `List` kinds,
    /// the output of `helm template` or `kustomize build`) and checks every
    /// pod spec of Pods, PodTemplates, Deployments, ReplicaSets,
    /// ReplicationControllers, StatefulSets, DaemonSets, Jobs and CronJobs:
    /// the AppArmor annotations and `securityContext.appArmorProfile`
    /// fields, as the API server, the kubelet and Pod Security Admission
    /// would, and, with `--profiles` or `--loaded`, whether the profiles
    /// they name exist.
    ///
    /// Exit status: 0 when no errors were found, 1 when there are errors,
    /// 2 on usage or I/O errors.
    Check(CheckArgs),
    /// Print the manifests that keep a profile tree loaded on every node.
    ///
    /// A ConfigMap named after the tree's version holds each profile file
    /// of DIR as self-contained text (as `aaprof emit` writes it); a
    /// DaemonSet runs `aaprof load --watch` on it on every node, with the
    /// host's securityfs, CAP_MAC_ADMIN and AppArmor unconfined for
    /// itself; its pod is ready when the node has the whole tree loaded,
    /// and it labels its node `aaprof.dev/tree-version=VERSION`. Apply a
    /// changed tree's manifests and Kubernetes rolls it out node by node.
    /// See docs/kubernetes-loader.md.
    ///
    /// Exit status: 0 when printed, 1 when a profile file has errors
    /// (nothing is printed), 2 on usage or I/O errors.
    Loader(LoaderArgs),
}

#[derive(clap::Args, Debug)]
pub struct LoaderArgs {
    /// The profile tree the nodes are to load.
    #[arg(long, value_name = "DIR")]
    pub profiles: PathBuf,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The namespace of the loader [default: aaprof-system, printed as a
    /// Namespace that admits privileged pods]. Another must exist and
    /// admit them.
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// The image with aaprof as its entry point (build it with the
    /// Containerfile in the repository).
    #[arg(long, value_name = "IMAGE", default_value = concat!("aaprof:", env!("CARGO_PKG_VERSION")))]
    pub image: String,
    /// Run only on the nodes with this label (KEY=VALUE); may be repeated.
    #[arg(long, value_name = "KEY=VALUE")]
    pub node_selector: Vec<String>,
    /// Tolerate this taint (KEY, KEY=VALUE, either with :EFFECT); may be
    /// repeated. Without it the loader tolerates every taint, to run on
    /// every node.
    #[arg(long, value_name = "TAINT")]
    pub toleration: Vec<String>,
    /// Write the manifests to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// A profile file or directory the nodes load; `localhost/` profiles
    /// must be declared in one of them. May be repeated.
    #[arg(long, value_name = "DIR")]
    pub profiles: Vec<PathBuf>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// A copy of a node's /sys/kernel/security/apparmor/profiles (`NAME
    /// (MODE)` per line); `localhost/` profiles must be loaded there.
    #[arg(long, value_name = "FILE")]
    pub loaded: Option<PathBuf>,
    /// Check every pod against this Pod Security Standards level, as if
    /// its namespace enforced it (Namespace objects in the input with a
    /// `pod-security.kubernetes.io/enforce` label set their own).
    #[arg(long, value_name = "LEVEL", value_parser = ["privileged", "baseline", "restricted"])]
    pub pss: Option<String>,
    /// Rewrite deprecated AppArmor annotations as `appArmorProfile` fields,
    /// in place (standard input: the result goes to standard output).
    #[arg(long)]
    pub fix: bool,
    /// With --fix, keep the annotations next to the new fields (for
    /// clusters older than 1.30).
    #[arg(long, requires = "fix")]
    pub keep_annotations: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Manifest files or directories (`*.yaml`, `*.yml`, `*.json`, found
    /// recursively); `-` reads standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

pub fn run(a: K8sArgs) -> i32 {
    let done = match a.command {
        K8sCommand::Check(a) => run_check(a),
        K8sCommand::Loader(a) => run_loader(a),
    };
    match done {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aaprof: error: {e:#}");
            exit::USAGE
        }
    }
}

/// A manifest read.
struct Manifest {
    name: String,
    path: Option<PathBuf>,
    text: String,
    stream: yaml::Stream,
}

fn run_check(a: CheckArgs) -> Result<i32> {
    super::require_inputs(&a.paths, "manifest", "k8s check")?;
    let Output {
        stdout,
        format,
        color,
    } = Output::new(&a.output);
    let session = Session::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut io_failed = false;

    let mut opts = k8s::Options::default();
    if !a.profiles.is_empty() {
        opts.profiles = Some(read_profiles(&session, &a)?);
    }
    if let Some(f) = &a.loaded {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("cannot read `{}`", f.display()))?;
        let loaded = Loaded::parse(&f.display().to_string(), &text)
            .map_err(|e| anyhow::anyhow!("`{}`: {e}", f.display()))?;
        opts.loaded = Some(loaded);
    }
    if let Some(level) = a.pss.as_deref().and_then(PssLevel::parse) {
        opts.pss = Some(Pss {
            level,
            version: "latest".into(),
            enforce: true,
        });
    }

    // read every manifest first: Namespace objects anywhere in the input
    // set the Pod Security level of the others
    let mut manifests: Vec<Manifest> = Vec::new();
    let mut stdin_used = false;
    for p in &a.paths {
        if p.as_os_str() == "-" {
            if stdin_used {
                continue;
            }
            stdin_used = true;
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("cannot read standard input")?;
            match String::from_utf8(bytes) {
                Ok(t) => manifests.push(load(&session, "-".into(), None, t)),
                Err(_) => {
                    diags.push(Diagnostic::new(
                        code::NOT_UTF8,
                        "standard input is not valid UTF-8 text",
                    ));
                    io_failed = true;
                }
            }
        } else if p.is_dir() {
            let files = manifest_files(p)
                .with_context(|| format!("cannot read directory `{}`", p.display()))?;
            for f in files {
                let name = display_name(p, &f);
                read_one(
                    &session,
                    name,
                    &f,
                    &mut manifests,
                    &mut diags,
                    &mut io_failed,
                );
            }
        } else if p.exists() {
            read_one(
                &session,
                p.display().to_string(),
                p,
                &mut manifests,
                &mut diags,
                &mut io_failed,
            );
        } else {
            eprintln!(
                "aaprof: error: `{}`: no such file or directory",
                p.display()
            );
            io_failed = true;
        }
    }
    for m in &manifests {
        for (ns, policies) in k8s::namespace_policies(&m.stream) {
            opts.namespaces.insert(ns, policies);
        }
    }

    let mut fixed_stdin: Option<String> = None;
    let mut fixed_files = 0;
    let mut migrated = 0;
    for m in &manifests {
        if a.fix {
            let fo = FixOptions {
                keep_annotations: a.keep_annotations,
            };
            let out = migrate(&m.text, &m.stream, fo);
            for s in &out.skipped {
                eprintln!("aaprof: {}: not fixed: {s}", m.name);
            }
            if out.text != m.text {
                // the findings are those of the fixed text, read once
                let file = session.add_text(&m.name, m.path.as_deref(), out.text.clone());
                let fixed = yaml::parse(&out.text, file);
                if let Some(e) = &fixed.error {
                    // never write a file we cannot read back
                    eprintln!(
                        "aaprof: {}: the fix would leave invalid YAML ({}); the file is unchanged",
                        m.name, e.message
                    );
                    diags.extend(k8s::check(&m.stream, &m.text, &opts));
                    continue;
                }
                migrated += out.migrated;
                match &m.path {
                    Some(path) => {
                        super::atomic::write(path, &out.text)
                            .with_context(|| format!("cannot write `{}`", path.display()))?;
                        fixed_files += 1;
                    }
                    None => {
                        fixed_stdin = Some(out.text.clone());
                        fixed_files += 1;
                    }
                }
                diags.extend(k8s::check(&fixed, &out.text, &opts));
                continue;
            }
            if m.path.is_none() {
                fixed_stdin = Some(m.text.clone());
            }
        }
        diags.extend(k8s::check(&m.stream, &m.text, &opts));
    }

    let failed = diags.iter().any(Diagnostic::is_error);
    super::report_order(&mut diags, &session.sources(), |d| d);
    k8s::finish_run(&mut diags);

    // with a fixed standard input, the manifest goes to standard output and
    // the findings to standard error
    let res = if let Some(text) = &fixed_stdin {
        let mut out = stdout.lock();
        out.write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .and_then(|_| {
                let mut err = std::io::stderr().lock();
                let f = if format == Format::Full {
                    Format::Concise
                } else {
                    format
                };
                render::render(&mut err, &session.sources(), &diags, f, false)
            })
    } else {
        let mut lock = stdout.lock();
        render::render(&mut lock, &session.sources(), &diags, format, color)
            .and_then(|_| lock.flush())
    };
    if let Err(e) = res {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(if failed { exit::FINDINGS } else { exit::OK });
        }
        return Err(e.into());
    }
    // what --fix did is said whatever the output (on standard error)
    if a.fix {
        eprintln!(
            "aaprof: {}",
            super::fix_summary(migrated, fixed_files, diags.len(), None)
        );
    }
    if std::io::stderr().is_terminal() && format != Format::Json {
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let others = diags.len() - errors;
        let n = manifests.len();
        let files = if n == 1 { "manifest" } else { "manifests" };
        if errors + others == 0 {
            eprintln!("aaprof: {n} {files} checked, no problems found");
        } else {
            eprintln!("aaprof: {n} {files} checked: {errors} error(s), {others} other finding(s)");
        }
    }
    Ok(if io_failed {
        exit::USAGE
    } else if failed {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

fn load(session: &Session, name: String, path: Option<PathBuf>, text: String) -> Manifest {
    let file = session.add_text(&name, path.as_deref(), text.clone());
    let stream = yaml::parse(&text, file);
    Manifest {
        name,
        path,
        text,
        stream,
    }
}

/// Manifests larger than this are refused (as policy files are).
const MAX_MANIFEST: u64 = 256 * 1024 * 1024;

fn read_one(
    session: &Session,
    name: String,
    path: &Path,
    manifests: &mut Vec<Manifest>,
    diags: &mut Vec<Diagnostic>,
    io_failed: &mut bool,
) {
    let read = std::fs::metadata(path)
        .map_err(|e| e.to_string())
        .and_then(|m| {
            if m.len() > MAX_MANIFEST {
                Err(format!(
                    "file is {} bytes, larger than the {MAX_MANIFEST} byte limit",
                    m.len()
                ))
            } else {
                std::fs::read(path).map_err(|e| e.to_string())
            }
        })
        .and_then(|b| String::from_utf8(b).map_err(|_| "file is not valid UTF-8 text".to_string()));
    match read {
        Ok(text) => manifests.push(load(session, name, Some(path.to_path_buf()), text)),
        Err(e) => {
            let id = session.add_text(&name, Some(path), String::new());
            diags.push(
                Diagnostic::new(code::IO_ERROR, format!("cannot read `{name}`: {e}"))
                    .at(Span::new(id, 0, 0), ""),
            );
            *io_failed = true;
        }
    }
}

/// `*.yaml`, `*.yml` and `*.json` files under `dir`, in name order,
/// skipping hidden entries.
fn manifest_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        let mut subdirs = Vec::new();
        for e in entries {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            let path = e.path();
            let ft = e.file_type()?;
            if ft.is_dir() || (ft.is_symlink() && path.is_dir()) {
                subdirs.push(path);
            } else if [".yaml", ".yml", ".json"].iter().any(|x| name.ends_with(x)) {
                out.push(path);
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
    out.sort();
    Ok(out)
}

/// Parse the profile trees and collect what they declare. A file with
/// errors matters only if a manifest names one of its profiles.
fn read_profiles(session: &Session, a: &CheckArgs) -> Result<ProfileSet> {
    let popts = options(&a.policy)?;
    let mut jobs = Vec::new();
    for p in &a.profiles {
        if p.is_dir() {
            let files =
                walk_dir(p).with_context(|| format!("cannot read directory `{}`", p.display()))?;
            jobs.extend(files.into_iter().map(|f| Job::File(display_name(p, &f), f)));
        } else if p.exists() {
            jobs.push(Job::File(p.display().to_string(), p.clone()));
        } else {
            anyhow::bail!("`{}`: no such file or directory", p.display());
        }
    }
    let mut set = ProfileSet::default();
    for out in check_all(session, jobs, &popts, true) {
        set.add_outcome(&out);
    }
    Ok(set)
}

fn run_loader(a: LoaderArgs) -> Result<i32> {
    use aaprof::k8s::loader;
    let dir = &a.profiles;
    if !dir.is_dir() {
        anyhow::bail!("`{}`: not a directory", dir.display());
    }
    let walk = aaprof::resolve::tree::walk(dir);
    if let Some((p, e)) = walk.failed.first() {
        anyhow::bail!("cannot read `{}`: {e}", p.display());
    }
    let mut o = loader::Options {
        create_namespace: a.namespace.is_none(),
        namespace: a
            .namespace
            .clone()
            .unwrap_or_else(|| "aaprof-system".into()),
        image: a.image.clone(),
        node_selector: Vec::new(),
        tolerations: Vec::new(),
        host_apparmor_d: false,
    };
    for s in &a.node_selector {
        let Some((k, v)) = s.split_once('=') else {
            anyhow::bail!("--node-selector `{s}`: write it KEY=VALUE");
        };
        o.node_selector.push((k.to_string(), v.to_string()));
    }
    for t in &a.toleration {
        o.tolerations
            .push(loader::Toleration::parse(t).map_err(|e| anyhow::anyhow!("--toleration {e}"))?);
    }
    let opts = super::check::options(&a.policy)?;
    let session = aaprof::resolve::Session::new();
    let jobs = walk
        .files
        .iter()
        .map(|p| super::check::Job::File(super::check::display_name(dir, p), p.clone()))
        .collect();
    let outcomes = super::check::check_all(&session, jobs, &opts, true);
    let sources = session.sources();
    let mut files: Vec<(String, String)> = Vec::new();
    let mut failed = false;
    let mut keys = std::collections::BTreeMap::new();
    for (path, out) in walk.files.iter().zip(&outcomes) {
        let shown = super::check::display_name(dir, path);
        if out.has_errors() || out.file.is_none() {
            super::errors_to_stderr(&sources, &out.diagnostics, std::io::stderr().is_terminal())?;
            eprintln!("aaprof: `{shown}` has errors");
            failed = true;
            continue;
        }
        // abstractions and tunables live on inlined in the profiles
        if out.policy.profiles.iter().all(|p| p.synthetic) {
            continue;
        }
        let rel = path.strip_prefix(dir).unwrap_or(path).to_string_lossy();
        let key = loader::key(&rel).map_err(anyhow::Error::msg)?;
        if let Some(other) = keys.insert(key.clone(), rel.to_string()) {
            anyhow::bail!("`{rel}` and `{other}` would both be the ConfigMap key `{key}`");
        }
        o.host_apparmor_d |= aaprof::emit::abi_reference(&out.policy, &opts.search).is_some();
        files.push((
            key,
            super::emit::emitted(&shown, out, &sources, &opts.search),
        ));
    }
    if failed {
        eprintln!("aaprof: nothing was printed; mend the files above");
        return Ok(exit::FINDINGS);
    }
    if files.is_empty() {
        anyhow::bail!("`{}` holds no profile", dir.display());
    }
    let size: usize = files.iter().map(|(k, t)| k.len() + t.len()).sum();
    if size > loader::CONFIGMAP_LIMIT {
        anyhow::bail!(
            "the tree's {} take {size} bytes, more than one ConfigMap holds ({} bytes): load a smaller tree, or split it over several loaders",
            super::count(files.len(), "profile file"),
            loader::CONFIGMAP_LIMIT
        );
    }
    let bytes: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(k, t)| (k.clone(), t.as_bytes().to_vec()))
        .collect();
    let version = aaprof::resolve::tree::version(&bytes);
    let text = loader::manifests(&files, &version, &o);
    match &a.output {
        Some(f) => super::atomic::write(f, &text)
            .with_context(|| format!("cannot write `{}`", f.display()))?,
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(e.into());
            }
        }
    }
    Ok(exit::OK)
}
