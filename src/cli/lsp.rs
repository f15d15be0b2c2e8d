//! `aaprof lsp`: the language server on standard input and output.

use super::PolicyArgs;
use super::exit;

#[derive(clap::Args, Debug)]
pub struct LspArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Accepted for clients that pass it (the server always speaks over
    /// standard input and output).
    #[arg(long, hide = true)]
    pub stdio: bool,
}

pub fn run(a: LspArgs) -> i32 {
    let options = match super::check::options(&a.policy) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("aaprof: error: {e:#}");
            return exit::USAGE;
        }
    };
    let (conn, io) = lsp_server::Connection::stdio();
    let served = aaprof::lsp::serve(&conn, aaprof::lsp::Defaults { options });
    drop(conn);
    let joined = io.join();
    match (served, joined) {
        (Ok(()), Ok(())) => exit::OK,
        (Err(e), _) => {
            eprintln!("aaprof lsp: {e}");
            exit::USAGE
        }
        (_, Err(e)) => {
            eprintln!("aaprof lsp: {e}");
            exit::USAGE
        }
    }
}
