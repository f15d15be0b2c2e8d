//! The fixed vocabulary of the AppArmor policy language.
//!
//! Name tables and small value checkers for every rule family: capability
//! names, address families and socket types, permission words, conditional
//! names, signals, rlimits and their value syntax, mount options and profile
//! flags. The contents follow what the reference parser (AppArmor
//! 6.0.0~alpha1) accepts; where it has a quirk, the item's documentation says
//! whether the quirk is reproduced.
//!
//! Everything here is pure data or a pure function: no I/O, no printing, no
//! panics on any input.

pub mod glossary;

#[cfg(test)]
mod tests;

// ---------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------

/// The words that start a rule inside a profile (keywords and
/// qualifiers), for suggestions and completion.
pub const RULE_KEYWORDS: &[&str] = &[
    "file",
    "link",
    "capability",
    "network",
    "unix",
    "dbus",
    "signal",
    "ptrace",
    "mount",
    "remount",
    "umount",
    "pivot_root",
    "change_profile",
    "set",
    "userns",
    "mqueue",
    "io_uring",
    "all",
    "owner",
    "audit",
    "deny",
    "allow",
    "include",
    "profile",
];

// ---------------------------------------------------------------------------
// Capabilities
// ---------------------------------------------------------------------------

/// Every capability name, in kernel order: the index is the capability number.
pub const CAPABILITIES: &[&str] = &[
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
];

/// The kernel number of a capability name.
pub fn capability_number(name: &str) -> Option<u32> {
    position(CAPABILITIES, name)
}

/// The capability a newer capability falls back to when the kernel does not
/// know it (`perfmon`, `bpf` and `checkpoint_restore` split off `sys_admin`).
pub fn capability_backmap(name: &str) -> Option<&'static str> {
    match name {
        "perfmon" | "bpf" | "checkpoint_restore" => Some("sys_admin"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Network
// ---------------------------------------------------------------------------

/// Address families with their kernel numbers, as the network rule accepts
/// them. `AF_DECnet` (12) has no name here (it is not accepted upstream), and
/// the aliases `local`, `file` and `route` are not accepted either.
pub const ADDRESS_FAMILIES: &[(&str, u32)] = &[
    ("unspec", 0),
    ("unix", 1),
    ("inet", 2),
    ("ax25", 3),
    ("ipx", 4),
    ("appletalk", 5),
    ("netrom", 6),
    ("bridge", 7),
    ("atmpvc", 8),
    ("x25", 9),
    ("inet6", 10),
    ("rose", 11),
    ("netbeui", 13),
    ("security", 14),
    ("key", 15),
    ("netlink", 16),
    ("packet", 17),
    ("ash", 18),
    ("econet", 19),
    ("atmsvc", 20),
    ("rds", 21),
    ("sna", 22),
    ("irda", 23),
    ("pppox", 24),
    ("wanpipe", 25),
    ("llc", 26),
    ("ib", 27),
    ("mpls", 28),
    ("can", 29),
    ("tipc", 30),
    ("bluetooth", 31),
    ("iucv", 32),
    ("rxrpc", 33),
    ("isdn", 34),
    ("phonet", 35),
    ("ieee802154", 36),
    ("caif", 37),
    ("alg", 38),
    ("nfc", 39),
    ("vsock", 40),
    ("kcm", 41),
    ("qipcrtr", 42),
    ("smc", 43),
    ("xdp", 44),
    ("mctp", 45),
];

/// Address family names accepted as the domain of a network rule, in kernel
/// order (the same names as [`ADDRESS_FAMILIES`]).
pub const NETWORK_DOMAINS: &[&str] = &[
    "unspec",
    "unix",
    "inet",
    "ax25",
    "ipx",
    "appletalk",
    "netrom",
    "bridge",
    "atmpvc",
    "x25",
    "inet6",
    "rose",
    "netbeui",
    "security",
    "key",
    "netlink",
    "packet",
    "ash",
    "econet",
    "atmsvc",
    "rds",
    "sna",
    "irda",
    "pppox",
    "wanpipe",
    "llc",
    "ib",
    "mpls",
    "can",
    "tipc",
    "bluetooth",
    "iucv",
    "rxrpc",
    "isdn",
    "phonet",
    "ieee802154",
    "caif",
    "alg",
    "nfc",
    "vsock",
    "kcm",
    "qipcrtr",
    "smc",
    "xdp",
    "mctp",
];

/// The kernel number of an address family name.
pub fn address_family_number(name: &str) -> Option<u32> {
    ADDRESS_FAMILIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, v)| v)
}

/// Socket types accepted after the domain of a network rule (or alone).
pub const NETWORK_TYPES: &[&str] = &["stream", "dgram", "seqpacket", "rdm", "raw", "packet"];

/// Protocol words of a network rule. They stand in the type position
/// (`network inet tcp,`); `tcp` and `udp` are accepted for `inet` and
/// `inet6`, `icmp` only for `inet`.
pub const NETWORK_PROTOCOLS: &[&str] = &["tcp", "udp", "icmp"];

/// Socket types accepted by `type=` in unix rules (`dccp` is accepted there
/// but not as a network rule type).
pub const UNIX_SOCKET_TYPES: &[&str] = &[
    "stream",
    "dgram",
    "raw",
    "rdm",
    "seqpacket",
    "dccp",
    "packet",
];

/// The kernel number of a socket type name (`SOCK_*`).
pub fn socket_type_number(name: &str) -> Option<u32> {
    match name {
        "stream" => Some(1),
        "dgram" => Some(2),
        "raw" => Some(3),
        "rdm" => Some(4),
        "seqpacket" => Some(5),
        "dccp" => Some(6),
        "packet" => Some(10),
        _ => None,
    }
}

/// Whether `network FIRST [SECOND],` names an existing family/type/protocol
/// combination.
///
/// With one word it may be a domain (`inet`), a socket type (`stream`) or a
/// protocol (`tcp`). With two words the first must be a domain and the second
/// a socket type, or a protocol the domain has (`inet icmp`, `inet6 tcp`).
/// The grammar has no three-word form (`network inet raw tcp,` is an error).
pub fn is_valid_network_spec(first: &str, second: Option<&str>) -> bool {
    let is_domain = NETWORK_DOMAINS.contains(&first);
    match second {
        None => is_domain || NETWORK_TYPES.contains(&first) || NETWORK_PROTOCOLS.contains(&first),
        Some(second) => {
            if !is_domain {
                return false;
            }
            if NETWORK_TYPES.contains(&second) {
                return true;
            }
            matches!(
                (first, second),
                ("inet", "tcp" | "udp" | "icmp") | ("inet6", "tcp" | "udp")
            )
        }
    }
}

/// Permission words of network rules (also used by unix rules), including the
/// `r`/`w` mode-string forms. Any string made only of `r` and `w` is accepted
/// too (see [`is_rw_mode`]).
pub const NETWORK_PERMS: &[&str] = &[
    "create", "bind", "listen", "accept", "connect", "shutdown", "getattr", "setattr", "getopt",
    "setopt", "send", "receive", "read", "write", "r", "w", "rw", "wr",
];

