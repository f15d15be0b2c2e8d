//! AppArmor's audit records, as the kernel logs them: in `dmesg` and
//! `journalctl -k` output (`audit: type=1400 audit(...): apparmor=...`)
//! and in auditd's `/var/log/audit/audit.log` (`type=AVC msg=audit(...):
//! apparmor=...`).
//!
//! A record is a list of `key=value` fields; a value is quoted, or bare,
//! or, where it holds a space, a quote or a byte outside printable ASCII,
//! written in hexadecimal (the kernel's `audit_log_untrustedstring`):
//! [`Record::parse`] decodes those of the fields that can be so written.

use std::collections::BTreeMap;

/// One AppArmor record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// `DENIED`, `ALLOWED` (complain mode), `AUDIT`, `STATUS`, ...
    pub verdict: String,
    pub fields: BTreeMap<String, String>,
}

/// The fields whose values the kernel writes in hexadecimal when they
/// hold what a quoted string cannot.
const UNTRUSTED: [&str; 9] = [
    "name",
    "name2",
    "comm",
    "profile",
    "peer",
    "target",
    "label",
    "peer_label",
    "srcname",
];

impl Record {
    /// The AppArmor record on a line of a log, if it holds one.
    pub fn parse(line: &str) -> Option<Record> {
        let at = line.find("apparmor=")?;
        let mut fields = BTreeMap::new();
        let mut rest = &line[at..];
        while !rest.is_empty() {
            rest = rest.trim_start();
            let Some(eq) = rest.find('=') else { break };
            let key = &rest[..eq];
            if key.is_empty() || key.contains(char::is_whitespace) {
                // text that is no field: skip a word
                match rest.find(char::is_whitespace) {
                    Some(sp) => {
                        rest = &rest[sp..];
                        continue;
                    }
                    None => break,
                }
            }
            let after = &rest[eq + 1..];
            let (value, quoted, next) = if let Some(q) = after.strip_prefix('"') {
                match q.find('"') {
                    Some(end) => (&q[..end], true, &q[end + 1..]),
                    None => (q, true, ""),
                }
            } else {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], false, &after[end..])
            };
            let value = if !quoted && UNTRUSTED.contains(&key) {
                unhex(value).unwrap_or_else(|| value.to_string())
            } else {
                value.to_string()
            };
            fields.insert(key.to_string(), value);
            rest = next;
        }
        let verdict = fields.get("apparmor")?.clone();
        Some(Record { verdict, fields })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    /// The profile the record is of: `profile=`, or `label=` as
    /// dbus-daemon writes it.
    pub fn profile(&self) -> Option<&str> {
        self.get("profile").or(self.get("label"))
    }

    /// The permissions denied, as logged: `denied_mask=`, else
    /// `requested_mask=`, else dbus-daemon's `mask=`; empty when none.
    pub fn denied(&self) -> &str {
        self.get("denied_mask")
            .or(self.get("requested_mask"))
            .or(self.get("mask"))
            .unwrap_or_default()
    }

    /// Whether a file access was the file's owner's (its fsuid is the
    /// file's owner), which is what an `owner` rule asks.
    pub fn by_owner(&self) -> bool {
        self.get("fsuid").is_some() && self.get("fsuid") == self.get("ouid")
    }

    /// A denial, or an access complain mode let through.
    pub fn is_denial(&self) -> bool {
        self.verdict == "DENIED" || self.verdict == "ALLOWED"
    }

    /// What was asked for: the class of the access, as the kernel names
    /// it (`file`, `cap`, `net`, `signal`, `ptrace`, `unix`, `dbus`,
    /// `mount`, ...), from `class=` or, for records without it, from the
    /// operation.
    pub fn class(&self) -> &str {
        if let Some(c) = self.get("class") {
            return c;
        }
        match self.get("operation").unwrap_or_default() {
            "capable" => "cap",
            "signal" => "signal",
            "ptrace" => "ptrace",
            "change_profile" | "change_hat" | "change_onexec" => "label",
            op if op.starts_with("dbus") => "dbus",
            "mount" | "umount" | "pivotroot" | "remount" => "mount",
            "create" | "bind" | "connect" | "listen" | "accept" | "sendmsg" | "recvmsg"
            | "getsockname" | "getpeername" | "getsockopt" | "setsockopt" | "socket_shutdown" => {
                if self.get("family") == Some("unix") {
                    "unix"
                } else {
                    "net"
                }
            }
            _ if self.get("name").is_some_and(|n| n.starts_with('/')) => "file",
            _ => "",
        }
    }
}

