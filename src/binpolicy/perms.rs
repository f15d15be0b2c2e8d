//! What an accepting state of an automaton means, in the kernel's terms
//! (its `struct aa_perms`), decoded from either encoding a binary policy
//! can carry:
//!
//! - **permission tables** (`perms` element: a version and an array of
//!   n × 14 u32; ACCEPT holds an index into it). The file automaton's
//!   table has two entries per permission set, the owner's and everyone
//!   else's; with `permsv` 3 its ACCEPT2 holds per-state flags, bit 0 (the
//!   kernel's `ACCEPT_FLAG_OWNER`) saying that entry `index` applies to the
//!   file's owner and `index + 1` to others. Without the flag, entry
//!   `index` applies to everyone.
//! - **legacy accept tables**: the permissions packed into ACCEPT and
//!   ACCEPT2 as the kernel's `policy_compat.c` unpacks them. The file
//!   automaton's ACCEPT holds the owner's half in bits 0-13 and the
//!   others' in bits 14-27 (7 permission bits then 7 exec-mode bits each),
//!   bit 30 onexec and bit 31 change_profile for both; ACCEPT2 is
//!   `PACK_AUDIT_CTL(audit, quiet)`: audit in bits 0-6 (owner) and 14-20
//!   (other), quiet 7 bits above each. The policy automaton uses the same
//!   packing, the second half extending the permission set; the
//!   attachment automaton only the first 7 bits and bit 31.
//!
//! The result is a [`Perms`] (policy and attachment automata) or a
//! [`FilePerms`] (file automaton), so that two policies with the same
//! meaning in different encodings decode to equal values.

use super::{DecodeError, Element, Value};
use std::fmt;

/// The kernel's `struct aa_perms` (without its reserved word), in the
/// order of the permission table's columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Perms {
    pub allow: u32,
    pub deny: u32,
    pub subtree: u32,
    pub cond: u32,
    pub kill: u32,
    pub complain: u32,
    pub prompt: u32,
    pub audit: u32,
    pub quiet: u32,
    pub hide: u32,
    /// The exec transition: [`x`] flags and, with [`x::TABLE`], an index
    /// into the profile's transition table (`xtable`).
    pub xindex: u32,
    pub tag: u32,
    pub label: u32,
}

/// The file automaton's permissions: for the file's owner and for others.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FilePerms {
    pub user: Perms,
    pub other: Perms,
}

/// The kernel's file permission bits (`AA_MAY_*`, perms.h).
pub mod file {
    pub const EXEC: u32 = 1;
    pub const WRITE: u32 = 2;
    pub const READ: u32 = 4;
    pub const APPEND: u32 = 8;
    pub const CREATE: u32 = 0x10;
    pub const DELETE: u32 = 0x20;
    pub const OPEN: u32 = 0x40;
    pub const RENAME: u32 = 0x80;
    pub const SETATTR: u32 = 0x100;
    pub const GETATTR: u32 = 0x200;
    pub const SETCRED: u32 = 0x400;
    pub const GETCRED: u32 = 0x800;
    pub const CHMOD: u32 = 0x1000;
    pub const CHOWN: u32 = 0x2000;
    pub const CHGRP: u32 = 0x4000;
    /// Also the link-subset test, in a link pair's second state.
    pub const LOCK: u32 = 0x8000;
    pub const MMAP: u32 = 0x1_0000;
    pub const MPROT: u32 = 0x2_0000;
    pub const LINK: u32 = 0x4_0000;
    pub const SNAPSHOT: u32 = 0x8_0000;
    pub const CONT_MATCH: u32 = 0x0800_0000;
    pub const STACK: u32 = 0x1000_0000;
    pub const ONEXEC: u32 = 0x2000_0000;
    pub const CHANGE_PROFILE: u32 = 0x4000_0000;
    pub const CHANGEHAT: u32 = 0x8000_0000;