/// The network/unix permissions that may be combined with peer conditionals
/// (`peer=(...)`); the others (`create`, `shutdown`, `setattr`, `getattr`,
/// `bind`, `listen`, `setopt`, `getopt`) are errors there.
pub const NETWORK_PEER_PERMS: &[&str] = &[
    "connect", "accept", "send", "receive", "read", "write", "r", "w", "rw", "wr",
];

/// Permission words of unix rules: the same as [`NETWORK_PERMS`].
pub const UNIX_PERMS: &[&str] = NETWORK_PERMS;

/// Where a rule conditional may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CondSide {
    /// Only among the rule's own conditionals.
    Local,
    /// Only inside `peer=(...)`.
    Peer,
    /// In both places.
    Either,
}

/// A conditional (`name=value`) of a rule family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CondSpec {
    /// The conditional's name.
    pub name: &'static str,
    /// Where it may appear.
    pub side: CondSide,
    /// Whether more than one value (`name=(a b)`) is allowed.
    pub multi_value: bool,
    /// Whether upstream implements it; an unsupported conditional is an error
    /// ("not currently supported") even though the name is known.
    pub supported: bool,
}

impl CondSpec {
    const fn new(name: &'static str, side: CondSide, multi_value: bool) -> Self {
        CondSpec {
            name,
            side,
            multi_value,
            supported: true,
        }
    }

    /// Whether the conditional may appear locally (`peer == false`) or inside
    /// `peer=(...)` (`peer == true`).
    pub fn allowed(&self, peer: bool) -> bool {
        match self.side {
            CondSide::Either => true,
            CondSide::Local => !peer,
            CondSide::Peer => peer,
        }
    }
}

/// Looks a conditional up in one of the `*_CONDS` tables.
pub fn find_cond(table: &'static [CondSpec], name: &str) -> Option<&'static CondSpec> {
    table.iter().find(|c| c.name == name)
}

/// Conditionals of network rules. `interface` is local only; `ip`, `port` and
/// `label` may also appear in `peer=(...)`.
pub const NETWORK_CONDS: &[CondSpec] = &[
    CondSpec::new("ip", CondSide::Either, false),
    CondSpec::new("port", CondSide::Either, false),
    CondSpec::new("interface", CondSide::Local, false),
    CondSpec::new("label", CondSide::Either, false),
];

/// Conditionals of unix rules. `label` is accepted only in `peer=(...)`;
/// `protocol` is known but rejected as not supported.
pub const UNIX_CONDS: &[CondSpec] = &[
    CondSpec::new("type", CondSide::Local, false),
    CondSpec {
        name: "protocol",
        side: CondSide::Local,
        multi_value: false,
        supported: false,
    },
    CondSpec::new("addr", CondSide::Either, false),
    CondSpec::new("label", CondSide::Peer, false),
];

/// Names of the conditionals accepted in a unix rule's `peer=(...)`.
pub const UNIX_PEER_CONDS: &[&str] = &["addr", "label"];

/// Whether a unix `addr=` value is acceptable: an abstract address starting
/// with `@`, or `none` (anonymous) or `auto` (autobind).
pub fn is_valid_unix_addr(addr: &str) -> bool {
    addr.starts_with('@') || addr == "none" || addr == "auto"
}

// ---------------------------------------------------------------------------
// D-Bus, signal, ptrace, mqueue, io_uring, userns
// ---------------------------------------------------------------------------

/// Permission words of dbus rules.
pub const DBUS_PERMS: &[&str] = &[
    "send",
    "receive",
    "bind",
    "eavesdrop",
    "read",
    "write",
    "r",
    "w",
    "rw",
    "wr",
];

/// Conditionals of dbus rules. `label` may only appear inside `peer=(...)`;
/// a local `name=` makes a service (bind) rule, a peer `name=` a message rule.
/// Every dbus conditional takes a single value.
pub const DBUS_CONDS: &[CondSpec] = &[
    CondSpec::new("bus", CondSide::Either, false),
    CondSpec::new("path", CondSide::Either, false),
    CondSpec::new("interface", CondSide::Either, false),
    CondSpec::new("member", CondSide::Either, false),
    CondSpec::new("name", CondSide::Either, false),
    CondSpec::new("label", CondSide::Peer, false),
];

/// Names of the dbus conditionals meant for `peer=(...)`.
pub const DBUS_PEER_CONDS: &[&str] = &["name", "label"];

/// Permission words of signal rules.
pub const SIGNAL_PERMS: &[&str] = &["send", "receive", "read", "write", "r", "w", "rw", "wr"];

/// Conditionals of signal rules: `set=(...)` (several signals) and `peer=LABEL`.
pub const SIGNAL_CONDS: &[CondSpec] = &[
    CondSpec::new("set", CondSide::Local, true),
    CondSpec::new("peer", CondSide::Local, false),
];

/// Permission words of ptrace rules (`write` means `trace`).
pub const PTRACE_PERMS: &[&str] = &[
    "trace", "read", "tracedby", "readby", "write", "r", "w", "rw", "wr",
];

/// Conditionals of ptrace rules: `peer=LABEL`.
pub const PTRACE_CONDS: &[CondSpec] = &[CondSpec::new("peer", CondSide::Local, false)];

/// Permission words of mqueue rules.
pub const MQUEUE_PERMS: &[&str] = &[
    "create", "open", "delete", "getattr", "setattr", "read", "write", "r", "w", "rw", "wr",
];

/// Values of the mqueue `type=` conditional.
pub const MQUEUE_TYPES: &[&str] = &["posix", "sysv"];

/// Conditionals of mqueue rules.
pub const MQUEUE_CONDS: &[CondSpec] = &[
    CondSpec::new("type", CondSide::Local, false),
    CondSpec::new("label", CondSide::Local, false),
];

/// Whether an mqueue name is acceptable: a posix name starts with `/`, a sysv
/// key is a non-empty string of decimal digits.
pub fn is_valid_mqueue_name(name: &str) -> bool {
    name.starts_with('/') || (!name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()))
}

/// Permission words of io_uring rules.
pub const IO_URING_PERMS: &[&str] = &["override_creds", "sqpoll"];

/// Conditionals of io_uring rules.
pub const IO_URING_CONDS: &[CondSpec] = &[CondSpec::new("label", CondSide::Local, false)];

/// Permission words of userns rules. userns rules take no conditionals.
pub const USERNS_PERMS: &[&str] = &["create"];

/// Whether `s` is a non-empty mode string made only of `r`/`w` (upper case is
/// accepted upstream with a deprecation warning).
pub fn is_rw_mode(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| matches!(b, b'r' | b'w' | b'R' | b'W'))
}

/// The rule families that take a permission list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PermFamily {
    Network,
    Unix,
    Dbus,
    Signal,
    Ptrace,
    Mqueue,
    IoUring,
    Userns,
}