/// A hexadecimal value decoded (`None` if it is not one).
fn unhex(v: &str) -> Option<String> {
    if v.len() % 2 != 0 || v.is_empty() || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..v.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&v[i..i + 2], 16).ok())
        .collect();
    Some(String::from_utf8_lossy(&bytes?).into_owned())
}

/// The permission letter of a profile's file rule that grants what a
/// letter of a record's file mask asks for (the kernel writes `c`
/// create and `d` delete, which `w` grants); `None` for a letter no
/// rule letter grants.
pub fn rule_letter(mask: char) -> Option<char> {
    match mask {
        'r' => Some('r'),
        'w' | 'c' | 'd' => Some('w'),
        'a' => Some('a'),
        'x' => Some('x'),
        'm' => Some('m'),
        'k' => Some('k'),
        'l' => Some('l'),
        _ => None,
    }
}

/// The kernel's file permission bits of a record's file mask letters
/// (`c` create and `d` delete among them).
pub fn mask_bits(mask: &str) -> u32 {
    mask.chars()
        .map(|c| match c {
            'r' => crate::binpolicy::perms::file::READ,
            'w' => crate::binpolicy::perms::file::WRITE,
            'a' => crate::binpolicy::perms::file::APPEND,
            'x' => crate::binpolicy::perms::file::EXEC,
            'm' => crate::binpolicy::perms::file::MMAP,
            'k' => crate::binpolicy::perms::file::LOCK,
            'l' => crate::binpolicy::perms::file::LINK,
            'c' => crate::binpolicy::perms::file::CREATE,
            'd' => crate::binpolicy::perms::file::DELETE,
            _ => 0,
        })
        .fold(0, |a, b| a | b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dmesg_line_and_an_audit_log_line_read_alike() {
        let dmesg = r#"[   12.345678] audit: type=1400 audit(1733300000.123:45): apparmor="DENIED" operation="mknod" class="file" profile="deny-write" name="/tmp/written" pid=123 comm="sh" requested_mask="c" denied_mask="c" fsuid=0 ouid=0"#;
        let auditd = r#"type=AVC msg=audit(1733300000.123:45): apparmor="DENIED" operation="mknod" class="file" profile="deny-write" name="/tmp/written" pid=123 comm="sh" requested_mask="c" denied_mask="c" fsuid=0 ouid=0"#;
        let a = Record::parse(dmesg).expect("a record");
        assert_eq!(Some(a.clone()), Record::parse(auditd));
        assert_eq!(a.verdict, "DENIED");
        assert_eq!(a.get("name"), Some("/tmp/written"));
        assert_eq!(a.get("fsuid"), Some("0"));
        assert_eq!(a.class(), "file");
    }

    #[test]
    fn hexadecimal_values_are_decoded() {
        let line = r#"apparmor="DENIED" operation="open" profile="p" name=2F746D702F6120622E747874 comm=6D7920617070 requested_mask="r" denied_mask="r""#;
        let r = Record::parse(line).unwrap();
        assert_eq!(r.get("name"), Some("/tmp/a b.txt"));
        assert_eq!(r.get("comm"), Some("my app"));
        assert_eq!(r.class(), "file");
    }

    #[test]
    fn lines_without_a_record_are_none() {
        assert_eq!(Record::parse("[    0.000000] Linux version 6.1.0"), None);
        let cap = Record::parse(r#"audit: type=1400 audit(1.2:3): apparmor="DENIED" operation="capable" profile="p" pid=1 comm="x" capability=12  capname="net_admin""#).unwrap();
        assert_eq!(cap.class(), "cap");
        assert_eq!(cap.get("capname"), Some("net_admin"));
    }
}
