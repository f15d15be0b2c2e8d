//! AppArmor feature sets: what a kernel (or a policy ABI) supports.
//!
//! A features file is the flattened form of the kernel's
//! `/sys/kernel/security/apparmor/features` directory: every directory
//! becomes `name {` … `}` holding its entries, every file becomes
//! `name {VALUE}` where `VALUE` is the file's text, usually a space-separated
//! list of words and a newline:
//!
//! ```text
//! dbus {mask {acquire send receive
//! }
//! }
//! policy {versions {v7 {yes
//! }
//! }
//! }
//! ```
//!
//! Paths address entries with `/` (`"policy/versions/v7"`). As with
//! libapparmor's `aa_features_supports`, the last component of a path may
//! also be one of the words of a value: `"dbus/mask/send"` is supported when
//! `dbus/mask` lists `send`.
//!
//! When a block name appears twice at the same level (some feature files
//! repeat `policy {…}`), the two blocks are merged; when a value appears
//! twice, the first one is kept.

use std::collections::BTreeMap;
use std::fmt;

use crate::vocab;

#[cfg(test)]
mod tests;

/// Deepest nesting accepted (libapparmor walks at most 32 components).
pub const MAX_DEPTH: usize = 32;

/// Why a features text could not be read. Every variant carries the 1-based
/// line where the problem was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeaturesError {
    #[error("line {line}: expected '{{' after feature name '{name}'")]
    ExpectedOpenBrace { line: usize, name: String },
    #[error("line {line}: expected a feature name before '{{'")]
    MissingName { line: usize },
    #[error("line {line}: unexpected '}}'")]
    UnexpectedCloseBrace { line: usize },
    #[error("line {line}: feature '{name}' is never closed")]
    Unclosed { line: usize, name: String },
    #[error("line {line}: features nested more than {max} levels deep")]
    TooDeep { line: usize, max: usize },
    #[error("line {line}: NUL byte in features text")]
    NulByte { line: usize },
    #[error("line {line}: features text is not valid UTF-8")]
    InvalidUtf8 { line: usize },
}

impl FeaturesError {
    /// The 1-based line of the problem.
    pub fn line(&self) -> usize {
        match self {
            FeaturesError::ExpectedOpenBrace { line, .. }
            | FeaturesError::MissingName { line }
            | FeaturesError::UnexpectedCloseBrace { line }
            | FeaturesError::Unclosed { line, .. }
            | FeaturesError::TooDeep { line, .. }
            | FeaturesError::NulByte { line }
            | FeaturesError::InvalidUtf8 { line } => *line,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    /// A file: its text without surrounding whitespace.
    Value(String),
    /// A directory.
    Block(BTreeMap<String, Node>),
}

/// A parsed feature set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    root: BTreeMap<String, Node>,
}

/// What a path leads to.
enum Found<'f> {
    Node(&'f Node),
    Word,
}

impl Features {
    /// Parses a features text. Never panics; rejects unbalanced braces, names
    /// without a block, NUL bytes and nesting deeper than [`MAX_DEPTH`].
    pub fn parse(text: &str) -> Result<Features, FeaturesError> {
        let mut parser = Parser {
            src: text,
            pos: 0,
            line: 1,
        };
        let mut root = BTreeMap::new();
        parser.entries(0, None, &mut root)?;
        Ok(Features { root })
    }

    /// Parses as much of a features text as possible: the result holds every
    /// top-level entry that was complete before the first error, and the error.
    ///
    /// This is how libapparmor behaves in effect: it never rejects a features
    /// file, but its lookups stop at a stray `}`, so entries after one are not
    /// supported. Some real ABI files have such a brace (the upstream
    /// `abi/kernel-5.4-*` files close a block twice); use this for
    /// `abi` files, and [`Features::parse`] where a broken file should be
    /// reported.
    pub fn parse_lossy(text: &str) -> (Features, Option<FeaturesError>) {
        let mut parser = Parser {
            src: text,
            pos: 0,
            line: 1,
        };
        let mut root = BTreeMap::new();
        // Top-level entries are inserted only once complete, so on error
        // `root` holds exactly the entries before it.
        let err = parser.entries(0, None, &mut root).err();
        (Features { root }, err)
    }