impl PermFamily {
    /// The permission words of the family (for suggestions).
    pub fn perms(self) -> &'static [&'static str] {
        match self {
            PermFamily::Network => NETWORK_PERMS,
            PermFamily::Unix => UNIX_PERMS,
            PermFamily::Dbus => DBUS_PERMS,
            PermFamily::Signal => SIGNAL_PERMS,
            PermFamily::Ptrace => PTRACE_PERMS,
            PermFamily::Mqueue => MQUEUE_PERMS,
            PermFamily::IoUring => IO_URING_PERMS,
            PermFamily::Userns => USERNS_PERMS,
        }
    }

    /// The family of the rules that start with `keyword`.
    pub fn of_keyword(keyword: &str) -> Option<PermFamily> {
        Some(match keyword {
            "network" => PermFamily::Network,
            "unix" => PermFamily::Unix,
            "dbus" => PermFamily::Dbus,
            "signal" => PermFamily::Signal,
            "ptrace" => PermFamily::Ptrace,
            "mqueue" => PermFamily::Mqueue,
            "io_uring" => PermFamily::IoUring,
            "userns" => PermFamily::Userns,
            _ => return None,
        })
    }

    /// Whether `r`/`w` mode strings are permissions of the family.
    pub fn accepts_rw_mode(self) -> bool {
        !matches!(self, PermFamily::IoUring | PermFamily::Userns)
    }

    /// Whether `word` is a permission of the family.
    pub fn is_valid_perm(self, word: &str) -> bool {
        self.perms().contains(&word) || (self.accepts_rw_mode() && is_rw_mode(word))
    }
}

// ---------------------------------------------------------------------------
// Signals
// ---------------------------------------------------------------------------

/// Signal names accepted in `set=` and `kill.signal=`, with their AppArmor
/// signal numbers. `stp`/`tstp` and `io`/`poll` are aliases; `lost` is in the
/// kernel's list but is not accepted by the parser.
const SIGNAL_TABLE: &[(&str, u32)] = &[
    ("hup", 1),
    ("int", 2),
    ("quit", 3),
    ("ill", 4),
    ("trap", 5),
    ("abrt", 6),
    ("bus", 7),
    ("fpe", 8),
    ("kill", 9),
    ("usr1", 10),
    ("segv", 11),
    ("usr2", 12),
    ("pipe", 13),
    ("alrm", 14),
    ("term", 15),
    ("stkflt", 16),
    ("chld", 17),
    ("cont", 18),
    ("stop", 19),
    ("stp", 20),
    ("tstp", 20),
    ("ttin", 21),
    ("ttou", 22),
    ("urg", 23),
    ("xcpu", 24),
    ("xfsz", 25),
    ("vtalrm", 26),
    ("prof", 27),
    ("winch", 28),
    ("io", 29),
    ("poll", 29),
    ("pwr", 30),
    ("sys", 31),
    ("emt", 32),
    ("exists", 35),
];

/// Named signals accepted in `set=` and `kill.signal=` (real-time signals are
/// written `rtmin+N`, see [`is_valid_signal`]).
pub const SIGNALS: &[&str] = &[
    "hup", "int", "quit", "ill", "trap", "abrt", "bus", "fpe", "kill", "usr1", "segv", "usr2",
    "pipe", "alrm", "term", "stkflt", "chld", "cont", "stop", "stp", "tstp", "ttin", "ttou", "urg",
    "xcpu", "xfsz", "vtalrm", "prof", "winch", "io", "poll", "pwr", "sys", "emt", "exists",
];

/// The largest `N` of `rtmin+N`.
pub const MAX_RTMIN_OFFSET: u32 = 32;

/// The AppArmor number of the first real-time signal (`rtmin+0`).
pub const RTMIN_BASE: u32 = 128;

/// The name of AppArmor signal number `n` (`rtmin+N` for the real-time
/// ones).
pub fn signal_name(n: u32) -> Option<String> {
    if let Some((name, _)) = SIGNAL_TABLE.iter().find(|(_, v)| *v == n) {
        return Some(name.to_string());
    }
    (RTMIN_BASE..=RTMIN_BASE + MAX_RTMIN_OFFSET)
        .contains(&n)
        .then(|| format!("rtmin+{}", n - RTMIN_BASE))
}

/// The AppArmor signal number of a signal name: 1..=35 for named signals,
/// `128 + N` for `rtmin+N` with `N` in `0..=32`.
///
/// Upstream also accepts `rtmin+` without digits and trailing garbage after
/// the digits (a strtoul quirk); this function requires one or more decimal
/// digits and nothing else.
pub fn signal_number(name: &str) -> Option<u32> {
    if let Some(rest) = name.strip_prefix("rtmin+") {
        if rest.is_empty() || rest.len() > 10 || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u64 = rest.parse().ok()?;
        if n > u64::from(MAX_RTMIN_OFFSET) {
            return None;
        }
        return u32::try_from(n).ok().map(|n| RTMIN_BASE + n);
    }
    SIGNAL_TABLE
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, v)| v)
}

/// Whether `name` is a signal accepted in `set=` or `kill.signal=`.
pub fn is_valid_signal(name: &str) -> bool {
    signal_number(name).is_some()
}

// ---------------------------------------------------------------------------
// Rlimits
// ---------------------------------------------------------------------------

/// Rlimit names accepted by `set rlimit NAME <= VALUE,`. `ofile` is the BSD
/// alias of `nofile`.
pub const RLIMITS: &[&str] = &[
    "cpu",
    "fsize",
    "data",
    "stack",
    "core",
    "rss",
    "nproc",
    "nofile",
    "ofile",
    "memlock",
    "as",
    "locks",
    "sigpending",
    "msgqueue",
    "nice",
    "rtprio",
    "rttime",
];

/// The kernel `RLIMIT_*` number of an rlimit name.
pub fn rlimit_number(name: &str) -> Option<u32> {
    Some(match name {
        "cpu" => 0,
        "fsize" => 1,
        "data" => 2,
        "stack" => 3,
        "core" => 4,
        "rss" => 5,
        "nproc" => 6,
        "nofile" | "ofile" => 7,
        "memlock" => 8,
        "as" => 9,
        "locks" => 10,
        "sigpending" => 11,
        "msgqueue" => 12,
        "nice" => 13,
        "rtprio" => 14,
        "rttime" => 15,
        _ => return None,
    })
}

/// What the value of an rlimit measures, which decides its syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RlimitValueKind {
    /// A plain non-negative count; units are rejected
    /// (`nofile`, `ofile`, `nproc`, `locks`, `sigpending`, `rtprio`).
    Count,
    /// Bytes, with optional `K`/`KB`/`M`/`MB`/`G`/`GB` (powers of 1024)
    /// (`fsize`, `data`, `stack`, `core`, `rss`, `as`, `memlock`, `msgqueue`).
    Size,
    /// `cpu`: seconds; a time unit may be given, the result must be at least
    /// one second.
    CpuTime,
    /// `rttime`: microseconds; a time unit may be given.
    RtTime,
    /// `nice`: an integer in -20..=19, no unit.
    Nice,
}

