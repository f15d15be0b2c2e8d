//! `dbus`, `signal`, `ptrace`, `mqueue`, `io_uring` and `userns` rules.
//!
//! Permissions are the effective ones: a rule written without permissions
//! gets the permissions the reference parser implies (every permission of
//! the family, except dbus, whose implied set follows its conditionals),
//! so that `signal,` and `signal (send receive),` lower to equal values.
//! Each permission word's meaning is decoded here (`from_word`), for the
//! checks and the model alike.

use super::{list_word, word};
use std::collections::BTreeSet;
use std::fmt;

/// A set of the named permissions of one family.
pub trait PermSet: Copy + Default {
    /// Every permission of the family.
    const EVERY: Self;
    /// The permissions of one permission word; none for an unknown word.
    fn of_word(w: &str) -> Self;
    /// The permissions of either set.
    fn or(self, o: Self) -> Self;
    /// No permission.
    fn none(self) -> bool;

    /// The permissions of a rule's permission words, or every permission
    /// when they give none (the reference's implied permissions).
    fn of_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let p = words
            .into_iter()
            .map(Self::of_word)
            .fold(Self::default(), Self::or);
        if p.none() { Self::EVERY } else { p }
    }
}

/// Defines a set of named permissions: one `bool` per permission, its
/// canonical word, the set of all, union, emptiness and the canonical text
/// (one word, or a parenthesised list in canonical order).
macro_rules! perm_set {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident = $word:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name {
            $($(#[$fm])* pub $field: bool,)+
        }

        impl $name {
            /// Every permission of the family.
            pub const ALL: Self = Self { $($field: true,)+ };

            /// The permissions of either set.
            pub fn union(self, o: Self) -> Self {
                Self { $($field: self.$field || o.$field,)+ }
            }

            /// No permission.
            pub fn is_empty(self) -> bool {
                !($(self.$field)||+)
            }

            /// The canonical words of the permissions, in canonical order.
            pub fn names(self) -> Vec<&'static str> {
                let mut v = Vec::new();
                $(if self.$field { v.push($word); })+
                v
            }
        }

        impl PermSet for $name {
            const EVERY: Self = Self::ALL;
            fn of_word(w: &str) -> Self {
                Self::from_word(w)
            }
            fn or(self, o: Self) -> Self {
                self.union(o)
            }
            fn none(self) -> bool {
                self.is_empty()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                match self.names().as_slice() {
                    [one] => f.write_str(one),
                    many => write!(f, "({})", many.join(" ")),
                }
            }
        }
    };
}

/// The permissions an `r`/`w` mode string stands for: `r` gives `read`,
/// `w` gives `write` (upper case is the deprecated spelling).
fn rw_mode<T: Copy + Default>(w: &str, read: T, write: T, union: fn(T, T) -> T) -> Option<T> {
    if !crate::vocab::is_rw_mode(w) {
        return None;
    }
    Some(w.bytes().fold(T::default(), |acc, b| {
        union(
            acc,
            if matches!(b, b'r' | b'R') {
                read
            } else {
                write
            },
        )
    }))
}

perm_set! {
    /// dbus permissions.
    DbusPerms {
        /// `send` (`write`, `w`): send a message.
        send = "send",
        /// `receive` (`read`, `r`): receive a message.
        receive = "receive",
        /// `bind`: acquire a well-known name.
        bind = "bind",
        /// `eavesdrop`: monitor the bus.
        eavesdrop = "eavesdrop",
    }
}

impl DbusPerms {
    /// The permissions of one permission word; empty for an unknown word.
    pub fn from_word(w: &str) -> Self {
        let send = Self {
            send: true,
            ..Self::default()
        };
        let receive = Self {
            receive: true,
            ..Self::default()
        };
        match w {
            "send" | "write" => send,
            "receive" | "read" => receive,
            "bind" => Self {
                bind: true,
                ..Self::default()
            },
            "eavesdrop" => Self {
                eavesdrop: true,
                ..Self::default()
            },
            _ => rw_mode(w, receive, send, Self::union).unwrap_or_default(),
        }
    }
}

perm_set! {
    /// signal permissions.
    SignalPerms {
        /// `send` (`write`, `w`): send a signal to the peer.
        send = "send",
        /// `receive` (`read`, `r`): receive a signal from the peer.
        receive = "receive",
    }
}

impl SignalPerms {
    /// The permissions of one permission word; empty for an unknown word.
    pub fn from_word(w: &str) -> Self {
        let send = Self {
            send: true,
            receive: false,
        };
        let receive = Self {
            send: false,
            receive: true,
        };
        match w {
            "send" | "write" => send,
            "receive" | "read" => receive,
            _ => rw_mode(w, receive, send, Self::union).unwrap_or_default(),
        }
    }
}

