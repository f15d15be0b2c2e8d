//! `aaprof lint`.

use super::check::Job;
use super::{Output, OutputArgs, PolicyArgs, exit};
use aaprof::diag::Diagnostic;
use aaprof::diag::render::{self, CodeInfo, Format};
use aaprof::lint::config::{Config, FailOn};
use aaprof::lint::{FileResult, FixMode, Preset, RULES, Settings, lint_source};
use aaprof::resolve::{Options, Session};
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct LintArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Apply safe fixes in place (re-linting until nothing changes).
    #[arg(long)]
    pub fix: bool,
    /// With --fix, apply unsafe fixes too (they change what the policy grants).
    #[arg(long, requires = "fix")]
    pub unsafe_fixes: bool,
    /// Rules to run besides the defaults: codes (L101), names, code prefixes
    /// (L3), categories (style) or `all`. Comma-separated or repeated.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Rules not to run (same forms as --select).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Style conventions; choosing one turns the style rules on.
    #[arg(long, value_parser = ["upstream", "apparmor.d"])]
    pub preset: Option<String>,
    /// Configuration file [default: the nearest aaprof.toml above each file].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore aaprof.toml files.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Lowest severity that makes the exit status 1 [default: warning].
    #[arg(long, value_parser = ["error", "warning", "info", "never"])]
    pub fail_on: Option<String>,
    /// Print how many findings each code raised (on standard error).
    #[arg(long)]
    pub statistics: bool,
    /// Policy files or directories (linted recursively); `-` reads standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

pub fn run(a: LintArgs) -> i32 {
    match run_inner(a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aaprof: error: {e:#}");
            exit::USAGE
        }
    }
}

/// The options a file is linted with: the command line over its config.
struct Plan {
    opts: Options,
    settings: Settings,
    fail_on: FailOn,
}

fn plan(a: &LintArgs, config: &Config) -> Result<Plan> {
    for s in a.select.iter().chain(&a.ignore) {
        aaprof::lint::config::check_selector(s)
            .map_err(|e| anyhow::anyhow!("--select/--ignore: {e}"))?;
    }
    let mut policy = a.policy.clone();
    policy.include.extend(config.include.iter().cloned());
    if policy.base.is_none() {
        policy.base = config.base.clone();
    }
    let opts = super::check::options(&policy)?;
    let preset = a.preset.as_deref().and_then(Preset::parse);
    let settings = config.settings(&a.select, &a.ignore, preset);
    let fail_on = match &a.fail_on {
        Some(f) => FailOn::parse(f).unwrap_or(FailOn::Warning),
        None => config.fail_on.unwrap_or(FailOn::Warning),
    };
    Ok(Plan {
        opts,
        settings,
        fail_on,
    })
}

struct Task {
    job: Job,
    plan: usize,
}