/// The kind of value an rlimit takes.
pub fn rlimit_kind(name: &str) -> Option<RlimitValueKind> {
    Some(match name {
        "cpu" => RlimitValueKind::CpuTime,
        "rttime" => RlimitValueKind::RtTime,
        "nice" => RlimitValueKind::Nice,
        "nofile" | "ofile" | "nproc" | "locks" | "sigpending" | "rtprio" => RlimitValueKind::Count,
        "fsize" | "data" | "stack" | "core" | "rss" | "as" | "memlock" | "msgqueue" => {
            RlimitValueKind::Size
        }
        _ => return None,
    })
}

/// The unit assumed when a time rlimit has none (upstream warns about it):
/// `cpu` is in seconds, `rttime` in microseconds.
pub fn rlimit_default_unit(name: &str) -> Option<&'static str> {
    match rlimit_kind(name)? {
        RlimitValueKind::CpuTime => Some("seconds"),
        RlimitValueKind::RtTime => Some("microseconds"),
        _ => None,
    }
}

/// Size suffixes: a suffix is accepted when it is a non-empty prefix of
/// `KB`, `MB` or `GB` (so `K` and `KB`, ...); they are case-sensitive.
pub const SIZE_UNITS: &[(&str, u64)] = &[
    ("K", 1 << 10),
    ("KB", 1 << 10),
    ("M", 1 << 20),
    ("MB", 1 << 20),
    ("G", 1 << 30),
    ("GB", 1 << 30),
];

const US_PER_SEC: u64 = 1_000_000;

/// Time units accepted by `cpu` and `rttime`, in microseconds.
pub const TIME_UNITS: &[(&str, u64)] = &[
    ("us", 1),
    ("microsecond", 1),
    ("microseconds", 1),
    ("ms", 1_000),
    ("millisecond", 1_000),
    ("milliseconds", 1_000),
    ("s", US_PER_SEC),
    ("sec", US_PER_SEC),
    ("second", US_PER_SEC),
    ("seconds", US_PER_SEC),
    ("min", 60 * US_PER_SEC),
    ("minute", 60 * US_PER_SEC),
    ("minutes", 60 * US_PER_SEC),
    ("h", 3_600 * US_PER_SEC),
    ("hour", 3_600 * US_PER_SEC),
    ("hours", 3_600 * US_PER_SEC),
    ("d", 86_400 * US_PER_SEC),
    ("day", 86_400 * US_PER_SEC),
    ("days", 86_400 * US_PER_SEC),
    ("week", 604_800 * US_PER_SEC),
    ("weeks", 604_800 * US_PER_SEC),
];

/// A parsed rlimit value, in the unit the kernel expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RlimitValue {
    /// `infinity`.
    Infinity,
    /// A finite limit: bytes for sizes, seconds for `cpu`, microseconds for
    /// `rttime`, the count for counts, and `nice + 20` (0..=39) for `nice`,
    /// which is how upstream encodes it.
    Limit(u64),
}

/// Parses the value of `set rlimit NAME <= VALUE,` written as one piece of
/// text, e.g. `"1024"`, `"2047MB"`, `"60 minutes"`, `"-10"`, `"infinity"`.
///
/// The text is split the way the lexer splits it: an optional `-`, decimal
/// digits, then optionally a unit made of letters and `_` (whitespace between
/// number and unit is allowed). See [`parse_rlimit_parts`] for the rules.
pub fn parse_rlimit_value(name: &str, value: &str) -> Result<RlimitValue, String> {
    let text = value.trim();
    if let Some(rest) = text.strip_prefix("infinity") {
        let unit = rest.trim_start();
        if rest.is_empty() || (rest.len() != unit.len() && is_unit_word(unit)) {
            return parse_rlimit_parts(name, "infinity", None);
        }
        return Err(format!("invalid value '{text}' for rlimit {name}"));
    }
    let digits_start = usize::from(text.starts_with('-'));
    let digits_len = text
        .get(digits_start..)
        .map_or(0, |s| s.bytes().take_while(u8::is_ascii_digit).count());
    if digits_len == 0 {
        return Err(format!("invalid value '{text}' for rlimit {name}"));
    }
    let split = digits_start + digits_len;
    let (number, rest) = text.split_at(split);
    let unit = rest.trim_start();
    if unit.is_empty() {
        return parse_rlimit_parts(name, number, None);
    }
    if !is_unit_word(unit) {
        return Err(format!("invalid value '{text}' for rlimit {name}"));
    }
    parse_rlimit_parts(name, number, Some(unit))
}

fn is_unit_word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_')
}

/// Parses an rlimit value given as the number token and the optional unit
/// token, following upstream's rules:
///
/// - `infinity` is accepted for every limit (a unit after it is ignored);
/// - the number is read like C's `strtoll(…, 0)`: a leading `0` makes it
///   octal, reading stops at the first digit that is not valid (`08` is 0);
/// - counts and `nice` reject any unit, and every limit but `nice` rejects
///   negative numbers; `nice` must be within -20..=19;
/// - sizes take `K`/`KB`/`M`/`MB`/`G`/`GB` (case-sensitive, powers of 1024);
/// - `cpu` and `rttime` take the units of [`TIME_UNITS`]; `cpu` defaults to
///   seconds and must come to at least one second once a unit is given,
///   `rttime` defaults to microseconds and must come to at least one
///   microsecond once a unit is given;
/// - results that do not fit in 64 bits are errors (upstream overflows
///   silently).
pub fn parse_rlimit_parts(
    name: &str,
    number: &str,
    unit: Option<&str>,
) -> Result<RlimitValue, String> {
    let Some(kind) = rlimit_kind(name) else {
        return Err(format!("unknown rlimit '{name}'"));
    };
    if number == "infinity" {
        return Ok(RlimitValue::Infinity);
    }
    let shown = match unit {
        Some(u) => format!("{number}{u}"),
        None => number.to_string(),
    };
    let Some(n) = c_strtoll_base0(number) else {
        return Err(format!("invalid value '{shown}' for rlimit {name}"));
    };
    if kind != RlimitValueKind::Nice && n < 0 {
        return Err(format!("rlimit {name} cannot be negative ('{shown}')"));
    }
    let too_big = || format!("rlimit {name} value '{shown}' is too large");
    match kind {
        RlimitValueKind::Count => {
            if let Some(u) = unit {
                return Err(format!("rlimit {name} does not take a unit ('{u}')"));
            }
            u64::try_from(n)
                .map(RlimitValue::Limit)
                .map_err(|_| too_big())
        }
        RlimitValueKind::Nice => {
            if let Some(u) = unit {
                return Err(format!("rlimit {name} does not take a unit ('{u}')"));
            }
            if !(-20..=19).contains(&n) {
                return Err(format!(
                    "rlimit {name} value {n} is out of range (-20 .. 19)"
                ));
            }
            u64::try_from(n + 20)
                .map(RlimitValue::Limit)
                .map_err(|_| too_big())
        }
        RlimitValueKind::Size => {
            let mult = match unit {
                None => 1,
                Some(u) => match SIZE_UNITS.iter().find(|(s, _)| *s == u) {
                    Some(&(_, m)) => m,
                    None => {
                        return Err(format!(
                            "invalid size unit '{u}' for rlimit {name} (expected K, KB, M, MB, G or GB)"
                        ));
                    }
                },
            };
            let v = n.checked_mul(i128::from(mult)).ok_or_else(too_big)?;
            u64::try_from(v)
                .map(RlimitValue::Limit)
                .map_err(|_| too_big())
        }
        RlimitValueKind::CpuTime | RlimitValueKind::RtTime => {
            let Some(u) = unit else {
                return u64::try_from(n)
                    .map(RlimitValue::Limit)
                    .map_err(|_| too_big());
            };
            let Some(&(_, mult)) = TIME_UNITS.iter().find(|(s, _)| *s == u) else {
                return Err(format!("invalid time unit '{u}' for rlimit {name}"));
            };
            let micros = n.checked_mul(i128::from(mult)).ok_or_else(too_big)?;
            let base = if kind == RlimitValueKind::CpuTime {
                US_PER_SEC
            } else {
                1
            };
            if micros < i128::from(base) {
                return Err(if kind == RlimitValueKind::CpuTime {
                    format!("rlimit {name} '{shown}' is less than the minimum of 1s")
                } else {
                    format!("rlimit {name} '{shown}' is less than the minimum of 1us")
                });
            }
            u64::try_from(micros / i128::from(base))
                .map(RlimitValue::Limit)
                .map_err(|_| too_big())
        }
    }
}

