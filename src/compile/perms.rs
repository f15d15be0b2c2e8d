//! Permissions on accepting states, with the kernel compiler's semantics:
//! the permission bits of file rules (user and other halves, exec
//! transitions), and how the rules an input matches combine into one
//! state's permissions: priority, deny over allow, exact matches over
//! globs for exec, and the implied `m` of `ix`.

/// File permission bits of one half (the reference's `immunix.h`); the
/// other half is the same shifted by [`OTHER_SHIFT`].
pub mod bit {
    pub const EXEC: u32 = 1 << 0;
    pub const WRITE: u32 = 1 << 1;
    pub const READ: u32 = 1 << 2;
    pub const APPEND: u32 = 1 << 3;
    pub const LINK: u32 = 1 << 4;
    pub const LOCK: u32 = 1 << 5;
    pub const MMAP: u32 = 1 << 6;
    /// `pux`/`cux`: fall back to unconfined.
    pub const PUX: u32 = 1 << 7;
    /// The environment is not scrubbed.
    pub const UNSAFE: u32 = 1 << 8;
    pub const INHERIT: u32 = 1 << 9;
    /// The four exec modifier bits: 1 unconfined, 2 profile, 3 child
    /// (local), 4 to 15 an index into the transition table.
    pub const MOD_SHIFT: u32 = 10;
    pub const MODS: u32 = 0xf << MOD_SHIFT;
    pub const UNCONFINED: u32 = 1 << MOD_SHIFT;
    pub const PROFILE: u32 = 2 << MOD_SHIFT;
    pub const LOCAL: u32 = 3 << MOD_SHIFT;
    /// Everything that says how an exec happens.
    pub const EXEC_TYPE: u32 = UNSAFE | INHERIT | PUX | MODS;
    /// One half.
    pub const HALF: u32 = 0x3fff;
    /// `change_profile` (shared by both halves).
    pub const CHANGE_PROFILE: u32 = 1 << 31;
    /// `change_profile` on exec, and the "change hat" bit.
    pub const ONEXEC: u32 = 1 << 30;
    /// The link subset test (the bit above link).
    pub const LINK_SUBSET: u32 = 1 << 5;
}

/// The other half's shift.
pub const OTHER_SHIFT: u32 = 14;
/// Both halves of `bits`.
pub fn both(bits: u32) -> u32 {
    (bits & bit::HALF) | ((bits & bit::HALF) << OTHER_SHIFT)
}
const USER_EXEC: u32 = bit::EXEC;
const OTHER_EXEC: u32 = bit::EXEC << OTHER_SHIFT;
const USER_EXEC_TYPE: u32 = bit::EXEC_TYPE;
const OTHER_EXEC_TYPE: u32 = bit::EXEC_TYPE << OTHER_SHIFT;
const ALL_EXEC_TYPE: u32 = USER_EXEC_TYPE | OTHER_EXEC_TYPE;
/// Both halves' link bits.
pub const LINK_BITS: u32 = bit::LINK | (bit::LINK << OTHER_SHIFT);

/// The priority the reference gives its own markers, above any rule's.
pub const MAX_INTERNAL_PRIORITY: i32 = 1001;
/// And below any rule's.
pub const MIN_INTERNAL_PRIORITY: i32 = -1001;

/// How a rule's match asserts its permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Allow,
    /// An allow rule without wildcards: its exec transition wins over a
    /// glob's.
    Exact,
    Deny,
    Prompt,
}

/// What one rule (or an implied one) contributes where it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Entry {
    pub priority: i32,
    pub kind: Kind,
    pub perms: u32,
    pub audit: u32,
}

/// A state's permissions before they are encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StatePerms {
    pub allow: u32,
    pub deny: u32,
    pub prompt: u32,
    pub audit: u32,
    pub quiet: u32,
}

/// Two rules' exec transitions that cannot be merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("conflicting exec transitions")]
pub struct Conflict;

fn consistent(a: u32, b: u32) -> bool {
    !((a & USER_EXEC != 0 && b & USER_EXEC != 0 && a & USER_EXEC_TYPE != b & USER_EXEC_TYPE)
        || (a & OTHER_EXEC != 0
            && b & OTHER_EXEC != 0
            && a & OTHER_EXEC_TYPE != b & OTHER_EXEC_TYPE))
}

