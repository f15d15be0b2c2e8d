//! An access a confined process asks of the kernel through the policy
//! automaton (a signal, ptrace, a socket, a D-Bus message, a mount, a user
//! namespace), and its answer decided on the compiled policy as the
//! kernel decides it: the class's first byte, then the fields the kernel
//! walks, each class as its mediation code reads them:
//!
//! - signal: the class byte, the signal's AppArmor number, the peer's
//!   label (`send` is checked from the sender, `receive` from the
//!   receiver);
//! - ptrace: the class byte, the peer's label;
//! - network: the class byte (`network_v9`'s, or `network_v8`'s when the
//!   profile has no entries of the newer class, as the kernel falls
//!   back), the family and the socket type as big-endian 16-bit numbers;
//! - dbus (asked by dbus-daemon): the class byte, then bus, name, peer
//!   label, object path, interface and member separated by NUL (`bind`
//!   stops after the name, `eavesdrop` after the bus);
//! - mount: the class byte, the mount point, then NUL-separated the
//!   source, the filesystem type and the flags (a byte `N + 1` for each
//!   flag bit `N` set); `umount` stops after the mount
//!   point, `pivot_root` after the new root and the old one;
//! - userns: the class byte alone.
//!
//! A profile with no entry under a class's byte does not mediate the
//! class: the kernel allows every such access. The rules responsible for
//! an answer are found on the automata too: each rule of the class is
//! compiled alone (a deny rule as if it allowed) and asked the same.

use crate::binpolicy::compare;
use crate::binpolicy::perms::{Kind, Meaning, Perms};
use crate::compile::{self, class};
use crate::diag::Diagnostic;
use crate::policy::{Mode, RuleKind};
use crate::resolve::{Outcome, SearchPath};
use crate::source::Span;
use std::fmt;
use std::sync::Arc;

/// What is asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    Signal {
        perms: Vec<String>,
        /// The AppArmor number (see [`crate::vocab::signal_number`]).
        signal: u32,
        peer: String,
    },
    Ptrace {
        perms: Vec<String>,
        peer: String,
    },
    Network {
        perms: Vec<String>,
        family: String,
        sock_type: String,
    },
    Dbus {
        perms: Vec<String>,
        bus: String,
        name: String,
        peer: String,
        path: String,
        interface: String,
        member: String,
    },
    Mount {
        source: Option<String>,
        point: String,
        fstype: Option<String>,
        /// The option words, as `options=` takes them.
        options: Vec<String>,
    },
    Umount {
        point: String,
    },
    PivotRoot {
        new_root: String,
        old_root: String,
    },
    Userns,
}

/// The words each class's question takes, for messages and `--help`.
pub const FORMS: &[&str] = &[
    "signal [send|receive] SIGNAL [peer=LABEL]",
    "ptrace [trace|read|tracedby|readby] [peer=LABEL]",
    "network [PERMISSION...] FAMILY TYPE",
    "dbus [send|receive|bind|eavesdrop] [bus=B] [name=N] [peer=LABEL] [path=P] [interface=I] [member=M]",
    "mount [fstype=T] [options=O,...] [SOURCE] POINT",
    "umount POINT",
    "pivot_root NEW_ROOT OLD_ROOT",
    "userns create",
];

/// Whether `word` begins a question of this module.
pub fn is_class_word(word: &str) -> bool {
    matches!(
        word,
        "signal" | "ptrace" | "network" | "dbus" | "mount" | "umount" | "pivot_root" | "userns"
    )
}