/// C `strtoll(s, &end, 0)` over `-?[0-9]+` text: returns `None` when no digit
/// is consumed or when the value does not fit in an `i64`.
fn c_strtoll_base0(s: &str) -> Option<i128> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let bytes = digits.as_bytes();
    if bytes.first().is_none_or(|b| !b.is_ascii_digit()) {
        return None;
    }
    let (radix, body): (u32, &[u8]) = if bytes.len() > 1 && bytes[0] == b'0' {
        (8, &bytes[1..])
    } else {
        (10, bytes)
    };
    let mut value: i128 = 0;
    for &b in body {
        let Some(d) = char::from(b).to_digit(radix) else {
            break;
        };
        value = value * i128::from(radix) + i128::from(d);
        if value > i128::from(i64::MAX) + 1 {
            return None;
        }
    }
    let value = if neg { -value } else { value };
    if value > i128::from(i64::MAX) || value < i128::from(i64::MIN) {
        return None;
    }
    Some(value)
}

// ---------------------------------------------------------------------------
// Mount
// ---------------------------------------------------------------------------

/// Kernel mount flag bits, as AppArmor encodes them.
pub const MS_RDONLY: u32 = 1 << 0;
pub const MS_NOSUID: u32 = 1 << 1;
pub const MS_NODEV: u32 = 1 << 2;
pub const MS_NOEXEC: u32 = 1 << 3;
pub const MS_SYNCHRONOUS: u32 = 1 << 4;
pub const MS_REMOUNT: u32 = 1 << 5;
pub const MS_MAND: u32 = 1 << 6;
pub const MS_DIRSYNC: u32 = 1 << 7;
pub const MS_NOSYMFOLLOW: u32 = 1 << 8;
pub const MS_NOATIME: u32 = 1 << 10;
pub const MS_NODIRATIME: u32 = 1 << 11;
pub const MS_BIND: u32 = 1 << 12;
pub const MS_MOVE: u32 = 1 << 13;
pub const MS_REC: u32 = 1 << 14;
/// `verbose` and `silent` share this bit; `loud` clears it.
pub const MS_SILENT: u32 = 1 << 15;
pub const MS_ACL: u32 = 1 << 16;
pub const MS_UNBINDABLE: u32 = 1 << 17;
pub const MS_PRIVATE: u32 = 1 << 18;
pub const MS_SLAVE: u32 = 1 << 19;
pub const MS_SHARED: u32 = 1 << 20;
pub const MS_RELATIME: u32 = 1 << 21;
pub const MS_IVERSION: u32 = 1 << 23;
pub const MS_STRICTATIME: u32 = 1 << 24;
pub const MS_LAZYTIME: u32 = 1 << 25;
pub const MS_NOUSER: u32 = 1 << 31;
pub const MS_RBIND: u32 = MS_BIND | MS_REC;
pub const MS_RUNBINDABLE: u32 = MS_UNBINDABLE | MS_REC;
pub const MS_RPRIVATE: u32 = MS_PRIVATE | MS_REC;
pub const MS_RSLAVE: u32 = MS_SLAVE | MS_REC;
pub const MS_RSHARED: u32 = MS_SHARED | MS_REC;

/// Every flag a mount rule can match (an unconditional rule allows all).
pub const MS_ALL_FLAGS: u32 = MS_RDONLY
    | MS_NOSUID
    | MS_NODEV
    | MS_NOEXEC
    | MS_SYNCHRONOUS
    | MS_REMOUNT
    | MS_MAND
    | MS_DIRSYNC
    | MS_NOSYMFOLLOW
    | MS_NOATIME
    | MS_NODIRATIME
    | MS_RBIND
    | MS_MOVE
    | MS_SILENT
    | MS_ACL
    | MS_RUNBINDABLE
    | MS_RPRIVATE
    | MS_RSLAVE
    | MS_RSHARED
    | MS_RELATIME
    | MS_IVERSION
    | MS_STRICTATIME
    | MS_LAZYTIME;
/// Flags the kernel masks off per mount point (fs/namespace.c).
pub const MNT_FLAGS: u32 =
    MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;
/// Bind-mount flags.
pub const MS_BIND_FLAGS: u32 = MS_BIND | MS_RBIND;
/// Propagation-change commands (`make-*`).
pub const MS_MAKE_CMDS: u32 = MS_RUNBINDABLE | MS_RPRIVATE | MS_RSLAVE | MS_RSHARED;
/// Flags kept when encoding a propagation change.
pub const MS_MAKE_FLAGS: u32 = MS_ALL_FLAGS & !MNT_FLAGS;
/// Move flags.
pub const MS_MOVE_FLAGS: u32 = MS_MOVE;
/// The flags that select a mount "command" rather than a new mount.
pub const MS_CMDS: u32 = MS_MOVE | MS_REMOUNT | MS_BIND | MS_RBIND | MS_MAKE_CMDS;
/// Flags kept when encoding a remount (propagation flags are allowed, as the
/// kernel ignores them on remount).
pub const MS_REMOUNT_FLAGS: u32 = MS_ALL_FLAGS & !MS_MOVE_FLAGS;
/// Flags kept when encoding a new mount.
pub const MS_NEW_FLAGS: u32 = MS_ALL_FLAGS & !MS_CMDS;

/// Which kind of mount operation an option selects, as upstream uses it to
/// pick the encoding and to validate combinations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MountFlagKind {
    /// A per-mount or per-superblock flag of a new mount (`ro`, `nosuid`, ...).
    Generic,
    /// `remount`.
    Remount,
    /// `bind`, `B`, `rbind`, `R`.
    Bind,
    /// `move`, `M`.
    Move,
    /// A propagation change (`private`, `make-rshared`, ...). Such a rule
    /// may name the mount point or (deprecated) the source, not both.
    Propagation,
}