fn run_inner(a: LintArgs) -> Result<i32> {
    super::require_inputs(&a.paths, "policy", "lint")?;
    let Output {
        stdout,
        format,
        color,
    } = Output::new(&a.output);
    // configurations: one per directory they were looked up from
    let mut plans: Vec<Plan> = Vec::new();
    let mut by_config: HashMap<Option<PathBuf>, usize> = HashMap::new();
    let mut plan_for = |start: &Path, plans: &mut Vec<Plan>| -> Result<usize> {
        let path = if a.no_config {
            None
        } else if let Some(c) = &a.config {
            Some(c.clone())
        } else {
            let abs = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
            Config::discover(&abs)
        };
        if let Some(i) = by_config.get(&path) {
            return Ok(*i);
        }
        let config = match &path {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        plans.push(plan(&a, &config)?);
        by_config.insert(path, plans.len() - 1);
        Ok(plans.len() - 1)
    };
    let given = super::check::gather(&a.paths)?;
    let mut io_failed = given.io_failed;
    let stdin_fix = a.fix && given.jobs.iter().any(|j| matches!(j, Job::Stdin(_)));
    let mut tasks: Vec<Task> = Vec::new();
    for job in given.jobs {
        let start = match &job {
            Job::Stdin(_) => PathBuf::from("."),
            Job::File(_, path) => path.clone(),
        };
        let plan = plan_for(&start, &mut plans)?;
        tasks.push(Task { job, plan });
    }
    let mode = match (a.fix, a.unsafe_fixes) {
        (false, _) => FixMode::Off,
        (true, false) => FixMode::Safe,
        (true, true) => FixMode::Unsafe,
    };
    let session = Session::new();
    let cache = aaprof::lint::Cache::default();
    let inputs = tasks.len();
    let results = lint_all(&session, &cache, tasks, &plans, mode);
    let mut diags: Vec<(Diagnostic, usize)> = given.diags.into_iter().map(|d| (d, 0)).collect();
    // names defined by several files (with the first file's settings)
    if let Some((plan0, _, _)) = results.first() {
        let all: Vec<&FileResult> = results.iter().map(|(_, _, r)| r).collect();
        for d in aaprof::lint::across_files(&all, &plans[*plan0].settings) {
            diags.push((d, *plan0));
        }
    }
    let mut fixed_files = 0;
    let mut fixes = 0;
    for (task_plan, job_path, res) in results {
        if res.file.is_none() {
            io_failed = true;
        }
        if let Some(f) = &res.fixed {
            fixes += f.applied;
            if let Some(why) = &f.stopped {
                eprintln!(
                    "aaprof: warning: {}: {why}",
                    job_path
                        .as_deref()
                        .map_or("-".into(), |p: &Path| p.display().to_string())
                );
            }
            match &job_path {
                Some(p) => {
                    if f.text != res.original.clone().unwrap_or_default() {
                        aaprof_write(p, &f.text)?;
                        fixed_files += 1;
                    }
                }
                None => {
                    if f.applied > 0 {
                        fixed_files += 1;
                    }
                    let mut out = stdout.lock();
                    let _ = out.write_all(f.text.as_bytes());
                }
            }
        } else if job_path.is_none() && stdin_fix {
            // standard input with nothing to fix: echo it unchanged
            if let Some(id) = res.file {
                let mut out = stdout.lock();
                let _ = out.write_all(session.sources().text(id).as_bytes());
            }
        }
        diags.extend(res.diagnostics.into_iter().map(|d| (d, task_plan)));
    }
    super::report_order(&mut diags, &session.sources(), |(d, _)| d);
    let failed = diags.iter().any(|(d, p)| {
        // an invalid policy always fails; lint findings as configured
        (d.is_error() && !d.code.id.starts_with('L'))
            || plans.get(*p).is_some_and(|p| p.fail_on.fails(d.severity))
    });
    let diags: Vec<Diagnostic> = diags.into_iter().map(|(d, _)| d).collect();
    let codes: Vec<CodeInfo> = RULES
        .iter()
        .map(|r| CodeInfo {
            id: r.id(),
            name: r.name(),
            summary: r.summary(),
            help_uri: None,
            category: Some(r.def.category.as_str()),
        })
        .collect();
    // with --fix on standard input, the fixed text owns standard output
    let res = if stdin_fix {
        let mut err = std::io::stderr().lock();
        render::render_with(&mut err, &session.sources(), &diags, format, false, &codes)
    } else {
        let mut lock = stdout.lock();
        render::render_with(&mut lock, &session.sources(), &diags, format, color, &codes)
            .and_then(|_| lock.flush())
    };
    if let Err(e) = res {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    if a.statistics {
        let mut counts: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
        for d in &diags {
            *counts.entry((d.code.id, d.code.name)).or_default() += 1;
        }
        for ((id, name), n) in counts {
            eprintln!("{n:>7}  {id:<6} {name}");
        }
    }
    // the findings a fix would remove: safe ones (without --fix), unsafe
    // ones (without --unsafe-fixes)
    let fixable = |safe: bool| {
        diags
            .iter()
            .filter(|d| d.fix.as_ref().is_some_and(|f| f.safe == safe))
            .count()
    };
    // what --fix did is said whatever the output (on standard error)
    if a.fix {
        let later = (!a.unsafe_fixes).then(|| (fixable(false), "--unsafe-fixes"));
        eprintln!(
            "aaprof: {}",
            super::fix_summary(fixes, fixed_files, diags.len(), later)
        );
    }
    if std::io::stderr().is_terminal() && !matches!(format, Format::Json | Format::Sarif) {
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let others = diags.len() - errors;
        let files = if inputs == 1 { "file" } else { "files" };
        if diags.is_empty() {
            eprintln!("aaprof: {inputs} {files} linted, no problems found");
        } else {
            let hint = match (a.fix, fixable(true), fixable(false)) {
                (false, 0, 0) => String::new(),
                (false, 0, u) => format!(" ({u} fixable with --fix --unsafe-fixes)"),
                (false, s, _) => format!(" ({s} fixable with --fix)"),
                (true, _, _) => String::new(),
            };
            eprintln!(
                "aaprof: {inputs} {files} linted: {errors} error(s), {others} other finding(s){hint}"
            );
        }
    }
    // The process ends with this command: freeing every parse, rule and
    // automaton the session kept would take a tenth of the run.
    std::mem::forget(diags);
    std::mem::forget(session);
    Ok(if io_failed {
        exit::USAGE
    } else if failed {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

fn aaprof_write(path: &Path, text: &str) -> Result<()> {
    super::atomic::write(path, text).with_context(|| format!("cannot write `{}`", path.display()))
}

/// A linted file: its plan, its path (`None`: standard input), the result.
type Linted = (usize, Option<PathBuf>, FileResult);

/// Lint every task on as many threads as there are cores, sharing one
/// session (each include is read and parsed once); results in task order,
/// with the plan and the path of each.
fn lint_all(
    session: &Session,
    cache: &aaprof::lint::Cache,
    tasks: Vec<Task>,
    plans: &[Plan],
    mode: FixMode,
) -> Vec<Linted> {
    super::pool::map(tasks, |task| {
        let p = &plans[task.plan];
        let run = aaprof::lint::Linter {
            session,
            opts: &p.opts,
            settings: &p.settings,
            cache,
        };
        match task.job {
            Job::Stdin(text) => (
                task.plan,
                None,
                lint_source(&run, "-", None, Some(text), mode),
            ),
            Job::File(shown, path) => {
                let r = lint_source(&run, &shown, Some(&path), None, mode);
                (task.plan, Some(path), r)
            }
        }
    })
}
