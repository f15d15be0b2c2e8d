//! `network` and `unix` rules.

use super::{list_word, word};
use std::fmt;
use std::net::IpAddr;

/// The permissions of a network or unix rule, as a set of bits (aaprof's
/// own numbering, one bit per permission word; the compiler maps them to
/// the kernel's). The words are decoded here, once, for the check and the
/// model ([`NetPerms::of_word`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NetPerms(pub u32);

impl NetPerms {
    pub const CREATE: u32 = 1 << 0;
    pub const BIND: u32 = 1 << 1;
    pub const LISTEN: u32 = 1 << 2;
    pub const ACCEPT: u32 = 1 << 3;
    pub const CONNECT: u32 = 1 << 4;
    pub const SHUTDOWN: u32 = 1 << 5;
    pub const GETATTR: u32 = 1 << 6;
    pub const SETATTR: u32 = 1 << 7;
    pub const GETOPT: u32 = 1 << 8;
    pub const SETOPT: u32 = 1 << 9;
    pub const SEND: u32 = 1 << 10;
    pub const RECEIVE: u32 = 1 << 11;
    /// The permissions that apply to a peer (the only ones allowed with
    /// peer conditionals).
    pub const PEER: u32 = Self::CONNECT | Self::ACCEPT | Self::SEND | Self::RECEIVE;
    /// Every permission: what a rule without permissions grants.
    pub const ALL: NetPerms = NetPerms((1 << 12) - 1);

    /// The canonical name of each bit, in bit order.
    pub const NAMES: [(&'static str, u32); 12] = [
        ("create", Self::CREATE),
        ("bind", Self::BIND),
        ("listen", Self::LISTEN),
        ("accept", Self::ACCEPT),
        ("connect", Self::CONNECT),
        ("shutdown", Self::SHUTDOWN),
        ("getattr", Self::GETATTR),
        ("setattr", Self::SETATTR),
        ("getopt", Self::GETOPT),
        ("setopt", Self::SETOPT),
        ("send", Self::SEND),
        ("receive", Self::RECEIVE),
    ];

    /// The bits of one permission word: a name, `read`/`write`, or a mode
    /// string of `r` and `w` (any case). `None` for any other word.
    pub fn of_word(w: &str) -> Option<NetPerms> {
        let bits = match w {
            "send" | "write" => Self::SEND,
            "receive" | "read" => Self::RECEIVE,
            _ if crate::vocab::is_rw_mode(w) => w.bytes().fold(0, |acc, b| {
                acc | if b == b'r' || b == b'R' {
                    Self::RECEIVE
                } else {
                    Self::SEND
                }
            }),
            _ => Self::NAMES.iter().find(|(n, _)| *n == w)?.1,
        };
        Some(NetPerms(bits))
    }

    /// Whether a permission other than the peer ones is set.
    pub fn has_non_peer(self) -> bool {
        self.0 & !Self::PEER != 0
    }
}

impl fmt::Display for NetPerms {
    /// The permissions as a parenthesised list of names in bit order
    /// (`()` for none). Rules print nothing for [`NetPerms::ALL`].
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let names: Vec<&str> = Self::NAMES
            .iter()
            .filter(|(_, b)| self.0 & b != 0)
            .map(|(n, _)| *n)
            .collect();
        write!(f, "({})", names.join(" "))
    }
}

/// What the second word of a network rule (or its only word, when that is
/// no address family) names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockKind {
    /// A socket type (`stream`, `dgram`, ...).
    Type(String),
    /// A protocol (`tcp`, `udp`, `icmp`).
    Protocol(String),
}

/// An `ip=` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ip {
    /// `ip=none`: no address (an unbound or unconnected socket).
    None,
    /// One IPv4 or IPv6 address.
    Addr(IpAddr),
}

/// A `port=` value: one port (`low == high`) or an inclusive range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub low: u16,
    pub high: u16,
}

/// A network `label` conditional.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetLabel {
    /// `label=PATTERN`: the label must match.
    Match(String),
    /// `label:=LABEL`: the label is set (on the packet).
    Set(String),
}

/// The conditionals of one side (the local socket or the peer) of a
/// network rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetConds {
    /// `ip=`.
    pub ip: Option<Ip>,
    /// `port=`.
    pub port: Option<PortRange>,
    /// `interface=PATTERN` (local side only).
    pub interface: Option<String>,
    /// `label=` or `label:=`.
    pub label: Option<NetLabel>,
}

impl NetConds {
    fn is_empty(&self) -> bool {
        *self == NetConds::default()
    }
}