/// One mount option keyword: the bits it requires set and the bits it
/// requires clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MountFlagInfo {
    pub name: &'static str,
    pub set: u32,
    pub clear: u32,
    pub kind: MountFlagKind,
}

const fn mf(name: &'static str, set: u32, clear: u32, kind: MountFlagKind) -> MountFlagInfo {
    MountFlagInfo {
        name,
        set,
        clear,
        kind,
    }
}

use MountFlagKind::{Bind, Generic, Move, Propagation, Remount};

/// Every mount option keyword accepted in `options=` / `options in`.
/// Anything else (`load`, `nodirsync`, `rec`, ...) is rejected.
pub const MOUNT_FLAGS: &[MountFlagInfo] = &[
    mf("ro", MS_RDONLY, 0, Generic),
    mf("r", MS_RDONLY, 0, Generic),
    mf("read-only", MS_RDONLY, 0, Generic),
    mf("rw", 0, MS_RDONLY, Generic),
    mf("w", 0, MS_RDONLY, Generic),
    mf("suid", 0, MS_NOSUID, Generic),
    mf("nosuid", MS_NOSUID, 0, Generic),
    mf("dev", 0, MS_NODEV, Generic),
    mf("nodev", MS_NODEV, 0, Generic),
    mf("exec", 0, MS_NOEXEC, Generic),
    mf("noexec", MS_NOEXEC, 0, Generic),
    mf("sync", MS_SYNCHRONOUS, 0, Generic),
    mf("async", 0, MS_SYNCHRONOUS, Generic),
    mf("remount", MS_REMOUNT, 0, Remount),
    mf("mand", MS_MAND, 0, Generic),
    mf("nomand", 0, MS_MAND, Generic),
    mf("dirsync", MS_DIRSYNC, 0, Generic),
    mf("symfollow", 0, MS_NOSYMFOLLOW, Generic),
    mf("nosymfollow", MS_NOSYMFOLLOW, 0, Generic),
    mf("atime", 0, MS_NOATIME, Generic),
    mf("noatime", MS_NOATIME, 0, Generic),
    mf("diratime", 0, MS_NODIRATIME, Generic),
    mf("nodiratime", MS_NODIRATIME, 0, Generic),
    mf("bind", MS_BIND, 0, Bind),
    mf("B", MS_BIND, 0, Bind),
    mf("move", MS_MOVE, 0, Move),
    mf("M", MS_MOVE, 0, Move),
    mf("rbind", MS_RBIND, 0, Bind),
    mf("R", MS_RBIND, 0, Bind),
    mf("verbose", MS_SILENT, 0, Generic),
    mf("silent", MS_SILENT, 0, Generic),
    mf("loud", 0, MS_SILENT, Generic),
    mf("acl", MS_ACL, 0, Generic),
    mf("noacl", 0, MS_ACL, Generic),
    mf("unbindable", MS_UNBINDABLE, 0, Propagation),
    mf("make-unbindable", MS_UNBINDABLE, 0, Propagation),
    mf("runbindable", MS_RUNBINDABLE, 0, Propagation),
    mf("make-runbindable", MS_RUNBINDABLE, 0, Propagation),
    mf("private", MS_PRIVATE, 0, Propagation),
    mf("make-private", MS_PRIVATE, 0, Propagation),
    mf("rprivate", MS_RPRIVATE, 0, Propagation),
    mf("make-rprivate", MS_RPRIVATE, 0, Propagation),
    mf("slave", MS_SLAVE, 0, Propagation),
    mf("make-slave", MS_SLAVE, 0, Propagation),
    mf("rslave", MS_RSLAVE, 0, Propagation),
    mf("make-rslave", MS_RSLAVE, 0, Propagation),
    mf("shared", MS_SHARED, 0, Propagation),
    mf("make-shared", MS_SHARED, 0, Propagation),
    mf("rshared", MS_RSHARED, 0, Propagation),
    mf("make-rshared", MS_RSHARED, 0, Propagation),
    mf("relatime", MS_RELATIME, 0, Generic),
    mf("norelatime", 0, MS_RELATIME, Generic),
    mf("iversion", MS_IVERSION, 0, Generic),
    mf("noiversion", 0, MS_IVERSION, Generic),
    mf("strictatime", MS_STRICTATIME, 0, Generic),
    mf("nostrictatime", 0, MS_STRICTATIME, Generic),
    mf("lazytime", MS_LAZYTIME, 0, Generic),
    mf("nolazytime", 0, MS_LAZYTIME, Generic),
    mf("user", 0, MS_NOUSER, Generic),
    mf("nouser", MS_NOUSER, 0, Generic),
];

/// Looks a mount option keyword up (case-sensitive: `B`, `M`, `R` are
/// upper case).
pub fn mount_flag(name: &str) -> Option<&'static MountFlagInfo> {
    MOUNT_FLAGS.iter().find(|f| f.name == name)
}

/// Conditional names of mount rules (`vfstype` = `fstype`, `option` =
/// `options`). Only `fstype`/`vfstype` may also appear after `->`, and upstream
/// rejects conditionals on the mount point anyway.
pub const MOUNT_CONDS: &[&str] = &["fstype", "vfstype", "options", "option"];

/// The conditional of `pivot_root`.
pub const PIVOT_ROOT_CONDS: &[&str] = &["oldroot"];

/// The combined meaning of one `options=(...)` / `options in (...)` list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountOptions<'a> {
    /// Bits the options require set.
    pub set: u32,
    /// Bits the options require clear.
    pub clear: u32,
    /// The recognised options, in order.
    pub known: Vec<&'static MountFlagInfo>,
    /// Options that are not mount flags (an error upstream).
    pub unknown: Vec<&'a str>,
}

impl MountOptions<'_> {
    /// Pairs of options that contradict each other (one sets a bit the other
    /// clears, e.g. `ro` and `rw`). This is an error in `options=` but not in
    /// `options in`, where every option is optional.
    pub fn conflicts(&self) -> Vec<(&'static str, &'static str)> {
        let mut out: Vec<(&'static str, &'static str)> = Vec::new();
        for (i, a) in self.known.iter().enumerate() {
            for b in &self.known[i + 1..] {
                if (a.set & b.clear) != 0 || (a.clear & b.set) != 0 {
                    let pair = (a.name, b.name);
                    if !out.contains(&pair) {
                        out.push(pair);
                    }
                }
            }
        }
        out
    }

    /// The kinds of operation the options select, deduplicated, in order.
    pub fn kinds(&self) -> Vec<MountFlagKind> {
        let mut out = Vec::new();
        for f in &self.known {
            if !out.contains(&f.kind) {
                out.push(f.kind);
            }
        }
        out
    }
}