    /// Every bit with its name, for display.
    pub const NAMES: [(u32, &str); 25] = [
        (READ, "r"),
        (WRITE, "w"),
        (APPEND, "a"),
        (EXEC, "x"),
        (MMAP, "m"),
        (LOCK, "k"),
        (LINK, "l"),
        (CREATE, "create"),
        (DELETE, "delete"),
        (OPEN, "open"),
        (RENAME, "rename"),
        (SETATTR, "setattr"),
        (GETATTR, "getattr"),
        (SETCRED, "setcred"),
        (GETCRED, "getcred"),
        (CHMOD, "chmod"),
        (CHOWN, "chown"),
        (CHGRP, "chgrp"),
        (MPROT, "mprot"),
        (SNAPSHOT, "snapshot"),
        (CONT_MATCH, "cont_match"),
        (STACK, "stack"),
        (ONEXEC, "onexec"),
        (CHANGE_PROFILE, "change_profile"),
        (CHANGEHAT, "change_hat"),
    ];
}

/// The bits of [`Perms::xindex`] (`AA_X_*`, perms.h).
pub mod x {
    /// The index into the transition table.
    pub const INDEX_MASK: u32 = 0x00ff_ffff;
    /// px/cx without a target: the executable's name.
    pub const NAME: u32 = 0x0400_0000;
    /// A named target, `INDEX_MASK` its place in the transition table.
    pub const TABLE: u32 = 0x0800_0000;
    pub const UNSAFE: u32 = 0x1000_0000;
    pub const CHILD: u32 = 0x2000_0000;
    pub const INHERIT: u32 = 0x4000_0000;
    pub const UNCONFINED: u32 = 0x8000_0000;
}

/// The owner flag of a file automaton's ACCEPT2 with permission tables.
pub const ACCEPT_FLAG_OWNER: u32 = 1;

/// The columns of a permission table entry.
const COLUMNS: usize = 14;

/// Decode a `perms` struct: its version and the entries of its array.
pub fn decode_table(e: &Element) -> Result<Vec<Perms>, DecodeError> {
    let bad = |why: &str| DecodeError::BadDfa {
        offset: e.offset,
        why: format!("permission table: {why}"),
    };
    let fields = e.children();
    match Element::find(fields, "version").and_then(Element::as_u32) {
        Some(1) => {}
        Some(v) => return Err(bad(&format!("version {v}, not 1"))),
        None => return Err(bad("no version")),
    }
    let Some(array) = fields.iter().find(|c| matches!(c.value, Value::Array(_))) else {
        return Err(bad("no array of entries"));
    };
    let words: Option<Vec<u32>> = array.children().iter().map(Element::as_u32).collect();
    let words = words.ok_or_else(|| bad("an entry that is not a u32"))?;
    if words.len() % COLUMNS != 0 {
        return Err(bad(&format!(
            "{} words, not a multiple of {COLUMNS}",
            words.len()
        )));
    }
    Ok(words
        .chunks(COLUMNS)
        .map(|w| Perms {
            allow: w[1],
            deny: w[2],
            subtree: w[3],
            cond: w[4],
            kill: w[5],
            complain: w[6],
            prompt: w[7],
            audit: w[8],
            quiet: w[9],
            hide: w[10],
            xindex: w[11],
            tag: w[12],
            label: w[13],
        })
        .collect())
}

/// An old exec mode (7 bits above the 7 permission bits of a half) as
/// the kernel's `xindex`.
fn map_xindex(half: u32) -> u32 {
    let old = (half >> 10) & 0xf;
    let mut index = 0;
    if half & 0x100 != 0 {
        index |= x::UNSAFE;
    }
    if half & 0x200 != 0 {
        index |= x::INHERIT;
    }
    if half & 0x80 != 0 {
        index |= x::UNCONFINED;
    }
    index |= match old {
        0 => 0,
        1 => x::UNCONFINED,
        2 => x::NAME,
        3 => x::NAME | x::CHILD,
        n => x::TABLE | (n - 4),
    };
    index
}

