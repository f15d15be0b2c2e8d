//! Digests: the 64-bit hashes that tell one version of a thing from
//! another (a file's text, the values of a variable, what a rule can see
//! of a profile), for the caches that keep answers across versions.
//!
//! One hash function for all of them, fast (digests are taken anew on
//! every edit the language server analyses, over every rule a profile
//! includes) and of good quality: foldhash's, with a fixed seed, so that
//! a digest means the same in every thread and run.

use std::hash::{BuildHasher, Hash, Hasher};

/// A hasher to feed the parts of a digest into.
pub fn hasher() -> impl Hasher {
    foldhash::quality::FixedState::with_seed(0).build_hasher()
}

/// The digest of one value.
pub fn of(value: &(impl Hash + ?Sized)) -> u64 {
    let mut h = hasher();
    value.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_have_equal_digests_and_others_differ() {
        assert_eq!(of("profile a {}"), of("profile a {}"));
        assert_ne!(of("profile a {}"), of("profile b {}"));
        assert_ne!(of(&("a", "bc")), of(&("ab", "c")));
    }
}