perm_set! {
    /// ptrace permissions.
    PtracePerms {
        /// `trace` (`write`, `w`): trace the peer.
        trace = "trace",
        /// `read` (`r`): read the peer's state.
        read = "read",
        /// `tracedby`: be traced by the peer.
        tracedby = "tracedby",
        /// `readby`: have its state read by the peer.
        readby = "readby",
    }
}

impl PtracePerms {
    /// The permissions of one permission word; empty for an unknown word.
    pub fn from_word(w: &str) -> Self {
        let trace = Self {
            trace: true,
            ..Self::default()
        };
        let read = Self {
            read: true,
            ..Self::default()
        };
        match w {
            "trace" | "write" => trace,
            "read" => read,
            "tracedby" => Self {
                tracedby: true,
                ..Self::default()
            },
            "readby" => Self {
                readby: true,
                ..Self::default()
            },
            _ => rw_mode(w, read, trace, Self::union).unwrap_or_default(),
        }
    }
}

perm_set! {
    /// mqueue permissions.
    MqueuePerms {
        /// `create`
        create = "create",
        /// `open`
        open = "open",
        /// `delete`
        delete = "delete",
        /// `getattr`
        getattr = "getattr",
        /// `setattr`
        setattr = "setattr",
        /// `read` (`r`)
        read = "read",
        /// `write` (`w`)
        write = "write",
    }
}

impl MqueuePerms {
    /// The permissions of one permission word; empty for an unknown word.
    pub fn from_word(w: &str) -> Self {
        let none = Self::default();
        match w {
            "create" => Self {
                create: true,
                ..none
            },
            "open" => Self { open: true, ..none },
            "delete" => Self {
                delete: true,
                ..none
            },
            "getattr" => Self {
                getattr: true,
                ..none
            },
            "setattr" => Self {
                setattr: true,
                ..none
            },
            "read" => Self { read: true, ..none },
            "write" => Self {
                write: true,
                ..none
            },
            _ => rw_mode(
                w,
                Self { read: true, ..none },
                Self {
                    write: true,
                    ..none
                },
                Self::union,
            )
            .unwrap_or_default(),
        }
    }
}

perm_set! {
    /// io_uring permissions.
    IoUringPerms {
        /// `override_creds`: submit work with other credentials.
        override_creds = "override_creds",
        /// `sqpoll`: create a polling thread.
        sqpoll = "sqpoll",
    }
}

impl IoUringPerms {
    /// The permissions of one permission word; empty for an unknown word
    /// (which the reference ignores inside a list).
    pub fn from_word(w: &str) -> Self {
        match w {
            "override_creds" => Self {
                override_creds: true,
                sqpoll: false,
            },
            "sqpoll" => Self {
                override_creds: false,
                sqpoll: true,
            },
            _ => Self::default(),
        }
    }
}

perm_set! {
    /// userns permissions.
    UsernsPerms {
        /// `create`: create a user namespace.
        create = "create",
    }
}

impl UsernsPerms {
    /// The permissions of one permission word; empty for an unknown word
    /// (which the reference ignores inside a list).
    pub fn from_word(w: &str) -> Self {
        Self {
            create: w == "create",
        }
    }
}

/// `dbus [PERMS] [bus=B] [path=P] [interface=I] [member=M] [name=N]
/// [peer=(name=N label=L)],`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dbus {
    /// The effective permissions: without permissions written, `send` and
    /// `receive` for a message rule, `bind` for a service rule (a local
    /// `name=`), every permission otherwise.
    pub perms: DbusPerms,
    /// `bus=`: the bus (`session`, `system` or a pattern).
    pub bus: Option<String>,
    /// `path=`: the object path pattern.
    pub path: Option<String>,
    /// `interface=`: the interface pattern.
    pub interface: Option<String>,
    /// `member=`: the method or signal name pattern.
    pub member: Option<String>,
    /// A local `name=`: the well-known name a `bind` rule acquires.
    pub name: Option<String>,
    /// `peer=(name=...)`: the peer's bus name.
    pub peer_name: Option<String>,
    /// `peer=(label=...)`: the peer's AppArmor label.
    pub peer_label: Option<String>,
}

impl Dbus {
    /// A rule of these permissions with no conditionals (what a bare
    /// `dbus PERMS,` means).
    pub fn unconditional(perms: DbusPerms) -> Dbus {
        Dbus {
            perms,
            bus: None,
            path: None,
            interface: None,
            member: None,
            name: None,
            peer_name: None,
            peer_label: None,
        }
    }
}

