//! The `aaprof` binary: a thin shell around the library.

mod cli;

use clap::Parser;

// Checking a tree allocates many small strings on two threads at once;
// mimalloc is markedly faster at that than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = cli::Cli::parse();
    std::process::exit(cli::run(cli));
}
