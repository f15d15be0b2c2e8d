//! A bounded table of answers already computed, shared by threads: what
//! a long-running server asks again and again (whether two patterns
//! overlap, whether one covers another) is decided once. When the table
//! is full it starts afresh, so typing new patterns cannot grow it
//! without bound.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};

#[derive(Debug)]
pub struct Memo<K, V> {
    answers: Mutex<HashMap<K, V, foldhash::fast::RandomState>>,
    limit: usize,
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Memo<K, V> {
        Memo::with_limit(Self::DEFAULT_LIMIT)
    }
}

impl<K, V> Memo<K, V> {
    /// How many answers a [`Memo::default`] keeps.
    pub const DEFAULT_LIMIT: usize = 1 << 16;

    /// A table that keeps at most `limit` answers.
    pub fn with_limit(limit: usize) -> Memo<K, V> {
        Memo {
            answers: Mutex::new(HashMap::default()),
            limit: limit.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, V, foldhash::fast::RandomState>> {
        // a panic while holding the lock cannot leave the table inconsistent
        self.answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many answers are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Hash + Eq, V: Clone> Memo<K, V> {
    /// The answer kept for `key`, else `compute`'s, which is then kept.
    /// The lock is not held while computing.
    pub fn get_or<Q>(&self, key: &Q, compute: impl FnOnce() -> V) -> V
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(v) = self.get(key) {
            return v;
        }
        let v = compute();
        self.insert(key.to_owned(), v.clone());
        v
    }

    /// The answer kept for `key`, if any.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().get(key).cloned()
    }

    /// Keep an answer (for an answer not always worth keeping, which
    /// [`Memo::get_or`] cannot leave out).
    pub fn insert(&self, key: K, v: V) {
        let mut answers = self.lock();
        if answers.len() >= self.limit {
            answers.clear();
        }
        answers.insert(key, v);
    }

    /// Forget the answers whose key fails `keep`.
    pub fn retain(&self, keep: impl Fn(&K) -> bool) {
        self.lock().retain(|k, _| keep(k));
    }
}

#[cfg(test)]
mod tests;
