//! `mount`, `remount`, `umount` and `pivot_root` rules.

use std::fmt;

/// FIXME(model): placeholder, to be replaced by the family's typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {}

impl fmt::Display for Mount {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Mount")
    }
}

/// FIXME(model): placeholder, to be replaced by the family's typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remount {}

impl fmt::Display for Remount {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Remount")
    }
}

/// FIXME(model): placeholder, to be replaced by the family's typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Umount {}

impl fmt::Display for Umount {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Umount")
    }
}

/// FIXME(model): placeholder, to be replaced by the family's typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PivotRoot {}

impl fmt::Display for PivotRoot {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("PivotRoot")
    }
}
