//! Running a walk of a deeply nested syntax tree on a stack sized for it.
//!
//! The walkers of the tree (resolution, checks, linting, formatting,
//! emitting) recurse once per level. A thread's stack (2 MiB for threads
//! Rust spawns, what the caller chose for others) holds a few hundred
//! levels; policy the reference accepts nests up to about 10,000
//! ([`crate::syntax::nesting`]). [`deep`] runs a walk of a tree deeper than
//! [`SHALLOW`] levels on a thread of its own whose stack holds
//! [`crate::syntax::nesting::MAX_NESTING`] more; shallow trees, nearly all
//! of them, run where they are.

use crate::syntax::nesting::MAX_NESTING;
use std::cell::Cell;

/// The levels a walk may take on a thread's own stack.
pub const SHALLOW: usize = 128;

/// Stack bytes reserved per level of nesting: the walkers' frames of one
/// level, unoptimized, with room to spare. The reservation is address
/// space; only the pages a walk touches are ever used.
const PER_LEVEL: usize = 24 * 1024;

thread_local! {
    /// Levels this thread may still hold: [`SHALLOW`] on an ordinary
    /// thread, [`MAX_NESTING`] more on one [`deep`] made.
    static LEFT: Cell<usize> = const { Cell::new(SHALLOW) };
}

/// `f()`, on a stack with room for a tree nested `depth` deep below what
/// the walks already running on this thread hold (an include is walked
/// inside the walk of the file that includes it).
pub fn deep<R: Send>(depth: usize, f: impl FnOnce() -> R + Send) -> R {
    let left = LEFT.with(Cell::get);
    if depth <= left {
        LEFT.with(|l| l.set(left - depth));
        let r = f();
        LEFT.with(|l| l.set(left));
        return r;
    }
    let levels = depth.max(MAX_NESTING) + SHALLOW;
    let job = std::sync::Mutex::new(Some(f));
    let run = || {
        let f = job.lock().ok().and_then(|mut j| j.take());
        f.map(|f| {
            LEFT.with(|l| l.set(levels - depth));
            f()
        })
    };
    let ran = std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("aaprof-deep".into())
            .stack_size(levels.saturating_mul(PER_LEVEL))
            .spawn_scoped(s, run)
            .ok()
            .map(|h| h.join())
    });
    match ran {
        Some(Ok(Some(r))) => r,
        // a panic of the walk is the caller's, as if it ran here
        Some(Err(p)) => std::panic::resume_unwind(p),
        // no thread could be made: walk here, as far as this stack allows
        _ => {
            let f = job
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match f {
                Some(f) => f(),
                None => unreachable!("the job ran on the deep thread or is still here"),
            }
        }
    }
}