/// `network [PERMS] [FAMILY] [TYPE|PROTOCOL] [CONDS] [peer=(CONDS)],`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    /// The permissions; [`NetPerms::ALL`] when none were written.
    pub perms: NetPerms,
    /// The address family (`inet`, `unix`, ...); `None` for every family.
    pub family: Option<String>,
    /// The socket type or protocol; `None` for every one.
    pub kind: Option<SockKind>,
    /// The local socket's conditionals.
    pub local: NetConds,
    /// The peer's conditionals (`peer=(...)`).
    pub peer: NetConds,
}

/// A unix socket address (`addr=`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnixAddr {
    /// `none`: an unnamed socket.
    Unnamed,
    /// `auto`: an autobound address.
    Auto,
    /// `@PATTERN`: an abstract address; the pattern without the `@`.
    Abstract(String),
}

/// `unix [PERMS] [type=T] [addr=A] [peer=(addr=A label=L)],`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unix {
    /// The permissions; [`NetPerms::ALL`] when none were written.
    pub perms: NetPerms,
    /// `type=`: the socket type; `None` for every type.
    pub sock_type: Option<String>,
    /// `addr=`: the local address.
    pub addr: Option<UnixAddr>,
    /// `peer=(addr=...)`.
    pub peer_addr: Option<UnixAddr>,
    /// `peer=(label=PATTERN)`.
    pub peer_label: Option<String>,
}

fn write_net_conds(f: &mut fmt::Formatter, c: &NetConds, peer: bool) -> fmt::Result {
    let value = |t: &str| if peer { list_word(t) } else { word(t) };
    let mut parts: Vec<String> = Vec::new();
    match c.ip {
        Some(Ip::None) => parts.push("ip=none".into()),
        Some(Ip::Addr(a)) => parts.push(format!("ip={a}")),
        None => {}
    }
    if let Some(p) = c.port {
        parts.push(if p.low == p.high {
            format!("port={}", p.low)
        } else {
            format!("port={}-{}", p.low, p.high)
        });
    }
    if let Some(i) = &c.interface {
        parts.push(format!("interface={}", value(i)));
    }
    match &c.label {
        Some(NetLabel::Match(l)) => parts.push(format!("label={}", value(l))),
        Some(NetLabel::Set(l)) => parts.push(format!("label:={}", value(l))),
        None => {}
    }
    f.write_str(&parts.join(" "))
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("network")?;
        if self.perms != NetPerms::ALL {
            write!(f, " {}", self.perms)?;
        }
        if let Some(fam) = &self.family {
            write!(f, " {fam}")?;
        }
        match &self.kind {
            Some(SockKind::Type(t) | SockKind::Protocol(t)) => write!(f, " {t}")?,
            None => {}
        }
        if !self.local.is_empty() {
            f.write_str(" ")?;
            write_net_conds(f, &self.local, false)?;
        }
        if !self.peer.is_empty() {
            f.write_str(" peer=(")?;
            write_net_conds(f, &self.peer, true)?;
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Display for UnixAddr {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            UnixAddr::Unnamed => f.write_str("none"),
            UnixAddr::Auto => f.write_str("auto"),
            UnixAddr::Abstract(p) => write!(f, "@{p}"),
        }
    }
}