    /// Parses a features file read as bytes, which must be UTF-8.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Features, FeaturesError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Features::parse(text),
            Err(e) => {
                let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
                let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
                Err(FeaturesError::InvalidUtf8 { line })
            }
        }
    }

    /// The features of a directory tree laid out as the kernel's
    /// `/sys/kernel/security/apparmor/features`: each directory a block,
    /// each file a value (its text), as libapparmor flattens it.
    pub fn from_dir(dir: &std::path::Path) -> std::io::Result<Features> {
        fn walk(dir: &std::path::Path, depth: usize, out: &mut String) -> std::io::Result<()> {
            if depth > MAX_DEPTH {
                return Ok(());
            }
            let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let name = e.file_name().to_string_lossy().into_owned();
                let path = e.path();
                out.push_str(&name);
                out.push_str(" {");
                if path.is_dir() {
                    walk(&path, depth + 1, out)?;
                } else {
                    let text = std::fs::read(&path)?;
                    out.push_str(&String::from_utf8_lossy(&text).replace(['{', '}'], ""));
                }
                out.push_str("}\n");
            }
            Ok(())
        }
        let mut text = String::new();
        walk(dir, 0, &mut text)?;
        Features::parse(&text).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    /// The feature ABI the 6.0 reference compiles for when the policy says
    /// `abi <default>,` (its built-in default): the kernel ABI of policy
    /// version v8 with file, signal, ptrace, dbus, mount and legacy
    /// network mediation.
    pub fn reference_default() -> Features {
        let caps = vocab::CAPABILITIES
            .iter()
            .take_while(|c| **c != "checkpoint_restore")
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let text = format!(
            "query {{label {{multi_transaction {{yes\n}}\ndata {{yes\n}}\nperms {{allow deny audit quiet\n}}\n}}\n}}\n\
             dbus {{mask {{acquire send receive\n}}\n}}\n\
             signal {{mask {{hup int quit ill trap abrt bus fpe kill usr1 segv usr2 pipe alrm term stkflt chld cont stop stp ttin ttou urg xcpu xfsz vtalrm prof winch io pwr sys emt lost\n}}\n}}\n\
             ptrace {{mask {{read trace\n}}\n}}\n\
             caps {{mask {{{caps}\n}}\n}}\n\
             rlimit {{mask {{cpu fsize data stack core rss nproc nofile memlock as locks sigpending msgqueue nice rtprio rttime\n}}\n}}\n\
             capability {{0xffffff\n}}\n\
             namespaces {{pivot_root {{no\n}}\nprofile {{yes\n}}\n}}\n\
             mount {{mask {{mount umount pivot_root\n}}\n}}\n\
             network {{af_unix {{yes\n}}\naf_mask {{{af}\n}}\n}}\n\
             file {{mask {{create read write exec append mmap_exec link lock\n}}\n}}\n\
             domain {{version {{1.2\n}}\ncomputed_longest_left {{yes\n}}\npost_nnp_subset {{yes\n}}\nfix_binfmt_elf_mmap {{yes\n}}\nstack {{yes\n}}\nchange_profile {{yes\n}}\nchange_onexec {{yes\n}}\nchange_hatv {{yes\n}}\nchange_hat {{yes\n}}\n}}\n\
             policy {{set_load {{yes\n}}\nversions {{v8 {{yes\n}}\nv7 {{yes\n}}\nv6 {{yes\n}}\nv5 {{yes\n}}\n}}\n}}\n",
            af = "unspec unix inet ax25 ipx appletalk netrom bridge atmpvc x25 inet6 rose netbeui security key netlink packet ash econet atmsvc rds sna irda pppox wanpipe llc ib mpls can tipc bluetooth iucv rxrpc isdn phonet ieee802154 caif alg nfc vsock kcm qipcrtr smc xdp",
        );
        Features::parse(&text).unwrap_or_default()
    }

    /// The newest kernel ABI aaprof compiles for: every class the
    /// language has mediated as a 6.x kernel with the AppArmor 4 patches
    /// mediates it (network by address with `network_v8/af_inet`, unix,
    /// userns, io_uring, posix mqueue, detached mounts, the permission
    /// table of policy v9). The conformance suite's
    /// `features.extended-perms-policydb` is this ABI (a test holds them
    /// equal). `query` and `logs` decide on it without `-M`.
    pub fn newest() -> Features {
        let caps = capabilities_through("checkpoint_restore");
        let af = families_through("mctp");
        let signals = KERNEL_SIGNAL_NAMES.join(" ");
        let text = format!(
            "capability {{0xffffff\n}}\n\
             caps {{extended {{yes\n}}\nmask {{{caps}\n}}\n}}\n\
             dbus {{mask {{acquire send receive\n}}\n}}\n\
             domain {{attach_conditions {{xattr {{yes\n}}\n}}\nchange_hat {{yes\n}}\nchange_hatv {{yes\n}}\n\
             change_onexec {{yes\n}}\nchange_profile {{yes\n}}\ncomputed_longest_left {{yes\n}}\n\
             disconnected.path {{yes\n}}\nfix_binfmt_elf_mmap {{yes\n}}\ninterruptible {{yes\n}}\n\
             kill.signal {{yes\n}}\npost_nnp_subset {{yes\n}}\nstack {{yes\n}}\n\
             unconfined_allowed_children {{yes\n}}\nversion {{1.2\n}}\n}}\n\
             file {{mask {{create read write exec append mmap_exec link lock\n}}\n}}\n\
             io_uring {{mask {{sqpoll override_creds\n}}\n}}\n\
             ipc {{posix_mqueue {{create read write open delete setattr getattr\n}}\n}}\n\
             mount {{mask {{mount umount pivot_root\n}}\nmove_mount {{detached\n}}\n}}\n\
             namespaces {{mask {{userns_create\n}}\npivot_root {{no\n}}\nprofile {{yes\n}}\nuserns_create {{pciu&\n}}\n}}\n\
             network {{af_mask {{{af}\n}}\naf_unix {{yes\n}}\n}}\n\
             network_v8 {{af_inet {{yes\n}}\naf_mask {{{af}\n}}\n}}\n\
             policy {{outofband {{0x000001\n}}\n\
             permstable32 {{allow deny subtree cond kill complain prompt audit quiet hide xindex tag label\n}}\n\
             permstable32_version {{0x000003\n}}\nset_load {{yes\n}}\n\
             unconfined_restrictions {{change_profile {{yes\n}}\nio_uring {{0\n}}\nuserns {{0\n}}\n}}\n\
             versions {{v5 {{yes\n}}\nv6 {{yes\n}}\nv7 {{yes\n}}\nv8 {{yes\n}}\nv9 {{yes\n}}\n}}\n}}\n\
             ptrace {{mask {{read trace\n}}\n}}\n\
             query {{label {{data {{yes\n}}\nmulti_transaction {{yes\n}}\nperms {{allow deny audit quiet\n}}\n}}\n}}\n\
             rlimit {{mask {{{rlimits}\n}}\n}}\n\
             signal {{mask {{{signals}\n}}\n}}\n",
            rlimits = kernel_rlimits(),
        );
        Features::parse(&text).unwrap_or_default()
    }

    /// An empty feature set: nothing is supported.
    pub fn empty() -> Features {
        Features::default()
    }

    /// The built-in feature set used when no features file is given: the same
    /// features as the reference test suite's `features.all` (the kernel ABI
    /// of AppArmor 2.x/3.0 kernels with policy versions v5–v7).
    pub fn all() -> Features {
        let caps = capabilities_through("audit_read");
        let af_mask = families_through("vsock");
        let rlimits = kernel_rlimits();
        let signals = KERNEL_SIGNAL_NAMES.join(" ");

        let entries: [(&str, &str); 21] = [
            ("dbus/mask", "acquire send receive"),
            ("signal/mask", &signals),
            ("ptrace/mask", "read trace"),
            ("caps/mask", &caps),
            ("rlimit/mask", &rlimits),
            ("capability", "0xffffff"),
            ("namespaces/pivot_root", "yes"),
            ("namespaces/profile", "yes"),
            ("mount/mask", "mount umount"),
            ("network/af_unix", "yes"),
            ("network/af_mask", &af_mask),
            (
                "file/mask",
                "create read write exec append mmap_exec link lock",
            ),
            ("domain/stack", "yes"),
            ("domain/change_profile", "yes"),
            ("domain/change_onexec", "yes"),
            ("domain/change_hatv", "yes"),
            ("domain/change_hat", "yes"),
            ("policy/set_load", "yes"),
            ("policy/versions/v7", "yes"),
            ("policy/versions/v6", "yes"),
            ("policy/versions/v5", "yes"),
        ];
        let mut f = Features::empty();
        for (path, value) in entries {
            f.set(path, value);
        }
        f
    }

    /// Sets the value at `path`, creating the blocks on the way and replacing
    /// whatever was there. Empty path components are ignored.
    pub fn set(&mut self, path: &str, value: &str) {
        let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        let Some((last, parents)) = comps.split_last() else {
            return;
        };
        let mut map = &mut self.root;
        for c in parents {
            let node = map
                .entry((*c).to_string())
                .or_insert_with(|| Node::Block(BTreeMap::new()));
            if !matches!(node, Node::Block(_)) {
                *node = Node::Block(BTreeMap::new());
            }
            let Node::Block(child) = node else {
                return;
            };
            map = child;
        }
        map.insert((*last).to_string(), Node::Value(value.trim().to_string()));
    }

    /// What both feature sets support: the entries present in both, a
    /// value keeping the words both list (as the reference's
    /// `features_intersect` asks both sets about each feature).
    pub fn intersect(&self, other: &Features) -> Features {
        fn both(a: &BTreeMap<String, Node>, b: &BTreeMap<String, Node>) -> BTreeMap<String, Node> {
            let mut out = BTreeMap::new();
            for (k, x) in a {
                let Some(y) = b.get(k) else { continue };
                let n = match (x, y) {
                    (Node::Block(x), Node::Block(y)) => Node::Block(both(x, y)),
                    (Node::Value(x), Node::Value(y)) => {
                        let ys: Vec<&str> = y.split_whitespace().collect();
                        let words: Vec<&str> =
                            x.split_whitespace().filter(|w| ys.contains(w)).collect();
                        Node::Value(words.join(" "))
                    }
                    // a block on one side and a value on the other: only
                    // the name is common
                    _ => Node::Block(BTreeMap::new()),
                };
                out.insert(k.clone(), n);
            }
            out
        }
        Features {
            root: both(&self.root, &other.root),
        }
    }

    /// Whether nothing at all is declared.
    pub fn is_empty(&self) -> bool {
        self.root.is_empty()
    }

    fn lookup(&self, path: &str) -> Option<Found<'_>> {
        if path.starts_with('/') {
            return None;
        }
        let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        let (first, rest) = comps.split_first()?;
        let mut node = self.root.get(*first)?;
        for (i, c) in rest.iter().enumerate() {
            match node {
                Node::Block(map) => node = map.get(*c)?,
                Node::Value(v) => {
                    let is_last = i + 1 == rest.len();
                    return (is_last && v.split_whitespace().any(|w| w == *c))
                        .then_some(Found::Word);
                }
            }
        }
        Some(Found::Node(node))
    }

    /// Whether `path` is supported: every component names an entry, or the
    /// last one is a word of the value reached (`"caps/mask/bpf"`).
    pub fn has(&self, path: &str) -> bool {
        self.lookup(path).is_some()
    }

    /// The value at `path`, without surrounding whitespace; `None` for a
    /// block, a word, or a missing path.
    pub fn value(&self, path: &str) -> Option<&str> {
        match self.lookup(path)? {
            Found::Node(Node::Value(v)) => Some(v.as_str()),
            _ => None,
        }
    }

    /// The words of the value at `path`; for a block, the names of its
    /// entries (in sorted order). Empty when the path is missing.
    pub fn words(&self, path: &str) -> Vec<&str> {
        match self.lookup(path) {
            Some(Found::Node(Node::Value(v))) => v.split_whitespace().collect(),
            Some(Found::Node(Node::Block(map))) => map.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The capability names the feature set declares (`caps/mask`), in
    /// kernel order. Upstream accepts these names in policy even when they are
    /// not in [`vocab::CAPABILITIES`].
    pub fn capabilities(&self) -> Vec<&str> {
        self.words("caps/mask")
    }

    /// Policy versions listed under `policy/versions` (`v5` → 5), sorted.
    pub fn policy_versions(&self) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .words("policy/versions")
            .into_iter()
            .filter_map(|w| w.strip_prefix('v')?.parse().ok())
            .collect();
        out.sort_unstable();
        out
    }

    /// The kernel ABI version upstream compiles for: 7 when `v7` is listed,
    /// else 6 when `v6` is, else 5.
    pub fn kernel_abi_version(&self) -> u32 {
        if self.has("policy/versions/v7") {
            7
        } else if self.has("policy/versions/v6") {
            6
        } else {
            5
        }
    }

    /// Whether file rules are mediated through the policy DFA (`file`); false
    /// only for very old kernels.
    pub fn supports_policydb(&self) -> bool {
        self.has("file")
    }

    /// Coarse network mediation (`network` rules by family and type).
    pub fn supports_network(&self) -> bool {
        self.has("network")
    }

    /// Fine-grained (v8) network mediation: network rules are compiled into
    /// the policy DFA with their permissions.
    pub fn supports_network_v8(&self) -> bool {
        self.has("network_v8")
    }

    /// v9 network mediation encoding.
    pub fn supports_network_v9(&self) -> bool {
        self.has("network_v9")
    }

    /// Network rules with `ip=`/`port=` conditionals (inet mediation).
    pub fn supports_network_inet(&self) -> bool {
        self.has("network_v8/af_inet")
    }

    /// unix socket rules.
    pub fn supports_unix(&self) -> bool {
        self.has("network/af_unix")
    }

    /// dbus rules.
    pub fn supports_dbus(&self) -> bool {
        self.has("dbus")
    }

    /// signal rules.
    pub fn supports_signal(&self) -> bool {
        self.has("signal")
    }

    /// ptrace rules.
    pub fn supports_ptrace(&self) -> bool {
        self.has("ptrace")
    }

    /// mount, remount, umount and pivot_root rules.
    pub fn supports_mount(&self) -> bool {
        self.has("mount")
    }

    /// Mount rules for detached mounts (`move_mount`).
    pub fn supports_detached_mount(&self) -> bool {
        self.has("mount/move_mount/detached")
    }

    /// userns rules.
    pub fn supports_userns(&self) -> bool {
        self.has("namespaces/mask/userns_create")
    }

    /// mqueue rules for posix message queues.
    pub fn supports_posix_mqueue(&self) -> bool {
        self.has("ipc/posix_mqueue")
    }

    /// mqueue rules for sysv message queues.
    pub fn supports_sysv_mqueue(&self) -> bool {
        self.has("ipc/sysv_mqueue")
    }

    /// mqueue rules of either kind.
    pub fn supports_mqueue(&self) -> bool {
        self.supports_posix_mqueue() || self.supports_sysv_mqueue()
    }

    /// io_uring rules.
    pub fn supports_io_uring(&self) -> bool {
        self.has("io_uring")
    }

    /// Profile stacking (`&profile` transitions, safe change_profile).
    pub fn supports_stacking(&self) -> bool {
        self.has("domain/stack")
    }

    /// Attachment by extended attributes (`xattrs=(...)`).
    pub fn supports_xattr_attachment(&self) -> bool {
        self.has("domain/attach_conditions/xattr")
    }

    /// Out-of-band transitions in automata (what attachment by xattrs
    /// needs of the kernel besides [`Features::supports_xattr_attachment`]).
    pub fn supports_out_of_band(&self) -> bool {
        self.has("policy/outofband")
    }

    /// The `interruptible` profile flag.
    pub fn supports_flag_interruptible(&self) -> bool {
        self.has("policy/profile/interruptible")
    }

    /// The `kill.signal=` profile flag.
    pub fn supports_flag_kill_signal(&self) -> bool {
        self.has("policy/profile/kill.signal")
    }

    /// The `error=` profile flag.
    pub fn supports_flag_error(&self) -> bool {
        self.has("policy/profile/error")
    }

    /// Extended permission tables (needed for `prompt` rules and the
    /// newer encodings).
    pub fn supports_permstable32(&self) -> bool {
        self.has("policy/permstable32")
    }
}