/// The old 7-bit file permission layout as the kernel's bits.
pub fn map_old_perms(old: u32) -> u32 {
    let mut p = old & 0xf;
    if old & file::READ != 0 {
        p |= file::GETATTR | file::OPEN;
    }
    if old & file::WRITE != 0 {
        p |= file::SETATTR | file::CREATE | file::DELETE | file::CHMOD | file::CHOWN | file::OPEN;
    }
    if old & 0x10 != 0 {
        p |= file::LINK;
    }
    // lock and the link-subset test shared a bit
    if old & 0x20 != 0 {
        p |= file::LOCK;
    }
    if old & 0x40 != 0 {
        p |= file::MMAP;
    }
    p
}

/// One half of a legacy file accept entry; `shift` 0 for the owner, 14
/// for others.
fn legacy_file_half(accept1: u32, accept2: u32, shift: u32) -> Perms {
    let half = (accept1 >> shift) & 0x3fff;
    let mut allow = map_old_perms(half & 0x7f) | file::GETATTR;
    // change_profile and onexec were never split by ownership
    if accept1 & 0x8000_0000 != 0 {
        allow |= file::CHANGE_PROFILE;
    }
    if accept1 & 0x4000_0000 != 0 {
        allow |= file::ONEXEC;
    }
    Perms {
        allow,
        audit: map_old_perms((accept2 >> shift) & 0x7f),
        quiet: map_old_perms((accept2 >> (shift + 7)) & 0x7f),
        xindex: map_xindex(half),
        ..Perms::default()
    }
}

/// A legacy file automaton's state: ACCEPT and ACCEPT2 as the kernel
/// maps them (`compute_fperms_user`/`compute_fperms_other`). Every
/// state, the trap state too, gets `getattr`.
pub fn legacy_file(accept1: u32, accept2: u32) -> FilePerms {
    FilePerms {
        user: legacy_file_half(accept1, accept2, 0),
        other: legacy_file_half(accept1, accept2, 14),
    }
}

/// The second half's 7 bits extend a policy automaton's permissions.
pub fn map_other(v: u32) -> u32 {
    ((v & 0x3) << 8) | ((v & 0x1c) << 18) | ((v & 0x60) << 19)
}

/// The exec-mode bits of a policy automaton's first half (kernel abi 9).
fn map_xbits(v: u32) -> u32 {
    ((v & 0x1) << 7) | ((v & 0x7e) << 9)
}

/// A legacy policy automaton's state (`compute_perms_entry`); `kabi` is
/// the record's kernel abi (the `version` element's low 10 bits). The
/// trap state means nothing (all zero).
pub fn legacy_policy(state: u32, accept1: u32, accept2: u32, kabi: u32) -> Perms {
    if state == super::dfa::TRAP {
        return Perms::default();
    }
    let user_allow = (accept1 & 0x7f) | (accept1 & 0x8000_0000);
    let other_allow = ((accept1 >> 14) & 0x7f) | (accept1 & 0x8000_0000);
    let mut allow = user_allow | map_other(other_allow);
    // the network classes' "continue matching" bit, written in the
    // accept word as AA_COMPAT_CONT_MATCH (the reference's
    // policy_compat.cc)
    if accept1 & (file::CONT_MATCH << 1) != 0 {
        allow |= file::CONT_MATCH;
    }
    let mut quiet = (accept2 >> 7) & 0x7f;
    if kabi <= 8 {
        allow |= file::LOCK;
    } else {
        allow |= map_xbits((accept1 >> 7) & 0x7f);
        quiet |= map_xbits((accept1 >> 21) & 0x7f);
    }
    Perms {
        allow,
        audit: (accept2 & 0x7f) | map_other((accept2 >> 14) & 0x7f),
        quiet: quiet | map_other((accept2 >> 21) & 0x7f),
        ..Perms::default()
    }
}

