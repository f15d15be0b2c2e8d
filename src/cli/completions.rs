//! `aaprof completions`: shell completion scripts, generated from the
//! same clap definitions that parse the command line (so they cannot fall
//! behind a new option).

use super::{Cli, exit};
use clap::CommandFactory;

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

pub fn run(a: CompletionsArgs) -> i32 {
    let mut cmd = Cli::command();
    let shell = match a.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "aaprof", &mut out);
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    // a closed pipe (`| head`) is not an error worth reporting
    let _ = stdout.write_all(&out).and_then(|()| stdout.flush());
    exit::OK
}