/// Combines a list of mount option keywords.
pub fn parse_mount_options<'a>(options: impl IntoIterator<Item = &'a str>) -> MountOptions<'a> {
    let mut out = MountOptions::default();
    for opt in options {
        match mount_flag(opt) {
            Some(info) => {
                out.set |= info.set;
                out.clear |= info.clear;
                out.known.push(info);
            }
            None => out.unknown.push(opt),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Profile flags
// ---------------------------------------------------------------------------

/// Profile modes; a profile has at most one.
pub const PROFILE_MODE_FLAGS: &[&str] = &[
    "enforce",
    "complain",
    "kill",
    "unconfined",
    "prompt",
    "default_allow",
];

/// Profile flags that take no value (modes excluded). `attach_disconnected.ipc`
/// is also accepted with a value, see [`PROFILE_VALUE_FLAGS`].
pub const PROFILE_FLAGS: &[&str] = &[
    "debug",
    "audit",
    "interruptible",
    "chroot_relative",
    "namespace_relative",
    "mediate_deleted",
    "delegate_deleted",
    "attach_disconnected",
    "no_attach_disconnected",
    "chroot_attach",
    "chroot_no_attach",
    "attach_disconnected.ipc",
];

/// Whether a profile flag's value is required or optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlagValue {
    Required,
    Optional,
}

/// Profile flags written `name=value`.
///
/// - `attach_disconnected.path=PATH`: implies `attach_disconnected`;
/// - `attach_disconnected.ipc[=PATH]`;
/// - `kill.signal=SIGNAL`: a name accepted by [`is_valid_signal`];
/// - `error=ERRNO`: an errno name (case-insensitive), see [`ERRNO_NAMES`].
pub const PROFILE_VALUE_FLAGS: &[(&str, FlagValue)] = &[
    ("attach_disconnected.path", FlagValue::Required),
    ("attach_disconnected.ipc", FlagValue::Optional),
    ("kill.signal", FlagValue::Required),
    ("error", FlagValue::Required),
];

/// Every profile flag name (modes, plain flags and value flags), for
/// suggestions.
pub const PROFILE_FLAG_NAMES: &[&str] = &[
    "enforce",
    "complain",
    "kill",
    "unconfined",
    "prompt",
    "default_allow",
    "debug",
    "audit",
    "interruptible",
    "chroot_relative",
    "namespace_relative",
    "mediate_deleted",
    "delegate_deleted",
    "attach_disconnected",
    "no_attach_disconnected",
    "chroot_attach",
    "chroot_no_attach",
    "attach_disconnected.ipc",
    "attach_disconnected.path",
    "kill.signal",
    "error",
];

/// Pairs of profile flags that exclude each other (besides two different
/// modes). `attach_disconnected.path=` counts as `attach_disconnected`.
pub const PROFILE_FLAG_CONFLICTS: &[(&str, &str)] = &[
    ("chroot_relative", "namespace_relative"),
    ("mediate_deleted", "delegate_deleted"),
    ("attach_disconnected", "no_attach_disconnected"),
    ("attach_disconnected.ipc", "no_attach_disconnected"),
    ("chroot_attach", "chroot_no_attach"),
];

/// Linux errno names accepted by the `error=` profile flag, with their
/// numbers (generic Linux numbering). Names are matched case-insensitively.
pub const ERRNO_NAMES: &[(&str, i32)] = &[
    ("EPERM", 1),
    ("ENOENT", 2),
    ("ESRCH", 3),
    ("EINTR", 4),
    ("EIO", 5),
    ("ENXIO", 6),
    ("E2BIG", 7),
    ("ENOEXEC", 8),
    ("EBADF", 9),
    ("ECHILD", 10),
    ("EAGAIN", 11),
    ("EWOULDBLOCK", 11),
    ("ENOMEM", 12),
    ("EACCES", 13),
    ("EFAULT", 14),
    ("ENOTBLK", 15),
    ("EBUSY", 16),
    ("EEXIST", 17),
    ("EXDEV", 18),
    ("ENODEV", 19),
    ("ENOTDIR", 20),
    ("EISDIR", 21),
    ("EINVAL", 22),
    ("ENFILE", 23),
    ("EMFILE", 24),
    ("ENOTTY", 25),
    ("ETXTBSY", 26),
    ("EFBIG", 27),
    ("ENOSPC", 28),
    ("ESPIPE", 29),
    ("EROFS", 30),
    ("EMLINK", 31),
    ("EPIPE", 32),
    ("EDOM", 33),
    ("ERANGE", 34),
    ("EDEADLK", 35),
    ("EDEADLOCK", 35),
    ("ENAMETOOLONG", 36),
    ("ENOLCK", 37),
    ("ENOSYS", 38),
    ("ENOTEMPTY", 39),
    ("ELOOP", 40),
    ("ENOMSG", 42),
    ("EIDRM", 43),
    ("ECHRNG", 44),
    ("EL2NSYNC", 45),
    ("EL3HLT", 46),
    ("EL3RST", 47),
    ("ELNRNG", 48),
    ("EUNATCH", 49),
    ("ENOCSI", 50),
    ("EL2HLT", 51),
    ("EBADE", 52),
    ("EBADR", 53),
    ("EXFULL", 54),
    ("ENOANO", 55),
    ("EBADRQC", 56),
    ("EBADSLT", 57),
    ("EBFONT", 59),
    ("ENOSTR", 60),
    ("ENODATA", 61),
    ("ETIME", 62),
    ("ENOSR", 63),
    ("ENONET", 64),
    ("ENOPKG", 65),
    ("EREMOTE", 66),
    ("ENOLINK", 67),
    ("EADV", 68),
    ("ESRMNT", 69),
    ("ECOMM", 70),
    ("EPROTO", 71),
    ("EMULTIHOP", 72),
    ("EDOTDOT", 73),
    ("EBADMSG", 74),
    ("EOVERFLOW", 75),
    ("ENOTUNIQ", 76),
    ("EBADFD", 77),
    ("EREMCHG", 78),
    ("ELIBACC", 79),
    ("ELIBBAD", 80),
    ("ELIBSCN", 81),
    ("ELIBMAX", 82),
    ("ELIBEXEC", 83),
    ("EILSEQ", 84),
    ("ERESTART", 85),
    ("ESTRPIPE", 86),
    ("EUSERS", 87),
    ("ENOTSOCK", 88),
    ("EDESTADDRREQ", 89),
    ("EMSGSIZE", 90),
    ("EPROTOTYPE", 91),
    ("ENOPROTOOPT", 92),
    ("EPROTONOSUPPORT", 93),
    ("ESOCKTNOSUPPORT", 94),
    ("EOPNOTSUPP", 95),
    ("ENOTSUP", 95),
    ("EPFNOSUPPORT", 96),
    ("EAFNOSUPPORT", 97),
    ("EADDRINUSE", 98),
    ("EADDRNOTAVAIL", 99),
    ("ENETDOWN", 100),
    ("ENETUNREACH", 101),
    ("ENETRESET", 102),
    ("ECONNABORTED", 103),
    ("ECONNRESET", 104),
    ("ENOBUFS", 105),
    ("EISCONN", 106),
    ("ENOTCONN", 107),
    ("ESHUTDOWN", 108),
    ("ETOOMANYREFS", 109),
    ("ETIMEDOUT", 110),
    ("ECONNREFUSED", 111),
    ("EHOSTDOWN", 112),
    ("EHOSTUNREACH", 113),
    ("EALREADY", 114),
    ("EINPROGRESS", 115),
    ("ESTALE", 116),
    ("EUCLEAN", 117),
    ("ENOTNAM", 118),
    ("ENAVAIL", 119),
    ("EISNAM", 120),
    ("EREMOTEIO", 121),
    ("EDQUOT", 122),
    ("ENOMEDIUM", 123),
    ("EMEDIUMTYPE", 124),
    ("ECANCELED", 125),
    ("ENOKEY", 126),
    ("EKEYEXPIRED", 127),
    ("EKEYREVOKED", 128),
    ("EKEYREJECTED", 129),
    ("EOWNERDEAD", 130),
    ("ENOTRECOVERABLE", 131),
    ("ERFKILL", 132),
    ("EHWPOISON", 133),
];

/// The number of an errno name, matched case-insensitively (numbers are not
/// accepted, only names).
pub fn errno_number(name: &str) -> Option<i32> {
    ERRNO_NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, v)| v)
}