/// Renders the feature set in the features-file format (entries sorted by
/// name). Parsing the result gives back an equal feature set.
impl fmt::Display for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn write_map(f: &mut fmt::Formatter<'_>, map: &BTreeMap<String, Node>) -> fmt::Result {
            for (name, node) in map {
                match node {
                    Node::Value(v) => writeln!(f, "{name} {{{v}\n}}")?,
                    Node::Block(child) => {
                        write!(f, "{name} {{")?;
                        write_map(f, child)?;
                        writeln!(f, "}}")?;
                    }
                }
            }
            Ok(())
        }
        write_map(f, &self.root)
    }
}

/// Signal names as the kernel lists them in `signal/mask` (this list has
/// `lost`, which policy cannot name, and no aliases).
/// The capability names up to `last` (a kernel's `caps/mask`).
fn capabilities_through(last: &str) -> String {
    let end = vocab::capability_number(last).map_or(vocab::CAPABILITIES.len(), |n| n as usize + 1);
    vocab::CAPABILITIES
        .get(..end)
        .unwrap_or(vocab::CAPABILITIES)
        .join(" ")
}

/// The address families up to `last` (a kernel's `af_mask`).
fn families_through(last: &str) -> String {
    let end = vocab::NETWORK_DOMAINS
        .iter()
        .position(|d| *d == last)
        .map_or(vocab::NETWORK_DOMAINS.len(), |i| i + 1);
    vocab::NETWORK_DOMAINS
        .get(..end)
        .unwrap_or(vocab::NETWORK_DOMAINS)
        .join(" ")
}