/// A legacy attachment automaton's state (`compute_xmatch_perms`): only
/// the allow bits of the first half.
pub fn legacy_xmatch(state: u32, accept1: u32) -> Perms {
    if state == super::dfa::TRAP {
        return Perms::default();
    }
    Perms {
        allow: (accept1 & 0x7f) | (accept1 & 0x8000_0000),
        ..Perms::default()
    }
}

/// Which automaton of a record, for its accept encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// The attachment (xmatch) automaton.
    Attachment,
    /// The policy automaton (`policydb`): every class but file paths.
    Policy,
    /// The file automaton.
    File,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Attachment => "attachment automaton",
            Kind::Policy => "policy automaton",
            Kind::File => "file automaton",
        })
    }
}

/// How an automaton's accept tables are to be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoding {
    pub kind: Kind,
    /// The permission table, when the automaton has one.
    pub table: Option<Vec<Perms>>,
    /// With a permission table: ACCEPT2 holds the owner flag (`permsv` 3).
    pub owner_flags: bool,
    /// The record's kernel abi (for the legacy policy automaton).
    pub kabi: u32,
}

/// A state's meaning: a file automaton's two halves or one set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Meaning {
    One(Perms),
    File(FilePerms),
}

impl Encoding {
    /// The meaning of `state` whose ACCEPT and ACCEPT2 entries are given
    /// (0 where the automaton has no ACCEPT2), as the kernel reads it. A
    /// permission-table index out of range is an error (the kernel
    /// rejects such a policy).
    pub fn meaning(&self, state: u32, accept: u32, accept2: u32) -> Result<Meaning, String> {
        let Some(table) = &self.table else {
            return Ok(match self.kind {
                Kind::File => Meaning::File(legacy_file(accept, accept2)),
                Kind::Policy => Meaning::One(legacy_policy(state, accept, accept2, self.kabi)),
                Kind::Attachment => Meaning::One(legacy_xmatch(state, accept)),
            });
        };
        let get = |i: u32| {
            table.get(i as usize).copied().ok_or_else(|| {
                format!(
                    "state {state}: permission index {i} beyond the table's {} entries",
                    table.len()
                )
            })
        };
        Ok(match self.kind {
            Kind::File => {
                let user = get(accept)?;
                let other = if self.owner_flags && accept2 & ACCEPT_FLAG_OWNER != 0 {
                    get(accept.saturating_add(1))?
                } else {
                    user
                };
                Meaning::File(FilePerms { user, other })
            }
            _ => Meaning::One(get(accept)?),
        })
    }
}

/// A set of file permission bits by name (`r w open getattr`), unknown
/// bits in hex.
pub fn file_bits(bits: u32) -> String {
    let mut names: Vec<String> = Vec::new();
    let mut rest = bits;
    for (b, n) in file::NAMES {
        if bits & b != 0 {
            names.push(n.to_string());
            rest &= !b;
        }
    }
    if rest != 0 {
        names.push(format!("0x{rest:x}"));
    }
    if names.is_empty() {
        "-".into()
    } else {
        names.join(" ")
    }
}

/// An exec transition (`xindex`) in words, the table's target named.
pub fn exec_text(xindex: u32, xtable: &[String]) -> String {
    let mut words = Vec::new();
    for (b, n) in [
        (x::UNSAFE, "unsafe"),
        (x::INHERIT, "inherit"),
        (x::UNCONFINED, "unconfined"),
        (x::CHILD, "child"),
        (x::NAME, "name"),
    ] {
        if xindex & b != 0 {
            words.push(n.to_string());
        }
    }
    if xindex & x::TABLE != 0 {
        let i = (xindex & x::INDEX_MASK) as usize;
        match xtable.get(i) {
            Some(t) => words.push(format!("-> {:?}", t.replace('\0', ":"))),
            None => words.push(format!("-> table entry {i} (missing)")),
        }
    } else if xindex & x::INDEX_MASK != 0 {
        words.push(format!("index {}", xindex & x::INDEX_MASK));
    }
    words.join(" ")
}