/// Checks a profile's flag list the way upstream's flag parsing and merging
/// does, returning one message per problem (empty when the flags are valid).
///
/// Each entry is `(name, value)`; an entry whose name still contains `=`
/// (`("kill.signal=hup", None)`) is split at the first `=`. The checks:
/// unknown flags, values on flags that take none, missing or invalid values
/// (`kill.signal=`, `error=`), two different modes, the exclusive pairs of
/// [`PROFILE_FLAG_CONFLICTS`], and the same value flag given two different
/// values. Path values of `attach_disconnected.path=`/`.ipc=` must begin with
/// `/`; a value starting with `@{` is not checked, since it can only be judged
/// after variable expansion (call again with the expanded value).
///
/// The empty list is not reported: `flags=()` is a syntax error.
pub fn check_flags(flags: &[(&str, Option<&str>)]) -> Vec<String> {
    fn push(errors: &mut Vec<String>, msg: String) {
        if !errors.contains(&msg) {
            errors.push(msg);
        }
    }
    let mut errors: Vec<String> = Vec::new();

    let mut mode: Option<&str> = None;
    // Effective flag names seen, for the exclusive pairs.
    let mut seen: Vec<&str> = Vec::new();
    let mut path_value: Option<&str> = None;
    let mut ipc_value: Option<&str> = None;
    let mut signal_value: Option<(&str, u32)> = None;
    let mut error_value: Option<(&str, i32)> = None;

    for &(raw_name, raw_value) in flags {
        let (name, value) = match (raw_value, raw_name.split_once('=')) {
            (None, Some((n, v))) => (n, Some(v)),
            _ => (raw_name, raw_value),
        };

        if PROFILE_MODE_FLAGS.contains(&name) {
            if let Some(v) = value {
                push(
                    &mut errors,
                    format!("profile flag '{name}' does not take a value ('{v}')"),
                );
                continue;
            }
            match mode {
                None => mode = Some(name),
                Some(m) if m == name => {}
                Some(m) => push(
                    &mut errors,
                    format!("profile flag '{m}' conflicts with '{name}'"),
                ),
            }
            continue;
        }

        match name {
            "attach_disconnected.path" => {
                let Some(v) = value else {
                    push(
                        &mut errors,
                        "profile flag 'attach_disconnected.path' requires a value".to_string(),
                    );
                    continue;
                };
                if let Err(e) = check_flag_path(name, v) {
                    push(&mut errors, e);
                }
                match path_value {
                    Some(prev) if prev != v => push(
                        &mut errors,
                        format!(
                            "profile flag 'attach_disconnected.path' set to conflicting values '{prev}' and '{v}'"
                        ),
                    ),
                    Some(_) => {}
                    None => path_value = Some(v),
                }
                seen.push("attach_disconnected");
            }
            "attach_disconnected.ipc" => {
                if let Some(v) = value {
                    if let Err(e) = check_flag_path(name, v) {
                        push(&mut errors, e);
                    }
                    match ipc_value {
                        Some(prev) if prev != v => push(
                            &mut errors,
                            format!(
                                "profile flag 'attach_disconnected.ipc' set to conflicting values '{prev}' and '{v}'"
                            ),
                        ),
                        Some(_) => {}
                        None => ipc_value = Some(v),
                    }
                }
                seen.push("attach_disconnected.ipc");
            }
            "kill.signal" => {
                let Some(v) = value else {
                    push(
                        &mut errors,
                        "profile flag 'kill.signal' requires a value".to_string(),
                    );
                    continue;
                };
                match signal_number(v) {
                    None => push(
                        &mut errors,
                        format!("unknown signal '{v}' in profile flag 'kill.signal'"),
                    ),
                    Some(n) => match signal_value {
                        Some((prev, pn)) if pn != n => push(
                            &mut errors,
                            format!(
                                "profile flag 'kill.signal' set to conflicting values '{prev}' and '{v}'"
                            ),
                        ),
                        Some(_) => {}
                        None => signal_value = Some((v, n)),
                    },
                }
            }
            "error" => {
                let Some(v) = value else {
                    push(
                        &mut errors,
                        "profile flag 'error' requires a value".to_string(),
                    );
                    continue;
                };
                match errno_number(v) {
                    None => push(
                        &mut errors,
                        format!("unknown error code '{v}' in profile flag 'error'"),
                    ),
                    Some(n) => match error_value {
                        Some((prev, pn)) if pn != n => push(
                            &mut errors,
                            format!(
                                "profile flag 'error' set to conflicting values '{prev}' and '{v}'"
                            ),
                        ),
                        Some(_) => {}
                        None => error_value = Some((v, n)),
                    },
                }
            }
            _ if PROFILE_FLAGS.contains(&name) => {
                if let Some(v) = value {
                    push(
                        &mut errors,
                        format!("profile flag '{name}' does not take a value ('{v}')"),
                    );
                    continue;
                }
                seen.push(name);
            }
            _ => {
                let shown = match value {
                    Some(v) => format!("{name}={v}"),
                    None => name.to_string(),
                };
                push(&mut errors, format!("invalid profile flag '{shown}'"));
            }
        }
    }

    for &(a, b) in PROFILE_FLAG_CONFLICTS {
        if seen.contains(&a) && seen.contains(&b) {
            push(
                &mut errors,
                format!("profile flag '{a}' conflicts with '{b}'"),
            );
        }
    }
    errors
}

fn check_flag_path(name: &str, value: &str) -> Result<(), String> {
    // a variable (a name begins with a letter; `@{}` is none)
    let variable = value
        .strip_prefix("@{")
        .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_alphabetic()));
    if value.starts_with('/') || variable {
        Ok(())
    } else {
        Err(format!(
            "profile flag '{name}' needs an absolute path, not '{value}'"
        ))
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn position(table: &[&str], name: &str) -> Option<u32> {
    table
        .iter()
        .position(|n| *n == name)
        .and_then(|i| u32::try_from(i).ok())
}