impl Access {
    /// A question from its words (the first naming the class), as
    /// [`FORMS`] has them; the error says what was wrong.
    pub fn parse(words: &[String]) -> Result<Access, String> {
        let Some((class, rest)) = words.split_first() else {
            return Err("nothing is asked".into());
        };
        let mut perms = Vec::new();
        let mut plain = Vec::new();
        let mut conds: Vec<(String, String)> = Vec::new();
        for w in rest {
            match w.split_once('=') {
                Some((k, v)) => conds.push((k.to_string(), v.to_string())),
                None => plain.push(w.clone()),
            }
        }
        let cls = class_of_word(class).ok_or_else(|| format!("`{class}` is not a class"))?;
        let words = compile::perm_words(cls);
        let is_perm = |w: &str| words.iter().any(|(n, _)| *n == w);
        // leading permission words (mount's words are its class words)
        if !matches!(class.as_str(), "mount" | "umount" | "pivot_root") {
            while let Some(first) = plain.first() {
                if !is_perm(first) {
                    break;
                }
                perms.push(plain.remove(0));
            }
        }
        let mut cond = |name: &str| -> Option<String> {
            let i = conds.iter().position(|(k, _)| k == name)?;
            Some(conds.remove(i).1)
        };
        let access = match class.as_str() {
            "signal" => {
                let [sig] = plain.as_slice() else {
                    if plain.len() > 1 {
                        return Err(format!("`{}` is not a signal permission", plain[0]));
                    }
                    return Err("name one signal: `signal send term peer=LABEL`".into());
                };
                let sig = sig.trim_start_matches("SIG").to_ascii_lowercase();
                let signal = crate::vocab::signal_number(&sig)
                    .ok_or_else(|| format!("`{sig}` is not a signal name"))?;
                Access::Signal {
                    perms: or_default(perms, "send"),
                    signal,
                    peer: cond("peer").unwrap_or_else(|| "unconfined".into()),
                }
            }
            "ptrace" => {
                no_more(&plain)?;
                Access::Ptrace {
                    perms: or_default(perms, "trace"),
                    peer: cond("peer").unwrap_or_else(|| "unconfined".into()),
                }
            }
            "network" => {
                let [family, sock_type] = plain.as_slice() else {
                    if plain.len() > 2 {
                        return Err(format!("`{}` is not a network permission", plain[0]));
                    }
                    return Err("name a family and a socket type: `network inet stream`".into());
                };
                if crate::vocab::address_family_number(family).is_none() {
                    return Err(format!("`{family}` is not an address family"));
                }
                if crate::vocab::socket_type_number(sock_type).is_none() {
                    return Err(format!("`{sock_type}` is not a socket type"));
                }
                Access::Network {
                    perms: or_default(perms, "create"),
                    family: family.clone(),
                    sock_type: sock_type.clone(),
                }
            }
            "dbus" => {
                no_more(&plain)?;
                let mut field = |n: &str| cond(n).unwrap_or_default();
                Access::Dbus {
                    perms: or_default(perms, "send"),
                    bus: field("bus"),
                    name: field("name"),
                    peer: field("peer"),
                    path: field("path"),
                    interface: field("interface"),
                    member: field("member"),
                }
            }
            "mount" => {
                let (source, point) = match plain.as_slice() {
                    [p] => (None, p.clone()),
                    [s, p] => (Some(s.clone()), p.clone()),
                    _ => return Err("name the mount point, and the source before it".into()),
                };
                let options: Vec<String> = cond("options")
                    .map(|o| {
                        o.split(',')
                            .filter(|w| !w.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                let parsed = crate::vocab::parse_mount_options(
                    options.iter().map(String::as_str).filter(|w| *w != "rec"),
                );
                if let Some(bad) = parsed.unknown.first() {
                    return Err(format!("`{bad}` is not a mount option"));
                }
                Access::Mount {
                    source,
                    point,
                    fstype: cond("fstype"),
                    options,
                }
            }
            "umount" => match plain.as_slice() {
                [p] => Access::Umount { point: p.clone() },
                _ => return Err("name the mount point: `umount /mnt`".into()),
            },
            "pivot_root" => match plain.as_slice() {
                [n, o] => Access::PivotRoot {
                    new_root: n.clone(),
                    old_root: o.clone(),
                },
                _ => return Err("name the new root and the old: `pivot_root /new /new/old`".into()),
            },
            "userns" => {
                no_more(&plain)?;
                Access::Userns
            }
            _ => return Err(format!("`{class}` is not a class")),
        };
        if let Some((k, _)) = conds.first() {
            return Err(format!("`{k}=` is not a field of a {class} question"));
        }
        for p in access.perms() {
            if !is_perm(&p) {
                return Err(format!("`{p}` is not a {class} permission"));
            }
        }
        Ok(access)
    }

    /// The class byte the question is walked under (network's newer one).
    pub fn class(&self) -> u8 {
        match self {
            Access::Signal { .. } => class::SIGNAL,
            Access::Ptrace { .. } => class::PTRACE,
            Access::Network { .. } => class::NETV9,
            Access::Dbus { .. } => class::DBUS,
            Access::Mount { .. } | Access::Umount { .. } | Access::PivotRoot { .. } => class::MOUNT,
            Access::Userns => class::NS,
        }
    }

    /// The permission words asked.
    pub fn perms(&self) -> Vec<String> {
        match self {
            Access::Signal { perms, .. }
            | Access::Ptrace { perms, .. }
            | Access::Network { perms, .. }
            | Access::Dbus { perms, .. } => perms.clone(),
            Access::Mount { .. } => vec!["mount".into()],
            Access::Umount { .. } => vec!["umount".into()],
            Access::PivotRoot { .. } => vec!["pivot_root".into()],
            Access::Userns => vec!["create".into()],
        }
    }

    /// The bits of the permissions asked.
    pub fn bits(&self) -> u32 {
        let words = compile::perm_words(self.class());
        self.perms()
            .iter()
            .filter_map(|p| words.iter().find(|(n, _)| n == p).map(|(_, b)| *b))
            .fold(0, |a, b| a | b)
    }

    /// The policy automaton's input after the class byte, for one class
    /// byte (network's two differ only there).
    fn fields(&self) -> Vec<u16> {
        let mut v: Vec<u16> = Vec::new();
        let text = |v: &mut Vec<u16>, s: &str| v.extend(s.bytes().map(u16::from));
        match self {
            Access::Signal { signal, peer, .. } => {
                v.push(*signal as u16);
                text(&mut v, peer);
            }
            Access::Ptrace { peer, .. } => text(&mut v, peer),
            Access::Network {
                family, sock_type, ..
            } => {
                let f = crate::vocab::address_family_number(family).unwrap_or(0);
                let t = crate::vocab::socket_type_number(sock_type).unwrap_or(0);
                for n in [f, t] {
                    v.push(((n >> 8) & 0xff) as u16);
                    v.push((n & 0xff) as u16);
                }
            }
            Access::Dbus {
                perms,
                bus,
                name,
                peer,
                path,
                interface,
                member,
            } => {
                let fields: &[&String] = if perms.iter().any(|p| p == "eavesdrop") {
                    &[bus]
                } else if perms.iter().any(|p| p == "bind") {
                    &[bus, name]
                } else {
                    &[bus, name, peer, path, interface, member]
                };
                for (i, f) in fields.iter().enumerate() {
                    if i > 0 {
                        v.push(0);
                    }
                    text(&mut v, f);
                }
            }
            Access::Mount {
                source,
                point,
                fstype,
                options,
            } => {
                text(&mut v, point);
                v.push(0);
                if let Some(s) = source {
                    text(&mut v, s);
                }
                v.push(0);
                if let Some(t) = fstype {
                    text(&mut v, t);
                }
                v.push(0);
                let flags = mount_flags(options);
                for bit in 0..32u16 {
                    if flags & (1 << bit) != 0 {
                        v.push(bit + 1);
                    }
                }
            }
            Access::Umount { point } => text(&mut v, point),
            Access::PivotRoot { new_root, old_root } => {
                text(&mut v, new_root);
                v.push(0);
                text(&mut v, old_root);
            }
            Access::Userns => {}
        }
        v
    }

    /// Whether a rule of this kind can decide the question (`all` decides
    /// every class).
    pub fn decided_by(&self, kind: &RuleKind) -> bool {
        matches!(
            (self, kind),
            (_, RuleKind::All)
                | (Access::Signal { .. }, RuleKind::Signal(_))
                | (Access::Ptrace { .. }, RuleKind::Ptrace(_))
                | (
                    Access::Network { .. },
                    RuleKind::Network(_) | RuleKind::Unix(_)
                )
                | (Access::Dbus { .. }, RuleKind::Dbus(_))
                | (
                    Access::Mount { .. },
                    RuleKind::Mount(_) | RuleKind::Remount(_) | RuleKind::Umount(_)
                )
                | (
                    Access::Umount { .. },
                    RuleKind::Mount(_) | RuleKind::Umount(_)
                )
                | (Access::PivotRoot { .. }, RuleKind::PivotRoot(_))
                | (Access::Userns, RuleKind::Userns(_))
        )
    }
}

impl Access {
    /// Whether a rule of `kind` may match the question: its kind decides
    /// the class, and each field it conditions has a literal beginning
    /// the question's value allows (a necessary condition, cheap to
    /// test: the automaton decides). Rules that may not are not compiled
    /// alone to find the rules responsible.
    fn may_match(&self, kind: &RuleKind) -> bool {
        let may = |pattern: &Option<String>, value: &str| {
            pattern
                .as_deref()
                .is_none_or(|p| crate::aare::Literals::of(p).may_match(value))
        };
        if !self.decided_by(kind) {
            return false;
        }
        match (self, kind) {
            (Access::Signal { signal, peer, .. }, RuleKind::Signal(s)) => {
                (s.signals.is_empty() || s.signals.contains(signal)) && may(&s.peer, peer)
            }
            (Access::Ptrace { peer, .. }, RuleKind::Ptrace(t)) => may(&t.peer, peer),
            (Access::Network { family, .. }, RuleKind::Network(n)) => {
                n.family.as_ref().is_none_or(|f| f == family)
            }
            (
                Access::Dbus {
                    bus,
                    name,
                    peer,
                    path,
                    interface,
                    member,
                    perms,
                },
                RuleKind::Dbus(d),
            ) => {
                let bind = perms.iter().any(|p| p == "bind");
                may(&d.bus, bus)
                    && (if bind {
                        may(&d.name, name)
                    } else {
                        may(&d.peer_name, name)
                            && may(&d.peer_label, peer)
                            && may(&d.path, path)
                            && may(&d.interface, interface)
                            && may(&d.member, member)
                    })
            }
            (Access::Mount { point, .. }, RuleKind::Mount(m)) => may(&m.mountpoint, point),
            (Access::Umount { point }, RuleKind::Umount(m)) => may(&m.mountpoint, point),
            _ => true,
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let perms = |p: &[String]| p.join(" ");
        match self {
            Access::Signal {
                perms: p,
                signal,
                peer,
            } => {
                let sig =
                    crate::vocab::signal_name(*signal).unwrap_or_else(|| format!("#{signal}"));
                write!(f, "signal {} {sig} peer={peer}", perms(p))
            }
            Access::Ptrace { perms: p, peer } => write!(f, "ptrace {} peer={peer}", perms(p)),
            Access::Network {
                perms: p,
                family,
                sock_type,
            } => write!(f, "network {} {family} {sock_type}", perms(p)),
            Access::Dbus {
                perms: p,
                bus,
                name,
                peer,
                path,
                interface,
                member,
            } => {
                write!(f, "dbus {}", perms(p))?;
                for (k, v) in [
                    ("bus", bus),
                    ("name", name),
                    ("peer", peer),
                    ("path", path),
                    ("interface", interface),
                    ("member", member),
                ] {
                    if !v.is_empty() {
                        write!(f, " {k}={v}")?;
                    }
                }
                Ok(())
            }
            Access::Mount {
                source,
                point,
                fstype,
                options,
            } => {
                f.write_str("mount")?;
                if let Some(t) = fstype {
                    write!(f, " fstype={t}")?;
                }
                if !options.is_empty() {
                    write!(f, " options={}", options.join(","))?;
                }
                if let Some(s) = source {
                    write!(f, " {s}")?;
                }
                write!(f, " {point}")
            }
            Access::Umount { point } => write!(f, "umount {point}"),
            Access::PivotRoot { new_root, old_root } => {
                write!(f, "pivot_root {new_root} {old_root}")
            }
            Access::Userns => f.write_str("userns create"),
        }
    }
}

impl Access {
    /// The question an audit record's denial asks (its class's fields, as
    /// the kernel logs them; dbus-daemon's records for dbus); `None` for
    /// a class or a record this module does not read.
    pub fn of_record(r: &crate::audit::Record) -> Option<Access> {
        let mask = |r: &crate::audit::Record| -> Vec<String> {
            r.denied()
                .split([' ', ','])
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect()
        };
        let known = |class: u8, words: Vec<String>, default: &str| -> Vec<String> {
            let table = compile::perm_words(class);
            let mut v: Vec<String> = words
                .into_iter()
                .filter(|w| table.iter().any(|(n, _)| n == w))
                .collect();
            if v.is_empty() {
                v.push(default.to_string());
            }
            v
        };
        let op = r.get("operation").unwrap_or_default();
        Some(match r.class() {
            "signal" => Access::Signal {
                perms: known(class::SIGNAL, mask(r), "send"),
                signal: crate::vocab::signal_number(r.get("signal")?)?,
                peer: r.get("peer")?.to_string(),
            },
            "ptrace" => Access::Ptrace {
                perms: known(class::PTRACE, mask(r), "trace"),
                peer: r.get("peer")?.to_string(),
            },
            "net" => {
                let family = r.get("family")?.to_string();
                let sock_type = r.get("sock_type")?.to_string();
                crate::vocab::address_family_number(&family)?;
                crate::vocab::socket_type_number(&sock_type)?;
                Access::Network {
                    perms: known(class::NETV9, mask(r), "create"),
                    family,
                    sock_type,
                }
            }
            "dbus" => {
                let perm = match op {
                    "dbus_bind" => "bind".to_string(),
                    "dbus_eavesdrop" => "eavesdrop".to_string(),
                    _ => known(class::DBUS, mask(r), "send").remove(0),
                };
                let field = |k: &str| r.get(k).unwrap_or_default().to_string();
                Access::Dbus {
                    perms: vec![perm],
                    bus: field("bus"),
                    name: field("name"),
                    peer: field("peer_label"),
                    path: field("path"),
                    interface: field("interface"),
                    member: field("member"),
                }
            }
            "mount" => match op {
                "umount" => Access::Umount {
                    point: r.get("name")?.to_string(),
                },
                "pivotroot" => Access::PivotRoot {
                    new_root: r.get("name")?.to_string(),
                    old_root: r.get("srcname")?.to_string(),
                },
                _ => Access::Mount {
                    source: r.get("srcname").map(str::to_string),
                    point: r.get("name")?.to_string(),
                    fstype: r.get("fstype").map(str::to_string),
                    options: r
                        .get("flags")
                        .unwrap_or_default()
                        .split([',', ' '])
                        .filter(|w| !w.is_empty())
                        .map(str::to_string)
                        .collect(),
                },
            },
            "namespace" if op == "userns_create" => Access::Userns,
            _ => return None,
        })
    }
}

impl Access {
    /// The allow rule that grants exactly what is asked (values matched
    /// literally), as a profile would hold it; `None` where no rule text
    /// says it (a mount whose options are not rule options).
    pub fn rule(&self) -> Option<String> {
        let lit = |t: &str| crate::policy::word(&crate::aare::Pattern::escape(t));
        let perms = |p: &[String]| {
            if p.len() == 1 {
                p[0].clone()
            } else {
                format!("({})", p.join(" "))
            }
        };
        Some(match self {
            Access::Signal {
                perms: p,
                signal,
                peer,
            } => format!(
                "signal {} set=({}) peer={},",
                perms(p),
                crate::vocab::signal_name(*signal)?,
                lit(peer)
            ),
            Access::Ptrace { perms: p, peer } => {
                format!("ptrace {} peer={},", perms(p), lit(peer))
            }
            Access::Network {
                perms: p,
                family,
                sock_type,
            } => format!("network {} {family} {sock_type},", perms(p)),
            Access::Dbus {
                perms: p,
                bus,
                name,
                peer,
                path,
                interface,
                member,
            } => {
                let mut r = format!("dbus {}", perms(p));
                let mut field = |k: &str, v: &str| {
                    if !v.is_empty() {
                        r.push_str(&format!(" {k}={}", lit(v)));
                    }
                };
                field("bus", bus);
                if p.iter().any(|p| p == "bind") {
                    field("name", name);
                    return Some(r + ",");
                }
                field("path", path);
                field("interface", interface);
                field("member", member);
                let mut peer_conds = Vec::new();
                if !name.is_empty() {
                    peer_conds.push(format!("name={}", lit(name)));
                }
                if !peer.is_empty() {
                    peer_conds.push(format!("label={}", lit(peer)));
                }
                if !peer_conds.is_empty() {
                    r.push_str(&format!(" peer=({})", peer_conds.join(" ")));
                }
                r + ","
            }
            Access::Mount {
                source,
                point,
                fstype,
                options,
            } => {
                let parsed = crate::vocab::parse_mount_options(options.iter().map(String::as_str));
                if !parsed.unknown.is_empty() {
                    return None;
                }
                let mut r = "mount".to_string();
                if let Some(t) = fstype {
                    r.push_str(&format!(" fstype={}", lit(t)));
                }
                if !options.is_empty() {
                    r.push_str(&format!(" options=({})", options.join(",")));
                }
                if let Some(s) = source {
                    r.push_str(&format!(" {}", lit(s)));
                }
                format!("{r} -> {},", lit(point))
            }
            Access::Umount { point } => format!("umount {},", lit(point)),
            Access::PivotRoot { new_root, old_root } => {
                format!("pivot_root oldroot={} {},", lit(old_root), lit(new_root))
            }
            Access::Userns => "userns create,".to_string(),
        })
    }
}

/// The mount flag bits of option words, the kernel's log word `rec`
/// (recursive, as in `bind, rec`) among them.
fn mount_flags(options: &[String]) -> u32 {
    let parsed = crate::vocab::parse_mount_options(
        options.iter().map(String::as_str).filter(|w| *w != "rec"),
    );
    let rec = if options.iter().any(|w| w == "rec") {
        crate::vocab::MS_REC
    } else {
        0
    };
    parsed.set | rec
}

fn class_of_word(w: &str) -> Option<u8> {
    Some(match w {
        "signal" => class::SIGNAL,
        "ptrace" => class::PTRACE,
        "network" => class::NETV9,
        "dbus" => class::DBUS,
        "mount" | "umount" | "pivot_root" => class::MOUNT,
        "userns" => class::NS,
        _ => return None,
    })
}

fn or_default(perms: Vec<String>, default: &str) -> Vec<String> {
    if perms.is_empty() {
        vec![default.to_string()]
    } else {
        perms
    }
}

fn no_more(plain: &[String]) -> Result<(), String> {
    match plain.first() {
        Some(w) => Err(format!("`{w}` is not understood here")),
        None => Ok(()),
    }
}

/// A rule that decides part of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Responsible {
    pub span: Span,
    pub deny: bool,
    /// Of the permissions asked, those the rule grants (or denies), in
    /// words.
    pub perms: Vec<String>,
}

/// The answer to an [`Access`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Whether the profile mediates the class at all; when not, the
    /// kernel allows it.
    pub mediated: bool,
    /// The permissions of the class allowed at the question's state, in
    /// words.
    pub allowed: Vec<String>,
    /// Of those asked, the ones not allowed.
    pub missing: Vec<String>,
    /// Of those asked, the ones the question does not decide (a socket's
    /// permissions that the profile's rules decide on addresses and
    /// ports, which a question by family and type does not give).
    pub undecided: Vec<String>,
    /// Whether every permission asked is allowed.
    pub granted: bool,
    /// The rules of the class that match the question.
    pub rules: Vec<Responsible>,
    /// What the answer leaves out, when something does.
    pub note: Option<String>,
}

/// Permission bits in words (bits without a word in hex).
fn words_of(class: u8, bits: u32) -> Vec<String> {
    let mut out = Vec::new();
    for (n, b) in compile::perm_words(class) {
        if bits & b == b && b != 0 {
            out.push(n.to_string());
        }
    }
    out
}

/// How a compiled profile decides a question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the profile mediates the class.
    pub mediated: bool,
    /// The class byte the answer was read under.
    pub class: u8,
    /// The permissions at the question's state, as the kernel reads them.
    pub perms: Perms,
    /// Whether it came from the legacy network table (by family and
    /// type only) rather than the policy automaton.
    pub legacy: bool,
}

impl Decision {
    /// The permissions of the class allowed, in words (every one when
    /// the class is not mediated).
    pub fn allowed(&self) -> Vec<String> {
        if self.mediated {
            words_of(self.class, self.perms.allow)
        } else {
            compile::perm_words(self.class)
                .into_iter()
                .map(|(n, _)| n.to_string())
                .collect()
        }
    }
}

/// What the compiled profile `key` of the binary policy `bytes` (ours or
/// any compiler's) gives `access`: whether its class is mediated, and the
/// permissions at the question's state. The error says why the policy
/// could not be read.
pub fn decide(bytes: &[u8], key: &str, access: &Access) -> Result<Decision, String> {
    let classes: &[u8] = match access {
        // the kernel falls back to the older class when the newer is not
        // mediated
        Access::Network { .. } => &[class::NETV9, class::NETV8],
        _ => &[access.class()],
    };
    let fields = access.fields();
    let mut last = Decision {
        mediated: false,
        class: access.class(),
        perms: Perms::default(),
        legacy: false,
    };
    for &c in classes {
        let mut input = vec![u16::from(c)];
        input.extend(&fields);
        let walked =
            compare::walk_input(bytes, key, Kind::Policy, &input).map_err(|e| e.to_string())?;
        let Some(walk) = walked else {
            // no policy automaton: nothing mediated
            continue;
        };
        let states = walk.states;
        let mediated = states
            .get(1)
            .is_some_and(|(s, _)| *s != crate::binpolicy::dfa::TRAP);
        let mut perms = match states.last() {
            Some((_, Meaning::One(p))) => *p,
            _ => Perms::default(),
        };
        if walk.lock_everywhere {
            perms.allow &= !crate::binpolicy::perms::file::LOCK;
        }
        last = Decision {
            mediated,
            class: c,
            perms,
            legacy: false,
        };
        if mediated {
            return Ok(last);
        }
    }
    // a kernel that mediates network by family and type only reads the
    // record's table: per family the types allowed, audited and quieted
    if let Access::Network {
        family, sock_type, ..
    } = access
    {
        let table = compare::field(bytes, key, "net_allowed_af").map_err(|e| e.to_string())?;
        if let Some(t) = table {
            let numbers: Vec<u32> = t
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse().ok())
                .collect();
            let f = crate::vocab::address_family_number(family).unwrap_or(0) as usize;
            let ty = crate::vocab::socket_type_number(sock_type).unwrap_or(0);
            let allowed = numbers.get(3 * f).copied().unwrap_or(0);
            let all = compile::perm_words(class::NETV8)
                .iter()
                .fold(0, |a, (_, b)| a | b);
            return Ok(Decision {
                mediated: true,
                class: class::NETV8,
                perms: Perms {
                    allow: if ty < 32 && allowed & (1 << ty) != 0 {
                        all
                    } else {
                        0
                    },
                    ..Perms::default()
                },
                legacy: true,
            });
        }
    }
    Ok(last)
}

