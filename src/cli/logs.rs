//! `aaprof logs --profiles DIR [FILE | -]`: each distinct denial of an
//! AppArmor log (see [`aaprof::audit`]), which profile, what access, and
//! why, decided on the tree's policy as `query` decides it: the deny
//! rule that blocked it and where it was written, or that no rule allows
//! it, or that the tree's profile allows it (so the profile the kernel
//! ran is not the one the tree defines: a stale load). `--suggest` gives
//! the rules that would allow what was logged.

use super::{PolicyArgs, exit};
use aaprof::audit::{Record, mask_bits, rule_letter};
use aaprof::compile::Options;
use aaprof::lint::facts::{Cache, Facts};
use aaprof::resolve::Outcome;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct LogsArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The profile tree the denials are explained by (a directory or a
    /// file): what is meant to be loaded.
    #[arg(long, value_name = "DIR")]
    pub profiles: PathBuf,
    /// Also say, for each denial, the rule that would allow it.
    #[arg(long)]
    pub suggest: bool,
    /// Add the rules that would allow what no rule allows to the profiles
    /// (the child or hat that ran) in their files, each before the
    /// profile's closing brace (implies --suggest). Denials a deny rule
    /// made, stale loads and profiles not in the tree are left alone.
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,
    /// Change nothing; print as a unified diff what --fix would change
    /// (implies --suggest).
    #[arg(long)]
    pub diff: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: LogsFormat,
    /// The log: `dmesg` or `journalctl -k` output, or auditd's audit.log;
    /// `-` (the default) reads standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    pub input: PathBuf,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogsFormat {
    Text,
    Json,
}

pub fn run(a: LogsArgs) -> i32 {
    match run_inner(a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aaprof: error: {e:#}");
            exit::USAGE
        }
    }
}

/// A denial and how often it was logged.
struct Seen {
    record: Record,
    count: usize,
}

/// The profiles of the tree: each full name's file, checked; a profile
/// is compiled when a denial asks about it, for the path asked.
struct Tree<'a> {
    outcomes: Vec<&'a Outcome>,
    facts: Vec<Facts<'a>>,
    /// full name -> index of `outcomes`
    by_name: BTreeMap<String, usize>,
    search: &'a aaprof::resolve::SearchPath,
    compile: Options,
}