/// `signal [PERMS] [set=(SIGNAL...)] [peer=LABEL],`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    /// The effective permissions (every one when none is written).
    pub perms: SignalPerms,
    /// The signals, by AppArmor signal number (`rtmin+N` is `128 + N`;
    /// aliases such as `stp`/`tstp` share a number); empty for every
    /// signal.
    pub signals: BTreeSet<u32>,
    /// `peer=`: the label of the other task (the first value written).
    pub peer: Option<String>,
}

/// `ptrace [PERMS] [peer=LABEL],`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ptrace {
    /// The effective permissions (every one when none is written).
    pub perms: PtracePerms,
    /// `peer=`: the label of the other task (the first value written).
    pub peer: Option<String>,
}

/// The kind of message queue of an mqueue rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MqueueType {
    /// `type=posix`: named `/NAME`.
    Posix,
    /// `type=sysv`: named by a number.
    Sysv,
}

/// `mqueue [PERMS] [type=TYPE] [label=LABEL] [NAME],`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mqueue {
    /// The effective permissions (every one when none is written).
    pub perms: MqueuePerms,
    /// `type=`, or the kind the name implies (`/NAME` is posix, a number
    /// sysv, as the reference reads it); `None` for either kind.
    pub qtype: Option<MqueueType>,
    /// `label=`: the label of the queue.
    pub label: Option<String>,
    /// The queue's name: a pattern beginning with `/` (posix) or a number
    /// (sysv); `None` for every queue.
    pub name: Option<String>,
}

/// `io_uring [PERMS] [label=LABEL],`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IoUring {
    /// The effective permissions (every one when none is written).
    pub perms: IoUringPerms,
    /// `label=`: the label whose credentials may be used.
    pub label: Option<String>,
}

/// `userns [create],`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Userns {
    /// The effective permissions (`create` when none is written).
    pub perms: UsernsPerms,
}

/// ` name=VALUE` when there is a value.
fn cond(f: &mut fmt::Formatter, name: &str, v: &Option<String>) -> fmt::Result {
    match v {
        Some(v) => write!(f, " {name}={}", word(v)),
        None => Ok(()),
    }
}

impl fmt::Display for Dbus {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "dbus {}", self.perms)?;
        cond(f, "bus", &self.bus)?;
        cond(f, "path", &self.path)?;
        cond(f, "interface", &self.interface)?;
        cond(f, "member", &self.member)?;
        cond(f, "name", &self.name)?;
        let peer: Vec<String> = [("name", &self.peer_name), ("label", &self.peer_label)]
            .into_iter()
            .filter_map(|(n, v)| v.as_ref().map(|v| format!("{n}={}", list_word(v))))
            .collect();
        if !peer.is_empty() {
            write!(f, " peer=({})", peer.join(" "))?;
        }
        Ok(())
    }
}

/// The name of an AppArmor signal number (the first of its aliases).
fn signal_name(n: u32) -> String {
    if n >= crate::vocab::RTMIN_BASE {
        return format!("rtmin+{}", n - crate::vocab::RTMIN_BASE);
    }
    crate::vocab::SIGNALS
        .iter()
        .find(|s| crate::vocab::signal_number(s) == Some(n))
        .map_or_else(|| n.to_string(), |s| (*s).to_string())
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "signal {}", self.perms)?;
        if !self.signals.is_empty() {
            let names: Vec<String> = self.signals.iter().map(|&n| signal_name(n)).collect();
            write!(f, " set=({})", names.join(" "))?;
        }
        cond(f, "peer", &self.peer)
    }
}

impl fmt::Display for Ptrace {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ptrace {}", self.perms)?;
        cond(f, "peer", &self.peer)
    }
}

impl fmt::Display for Mqueue {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "mqueue {}", self.perms)?;
        match self.qtype {
            Some(MqueueType::Posix) => f.write_str(" type=posix")?,
            Some(MqueueType::Sysv) => f.write_str(" type=sysv")?,
            None => {}
        }
        cond(f, "label", &self.label)?;
        if let Some(n) = &self.name {
            write!(f, " {}", word(n))?;
        }
        Ok(())
    }
}

impl fmt::Display for IoUring {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "io_uring {}", self.perms)?;
        cond(f, "label", &self.label)
    }
}

impl fmt::Display for Userns {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "userns {}", self.perms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::RuleKind;

    use crate::policy::lower_one as lower;

