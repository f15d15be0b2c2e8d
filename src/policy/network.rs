//! `network` and `unix` rules.

use std::fmt;

/// FIXME(model): placeholder, to be replaced by the family's typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Network")
    }
}

/// FIXME(model): placeholder, to be replaced by the family's typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unix {}

impl fmt::Display for Unix {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Unix")
    }
}
