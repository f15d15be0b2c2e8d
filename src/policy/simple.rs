//! `capability` and `set rlimit` rules.

use crate::vocab::RlimitValue;
use std::fmt;

/// `capability [NAME...],`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capability {
    /// The names as written (the kernel's list may extend the built-in
    /// one); empty for every capability.
    pub names: Vec<String>,
}

/// `set rlimit NAME <= VALUE,`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rlimit {
    pub name: String,
    /// In the kernel's unit (see [`RlimitValue`]).
    pub value: RlimitValue,
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("capability")?;
        for n in &self.names {
            write!(f, " {n}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Rlimit {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "set rlimit {} <= ", self.name)?;
        match self.value {
            RlimitValue::Infinity => f.write_str("infinity"),
            // `nice` is kept as `nice + 20`; the other values are written
            // in the unit a bare number has
            RlimitValue::Limit(n) if self.name == "nice" => write!(f, "{}", n as i64 - 20),
            RlimitValue::Limit(n) => write!(f, "{n}"),
        }
    }
}