/// The rlimit names a kernel's `rlimit/mask` lists (`ofile` is the
/// language's alias of `nofile`).
fn kernel_rlimits() -> String {
    let names: Vec<&str> = vocab::RLIMITS
        .iter()
        .copied()
        .filter(|r| *r != "ofile")
        .collect();
    names.join(" ")
}

const KERNEL_SIGNAL_NAMES: &[&str] = &[
    "hup", "int", "quit", "ill", "trap", "abrt", "bus", "fpe", "kill", "usr1", "segv", "usr2",
    "pipe", "alrm", "term", "stkflt", "chld", "cont", "stop", "stp", "ttin", "ttou", "urg", "xcpu",
    "xfsz", "vtalrm", "prof", "winch", "io", "pwr", "sys", "emt", "lost",
];

/// Longest feature name quoted in an error message.
const MAX_NAME_IN_ERROR: usize = 64;

fn shorten(name: &str) -> String {
    match name.char_indices().nth(MAX_NAME_IN_ERROR) {
        Some((i, _)) => format!("{}…", &name[..i]),
        None => name.to_string(),
    }
}

struct Parser<'t> {
    src: &'t str,
    pos: usize,
    line: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    /// Moves to byte offset `to`, counting the newlines passed.
    fn advance_to(&mut self, to: usize) {
        let to = to.min(self.src.len());
        if let Some(skipped) = self.src.as_bytes().get(self.pos..to) {
            self.line += skipped.iter().filter(|&&b| b == b'\n').count();
        }
        self.pos = to;
    }

    fn skip_ws(&mut self) {
        let bytes = self.src.as_bytes();
        let mut end = self.pos;
        while end < bytes.len() && bytes[end].is_ascii_whitespace() {
            end += 1;
        }
        self.advance_to(end);
    }

    /// Parses entries until the end of input (top level) or a `}` (nested,
    /// left unconsumed). `opener` is the block being filled, for errors.
    fn entries(
        &mut self,
        depth: usize,
        opener: Option<(&str, usize)>,
        map: &mut BTreeMap<String, Node>,
    ) -> Result<(), FeaturesError> {
        loop {
            self.skip_ws();
            match self.peek() {
                None => {
                    return match opener {
                        None => Ok(()),
                        Some((name, line)) => Err(FeaturesError::Unclosed {
                            line,
                            name: shorten(name),
                        }),
                    };
                }
                Some(b'}') => {
                    return match opener {
                        None => Err(FeaturesError::UnexpectedCloseBrace { line: self.line }),
                        Some(_) => Ok(()),
                    };
                }
                Some(b'{') => return Err(FeaturesError::MissingName { line: self.line }),
                Some(0) => return Err(FeaturesError::NulByte { line: self.line }),
                Some(_) => {}
            }

            let start = self.pos;
            let bytes = self.src.as_bytes();
            let mut end = start;
            while end < bytes.len()
                && !bytes[end].is_ascii_whitespace()
                && !matches!(bytes[end], b'{' | b'}' | 0)
            {
                end += 1;
            }
            let name = self.src.get(start..end).unwrap_or_default();
            let line = self.line;
            self.advance_to(end);
            self.skip_ws();
            if self.peek() != Some(b'{') {
                return Err(FeaturesError::ExpectedOpenBrace {
                    line: self.line,
                    name: shorten(name),
                });
            }
            self.advance_to(self.pos + 1);
            let node = self.body(depth, name, line)?;
            insert(map, name, node);
        }
    }

    /// Parses what follows `name {`, up to and including the matching `}`.
    fn body(&mut self, depth: usize, name: &str, line: usize) -> Result<Node, FeaturesError> {
        let rest = self.src.get(self.pos..).unwrap_or_default();
        let Some(off) = rest.find(['{', '}', '\0']) else {
            return Err(FeaturesError::Unclosed {
                line,
                name: shorten(name),
            });
        };
        match rest.as_bytes().get(off) {
            Some(b'}') => {
                let value = rest.get(..off).unwrap_or_default().trim().to_string();
                self.advance_to(self.pos + off + 1);
                Ok(Node::Value(value))
            }
            Some(b'{') => {
                if depth + 1 >= MAX_DEPTH {
                    self.advance_to(self.pos + off);
                    return Err(FeaturesError::TooDeep {
                        line: self.line,
                        max: MAX_DEPTH,
                    });
                }
                let mut child = BTreeMap::new();
                self.entries(depth + 1, Some((name, line)), &mut child)?;
                // entries() returns Ok only at a `}` when nested.
                self.advance_to(self.pos + 1);
                Ok(Node::Block(child))
            }
            _ => {
                self.advance_to(self.pos + off);
                Err(FeaturesError::NulByte { line: self.line })
            }
        }
    }
}

/// Adds an entry, merging repeated blocks and keeping the first of repeated
/// values.
fn insert(map: &mut BTreeMap<String, Node>, name: &str, node: Node) {
    match (map.get_mut(name), node) {
        (None, node) => {
            map.insert(name.to_string(), node);
        }
        (Some(Node::Block(existing)), Node::Block(new)) => {
            for (k, v) in new {
                insert(existing, &k, v);
            }
        }
        (Some(_), _) => {}
    }
}