fn run_inner(a: LogsArgs) -> Result<i32> {
    let text = if a.input.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read standard input")?;
        s
    } else {
        let bytes = std::fs::read(&a.input)
            .with_context(|| format!("cannot read `{}`", a.input.display()))?;
        String::from_utf8_lossy(&bytes).into_owned()
    };
    // distinct denials, in the order first logged
    let mut order: Vec<String> = Vec::new();
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    for line in text.lines() {
        let Some(r) = Record::parse(line) else {
            continue;
        };
        if !r.is_denial() {
            continue;
        }
        let key = identity(&r);
        match seen.get_mut(&key) {
            Some(s) => s.count += 1,
            None => {
                order.push(key.clone());
                seen.insert(
                    key,
                    Seen {
                        record: r,
                        count: 1,
                    },
                );
            }
        }
    }

    let opts = super::check::options_running(&a.policy)?;
    let session = aaprof::resolve::Session::new();
    let inputs = super::check::gather(std::slice::from_ref(&a.profiles))?;
    if inputs.io_failed {
        anyhow::bail!("cannot read the profiles `{}`", a.profiles.display());
    }
    let outcomes = super::check::check_all(&session, inputs.jobs, &opts, true);
    let sources = session.sources();
    let cache = Cache::default();
    let mut tree = Tree {
        outcomes: Vec::new(),
        facts: Vec::new(),
        by_name: BTreeMap::new(),
        search: &opts.search,
        compile: Options::for_features(&opts.features),
    };
    let mut bad = 0;
    for o in &outcomes {
        let Some(file_id) = o.file else { continue };
        if o.has_errors() {
            bad += 1;
            let errors: Vec<_> = o
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            super::errors_to_stderr(&sources, &errors, std::io::stderr().is_terminal())?;
            continue;
        }
        let facts = Facts::new(&o.policy, file_id, &cache);
        for p in &facts.profiles {
            tree.by_name
                .insert(p.full_name.clone(), tree.outcomes.len());
        }
        tree.outcomes.push(o);
        tree.facts.push(facts);
    }
    if bad > 0 {
        eprintln!(
            "aaprof: note: {bad} file(s) of the tree with errors are left out; denials of their profiles are not explained"
        );
    }

    let suggesting = a.suggest || a.fix || a.diff;
    let mut out = Vec::new();
    // the rules to add, per profile that ran: (tree index, full name)
    let mut additions: BTreeMap<(usize, String), Vec<String>> = BTreeMap::new();
    let mut tunables: BTreeMap<usize, aaprof::propose::Tunables> = BTreeMap::new();
    let probes = aaprof::resolve::Session::new();
    // the abstractions, by the tunables they were resolved after
    let mut known: BTreeMap<String, Vec<aaprof::propose::Abstraction>> = BTreeMap::new();
    // the rule a proposed abstraction stands for, by denial
    let mut alternatives: BTreeMap<String, String> = BTreeMap::new();
    for key in &order {
        let s = &seen[key];
        let (what, why, rules, verdict) = explain(&s.record, &tree, &sources);
        let suggestion = suggesting
            .then(|| match verdict {
                // a deny rule wins over any rule added; a stale load is
                // mended by loading the tree
                Why::Denied => Some(
                    "none: an allow rule does not override a deny rule; remove or narrow the deny rule"
                        .to_string(),
                ),
                Why::Stale => Some("none: load the tree's profile (`aaprof replace`)".to_string()),
                Why::NoRule | Why::NotInTree | Why::Undecided => {
                    let i = s.record.profile().and_then(|p| tree.by_name.get(p));
                    let t = i.map(|&i| {
                        tunables.entry(i).or_insert_with(|| {
                            aaprof::propose::Tunables::of(&tree.outcomes[i].policy, &sources)
                        }) as &_
                    });
                    suggest(&s.record, t)
                }
            })
            .flatten();
        // an abstraction of the include path that allows it all, the
        // smallest, is proposed before the rule
        let abstraction = match (verdict, &suggestion) {
            (Why::NoRule, Some(_)) => {
                let i = s.record.profile().and_then(|p| tree.by_name.get(p));
                i.and_then(|&i| {
                    let preamble = tunables_preamble(tree.outcomes[i], &sources);
                    // a session of its own: the tree's is read (its
                    // sources borrowed) while this one adds to its own
                    let found = known.entry(preamble.clone()).or_insert_with(|| {
                        aaprof::propose::abstractions(&probes, &opts, &preamble)
                    });
                    proposed_abstraction(&s.record, found, &tree)
                })
            }
            _ => None,
        };
        let suggestion = match (&abstraction, suggestion) {
            (Some(name), Some(rule)) => {
                alternatives.insert(key.clone(), rule);
                Some(format!("include <{name}>"))
            }
            (_, s) => s,
        };
        if let (Why::NoRule, Some(rule)) = (verdict, &suggestion) {
            let profile = s.record.profile().unwrap_or_default();
            if let Some(&i) = tree.by_name.get(profile) {
                let v = additions.entry((i, profile.to_string())).or_default();
                if !v.contains(rule) {
                    v.push(rule.clone());
                }
            }
        }
        out.push(serde_json::json!({
            "verdict": s.record.verdict,
            "count": s.count,
            "profile": s.record.profile(),
            "operation": s.record.get("operation"),
            "class": s.record.class(),
            "access": what,
            "why": why,
            "reason": verdict.word(),
            "rules": rules,
            "suggest": suggestion,
            "rule": alternatives.get(key),
        }));
    }
    // with --diff, standard output is the patch alone
    let mut w: Box<dyn std::io::Write> = if a.diff {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    match a.format {
        LogsFormat::Json => writeln!(w, "{}", serde_json::to_string_pretty(&out)?)?,
        LogsFormat::Text => {
            if out.is_empty() {
                writeln!(w, "no AppArmor denials in the log")?;
            }
            for d in &out {
                let times = match d["count"].as_u64() {
                    Some(1) | None => String::new(),
                    Some(n) => format!(" ({n} times)"),
                };
                writeln!(
                    w,
                    "{} {}{times}: profile `{}`, {}",
                    d["verdict"].as_str().unwrap_or_default(),
                    d["operation"].as_str().unwrap_or("?"),
                    d["profile"].as_str().unwrap_or("?"),
                    d["access"].as_str().unwrap_or_default()
                )?;
                writeln!(w, "  why: {}", d["why"].as_str().unwrap_or_default())?;
                if let Some(s) = d["suggest"].as_str() {
                    if s.starts_with("none:") {
                        writeln!(w, "  to allow it: {}", &s[6..])?;
                    } else {
                        writeln!(w, "  to allow it, add to the profile: {s}")?;
                        if let Some(r) = d["rule"].as_str() {
                            writeln!(w, "    (it allows this; or the rule `{r}`)")?;
                        }
                    }
                }
            }
        }
    }
    drop(w);
    if a.fix || a.diff {
        edit_profiles(&tree, &sources, &additions, &opts, a.fix)?;
    }
    Ok(if seen.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

/// The tunables a checked file includes, as include lines: what an
/// abstraction is resolved after to be asked about the file's profiles.
fn tunables_preamble(out: &Outcome, sources: &aaprof::source::SourceMap) -> String {
    let Some(file) = out.file else {
        return String::new();
    };
    sources
        .text(file)
        .lines()
        .map(str::trim)
        .filter(|l| {
            let l = l.strip_prefix('#').unwrap_or(l);
            l.starts_with("include <tunables/") || l.starts_with("include if exists <tunables/")
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The smallest of the abstractions that allows all a record's denial
/// asked for (a file's permissions for the owner or others, or an
/// access of the policy automaton's classes).
fn proposed_abstraction(
    r: &Record,
    found: &[aaprof::propose::Abstraction],
    tree: &Tree,
) -> Option<String> {
    let allows: Box<dyn Fn(&aaprof::propose::Abstraction) -> bool> = match r.class() {
        "file" => {
            let path = r.get("name")?.to_string();
            let wanted = mask_bits(r.denied());
            let owner = r.by_owner();
            Box::new(move |a| a.allows_file(tree.search, &tree.compile, &path, wanted, owner))
        }
        _ => {
            let access = aaprof::access::Access::of_record(r)?;
            Box::new(move |a| a.allows(tree.search, &tree.compile, &access))
        }
    };
    found
        .iter()
        .filter(|a| allows(a))
        .min_by_key(|a| (a.rules, a.name.clone()))
        .map(|a| a.name.clone())
}

/// Add the rules of `additions` to their profiles (`fix`), or print what
/// that would change as a unified diff, through the lint fixes' edit
/// machinery; a file that would gain an error is left as it is.
fn edit_profiles(
    tree: &Tree,
    sources: &aaprof::source::SourceMap,
    additions: &BTreeMap<(usize, String), Vec<String>>,
    opts: &aaprof::resolve::Options,
    fix: bool,
) -> Result<()> {
    // the edits, as the fixes of findings, per file
    let mut by_file: BTreeMap<aaprof::source::FileId, Vec<aaprof::diag::Fix>> = BTreeMap::new();
    for ((i, name), rules) in additions {
        let Some(p) = aaprof::access::find(&tree.outcomes[*i].policy.profiles, name) else {
            continue;
        };
        let text = sources.text(p.span.file);
        let Some(edit) = aaprof::lint::fix::insert_rules(text, p.span, rules) else {
            continue;
        };
        by_file
            .entry(p.span.file)
            .or_default()
            .push(aaprof::diag::Fix {
                message: format!("add {} rule(s) to `{name}`", rules.len()),
                edits: vec![edit],
                safe: false,
            });
    }
    let mut changed = 0;
    for (file, fixes) in by_file {
        let Some(src) = sources.get(file) else {
            continue;
        };
        let (text, applied) = aaprof::lint::fix::apply_fixes(&src.text, file, &fixes);
        if applied == 0 {
            continue;
        }
        // what the file was and is: no error may come with the rules
        let session = aaprof::resolve::Session::new();
        let errors = |t: &str| {
            session
                .check_text(&src.name, src.path.as_deref(), t.to_string(), opts)
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .count()
        };
        if errors(&text) > errors(&src.text) {
            eprintln!(
                "aaprof: `{}` is left as it is: the rules added would give it errors",
                src.name
            );
            continue;
        }
        changed += 1;
        if fix {
            let path = src
                .path
                .as_deref()
                .with_context(|| format!("`{}` has no file to write", src.name))?;
            super::atomic::write(path, &text)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            eprintln!(
                "aaprof: `{}`: added the rules of {applied} profile(s)",
                src.name
            );
        } else {
            let diff = similar::TextDiff::from_lines(&src.text, &text);
            print!(
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&src.name, &src.name)
            );
        }
    }
    if changed == 0 {
        eprintln!("aaprof: no rule to add: no denial of the log lacks only an allow rule");
    }
    Ok(())
}

/// What makes two records the same denial (the process and time aside).
fn identity(r: &Record) -> String {
    const KEYS: [&str; 14] = [
        "apparmor",
        "profile",
        "operation",
        "class",
        "name",
        "name2",
        "denied_mask",
        "capname",
        "signal",
        "peer",
        "family",
        "sock_type",
        "interface",
        "member",
    ];
    KEYS.iter()
        .map(|k| format!("{k}={}", r.get(k).unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why an access was denied, in a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    /// A deny rule of the tree's profile denies it.
    Denied,
    /// No rule of the tree's profile allows it.
    NoRule,
    /// The tree's profile allows it: the kernel ran another version.
    Stale,
    /// The tree has no such profile.
    NotInTree,
    /// A class `logs` does not decide.
    Undecided,
}

impl Why {
    fn word(self) -> &'static str {
        match self {
            Why::Denied => "denied-by-rule",
            Why::NoRule => "no-rule",
            Why::Stale => "stale",
            Why::NotInTree => "not-in-tree",
            Why::Undecided => "undecided",
        }
    }
}

/// The access in words, why it was denied, the rules responsible (each
/// with where it was written), and why in a word.
fn explain(
    r: &Record,
    tree: &Tree,
    sources: &aaprof::source::SourceMap,
) -> (String, String, Vec<serde_json::Value>, Why) {
    let profile = r.profile().unwrap_or_default();
    let mask = r.denied();
    let class = r.class();
    let what = match class {
        "file" => format!("file \"{}\": {mask}", r.get("name").unwrap_or_default()),
        "cap" => format!("capability {}", r.get("capname").unwrap_or_default()),
        other => match aaprof::access::Access::of_record(r) {
            Some(a) => a.to_string(),
            None => format!("{other}: {mask}"),
        },
    };
    let Some(&i) = tree.by_name.get(profile) else {
        return (
            what,
            format!("the tree defines no profile `{profile}`: it is not what the kernel ran"),
            Vec::new(),
            Why::NotInTree,
        );
    };
    let location = |span: aaprof::source::Span| {
        let (at, line, col) = sources.place(span);
        format!("{at}:{line}:{col}")
    };
    let rule_json = |span: aaprof::source::Span, deny: bool| {
        serde_json::json!({
            "rule": sources.slice(span).trim().trim_end_matches(',').trim(),
            "at": location(span),
            "deny": deny,
        })
    };
    let uncompiled = |what: String| {
        (
            what,
            format!("the tree's profile `{profile}` could not be compiled"),
            Vec::new(),
            Why::Undecided,
        )
    };
    let pf = tree.facts[i]
        .profiles
        .iter()
        .find(|p| p.full_name == profile);
    match class {
        "file" => {
            let path = r.get("name").unwrap_or_default();
            let owner = r.by_owner();
            // decided as query decides it
            let Ok(perms) = aaprof::access::file_perms(
                tree.outcomes[i],
                tree.search,
                &tree.compile,
                profile,
                path,
            ) else {
                return uncompiled(what);
            };
            let allowed = if owner {
                perms.user.allow
            } else {
                perms.other.allow
            };
            let wanted = mask_bits(mask);
            let letters: Vec<char> = mask.chars().filter_map(rule_letter).collect();
            let mut denying = Vec::new();
            let mut partial = Vec::new();
            if let Some(pf) = pf {
                for fr in pf.files_matching(path) {
                    // an owner rule applies to the file's owner only
                    if (fr.owner && !fr.other && !owner) || (fr.other && !fr.owner && owner) {
                        continue;
                    }
                    let has = |c: char| match c {
                        'r' => fr.perms.read,
                        'w' => fr.perms.write,
                        'a' => fr.perms.append || fr.perms.write,
                        'x' => fr.perms.exec,
                        'm' => fr.perms.mmap,
                        'k' => fr.perms.lock,
                        'l' => fr.perms.link,
                        _ => false,
                    };
                    if letters.iter().any(|&c| has(c)) {
                        if fr.deny {
                            denying.push(rule_json(fr.rule.span, true));
                        } else {
                            partial.push(rule_json(fr.rule.span, false));
                        }
                    }
                }
            }
            if wanted != 0 && allowed & wanted == wanted {
                let mut rules = partial;
                rules.extend(denying);
                return (
                    what,
                    "the tree's profile allows it: the profile the kernel ran is not the one the tree defines (a stale load; `aaprof replace` it)".into(),
                    rules,
                    Why::Stale,
                );
            }
            if !denying.is_empty() {
                let why = format!("denied by {}", list(&denying));
                let why = if partial.is_empty() {
                    why
                } else {
                    format!("{why}, although {} allow it", list(&partial))
                };
                let mut rules = denying;
                rules.extend(partial);
                return (what, why, rules, Why::Denied);
            }
            let who = if owner {
                "its owner"
            } else {
                "a user who does not own it"
            };
            (
                what,
                format!("no rule of the profile allows `{mask}` on it for {who}"),
                partial,
                Why::NoRule,
            )
        }
        "cap" => {
            let name = r.get("capname").unwrap_or_default();
            let answer = pf.map(|pf| aaprof::policy::capability_answer(pf.profile, name));
            let rules: Vec<serde_json::Value> = answer
                .iter()
                .flat_map(|a| &a.rules)
                .map(|(span, deny)| rule_json(*span, *deny))
                .collect();
            let denying: Vec<serde_json::Value> = rules
                .iter()
                .filter(|r| r["deny"] == true)
                .cloned()
                .collect();
            if !denying.is_empty() {
                (
                    what,
                    format!("denied by {}", list(&denying)),
                    rules,
                    Why::Denied,
                )
            } else if answer.is_some_and(|a| a.allowed) {
                (
                    what,
                    format!(
                        "the tree's profile allows it ({}): the profile the kernel ran is not the one the tree defines (a stale load)",
                        list(&rules)
                    ),
                    rules,
                    Why::Stale,
                )
            } else {
                (
                    what,
                    format!("no rule of the profile allows capability {name}"),
                    rules,
                    Why::NoRule,
                )
            }
        }
        other => {
            let Some(access) = aaprof::access::Access::of_record(r) else {
                return (
                    what,
                    format!(
                        "the profile is in the tree; aaprof logs does not read `{other}` records \
                         (it decides file, capability, signal, ptrace, network, dbus, mount and \
                         userns ones)"
                    ),
                    Vec::new(),
                    Why::Undecided,
                );
            };
            let answer = match aaprof::access::ask(
                tree.outcomes[i],
                tree.search,
                &tree.compile,
                profile,
                &access,
            ) {
                Ok(a) => a,
                Err(_) => return uncompiled(what),
            };
            let rules: Vec<serde_json::Value> = answer
                .rules
                .iter()
                .map(|r| rule_json(r.span, r.deny))
                .collect();
            let denying: Vec<serde_json::Value> = rules
                .iter()
                .filter(|r| r["deny"] == true)
                .cloned()
                .collect();
            let allowing: Vec<serde_json::Value> = rules
                .iter()
                .filter(|r| r["deny"] == false)
                .cloned()
                .collect();
            if !answer.mediated {
                (
                    what,
                    "the kernel that logged it mediates the class, but the features the profile \
                     was compiled for here do not (or the profile has no rule of it): pass the \
                     kernel's features with -M (`aaprof features` on that machine)"
                        .into(),
                    rules,
                    Why::Undecided,
                )
            } else if answer.granted {
                let by = format!(" ({})", list(&allowing));
                (
                    what,
                    format!(
                        "the tree's profile allows it{by}: the profile the kernel ran is not the one the tree defines (a stale load)"
                    ),
                    rules,
                    Why::Stale,
                )
            } else if !answer.undecided.is_empty() {
                (
                    what,
                    format!(
                        "the tree's profile decides `{}` on addresses and ports, which the record does not give",
                        answer.undecided.join(" ")
                    ),
                    rules,
                    Why::Undecided,
                )
            } else if !denying.is_empty() {
                let why = format!("denied by {}", list(&denying));
                let why = if allowing.is_empty() {
                    why
                } else {
                    format!("{why}, although {} allow it", list(&allowing))
                };
                (what, why, rules, Why::Denied)
            } else {
                (
                    what,
                    format!(
                        "no rule of the profile allows `{}` of it",
                        answer.missing.join(" ")
                    ),
                    rules,
                    Why::NoRule,
                )
            }
        }
    }
}

fn list(rules: &[serde_json::Value]) -> String {
    rules
        .iter()
        .map(|d| {
            format!(
                "`{}` ({})",
                d["rule"].as_str().unwrap_or_default(),
                d["at"].as_str().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The rule that would allow what a record logged: a file path
/// generalised where a variable of `tunables` (the profile's file's)
/// matches a part of it exactly, for its owner only when a user other than
/// root accessed a file of their own.
fn suggest(r: &Record, tunables: Option<&aaprof::propose::Tunables>) -> Option<String> {
    let mask = r
        .get("requested_mask")
        .or(r.get("denied_mask"))
        .unwrap_or_default();
    let quoted = |s: &str| {
        if s.contains(char::is_whitespace) || s.contains(['"', '#']) {
            format!("\"{}\"", s.replace('"', "\\\""))
        } else {
            s.to_string()
        }
    };
    match r.class() {
        "file" => {
            let mut letters: Vec<char> = mask.chars().filter_map(rule_letter).collect();
            letters.sort_by_key(|c| "rwaxmkl".find(*c));
            letters.dedup();
            if letters.contains(&'w') {
                letters.retain(|&c| c != 'a');
            }
            let perms: String = letters
                .iter()
                .map(|&c| {
                    if c == 'x' {
                        "ix".to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            let name = r.get("name")?;
            let path = match tunables {
                Some(t) => t.generalise(name),
                None => aaprof::aare::Pattern::escape(name),
            };
            // a user's own file (not root's, which every program run as
            // root owns) is allowed to its owner only, as home-directory
            // rules are written
            let owner = if r.by_owner() && r.get("ouid") != Some("0") {
                "owner "
            } else {
                ""
            };
            (!perms.is_empty()).then(|| format!("{owner}{} {perms},", quoted(&path)))
        }
        "cap" => Some(format!("capability {},", r.get("capname")?)),
        _ => aaprof::access::Access::of_record(r)?.rule(),
    }
}