/// Why a question could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// The profile does not compile: its errors.
    #[error("the profile could not be compiled")]
    Policy(Vec<Diagnostic>),
    /// The compiled policy could not be read back (a fault of aaprof's).
    #[error("the compiled policy could not be read back: {0}")]
    Unreadable(String),
}

/// What profile `name` (full name) of the checked file `out` allows on
/// the file `path`, for its owner and for others: the file automaton of
/// the profile compiled with only the rules that can match the path
/// ([`compile::narrowed`]), walked as the kernel walks it.
pub fn file_perms(
    out: &Outcome,
    search: &SearchPath,
    opts: &compile::Options,
    name: &str,
    path: &str,
) -> Result<crate::binpolicy::perms::FilePerms, AskError> {
    let narrowed = compile::narrowed(out, name, path);
    let bytes = compile::compile_checked(&narrowed, search, opts)
        .map_err(AskError::Policy)?
        .bytes();
    let input: Vec<u16> = path.bytes().map(u16::from).collect();
    match compare::lookup(&bytes, name, Kind::File, &input) {
        Ok(Some((Meaning::File(f), _))) => Ok(f),
        Ok(_) => Ok(Default::default()),
        Err(e) => Err(AskError::Unreadable(e.to_string())),
    }
}

/// Ask profile `name` (full name) of the checked file `out` for `access`.
pub fn ask(
    out: &Outcome,
    search: &SearchPath,
    opts: &compile::Options,
    name: &str,
    access: &Access,
) -> Result<Answer, AskError> {
    let compiled = |out: &Outcome| -> Result<Vec<u8>, AskError> {
        compile::compile_checked(out, search, opts)
            .map(|c| c.bytes())
            .map_err(AskError::Policy)
    };
    // the rules that may match decide the question's state; one rule of
    // the class stays in any case, for the class to be mediated as the
    // whole profile has it
    let whole = compile::narrowed_to(out, name, |p| {
        let first = p
            .model
            .iter()
            .flatten()
            .find(|m| access.decided_by(&m.kind))
            .map(|m| m.span);
        let any = p.model.iter().flatten().any(|m| access.may_match(&m.kind));
        let mut first_kept = false;
        keep_where(p, |m| {
            let me = !any && !first_kept && Some(m.span) == first;
            first_kept |= me;
            access.may_match(&m.kind) || me
        });
    });
    // the legacy network table of a record is the whole file's (the
    // reference's quirk): for a kernel that reads it, a network question
    // compiles every profile when another one of the file has network
    // rules
    let others_network = || {
        fn any(ps: &[crate::resolve::ResolvedProfile], skip: &str, at: &str) -> bool {
            ps.iter().any(|p| {
                let full = if at.is_empty() {
                    p.name.clone()
                } else {
                    format!("{at}//{}", p.name)
                };
                (full != skip
                    && p.model.iter().flatten().any(|m| {
                        matches!(
                            m.kind,
                            RuleKind::Network(_) | RuleKind::Unix(_) | RuleKind::All
                        )
                    }))
                    || any(&p.children, skip, &full)
            })
        }
        any(&out.policy.profiles, name, "")
    };
    let bytes = match access {
        Access::Network { .. }
            if compile::network_by_table(&out.policy, search, opts) && others_network() =>
        {
            compiled(out)?
        }
        _ => compiled(&whole)?,
    };
    let Decision {
        mediated,
        class,
        perms,
        legacy,
    } = decide(&bytes, name, access).map_err(AskError::Unreadable)?;
    let asked = access.bits();
    let allowed_bits = if mediated { perms.allow } else { u32::MAX };
    // the profile's inet rules go on to addresses and ports: only
    // creating the socket is decided by its family and type
    let by_address = mediated
        && !legacy
        && matches!(access, Access::Network { family, .. } if family == "inet" || family == "inet6")
        && perms.allow & crate::binpolicy::perms::file::CONT_MATCH != 0;
    let create = compile::perm_words(class)
        .iter()
        .find(|(n, _)| *n == "create")
        .map_or(0, |(_, b)| *b);
    let undecided_bits = if by_address {
        asked & !allowed_bits & !create
    } else {
        0
    };
    let missing_bits = asked & !allowed_bits & !undecided_bits;
    let rules = if mediated {
        responsible(
            out,
            name,
            |k| access.may_match(k),
            |b| {
                let d = decide(b, name, access).ok()?;
                Some(d.perms.allow & asked)
            },
            |b| compiled(b).ok(),
            class,
        )
    } else {
        Vec::new()
    };
    let note = match access {
        Access::Network { .. } if legacy => Some(
            "the kernel this is compiled for mediates network by family and type only \
             (the record's table, not the policy automaton): every permission or none"
                .to_string(),
        ),
        Access::Network { .. } if by_address => Some(
            "the profile's rules for this family go on to addresses and ports, which this \
             question does not give: what is shown is what the family and type alone decide \
             (creating the socket)"
                .to_string(),
        ),
        _ => None,
    };
    let allowed = Decision {
        mediated,
        class,
        perms,
        legacy,
    }
    .allowed();
    Ok(Answer {
        mediated,
        allowed,
        missing: words_of(class, missing_bits),
        undecided: words_of(class, undecided_bits),
        granted: missing_bits == 0 && undecided_bits == 0,
        rules,
        note,
    })
}

