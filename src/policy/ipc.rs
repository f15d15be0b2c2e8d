//! `dbus`, `signal`, `ptrace`, `mqueue`, `io_uring` and `userns` rules.

use std::fmt;

/// FIXME(model): placeholder, to be replaced by the family's typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dbus {}

impl fmt::Display for Dbus {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Dbus")
    }
}

/// FIXME(model): placeholder, to be replaced by the family's typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Signal")
    }
}

/// FIXME(model): placeholder, to be replaced by the family's typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ptrace {}

impl fmt::Display for Ptrace {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Ptrace")
    }
}

/// FIXME(model): placeholder, to be replaced by the family's typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mqueue {}

impl fmt::Display for Mqueue {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Mqueue")
    }
}

/// FIXME(model): placeholder, to be replaced by the family's typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IoUring {}

impl fmt::Display for IoUring {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("IoUring")
    }
}

/// FIXME(model): placeholder, to be replaced by the family's typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Userns {}

impl fmt::Display for Userns {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Userns")
    }
}
