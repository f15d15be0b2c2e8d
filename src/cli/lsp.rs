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
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprintln!(
            "aaprof lsp: speaking the Language Server Protocol on standard input and output; \
             an editor starts it (see editors/ in the aaprof repository)"
        );
    }
    let (conn, io) = lsp_server::Connection::stdio();
    let served = aaprof::lsp::serve(&conn, aaprof::lsp::Defaults { options });
    drop(conn);
    let joined = io.join();
    // the reader's failure, when there is one, is why the session ended
    match (served, joined) {
        (Ok(()), Ok(())) => exit::OK,
        (Err(e), Ok(())) => {
            eprintln!("aaprof lsp: {e}");
            exit::USAGE
        }
        (_, Err(e)) => {
            eprintln!(
                "aaprof lsp: the client's messages could not be read ({e}); \
                 the server expects JSON-RPC messages framed by `Content-Length` headers"
            );
            exit::USAGE
        }
    }
}