impl fmt::Display for Unix {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("unix")?;
        if self.perms != NetPerms::ALL {
            write!(f, " {}", self.perms)?;
        }
        if let Some(t) = &self.sock_type {
            write!(f, " type={t}")?;
        }
        if let Some(a) = &self.addr {
            write!(f, " addr={}", word(&a.to_string()))?;
        }
        let mut peer: Vec<String> = Vec::new();
        if let Some(a) = &self.peer_addr {
            peer.push(format!("addr={}", list_word(&a.to_string())));
        }
        if let Some(l) = &self.peer_label {
            peer.push(format!("label={}", list_word(l)));
        }
        if !peer.is_empty() {
            write!(f, " peer=({})", peer.join(" "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::RuleKind;

    fn lower(rule: &str) -> RuleKind {
        crate::policy::lower_one(rule).0
    }

    fn network(rule: &str) -> Network {
        match lower(rule) {
            RuleKind::Network(n) => n,
            k => panic!("{rule}: {k:?}"),
        }
    }

    fn unix(rule: &str) -> Unix {
        match lower(rule) {
            RuleKind::Unix(u) => u,
            k => panic!("{rule}: {k:?}"),
        }
    }

    #[test]
    fn bare_network_grants_everything() {
        let n = network("network,");
        assert_eq!(n.perms, NetPerms::ALL);
        assert_eq!(n.family, None);
        assert_eq!(n.kind, None);
        assert_eq!(n.to_string(), "network");
    }

    #[test]
    fn family_type_and_protocol() {
        let n = network("network inet stream,");
        assert_eq!(n.family.as_deref(), Some("inet"));
        assert_eq!(n.kind, Some(SockKind::Type("stream".into())));
        let n = network("network inet6 tcp,");
        assert_eq!(n.kind, Some(SockKind::Protocol("tcp".into())));
        let n = network("network dgram,");
        assert_eq!(n.family, None);
        assert_eq!(n.kind, Some(SockKind::Type("dgram".into())));
        // `packet` alone is the family
        let n = network("network packet,");
        assert_eq!(n.family.as_deref(), Some("packet"));
        assert_eq!(n.kind, None);
    }

    #[test]
    fn permissions_mean_the_same_however_written() {
        let a = network("network (read, write) inet,");
        let b = network("network rw inet,");
        let c = network("network (send receive) inet,");
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.perms, NetPerms(NetPerms::SEND | NetPerms::RECEIVE));
        assert_eq!(a.to_string(), "network (send receive) inet");
    }

    #[test]
    fn local_and_peer_conditionals() {
        let n = network(
            "network (connect send) inet tcp ip=127.0.0.1 port=80-8080 peer=(ip=::1 port=22),",
        );
        assert_eq!(n.local.ip, Some(Ip::Addr("127.0.0.1".parse().unwrap())));
        assert_eq!(
            n.local.port,
            Some(PortRange {
                low: 80,
                high: 8080
            })
        );
        assert_eq!(n.peer.ip, Some(Ip::Addr("::1".parse().unwrap())));
        assert_eq!(n.peer.port, Some(PortRange { low: 22, high: 22 }));
        assert_eq!(
            n.to_string(),
            "network (connect send) inet tcp ip=127.0.0.1 port=80-8080 peer=(ip=::1 port=22)"
        );
        let n = network("network inet ip=none,");
        assert_eq!(n.local.ip, Some(Ip::None));
    }

    #[test]
    fn labels_match_or_set() {
        let n = network("network send peer=(label:=foo),");
        assert_eq!(n.peer.label, Some(NetLabel::Set("foo".into())));
        let n = network("network label=bar interface=eth*,");
        assert_eq!(n.local.label, Some(NetLabel::Match("bar".into())));
        assert_eq!(n.local.interface.as_deref(), Some("eth*"));
    }

    #[test]
    fn unix_rules() {
        let u = unix("unix,");
        assert_eq!(u.perms, NetPerms::ALL);
        assert_eq!(u.to_string(), "unix");
        let u =
            unix("unix (connect, send) type=stream addr=@foo peer=(label=\"{a,b}\" addr=none),");
        assert_eq!(u.perms, NetPerms(NetPerms::CONNECT | NetPerms::SEND));
        assert_eq!(u.sock_type.as_deref(), Some("stream"));
        assert_eq!(u.addr, Some(UnixAddr::Abstract("foo".into())));
        assert_eq!(u.peer_addr, Some(UnixAddr::Unnamed));
        assert_eq!(u.peer_label.as_deref(), Some("{a,b}"));
        assert_eq!(
            u.to_string(),
            "unix (connect send) type=stream addr=@foo peer=(addr=none label=\"{a,b}\")"
        );
        let u = unix("unix bind addr=auto,");
        assert_eq!(u.perms, NetPerms(NetPerms::BIND));
        assert_eq!(u.addr, Some(UnixAddr::Auto));
    }

    #[test]
    fn every_permission_written_is_no_permission_written() {
        let all = "network (create bind listen accept connect shutdown getattr setattr getopt \
                   setopt send receive) unix,";
        assert_eq!(network(all), network("network unix,"));
    }

    #[test]
    fn printed_rules_lower_back_to_the_same_value() {
        for rule in [
            "network (),",
            "network create inet,",
            "network (bind listen) inet6 seqpacket ip=fe80:0:0::1 port=443,",
            "network send inet icmp peer=(label=\"{a,b}\"),",
            "network tcp label=\"a b\",",
            "deny network netlink raw,",
            "unix (),",
            "unix (send receive) type=dgram addr=\"@a b\" peer=(addr=\"@{x,y}\"),",
            "unix (receive) peer=(label=/usr/bin/*),",
        ] {
            let v = lower(rule);
            let again = lower(&format!("{v},"));
            assert_eq!(v, again, "{rule} printed as {v}");
        }
        assert_eq!(network("network (),").perms, NetPerms(0));
        assert_eq!(
            network("network inet6 ip=fe80:0:0::1,").to_string(),
            "network inet6 ip=fe80::1"
        );
    }
}