impl Perms {
    /// The entry as the permission table holds it (the reserved word
    /// first).
    pub fn to_words(&self) -> [u32; 14] {
        [
            0,
            self.allow,
            self.deny,
            self.subtree,
            self.cond,
            self.kill,
            self.complain,
            self.prompt,
            self.audit,
            self.quiet,
            self.hide,
            self.xindex,
            self.tag,
            self.label,
        ]
    }

    /// The fields that are set, in words; file bits named when `file`.
    pub fn text(&self, file: bool, xtable: &[String]) -> String {
        let bits = |v: u32| {
            if file {
                file_bits(v)
            } else {
                format!("0x{v:x}")
            }
        };
        let mut parts = Vec::new();
        for (n, v) in [
            ("allow", self.allow),
            ("deny", self.deny),
            ("subtree", self.subtree),
            ("cond", self.cond),
            ("kill", self.kill),
            ("complain", self.complain),
            ("prompt", self.prompt),
            ("audit", self.audit),
            ("quiet", self.quiet),
            ("hide", self.hide),
        ] {
            if v != 0 {
                parts.push(format!("{n} {}", bits(v)));
            }
        }
        if self.xindex != 0 {
            parts.push(format!("exec {}", exec_text(self.xindex, xtable)));
        }
        for (n, v) in [("tag", self.tag), ("label", self.label)] {
            if v != 0 {
                parts.push(format!("{n} 0x{v:x}"));
            }
        }
        if parts.is_empty() {
            "nothing".into()
        } else {
            parts.join("; ")
        }
    }

    /// Whether two entries mean the same, exec targets compared by the
    /// name their transition table gives them.
    pub fn same(&self, xa: &[String], other: &Perms, xb: &[String]) -> bool {
        let strip = |p: &Perms| Perms { xindex: 0, ..*p };
        if strip(self) != strip(other) {
            return false;
        }
        let (a, b) = (self.xindex, other.xindex);
        if a & x::TABLE == 0 || b & x::TABLE == 0 {
            return a == b;
        }
        a & !x::INDEX_MASK == b & !x::INDEX_MASK
            && xa.get((a & x::INDEX_MASK) as usize) == xb.get((b & x::INDEX_MASK) as usize)
    }
}

impl Meaning {
    /// Whether two meanings are the same (see [`Perms::same`]).
    pub fn same(&self, xa: &[String], other: &Meaning, xb: &[String]) -> bool {
        match (self, other) {
            (Meaning::One(a), Meaning::One(b)) => a.same(xa, b, xb),
            (Meaning::File(a), Meaning::File(b)) => {
                a.user.same(xa, &b.user, xb) && a.other.same(xa, &b.other, xb)
            }
            _ => false,
        }
    }