    #[test]
    fn dbus_values() {
        let (k, t) = lower("dbus (send, r) bus=session path=/org/a peer=(label=\"{a,b}\"),");
        let RuleKind::Dbus(d) = k else { panic!() };
        assert_eq!(
            d.perms,
            DbusPerms {
                send: true,
                receive: true,
                ..DbusPerms::default()
            }
        );
        assert_eq!(d.bus.as_deref(), Some("session"));
        assert_eq!(d.path.as_deref(), Some("/org/a"));
        assert_eq!(d.peer_label.as_deref(), Some("{a,b}"));
        assert_eq!(
            t,
            "dbus (send receive) bus=session path=/org/a peer=(label=\"{a,b}\")"
        );
        // implied permissions follow the conditionals
        let (k, _) = lower("dbus bus=system name=org.foo,");
        let RuleKind::Dbus(d) = k else { panic!() };
        assert_eq!(d.perms.names(), ["bind"]);
        assert_eq!(d.name.as_deref(), Some("org.foo"));
        let (k, _) = lower("dbus member=Hello,");
        let RuleKind::Dbus(d) = k else { panic!() };
        assert_eq!(d.perms.names(), ["send", "receive"]);
        let (k, t) = lower("dbus,");
        let RuleKind::Dbus(d) = k else { panic!() };
        assert_eq!(d.perms, DbusPerms::ALL);
        assert_eq!(t, "dbus (send receive bind eavesdrop)");
    }

    #[test]
    fn signal_values() {
        let (k, t) = lower("signal w set=(hup, tstp) set=rtmin+2 peer=foo,");
        let RuleKind::Signal(s) = k else { panic!() };
        assert_eq!(s.perms.names(), ["send"]);
        assert_eq!(s.signals, BTreeSet::from([1, 20, 130]));
        assert_eq!(s.peer.as_deref(), Some("foo"));
        assert_eq!(t, "signal send set=(hup stp rtmin+2) peer=foo");
        let (k, _) = lower("signal,");
        let RuleKind::Signal(s) = k else { panic!() };
        assert_eq!(s.perms, SignalPerms::ALL);
        assert!(s.signals.is_empty());
    }

    #[test]
    fn ptrace_mqueue_io_uring_userns_values() {
        let (k, _) = lower("ptrace (rw tracedby) peer=unconfined,");
        let RuleKind::Ptrace(p) = k else { panic!() };
        assert_eq!(p.perms.names(), ["trace", "read", "tracedby"]);
        assert_eq!(p.peer.as_deref(), Some("unconfined"));

        let (k, t) = lower("mqueue (read getattr) type=posix /q,");
        let RuleKind::Mqueue(q) = k else { panic!() };
        assert_eq!(q.perms.names(), ["getattr", "read"]);
        assert_eq!(q.qtype, Some(MqueueType::Posix));
        assert_eq!(q.name.as_deref(), Some("/q"));
        assert_eq!(t, "mqueue (getattr read) type=posix /q");
        let (k, _) = lower("mqueue,");
        let RuleKind::Mqueue(q) = k else { panic!() };
        assert_eq!(q.perms, MqueuePerms::ALL);
        assert_eq!(q.qtype, None);
        let (k, t) = lower("mqueue 12,");
        let RuleKind::Mqueue(q) = k else { panic!() };
        assert_eq!(q.qtype, Some(MqueueType::Sysv));
        assert_eq!(
            t,
            "mqueue (create open delete getattr setattr read write) type=sysv 12"
        );

        let (k, t) = lower("io_uring override_creds label=/bar,");
        let RuleKind::IoUring(u) = k else { panic!() };
        assert_eq!(u.perms.names(), ["override_creds"]);
        assert_eq!(u.label.as_deref(), Some("/bar"));
        assert_eq!(t, "io_uring override_creds label=/bar");

        let (k, t) = lower("userns,");
        let RuleKind::Userns(u) = k else { panic!() };
        assert!(u.perms.create);
        assert_eq!(t, "userns create");
    }

    #[test]
    fn printed_rules_lower_back_the_same() {
        for rule in [
            "dbus send bus=session peer=(name=org.a, label=\"{a,b}\"),",
            "dbus (r, bind) bus=system,",
            "dbus eavesdrop bus=session,",
            "dbus receive interface=\"a b\" member=M path=/p,",
            "dbus () name=org.foo,",
            "signal set=(rtmin+) set=(stp tstp int),",
            "signal (read, write) peer=@{profile_name},",
            "ptrace readby,",
            "ptrace,",
            "mqueue type=sysv 123,",
            "mqueue (rw create) label=lab,",
            "io_uring (sqpoll foo) label=foo,",
            "userns create,",
        ] {
            let (k, t) = lower(rule);
            let (back, again) = lower(&format!("{t},"));
            assert_eq!(k, back, "{rule} printed as {t}");
            assert_eq!(t, again);
        }
    }
}
