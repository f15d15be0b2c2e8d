//! The `aaprof k8s check` command: exit status, inputs, formats, `--fix`
//! on disk, and hostile input.

use super::cli::{aaprof, records, stdout, tmpdir};
use super::support::repo;

fn fixtures() -> std::path::PathBuf {
    repo().join("tests/fixtures/k8s")
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: x\n";

#[test]
fn clean_manifest_exits_zero() {
    let o = aaprof(&["k8s", "check", "-"], Some(POD.as_bytes()), &repo());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn errors_exit_one_with_concise_locations() {
    let text = POD.replace(
        "  name: p\n",
        "  name: p\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/b: localhost/x\n",
    );
    let o = aaprof(&["k8s", "check", "-"], Some(text.as_bytes()), &repo());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("-:6:5: error[K0101]: metadata.annotations["),
        "{}",
        stdout(&o)
    );
}

#[test]
fn warnings_alone_exit_zero() {
    let text = POD.replace(
        "  name: p\n",
        "  name: p\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/a: runtime/default\n",
    );
    let o = aaprof(&["k8s", "check", "-"], Some(text.as_bytes()), &repo());
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("warning[K0301]"), "{}", stdout(&o));
}

#[test]
fn directories_are_walked_for_manifests() {
    let o = aaprof(
        &[
            "k8s",
            "check",
            "--format",
            "concise",
            "tests/fixtures/k8s/ok",
        ],
        None,
        &repo(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = aaprof(
        &[
            "k8s",
            "check",
            "--format",
            "concise",
            "tests/fixtures/k8s/err",
        ],
        None,
        &repo(),
    );
    assert_eq!(o.status.code(), Some(1));
    // files in name order, each finding with its file
    let out = stdout(&o);
    let first = out.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("tests/fixtures/k8s/err/all-kinds.yaml:"),
        "{first}"
    );
}

#[test]
fn profiles_and_loaded_list_are_cross_checked() {
    let o = aaprof(
        &[
            "k8s",
            "check",
            "--profiles",
            "tests/fixtures/k8s/profiles",
            "--loaded",
            "tests/fixtures/k8s/loaded.txt",
            "tests/fixtures/k8s/err/profile-not-found.yaml",
        ],
        None,
        &repo(),
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("10:25: error[K0202]"), "{out}");
    assert!(out.contains("10:25: error[K0203]"), "{out}");
}

#[test]
fn pss_flag_applies_to_every_pod() {
    let text = POD.replace(
        "    image: x\n",
        "    image: x\n    securityContext:\n      appArmorProfile:\n        type: Unconfined\n",
    );
    let o = aaprof(&["k8s", "check", "-"], Some(text.as_bytes()), &repo());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = aaprof(
        &["k8s", "check", "--pss", "restricted", "-"],
        Some(text.as_bytes()),
        &repo(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("violates PodSecurity \"restricted:latest\""));
}

#[test]
fn json_output_is_a_document() {
    let o = aaprof(
        &[
            "k8s",
            "check",
            "--format",
            "json",
            "tests/fixtures/k8s/err/windows.yaml",
        ],
        None,
        &repo(),
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let text = v.to_string();
    assert!(text.contains("K0110"), "{text}");
}

#[test]
fn malformed_yaml_is_a_finding_with_its_position() {
    let o = aaprof(&["k8s", "check", "-"], Some(b"a: [1, 2\nb: c\n"), &repo());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("-:2:2: error[K0001]: invalid YAML"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn hostile_input_gives_diagnostics_not_panics() {
    let deep = "a: ".to_string() + &"[".repeat(100_000);
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    for input in [
        deep.as_bytes(),
        bomb.as_bytes(),
        b"\xff\xfe\x00binary",
        b"kind: Pod\nspec: *nope\n",
        b"---\n...\n---\n",
        b"kind: List\nitems: [1, [2], {kind: Pod}]\n",
    ] {
        let o = aaprof(&["k8s", "check", "-"], Some(input), &repo());
        let code = o.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "exit {code:?} for {:?}\n{}",
            String::from_utf8_lossy(&input[..input.len().min(40)]),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    }
}

#[test]
fn usage_errors_exit_two() {
    let cases: &[&[&str]] = &[
        &["k8s", "check"],
        &["k8s", "check", "no/such/file.yaml"],
        &["k8s", "check", "--pss", "strict", "-"],
        &[
            "k8s",
            "check",
            "--loaded",
            "tests/fixtures/k8s/ok/pod.json",
            "-",
        ],
        &["k8s", "check", "--profiles", "no/such/dir", "-"],
        &["k8s", "check", "--keep-annotations", "-"],
    ];
    for args in cases {
        let o = aaprof(args, Some(POD.as_bytes()), &repo());
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn fix_rewrites_files_in_place_keeping_their_mode() {
    use std::os::unix::fs::PermissionsExt;
    let d = tmpdir("k8s-fix");
    let f = d.join("deployment.yaml");
    std::fs::copy(fixtures().join("fix/deployment.yaml"), &f).expect("copy");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let o = aaprof(
        &[
            "k8s",
            "check",
            "--fix",
            "--format",
            "concise",
            "deployment.yaml",
        ],
        None,
        &d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let after = std::fs::read_to_string(&f).expect("read back");
    assert!(after.contains("type: RuntimeDefault"));
    assert!(!after.contains("container.apparmor.security.beta.kubernetes.io"));
    // the findings are those of the fixed file: nothing deprecated is left
    assert!(!stdout(&o).contains("K0301"), "{}", stdout(&o));
    let mode = std::fs::metadata(&f).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // no temporary file is left behind
    let names: Vec<_> = std::fs::read_dir(&d)
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // a second run changes nothing
    let o = aaprof(&["k8s", "check", "--fix", "deployment.yaml"], None, &d);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&f).expect("read"), after);
}

#[test]
fn fix_on_standard_input_writes_standard_output() {
    let text = POD.replace(
        "  name: p\n",
        "  name: p\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/a: localhost/web\n",
    );
    let o = aaprof(
        &["k8s", "check", "--fix", "-"],
        Some(text.as_bytes()),
        &repo(),
    );
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains(
            "      appArmorProfile:\n        type: Localhost\n        localhostProfile: web\n"
        ),
        "{out}"
    );
    assert!(!out.contains("annotations"), "{out}");
}

/// `--fix` says what it fixed and what remains, on standard error.
#[test]
fn fix_says_what_it_fixed_and_what_remains() {
    let d = tmpdir("k8s-fix-summary");
    for f in ["deployment.yaml", "workload-metadata.yaml"] {
        std::fs::copy(fixtures().join("fix").join(f), d.join(f)).expect("copy");
    }
    let o = aaprof(
        &["k8s", "check", "--fix", "--format", "concise", "."],
        None,
        &d,
    );
    let remain = records(&stdout(&o));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    // two annotations in deployment.yaml, two moved from workload metadata
    // and the CronJob's template annotation; the DaemonSet's stays
    assert_eq!(
        err.lines().last().unwrap_or_default(),
        format!("aaprof: fixed 5 findings in 2 files; {remain} findings remain"),
        "{err}\n{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("error[K0302]"), "{}", stdout(&o));
    assert_eq!(o.status.code(), Some(1));
    let o = aaprof(&["k8s", "check", "--fix", "."], None, &d);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        err.lines()
            .last()
            .is_some_and(|l| l.starts_with("aaprof: fixed 0 findings in 0 files; ")),
        "{err}"
    );
}

/// The Kubernetes AppArmor tutorial (kubernetes/website
/// `docs/tutorials/security/apparmor.md`): its `hello-apparmor` Pod runs
/// under `k8s-apparmor-example-deny-write`, the profile in
/// `corpus/k8s-deny-write`; with the profile tree it checks clean, and the
/// mistakes people make on the way are errors pointing at both places.
#[test]
fn kubernetes_tutorial() {
    let d = tmpdir("k8s-tutorial");
    let base = super::support::shared().join("corpora/upstream");
    let base = base.to_str().expect("utf-8 path");
    let profile = repo().join("corpus/k8s-deny-write");
    let profile = profile.to_str().expect("utf-8 path");
    let pod = "\
apiVersion: v1
kind: Pod
metadata:
  name: hello-apparmor
spec:
  securityContext:
    appArmorProfile:
      type: Localhost
      localhostProfile: k8s-apparmor-example-deny-write
  containers:
  - name: hello
    image: busybox:1.28
    command: [ \"sh\", \"-c\", \"echo 'Hello AppArmor!' && sleep 1h\" ]
";
    let check = |args: &[&str], input: &str| {
        let mut all = vec!["k8s", "check", "--format", "concise"];
        all.extend_from_slice(args);
        all.push("-");
        aaprof(&all, Some(input.as_bytes()), &d)
    };
    // as the tutorial writes it: clean, but for the node note
    let o = check(&["-b", base, "--profiles", profile], pod);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert_eq!(records(&out), 1, "{out}");
    assert!(out.contains("info[K0205]"), "{out}");

    // without a profile tree: said once that the profile was not looked up
    let o = check(&[], pod);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert_eq!(out.matches("K0206").count(), 1, "{out}");
    assert!(out.contains("-:9:25: info[K0206]"), "{out}");

    // a typo in the profile name
    let typo = pod.replace("deny-write", "deny-wirte");
    let o = aaprof(
        &[
            "k8s",
            "check",
            "--format",
            "full",
            "-b",
            base,
            "--profiles",
            profile,
            "-",
        ],
        Some(typo.as_bytes()),
        &d,
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("error[K0202]"), "{out}");
    assert!(
        out.contains("did you mean `k8s-apparmor-example-deny-write`?"),
        "{out}"
    );

    // the profile file with a mistake: the Pod cannot start; the finding
    // points at the manifest and at the profile's first error
    let broken = std::fs::read_to_string(profile)
        .expect("profile")
        .replace("deny /** w,", "deny /** w");
    std::fs::write(d.join("k8s-deny-write"), broken).expect("write");
    let o = aaprof(
        &[
            "k8s",
            "check",
            "--format",
            "full",
            "-b",
            base,
            "--profiles",
            "k8s-deny-write",
            "-",
        ],
        Some(pod.as_bytes()),
        &d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("error[K0306]"), "{out}");
    assert!(out.contains("-:9:25"), "{out}");
    assert!(
        out.contains("k8s-deny-write:"),
        "the profile's error is shown: {out}"
    );
    assert!(out.contains("first error:"), "{out}");

    // the annotation on a Deployment's own metadata: an error, and --fix
    // moves it into the pod template as the field
    let deployment = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello-apparmor
  annotations:
    container.apparmor.security.beta.kubernetes.io/hello: localhost/k8s-apparmor-example-deny-write
spec:
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers:
      - name: hello
        image: busybox:1.28
";
    let o = check(&["-b", base, "--profiles", profile], deployment);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("-:6:5: error[K0302]"),
        "{}",
        stdout(&o)
    );
    let o = aaprof(
        &[
            "k8s",
            "check",
            "--fix",
            "-b",
            base,
            "--profiles",
            profile,
            "-",
        ],
        Some(deployment.as_bytes()),
        &d,
    );
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{err}");
    // standard input counts as the file fixed; the node note remains
    assert!(
        err.ends_with("aaprof: fixed 1 finding in 1 file; 1 finding remains\n"),
        "{err}"
    );
    let fixed = stdout(&o);
    assert!(!fixed.contains("container.apparmor"), "{fixed}");
    assert!(
        fixed.ends_with(
            "      - name: hello\n        image: busybox:1.28\n        securityContext:\n          appArmorProfile:\n            type: Localhost\n            localhostProfile: k8s-apparmor-example-deny-write\n"
        ),
        "{fixed}"
    );
}

/// What `aaprof k8s loader` printed, read back as a cluster reads it.
pub(crate) struct LoaderManifest {
    pub text: String,
    /// The ConfigMap's data: key, text.
    pub data: Vec<(String, String)>,
    pub configmap: String,
    /// The pod template's `aaprof.dev/tree-version`.
    pub version: String,
    /// The loader container's args and readiness probe command.
    pub args: Vec<String>,
    pub probe: Vec<String>,
    /// Each volume mount: mount path, and the host path (for hostPath
    /// volumes) or the ConfigMap's name.
    pub mounts: Vec<(String, Mount)>,
    pub kinds: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Mount {
    Host(String),
    ConfigMap(String),
}

/// Run `aaprof k8s loader --profiles tree` and read what it printed.
pub(crate) fn loader_manifest(tree: &std::path::Path, extra: &[&str]) -> LoaderManifest {
    use aaprof::k8s::yaml::{Node, parse};
    let tree_arg = tree.display().to_string();
    let mut args = vec!["k8s", "loader", "--profiles", &tree_arg];
    args.extend_from_slice(extra);
    let o = aaprof(&args, None, &repo());
    assert_eq!(
        o.status.code(),
        Some(0),
        "k8s loader failed: {}",
        super::cli::stderr(&o)
    );
    let text = stdout(&o);
    let stream = parse(&text, aaprof::source::FileId(0));
    assert!(stream.error.is_none(), "{:?}\n{text}", stream.error);
    let s = |n: Option<&Node>| n.and_then(Node::as_str).unwrap_or_default().to_string();
    let strings = |n: Option<&Node>| -> Vec<String> {
        n.and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .map(|x| s(Some(x)))
            .collect()
    };
    let mut m = LoaderManifest {
        text: text.clone(),
        data: Vec::new(),
        configmap: String::new(),
        version: String::new(),
        args: Vec::new(),
        probe: Vec::new(),
        mounts: Vec::new(),
        kinds: Vec::new(),
    };
    for d in &stream.documents {
        let kind = s(d.root.get("kind"));
        m.kinds.push(kind.clone());
        if kind == "ConfigMap" {
            m.configmap = s(d.root.path(&["metadata", "name"]));
            for e in d
                .root
                .get("data")
                .and_then(Node::as_map)
                .unwrap_or_default()
            {
                m.data.push((s(Some(&e.key)), s(Some(&e.value))));
            }
        }
        if kind == "DaemonSet" {
            let t = d.root.path(&["spec", "template"]).expect("a pod template");
            m.version = s(t.path(&["metadata", "annotations", "aaprof.dev/tree-version"]));
            let spec = t.get("spec").expect("a pod spec");
            let c = &spec
                .get("containers")
                .and_then(Node::as_seq)
                .expect("containers")[0];
            m.args = strings(c.get("args"));
            m.probe = strings(c.path(&["readinessProbe", "exec", "command"]));
            let volumes = spec
                .get("volumes")
                .and_then(Node::as_seq)
                .unwrap_or_default();
            for vm in c
                .get("volumeMounts")
                .and_then(Node::as_seq)
                .unwrap_or_default()
            {
                let name = s(vm.get("name"));
                let v = volumes
                    .iter()
                    .find(|v| s(v.get("name")) == name)
                    .expect("each mount has its volume");
                let mount = match v.path(&["hostPath", "path"]) {
                    Some(p) => Mount::Host(s(Some(p))),
                    None => Mount::ConfigMap(s(v.path(&["configMap", "name"]))),
                };
                m.mounts.push((s(vm.get("mountPath")), mount));
            }
        }
    }
    m
}

const TUTORIAL: &str = "#include <tunables/global>\n\nprofile k8s-apparmor-example-deny-write flags=(attach_disconnected) {\n  #include <abstractions/base>\n\n  file,\n\n  deny /** w,\n}\n";

#[test]
fn loader_manifests_hold_each_profile_file_self_contained_and_pass_k8s_check() {
    let dir = tmpdir("k8s-loader");
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("abstractions")).unwrap();
    std::fs::write(tree.join("deny-write"), TUTORIAL).unwrap();
    // a local abstraction: inlined, not a key of its own
    std::fs::write(tree.join("abstractions/etc"), "/etc/** r,\n").unwrap();
    std::fs::write(
        tree.join("other"),
        "profile aaprof-test-other {\n  #include <abstractions/etc>\n  # a line that ends in spaces   \n}\n",
    )
    .unwrap();
    let inc = tree.display().to_string();
    let m = loader_manifest(
        &tree,
        &[
            "-I",
            &inc,
            "--namespace",
            "kube-system",
            "--toleration",
            "dedicated=gpu:NoSchedule",
        ],
    );
    assert_eq!(
        m.kinds,
        [
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "ConfigMap",
            "DaemonSet"
        ]
    );
    let keys: Vec<&str> = m.data.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["deny-write", "other"]);
    // the data reads back as exactly what `aaprof emit` writes of each
    for (key, text) in &m.data {
        let path = tree.join(key).display().to_string();
        let o = aaprof(&["emit", "-I", &inc, &path], None, &tree);
        let emitted = stdout(&o);
        assert_eq!(*text, emitted, "the ConfigMap's `{key}`");
    }
    assert_eq!(m.configmap, format!("aaprof-profiles-{}", m.version));
    assert!(m.mounts.contains(&(
        "/host/sys/kernel/security".into(),
        Mount::Host("/sys/kernel/security".into())
    )));
    assert!(m.text.contains("add: [\"MAC_ADMIN\"]") && m.text.contains("type: Unconfined"));
    let file = dir.join("loader.yaml");
    std::fs::write(&file, &m.text).unwrap();
    let o = aaprof(
        &[
            "k8s",
            "check",
            "--profiles",
            &tree.display().to_string(),
            &file.display().to_string(),
        ],
        None,
        &repo(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        stdout(&o),
        super::cli::stderr(&o)
    );
    assert_eq!(stdout(&o), "");
    // a changed tree is a new version, so a new ConfigMap and pod template
    std::fs::write(
        tree.join("deny-write"),
        TUTORIAL.replace("deny /** w,", "deny /** w,\n  deny /etc/motd r,"),
    )
    .unwrap();
    let m2 = loader_manifest(&tree, &["-I", &inc, "--namespace", "kube-system"]);
    assert_ne!(m2.version, m.version);
}

/// The manifests are valid objects of Kubernetes 1.30 to 1.37, by the API's
/// own schemas, strictly (no field the API server would drop): the
/// kubernetes-validate package, which scripts/test.sh installs and names
/// in AAPROF_KUBERNETES_VALIDATE.
#[test]
fn loader_manifests_validate_against_the_kubernetes_schemas() {
    let tool = std::env::var("AAPROF_KUBERNETES_VALIDATE").unwrap_or_else(|_| {
        repo()
            .join("target/k8s-validate/bin/kubernetes-validate")
            .display()
            .to_string()
    });
    assert!(
        std::path::Path::new(&tool).is_file(),
        "no kubernetes-validate at {tool}: run the test command from README.md"
    );
    let dir = tmpdir("k8s-loader-schemas");
    let tree = dir.join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("deny-write"), TUTORIAL).unwrap();
    for extra in [
        &[][..],
        &[
            "--namespace",
            "kube-system",
            "--node-selector",
            "pool=web",
            "--toleration",
            "dedicated:NoExecute",
        ][..],
    ] {
        let m = loader_manifest(&tree, extra);
        let file = dir.join("loader.yaml");
        std::fs::write(&file, &m.text).unwrap();
        for version in ["1.30.0", "1.37.0"] {
            let o = std::process::Command::new(&tool)
                .args(["--strict", "--quiet", "-k", version])
                .arg(&file)
                .output()
                .expect("kubernetes-validate runs");
            assert!(
                o.status.success(),
                "{version}: {}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

#[test]
fn loader_options_say_what_is_wrong() {
    let o = aaprof(&["load", "--node", "n", "p"], None, &repo());
    assert_eq!(o.status.code(), Some(2));
    assert!(super::cli::stderr(&o).contains("--status-file and --node go with --watch DIR"));
    let o = aaprof(
        &["k8s", "loader", "--profiles", "/nonexistent-tree"],
        None,
        &repo(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(super::cli::stderr(&o).contains("not a directory"));
    let dir = tmpdir("k8s-loader-bad");
    std::fs::write(dir.join("x"), "profile x {\n  /a r\n}\n").unwrap();
    let o = aaprof(
        &["k8s", "loader", "--profiles", &dir.display().to_string()],
        None,
        &repo(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "", "nothing is printed for a tree with errors");
    assert!(super::cli::stderr(&o).contains("error[E0102]"));
    let o = aaprof(
        &[
            "k8s",
            "loader",
            "--profiles",
            &dir.display().to_string(),
            "--toleration",
            "k:Never",
        ],
        None,
        &repo(),
    );
    assert_eq!(o.status.code(), Some(2));
}