/// The rules of profile `name` (of those `keep` says) that give some
/// permission on their own where `bits_of` reads it off a compiled
/// policy: each rule compiled alone (a deny as if it allowed), deny rules
/// first.
fn responsible(
    out: &Outcome,
    name: &str,
    keep: impl Fn(&RuleKind) -> bool,
    bits_of: impl Fn(&[u8]) -> Option<u32>,
    compiled: impl Fn(&Outcome) -> Option<Vec<u8>>,
    class: u8,
) -> Vec<Responsible> {
    let candidates: Vec<Arc<crate::policy::Rule>> = find(&out.policy.profiles, name)
        .map(|p| {
            p.model
                .iter()
                .flatten()
                .filter(|m| keep(&m.kind))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let mut rules = Vec::new();
    for r in candidates {
        let deny = r.qualifiers.mode == Mode::Deny;
        let mut alone = (*r).clone();
        alone.qualifiers.mode = Mode::Allow;
        let alone = Arc::new(alone);
        let one = compile::narrowed_to(out, name, |p| {
            let mut kept = false;
            let pairs: Vec<_> = p
                .rules
                .iter()
                .zip(&p.model)
                .filter(|(_, m)| {
                    m.as_deref().is_some_and(|m| {
                        let me = !kept && m.span == r.span && m.kind == r.kind;
                        kept |= me;
                        me
                    })
                })
                .map(|(a, _)| (a.clone(), Some(alone.clone())))
                .collect();
            p.rules = pairs.iter().map(|(a, _)| a.clone()).collect();
            p.model = pairs.into_iter().map(|(_, m)| m).collect();
        });
        let Some(b) = compiled(&one) else { continue };
        let bits = bits_of(&b).unwrap_or(0);
        if bits != 0 {
            rules.push(Responsible {
                span: r.span,
                deny,
                perms: words_of(class, bits),
            });
        }
    }
    rules.sort_by_key(|r| !r.deny);
    rules
}

/// Whether a rule of `kind` has entries under the policy automaton's
/// class byte `c` (`all` under every one).
fn of_class(kind: &RuleKind, c: u8) -> bool {
    match kind {
        RuleKind::All => true,
        RuleKind::Signal(_) => c == class::SIGNAL || c == class::LABEL,
        RuleKind::Ptrace(_) => c == class::PTRACE || c == class::LABEL,
        RuleKind::Network(_) | RuleKind::Unix(_) => {
            matches!(c, class::NET | class::NETV8 | class::NETV9)
        }
        RuleKind::Dbus(_) => c == class::DBUS,
        RuleKind::Mount(_)
        | RuleKind::Remount(_)
        | RuleKind::Umount(_)
        | RuleKind::PivotRoot(_) => c == class::MOUNT,
        RuleKind::Userns(_) => c == class::NS,
        RuleKind::Mqueue(_) => c == class::POSIX_MQUEUE || c == class::SYSV_MQUEUE,
        RuleKind::IoUring(_) => c == class::IO_URING,
        _ => false,
    }
}

/// The rules of profile `name` of the checked file `out` that match a
/// policy-automaton input (a witness of `diff`, its class byte first)
/// with a permission of `mask`, each with the permissions of `mask` it
/// gives there on its own.
pub fn rules_on_input(
    out: &Outcome,
    search: &SearchPath,
    opts: &compile::Options,
    name: &str,
    input: &[u16],
    mask: u32,
) -> Vec<Responsible> {
    let Some(c) = input.first().and_then(|&c| u8::try_from(c).ok()) else {
        return Vec::new();
    };
    responsible(
        out,
        name,
        |k| of_class(k, c),
        |b| {
            let w = compare::walk_input(b, name, Kind::Policy, input).ok()??;
            let mut allow = match w.states.last() {
                Some((_, Meaning::One(p))) => p.allow,
                _ => 0,
            };
            if w.lock_everywhere {
                allow &= !crate::binpolicy::perms::file::LOCK;
            }
            Some(allow & mask)
        },
        |o| {
            compile::compile_checked(o, search, opts)
                .ok()
                .map(|c| c.bytes())
        },
        c,
    )
}

/// Keep the rules of `p` that `keep` says.
fn keep_where(
    p: &mut crate::resolve::ResolvedProfile,
    mut keep: impl FnMut(&crate::policy::Rule) -> bool,
) {
    let pairs: Vec<_> = p
        .rules
        .iter()
        .zip(&p.model)
        .filter(|(_, m)| m.as_deref().is_some_and(&mut keep))
        .map(|(a, m)| (a.clone(), m.clone()))
        .collect();
    p.rules = pairs.iter().map(|(a, _)| a.clone()).collect();
    p.model = pairs.into_iter().map(|(_, m)| m).collect();
}

/// A profile by its full name (`parent//child`).
pub fn find<'a>(
    profiles: &'a [crate::resolve::ResolvedProfile],
    name: &str,
) -> Option<&'a crate::resolve::ResolvedProfile> {
    let (head, rest) = match name.split_once("//") {
        Some((h, r)) => (h, Some(r)),
        None => (name, None),
    };
    let p = profiles.iter().find(|p| p.name == head)?;
    match rest {
        None => Some(p),
        Some(r) => find(&p.children, r),
    }
}