impl StatePerms {
    fn clear(&mut self, bits: u32) {
        self.allow &= !bits;
        self.deny &= !bits;
        self.prompt &= !bits;
        self.audit &= !bits;
        self.quiet &= !bits;
    }

    /// The permissions of a state where `entries` match (`file`: the file
    /// automaton, whose exec bits carry their transition).
    pub fn of(entries: &[&Entry], file: bool) -> Result<StatePerms, Conflict> {
        let mut p = StatePerms::default();
        let mut priority = [MIN_INTERNAL_PRIORITY * 4; 32];
        for e in entries {
            let mut check = e.perms | e.audit;
            if file {
                check &= !ALL_EXEC_TYPE;
            }
            while check != 0 {
                let i = check.trailing_zeros();
                check &= check - 1;
                p.update(&mut priority, i, e, file)?;
            }
        }
        if file && p.allow & (USER_EXEC | OTHER_EXEC) != 0 {
            // `ix` implies `m` unless a higher priority said otherwise
            for (x, m, inherit) in [
                (0usize, 6usize, bit::INHERIT),
                (14, 20, bit::INHERIT << OTHER_SHIFT),
            ] {
                if p.allow & (1 << x) != 0 && p.allow & inherit != 0 && priority[m] <= priority[x] {
                    p.allow |= 1 << m;
                    priority[m] = priority[x];
                }
            }
        }
        Ok(p)
    }

    fn update(
        &mut self,
        priority: &mut [i32; 32],
        i: u32,
        e: &Entry,
        file: bool,
    ) -> Result<(), Conflict> {
        let mask = 1u32 << i;
        let mut xmask = 0;
        let mut amask = mask;
        let mut pri = e.priority << 2;
        pri += match e.kind {
            Kind::Deny => 3,
            Kind::Exact if mask & (USER_EXEC | OTHER_EXEC) != 0 => 2,
            Kind::Prompt => 0,
            _ => 1,
        };
        let slot = &mut priority[i as usize];
        if *slot > pri {
            return Ok(());
        }
        if file {
            if mask & USER_EXEC != 0 {
                xmask = USER_EXEC_TYPE;
                amask = mask | xmask;
            } else if mask & OTHER_EXEC != 0 {
                xmask = OTHER_EXEC_TYPE;
                amask = mask | xmask;
            }
        }
        if *slot < pri {
            *slot = pri;
            self.clear(amask);
        }
        let conflict = |p: &StatePerms| {
            file && xmask != 0 && p.allow & amask != 0 && !consistent(p.allow, e.perms & amask)
        };
        match e.kind {
            Kind::Deny => {
                self.deny |= e.perms & amask;
                self.quiet |= e.audit & amask;
                self.allow &= !amask;
                self.audit &= !amask;
                self.prompt &= !amask;
            }
            Kind::Exact => {
                if conflict(self) {
                    return Err(Conflict);
                }
                self.allow &= !xmask;
                self.audit &= !xmask;
                self.prompt &= !xmask;
                self.allow |= e.perms & amask;
                self.audit |= e.audit & amask;
            }
            Kind::Allow => {
                if conflict(self) {
                    return Err(Conflict);
                }
                self.allow |= e.perms & amask;
                self.audit |= e.audit & amask;
            }
            Kind::Prompt => {
                if conflict(self) {
                    return Err(Conflict);
                }
                self.prompt |= e.perms & amask;
                self.audit |= e.audit & amask;
            }
        }
        Ok(())
    }

    /// Deny applied and dropped, for tables that cannot carry it.
    pub fn apply_deny(mut self) -> StatePerms {
        if self.deny != 0 {
            self.allow &= !self.deny;
            self.prompt &= !self.deny;
            self.deny = 0;
        }
        self
    }

    /// The legacy accept words: allow, and audit and quiet packed.
    pub fn legacy(&self) -> (u32, u32) {
        (
            self.allow,
            (self.audit & 0x1f_c07f) | ((self.quiet & 0x1f_c07f) << 7),
        )
    }
}
