//! The `aaprof` binary: a thin shell around the library.

mod cli;

use clap::Parser;

// Checking a tree allocates many small strings on two threads at once;
// mimalloc is markedly faster at that than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_arena_eager_commit` (the same number in its
/// v2 and v3 headers; the crate names no constant for it).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

fn main() {
    // Commit each arena as it is reserved, not a slice at a time as pages
    // are first used: checking apparmor.d takes a tenth less time so.
    // SAFETY: sets an option of the allocator, before any thread is started.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 1) };
    let cli = cli::Cli::parse();
    std::process::exit(cli::run(cli));
}
