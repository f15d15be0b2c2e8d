//! The command line: argument parsing (clap), running the library, output
//! formats and exit status. Nothing here is policy logic.

// Writing to a closed standard error or output (`2>&1 | head -1`) must
// not panic: these shadow the standard macros in the CLI and drop the
// error, as the exit status already says what happened.
macro_rules! eprintln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}
macro_rules! println {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! print {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

pub mod atomic;
pub mod check;
pub mod compile;
pub mod completions;
pub mod debug;
pub mod diff;
pub mod emit;
pub mod fmt;
pub mod graph;
pub mod inspect;
pub mod k8s;
pub mod lint;
pub mod load;
pub mod logs;
pub mod lsp;
pub mod node;
pub mod pool;
pub mod query;
pub mod rule;
pub mod watch;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// aaprof — a compiler and linter for AppArmor profiles.
#[derive(Parser, Debug)]
#[command(name = "aaprof", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse, resolve and check policy files; report every problem.
    ///
    /// Exit status: 0 when every policy is valid, 1 when any has an error,
    /// 2 on usage or I/O errors.
    Check(check::CheckArgs),
    /// Format policy files in the canonical layout (in place), keeping
    /// every comment.
    ///
    /// Exit status: 0 when done (or, with --check/--diff, when nothing would
    /// change), 1 when a file would change (--check/--diff) or was refused
    /// (syntax errors), 2 on usage or I/O errors.
    Fmt(fmt::FmtArgs),
    /// Write one self-contained, normalized profile text: includes inlined,
    /// variables and aliases expanded, conditionals resolved, rules
    /// deduplicated and sorted. It compiles without the profile tree.
    ///
    /// Exit status: 0 when emitted, 1 when the policy has errors (nothing
    /// is written), 2 on usage or I/O errors.
    Emit(emit::EmitArgs),
    /// Check policy files as `check` does, then run the lint rules: mistakes
    /// that are legal policy but wrong, dangerous or untidy.
    ///
    /// Correctness, security and portability rules run by default; style
    /// rules run when selected (`--select style`) or with a preset.
    /// `aaprof rule` lists every rule, `aaprof rule CODE` explains one.
    /// Suppress a finding with `# aaprof: ignore[CODE]` on its line or the
    /// line before; configure with an `aaprof.toml` (docs/guide/lint.md).
    ///
    /// Exit status: 0 when nothing at or above --fail-on was found, 1 when
    /// something was, 2 on usage, I/O or configuration errors.
    Lint(lint::LintArgs),
    /// Explain a diagnostic code: front end (E, W), Kubernetes (K) or lint
    /// (L); with no argument, list every code.
    Rule(rule::RuleArgs),
    /// Kubernetes manifests: check the AppArmor settings of their pods.
    K8s(k8s::K8sArgs),
    /// Compile policy files into the binary policy the kernel loads, as
    /// `apparmor_parser -S` writes it: one record per profile, child and
    /// hat, for the features of the running kernel or of `-M FILE`.
    ///
    /// Exit status: 0 when compiled, 1 when a file has errors (nothing is
    /// written for it), 2 on usage or I/O errors.
    Compile(compile::CompileArgs),
    /// Decode a binary policy (the kernel's format, as `apparmor_parser -S`
    /// writes it) into readable text: each record's fields, and each
    /// automaton's size and accepting states (with --states, its
    /// transitions).
    ///
    /// Exit status: 0 when decoded, 1 when the file is not a binary
    /// policy, 2 on usage or I/O errors.
    Inspect(inspect::InspectArgs),
    /// Run the language server (LSP) on standard input and output, for
    /// editors: the diagnostics of `lint` as you type, their fixes as code
    /// actions, formatting, hover, go to definition, references,
    /// completion and the document's profiles and variables as symbols.
    /// `-I`, `-b` and `-M` give the defaults; the
    /// client's initialisation options (`include`, `base`) and each
    /// file's `aaprof.toml` add to them. See editors/ for set-ups.
    ///
    /// Exit status: 0 when the client ends the session (shutdown, then
    /// exit), 2 when the connection fails or closes before that.
    Lsp(lsp::LspArgs),
    /// Compile policy files for the running kernel and load them (through
    /// securityfs `.load`): several profiles at once all or none. A
    /// profile already loaded is an error; `replace` replaces it.
    ///
    /// Exit status: 0 when loaded (or, with --dry-run, compiled), 1 when a
    /// file has errors (nothing is loaded), 2 when the kernel refuses
    /// (with its reason) or on usage and I/O errors.
    Load(load::LoadArgs),
    /// Compile policy files for the running kernel and load them,
    /// replacing the profiles loaded under the same names (`.replace`).
    ///
    /// Exit status: as for `load`.
    Replace(load::LoadArgs),
    /// Remove profiles from the kernel, by name or by the policy files
    /// that define them (`.remove`).
    ///
    /// Exit status: 0 when removed, 1 when a file has errors, 2 when a
    /// profile is not loaded, the kernel refuses, or on usage errors.
    Remove(load::LoadArgs),
    /// The profiles the running kernel has loaded, and their modes (as
    /// `aa-status` lists them); with --profiles DIR, which profiles of
    /// the tree are not loaded, loaded from other text, or complaining.
    ///
    /// Exit status: 0; 1 when a profile of --profiles is missing or
    /// stale, or one of its files has errors; 2 when AppArmor's interface
    /// cannot be read.
    Status(load::StatusArgs),
    /// What a change to a policy changes in what it allows: OLD and NEW
    /// (profile files, trees of them, or binary policies, in any
    /// combination) are compiled and compared on their automata, per
    /// profile, each difference with an input that shows it (a path, a
    /// class of access) and the permissions now allowed or no longer.
    /// Formatting, reordering and moving rules into abstractions or
    /// variables change nothing. Without -M, both are compiled for the
    /// newest kernel ABI (every class the language has mediated).
    ///
    /// Exit status: 0 when what is allowed is the same, 1 when it
    /// changed, 2 when a file has errors (it is left out on both sides,
    /// the rest compared) or on usage and I/O errors.
    Diff(diff::DiffArgs),
    /// What a profile allows: on a file path, decided on its compiled file
    /// automaton as the kernel decides it (for the file's owner and for
    /// others), with every file rule whose path matches it, includes and
    /// variables resolved, and where each was written; `capability NAME`,
    /// with the rules that grant or deny it; `exec PATH`, with the
    /// transition it takes and the profile it starts the program in; a
    /// signal, ptrace, a socket, a D-Bus message, a mount or a user
    /// namespace, decided on the compiled policy automaton, with every rule
    /// of the class that matches it. Without -M, the policy is compiled
    /// for the newest kernel ABI (every class the language has mediated).
    ///
    /// Exit status: 0 when answered (with --access: when all of it is
    /// allowed; for a capability or an exec: when it is allowed), 1 when
    /// not, 2 when the policy has errors or on usage and I/O errors.
    Query(query::QueryArgs),
    /// Where a confined process can go: profiles, children and hats as
    /// nodes, exec transitions (ix, px, cx, ux and their variants, with
    /// their targets), change_profile, change_hat and stacking as edges
    /// labelled with the paths that take them. What leaves confinement
    /// (ux, unconfined, a px to a profile the policies do not define,
    /// change_profile to any profile) is drawn in red. A px or cx without
    /// a target goes to the profiles whose attachment shares a path with
    /// the rule's.
    ///
    /// Exit status: 0 when drawn, 2 when a file has errors (it is left
    /// out, the rest drawn) or on usage and I/O errors.
    Graph(graph::GraphArgs),
    /// Why the kernel said no: each distinct AppArmor denial of a log
    /// (`dmesg`, `journalctl -k` or auditd's audit.log; complain mode's
    /// ALLOWED records too), which profile, what access, and why, decided
    /// on the tree given with --profiles as `query` decides it: the deny
    /// rule that blocked it and where it was written, that no rule allows
    /// it, or that the tree's profile allows it (the profile the kernel
    /// ran is not the one the tree defines: a stale load). File,
    /// capability, signal, ptrace, network, dbus, mount and userns denials
    /// are decided, for the features of -M, else of this machine's kernel,
    /// else the newest ABI. --suggest gives the rule that would allow each.
    ///
    /// Exit status: 0 when the log holds no denial, 1 when it does, 2 on
    /// usage and I/O errors.
    Logs(logs::LogsArgs),
    /// Print the output of one pipeline stage (for debugging and bug reports).
    Debug(debug::DebugArgs),
    /// Print a shell completion script (bash, zsh or fish) to standard output.
    ///
    /// For example `aaprof completions bash >
    /// ~/.local/share/bash-completion/completions/aaprof`.
    Completions(completions::CompletionsArgs),
}

/// Include and feature options shared by every command that reads policy.
#[derive(clap::Args, Debug, Clone)]
pub struct PolicyArgs {
    /// Add DIR to the include search path (searched in order, before the base dir).
    /// `--Include`, as apparmor_parser spells it, works too.
    #[arg(short = 'I', long = "include", alias = "Include", value_name = "DIR")]
    pub include: Vec<PathBuf>,
    /// Base directory for `<...>` includes [default: /etc/apparmor.d].
    #[arg(short = 'b', long = "base", value_name = "DIR")]
    pub base: Option<PathBuf>,
    /// Kernel features file (the format of apparmor_parser's features files);
    /// rules the kernel does not support are rejected.
    #[arg(short = 'M', long = "features-file", value_name = "FILE")]
    pub features_file: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Source excerpts with carets (default on a terminal).
    Full,
    /// One line per finding: PATH:LINE:COL: SEVERITY[CODE]: MESSAGE, and
    /// its help indented on the next line.
    Concise,
    /// A stable JSON document (see docs/json-output.md).
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl OutputFormat {
    /// The renderer for this choice; without one, `full` on a terminal and
    /// `concise` otherwise.
    pub fn pick(choice: Option<OutputFormat>, tty: bool) -> aaprof::diag::render::Format {
        use aaprof::diag::render::Format;
        match choice {
            Some(OutputFormat::Full) => Format::Full,
            Some(OutputFormat::Concise) => Format::Concise,
            Some(OutputFormat::Json) => Format::Json,
            Some(OutputFormat::Sarif) => Format::Sarif,
            Some(OutputFormat::Github) => Format::Github,
            None if tty => Format::Full,
            None => Format::Concise,
        }
    }
}

impl ColorChoice {
    /// Whether to colour output going to a terminal (`tty`) or not.
    pub fn enabled(self, tty: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

/// The output options of the commands that report findings.
#[derive(clap::Args, Debug, Clone)]
pub struct OutputArgs {
    /// Output format [default: full on a terminal, concise otherwise].
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// When to colour `full` output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

/// Where findings go: standard output, and the format and colouring
/// chosen for it (which depend on whether it is a terminal).
pub struct Output {
    pub stdout: std::io::Stdout,
    pub format: aaprof::diag::render::Format,
    pub color: bool,
}

impl Output {
    pub fn new(args: &OutputArgs) -> Output {
        use std::io::IsTerminal;
        let stdout = std::io::stdout();
        let tty = stdout.is_terminal();
        Output {
            format: OutputFormat::pick(args.format, tty),
            color: args.color.enabled(tty),
            stdout,
        }
    }
}

/// The error for a command given nothing to read.
pub fn require_inputs(
    paths: &[std::path::PathBuf],
    what: &str,
    command: &str,
) -> anyhow::Result<()> {
    if paths.is_empty() {
        anyhow::bail!(
            "no input: give {what} files or directories, or `-` for standard input (see `aaprof {command} --help`)"
        );
    }
    Ok(())
}

/// Put findings in report order, each once: by file name (not by the
/// number the file got, which depends on which thread read it first),
/// then by place; a finding in a shared include, found once per policy
/// that includes it, is kept once.
pub fn report_order<T>(
    items: &mut Vec<T>,
    sources: &aaprof::source::SourceMap,
    diag: impl Fn(&T) -> &aaprof::diag::Diagnostic,
) {
    let place = |d: &aaprof::diag::Diagnostic| d.span().map(|s| (sources.name(s.file), s.start));
    items.sort_by(|a, b| place(diag(a)).cmp(&place(diag(b))));
    let mut seen = std::collections::HashSet::new();
    items.retain(|x| {
        let d = diag(x);
        seen.insert((d.code.id, d.span(), d.message.clone()))
    });
}

/// `n` and the noun, in the plural unless `n` is 1.
/// Write the errors among `diags` to standard error: with source excerpts
/// on a terminal, one line each otherwise.
pub fn errors_to_stderr(
    sources: &aaprof::source::SourceMap,
    diags: &[aaprof::diag::Diagnostic],
    color: bool,
) -> std::io::Result<()> {
    use aaprof::diag::render::{Format, render};
    use std::io::IsTerminal;
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).cloned().collect();
    let f = if std::io::stderr().is_terminal() {
        Format::Full
    } else {
        Format::Concise
    };
    render(&mut std::io::stderr().lock(), sources, &errors, f, color)
}

pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The line `--fix` ends with: what it fixed and what remains
/// (`fixed 3 findings in 2 files; 5 remain (2 fixable with
/// --unsafe-fixes)`). `later` says how many of those that remain another
/// option would fix, and which.
pub fn fix_summary(
    fixed: usize,
    files: usize,
    remain: usize,
    later: Option<(usize, &str)>,
) -> String {
    let remains = match remain {
        0 => "nothing remains".to_string(),
        1 => "1 finding remains".to_string(),
        n => format!("{n} findings remain"),
    };
    let mut s = format!(
        "fixed {} in {}; {remains}",
        count(fixed, "finding"),
        count(files, "file")
    );
    if let Some((n, how)) = later
        && n > 0
    {
        s.push_str(&format!(" ({n} fixable with {how})"));
    }
    s
}

/// Process exit status.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FINDINGS: i32 = 1;
    pub const USAGE: i32 = 2;
}

pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Emit(a) => emit::run(a),
        Command::Compile(a) => compile::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Lint(a) => lint::run(a),
        Command::Rule(a) => rule::run(a),
        Command::K8s(a) => k8s::run(a),
        Command::Lsp(a) => lsp::run(a),
        Command::Load(a) => load::run(aaprof::kernel::Op::Load, a),
        Command::Replace(a) => load::run(aaprof::kernel::Op::Replace, a),
        Command::Remove(a) => load::run(aaprof::kernel::Op::Remove, a),
        Command::Status(a) => load::status(a),
        Command::Diff(a) => diff::run(a),
        Command::Query(a) => query::run(a),
        Command::Graph(a) => graph::run(a),
        Command::Logs(a) => logs::run(a),
        Command::Debug(a) => debug::run(a),
        Command::Completions(a) => completions::run(a),
    }
}