    /// In words, with the transition table for exec targets.
    pub fn text(&self, xtable: &[String]) -> String {
        match self {
            Meaning::One(p) => p.text(false, xtable),
            Meaning::File(f) if f.user == f.other => {
                format!("owner and other: {}", f.user.text(true, xtable))
            }
            Meaning::File(f) => format!(
                "owner: {} | other: {}",
                f.user.text(true, xtable),
                f.other.text(true, xtable)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RW_OPEN_ETC: u32 = file::READ
        | file::WRITE
        | file::APPEND
        | file::GETATTR
        | file::OPEN
        | file::SETATTR
        | file::CREATE
        | file::DELETE
        | file::CHMOD
        | file::CHOWN;

    /// `file,` in POLICY-FORMAT.md's annotated dump: accept 0x9fc27f,
    /// rwlkm and ix for owner and others.
    #[test]
    fn file_rule_accept_decodes_to_rwlkm_ix_for_both_halves() {
        let f = legacy_file(0x9f_c27f, 0);
        assert_eq!(f.user, f.other);
        let want = RW_OPEN_ETC | file::EXEC | file::LINK | file::LOCK | file::MMAP;
        assert_eq!(f.user.allow, want, "{}", file_bits(f.user.allow));
        assert_eq!(f.user.xindex, x::INHERIT, "ix");
        assert_eq!(f.user.audit | f.user.quiet, 0);
    }

    /// After `deny /** w`: accept 0x9d4275, w and a gone from both halves;
    /// ACCEPT2 0x1400500 quiets them.
    #[test]
    fn deny_write_strips_w_and_a_and_quiets_them() {
        let f = legacy_file(0x9d_4275, 0x140_0500);
        assert_eq!(f.user, f.other);
        assert_eq!(f.user.allow & (file::WRITE | file::APPEND), 0);
        assert_ne!(f.user.allow & file::READ, 0);
        assert_eq!(f.user.audit, 0);
        assert_eq!(
            f.user.quiet,
            map_old_perms(file::WRITE | file::APPEND),
            "{}",
            file_bits(f.user.quiet)
        );
    }

    /// The implied link pair's second state: 0x40030, link for both
    /// halves and the subset test (which shares lock's bit) in the
    /// owner's half only, as the reference writes it.
    #[test]
    fn link_pair_state_is_link_and_subset() {
        let f = legacy_file(0x4_0030, 0);
        assert_eq!(f.user.allow, file::LINK | file::LOCK | file::GETATTR);
        assert_eq!(f.other.allow, file::LINK | file::GETATTR);
    }

    #[test]
    fn owner_only_rules_live_in_the_first_half() {
        // `owner /b w`: write in the user half only
        let f = legacy_file(0x2, 0);
        assert_ne!(f.user.allow & file::WRITE, 0);
        assert_eq!(f.other.allow, file::GETATTR);
    }

    #[test]
    fn exec_modes_map_to_xindex() {
        // px (profile: modifier 2) with unsafe clear
        assert_eq!(map_xindex(0x1 | (2 << 10)), x::NAME);
        // a named target: modifier 4 + n is table entry n
        assert_eq!(
            map_xindex(0x1 | 0x100 | (5 << 10)),
            x::UNSAFE | x::TABLE | 1
        );
        // ux
        assert_eq!(map_xindex(0x1 | 0x80 | (1 << 10)), x::UNCONFINED);
    }

    #[test]
    fn table_targets_compare_by_name() {
        let a = Perms {
            xindex: x::TABLE,
            ..Perms::default()
        };
        let b = Perms {
            xindex: x::TABLE | 1,
            ..Perms::default()
        };
        let ta = ["b".to_string(), "c".to_string()];
        let tb = ["c".to_string(), "b".to_string()];
        assert!(a.same(&ta, &b, &tb));
        assert!(!a.same(&ta, &b, &ta));
        assert_eq!(exec_text(a.xindex, &ta), "-> \"b\"");
    }

    #[test]
    fn policy_legacy_entries_extend_with_the_second_half() {
        // allow 0x4 in the first half: the `mediates` marker of a class
        let p = legacy_policy(3, 0x4, 0, 7);
        assert_eq!(p.allow, 0x4 | file::LOCK);
        assert_eq!(legacy_policy(0, 0x4, 0, 7), Perms::default());
        // the second half's first bits are setattr/getattr
        assert_eq!(legacy_policy(3, 0x3 << 14, 0, 7).allow, 0x300 | file::LOCK);
    }

    #[test]
    fn a_table_index_out_of_range_is_an_error() {
        let enc = Encoding {
            kind: Kind::File,
            table: Some(vec![Perms::default(); 2]),
            owner_flags: true,
            kabi: 7,
        };
        assert!(enc.meaning(2, 0, 1).is_ok());
        assert!(enc.meaning(2, 1, 1).is_err(), "index + 1 beyond the table");
        assert!(enc.meaning(2, 2, 0).is_err());
    }
}
