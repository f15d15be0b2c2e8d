//! `aaprof query POLICY --profile NAME ACCESS...`: what a profile allows
//! on a file path, decided on its compiled file automaton as the kernel
//! decides it, with every file rule whose path matches it (includes and
//! variables resolved), where it was written; on a capability, an exec,
//! and the classes of the policy automaton ([`aaprof::access`]).

use super::{PolicyArgs, exit};
use aaprof::binpolicy::perms::{file, file_bits};
use aaprof::compile;
use anyhow::{Context, Result};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct QueryArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The profile asked about (`parent//child` for a child or hat);
    /// needed when the file defines more than one.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The access asked about, in permission letters (`r`, `w`, `rw`,
    /// `a`, `x`, `m`, `k`, `l`): exit status 0 when all of it is allowed,
    /// 1 when not.
    #[arg(long, value_name = "PERMS")]
    pub access: Option<String>,
    /// Ask as the file's owner only, or as another user only (the kernel
    /// tells them apart for `owner` rules).
    #[arg(long = "as", value_enum, value_name = "WHO")]
    pub as_: Option<As>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: QueryFormat,
    /// The policy file.
    #[arg(value_name = "POLICY")]
    pub path: PathBuf,
    /// What is asked about: a file path (absolute), `capability NAME`,
    /// `exec PATH` (which transition a program started from the profile
    /// takes, and to which profile), or one of: `signal [send|receive]
    /// SIGNAL [peer=LABEL]`, `ptrace [trace|read|tracedby|readby]
    /// [peer=LABEL]`, `network [PERMISSION...] FAMILY TYPE`, `dbus
    /// [send|receive|bind|eavesdrop] [bus=B] [name=N] [peer=LABEL]
    /// [path=P] [interface=I] [member=M]`, `mount [fstype=T]
    /// [options=O,...] [SOURCE] POINT`, `umount POINT`, `pivot_root
    /// NEW_ROOT OLD_ROOT`, `userns create`. A peer is `unconfined` unless
    /// given.
    #[arg(value_name = "ACCESS", required = true, num_args = 1..)]
    pub access_of: Vec<String>,
}

/// What a query asks about.
enum Asked {
    File(String),
    Capability(String),
    Exec(String),
    /// An access of the other classes, asked of the policy automaton.
    Other(aaprof::access::Access),
}

fn asked(words: &[String]) -> Result<Asked> {
    let path = |p: &str| -> Result<String> {
        if !p.starts_with('/') {
            anyhow::bail!("`{p}`: the file asked about must be an absolute path");
        }
        Ok(p.to_string())
    };
    match words {
        [p] if !matches!(p.as_str(), "capability" | "exec")
            && !aaprof::access::is_class_word(p) =>
        {
            Ok(Asked::File(path(p)?))
        }
        [k, n] if k == "capability" => {
            let n = n.trim_start_matches("CAP_").to_ascii_lowercase();
            if !aaprof::vocab::CAPABILITIES.contains(&n.as_str()) {
                anyhow::bail!("`{n}` is not a capability name");
            }
            Ok(Asked::Capability(n))
        }
        [k, p] if k == "exec" => Ok(Asked::Exec(path(p)?)),
        [k, ..] if aaprof::access::is_class_word(k) => aaprof::access::Access::parse(words)
            .map(Asked::Other)
            .map_err(|e| {
                anyhow::anyhow!(
                    "{e}; a {k} question is written `{}`",
                    aaprof::access::FORMS
                        .iter()
                        .find(|f| f.starts_with(k.as_str()))
                        .copied()
                        .unwrap_or_default()
                )
            }),
        _ => anyhow::bail!(
            "ask about a file path (`/etc/motd`), `capability NAME`, `exec PATH`, or one of: {}; not `{}`",
            aaprof::access::FORMS
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", "),
            words.join(" ")
        ),
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum As {
    Owner,
    Other,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryFormat {
    Text,
    Json,
}

pub fn run(a: QueryArgs) -> i32 {
    match run_inner(a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aaprof: error: {e:#}");
            exit::USAGE
        }
    }
}

/// The kernel's bits of permission letters.
fn access_bits(letters: &str) -> Result<u32> {
    let mut bits = 0;
    for c in letters.chars().filter(|c| !c.is_whitespace()) {
        let b = file::NAMES
            .iter()
            .find(|(_, n)| n.len() == 1 && n.starts_with(c))
            .map(|(b, _)| *b)
            .with_context(|| format!("`{c}` is not a file permission (r w a x m k l)"))?;
        bits |= b;
    }
    Ok(bits)
}

fn run_inner(a: QueryArgs) -> Result<i32> {
    let question = asked(&a.access_of)?;
    let file_path = match &question {
        Asked::File(p) | Asked::Exec(p) => p.clone(),
        Asked::Capability(_) | Asked::Other(_) => String::new(),
    };
    if a.access.is_some() && !matches!(question, Asked::File(_)) {
        anyhow::bail!("--access is for a file path");
    }
    let want = a.access.as_deref().map(access_bits).transpose()?;
    let opts = super::check::options_newest(&a.policy)?;
    let session = aaprof::resolve::Session::new();
    let shown = a.path.display().to_string();
    let out = session.check_path(&a.path, &shown, &opts);
    let sources = session.sources();
    if out.has_errors() {
        let errors: Vec<_> = out
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        super::errors_to_stderr(&sources, &errors, false)?;
        anyhow::bail!("`{shown}` has errors; nothing can be asked of it");
    }
    let mut names = Vec::new();
    full_names(&out.policy.profiles, None, &mut names);
    let name = match &a.profile {
        Some(n) if names.contains(n) => n.clone(),
        Some(n) => anyhow::bail!(
            "`{shown}` defines no profile `{n}`; it defines {}",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => {
            let top: Vec<&String> = names.iter().filter(|n| !n.contains("//")).collect();
            match top.as_slice() {
                [one] => (*one).clone(),
                [] => anyhow::bail!("`{shown}` defines no profile"),
                _ => anyhow::bail!(
                    "`{shown}` defines several profiles; name one with --profile ({})",
                    top.iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
    };
    let location = |span: aaprof::source::Span| sources.place(span);
    let copts = compile::Options::for_features(&opts.features);
    if let Asked::Other(access) = &question {
        let answer = match aaprof::access::ask(&out, &opts.search, &copts, &name, access) {
            Ok(a) => a,
            Err(aaprof::access::AskError::Policy(errors)) => {
                super::errors_to_stderr(&sources, &errors, false)?;
                anyhow::bail!("`{shown}` could not be compiled; nothing can be asked of it");
            }
            Err(e) => return Err(e.into()),
        };
        let rules: Vec<serde_json::Value> = answer
            .rules
            .iter()
            .map(|r| {
                let (at, line, col) = location(r.span);
                // a rule written over several lines, on one
                let text = sources.slice(r.span).trim().trim_end_matches(',').trim();
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                serde_json::json!({
                    "rule": text,
                    "file": at, "line": line, "column": col, "deny": r.deny,
                    "permissions": r.perms,
                })
            })
            .collect();
        match a.format {
            QueryFormat::Json => println!(
                "{}",
                serde_json::json!({
                    "profile": name,
                    "access": access.to_string(),
                    "mediated": answer.mediated,
                    "allowed": answer.granted,
                    "permissions": answer.allowed,
                    "missing": answer.missing,
                    "undecided": answer.undecided,
                    "rules": rules,
                    "note": answer.note,
                })
            ),
            QueryFormat::Text => {
                println!("profile `{name}`, {access}:");
                if !answer.mediated {
                    println!(
                        "  allowed: the profile has no rule of this class, so the kernel does not mediate it"
                    );
                } else if answer.granted {
                    println!("  allowed");
                } else if !answer.missing.is_empty() {
                    println!("  not allowed (`{}` is not)", answer.missing.join(" "));
                }
                if !answer.undecided.is_empty() {
                    println!(
                        "  undecided: `{}` depends on addresses and ports",
                        answer.undecided.join(" ")
                    );
                }
                if answer.mediated {
                    if answer.allowed.is_empty() {
                        println!("  of this class, nothing is allowed on it");
                    } else {
                        println!(
                            "  of this class, allowed on it: {}",
                            answer.allowed.join(" ")
                        );
                    }
                }
                if let Some(n) = &answer.note {
                    println!("  note: {n}");
                }
                if answer.mediated && rules.is_empty() {
                    println!("  no rule of the profile matches it");
                } else if !rules.is_empty() {
                    println!("  the rules that match it:");
                }
                print_rules(&rules);
            }
        }
        return Ok(if answer.granted {
            exit::OK
        } else {
            exit::FINDINGS
        });
    }
    if let Asked::Capability(cap) = &question {
        let p = aaprof::access::find(&out.policy.profiles, &name)
            .context("the profile was not resolved")?;
        let answer = aaprof::policy::capability_answer(p, cap);
        let rules: Vec<serde_json::Value> = answer
            .rules
            .iter()
            .map(|(span, deny)| {
                let (at, line, col) = location(*span);
                serde_json::json!({
                    "rule": sources.slice(*span).trim().trim_end_matches(',').trim(),
                    "file": at, "line": line, "column": col, "deny": deny,
                })
            })
            .collect();
        match a.format {
            QueryFormat::Json => println!(
                "{}",
                serde_json::json!({"profile": name, "capability": cap, "allowed": answer.allowed, "rules": rules})
            ),
            QueryFormat::Text => {
                println!("profile `{name}`, capability {cap}:");
                println!(
                    "  {}",
                    if answer.allowed {
                        "allowed"
                    } else {
                        "not allowed"
                    }
                );
                if rules.is_empty() {
                    println!("  no rule of the profile grants or denies it");
                }
                print_rules(&rules);
            }
        }
        return Ok(if answer.allowed {
            exit::OK
        } else {
            exit::FINDINGS
        });
    }
    // Only the rules that can match the path decide what the automaton
    // accepts for it: the profile is compiled with those alone (and
    // without its other profiles), which is what makes a query of a big
    // profile quick.
    let perms = match aaprof::access::file_perms(&out, &opts.search, &copts, &name, &file_path) {
        Ok(p) => p,
        Err(aaprof::access::AskError::Policy(errors)) => {
            super::errors_to_stderr(&sources, &errors, false)?;
            anyhow::bail!("`{shown}` could not be compiled; nothing can be asked of it");
        }
        Err(e) => return Err(e.into()),
    };
    // the rules whose paths match
    let cache = aaprof::lint::facts::Cache::default();
    let file_id = out.file.context("the policy file was not read")?;
    let facts = aaprof::lint::facts::Facts::new(&out.policy, file_id, &cache);
    let mut rules = Vec::new();
    if let Some(pf) = facts.profiles.iter().find(|p| p.full_name == name) {
        // `file,` (every path) is a file rule without a path
        for (r, deny) in pf.bare_file_rules() {
            let (at, line, col) = location(r.span);
            rules.push(serde_json::json!({
                "rule": sources.slice(r.span).trim_end_matches(',').trim(),
                "file": at,
                "line": line,
                "column": col,
                "deny": deny,
                "owner_only": false,
                "others_only": false,
                "permissions": "every",
                "path": null,
            }));
        }
        for r in pf.files_matching(&file_path) {
            let span = r.rule.span;
            let (at, line, col) = location(span);
            rules.push(serde_json::json!({
                "rule": sources.slice(span).trim_end_matches(',').trim(),
                "file": at,
                "line": line,
                "column": col,
                "deny": r.deny,
                "owner_only": r.owner && !r.other,
                "others_only": r.other && !r.owner,
                "permissions": r.mode_text(),
                "path": r.norm,
            }));
        }
    }
    let allowed = |p: &aaprof::binpolicy::perms::Perms| p.allow;
    let (owner, other) = (allowed(&perms.user), allowed(&perms.other));
    let asked = match a.as_ {
        Some(As::Owner) => owner,
        Some(As::Other) => other,
        None => owner & other,
    };
    // an exec is asked as the file's `x`, with the transitions it takes
    let exec = matches!(question, Asked::Exec(_));
    let want = if exec { Some(file::EXEC) } else { want };
    let granted = want.is_none_or(|w| asked & w == w);
    let words = |b: u32| {
        if b == 0 {
            "nothing".to_string()
        } else {
            file_bits(b)
        }
    };
    let transitions = if exec {
        transitions(&out, &sources, &name, &file_path)
    } else {
        Vec::new()
    };
    match a.format {
        QueryFormat::Json => println!(
            "{}",
            serde_json::json!({
                "profile": name,
                "path": file_path,
                "owner": words(owner),
                "other": words(other),
                "access": if exec { Some("x".to_string()) } else { a.access.clone() },
                "allowed": want.map(|_| granted),
                "rules": rules,
                "transitions": exec.then_some(&transitions),
            })
        ),
        QueryFormat::Text => {
            let what = if exec { "exec" } else { "file" };
            println!("profile `{name}`, {what} \"{file_path}\":");
            if owner == other {
                println!("  allowed, for its owner and others: {}", words(owner));
            } else {
                println!("  allowed for its owner: {}", words(owner));
                println!("  allowed for others: {}", words(other));
            }
            if let (Some(acc), Some(w)) = (&a.access, want) {
                let missing = w & !asked;
                if missing == 0 {
                    println!("  `{acc}`: allowed");
                } else {
                    println!("  `{acc}`: not allowed (`{}` is not)", file_bits(missing));
                }
            }
            if exec {
                if !granted {
                    println!("  it cannot be started from the profile (`x` is not allowed)");
                }
                for t in &transitions {
                    println!(
                        "  starts it {} `{}` ({}{}) by `{}` at {}",
                        if t["how"] == "stack" {
                            "stacked with"
                        } else {
                            "in"
                        },
                        t["to"].as_str().unwrap_or_default(),
                        t["mode"].as_str().unwrap_or_default(),
                        if t["leaves"] == true {
                            ", leaving confinement"
                        } else {
                            ""
                        },
                        t["rule"].as_str().unwrap_or_default(),
                        t["at"].as_str().unwrap_or_default()
                    );
                }
            }
            if rules.is_empty() {
                println!("  no file rule of the profile matches it");
            } else {
                println!("  the rules that match it:");
            }
            print_rules(&rules);
        }
    }
    Ok(if granted { exit::OK } else { exit::FINDINGS })
}

/// The rules of an answer, each with where it was written.
fn print_rules(rules: &[serde_json::Value]) {
    for r in rules {
        let rule = r["rule"].as_str().unwrap_or_default();
        // the path as variables expand it, where it reads otherwise
        let expanded = match r["path"].as_str() {
            Some(p) if !rule.contains(p) => format!(" (path `{p}`)"),
            _ => String::new(),
        };
        println!(
            "    {} `{rule}`{expanded} at {}:{}:{}",
            if r["deny"] == true {
                "denies"
            } else {
                "allows"
            },
            r["file"].as_str().unwrap_or_default(),
            r["line"],
            r["column"]
        );
    }
}

/// The full names (`parent//child`) of the profiles, in order.
fn full_names(
    profiles: &[aaprof::resolve::ResolvedProfile],
    parent: Option<&str>,
    out: &mut Vec<String>,
) {
    for p in profiles.iter().filter(|p| !p.synthetic) {
        let full = match parent {
            Some(par) => format!("{par}//{}", p.name),
            None => p.name.clone(),
        };
        out.push(full.clone());
        full_names(&p.children, Some(&full), out);
    }
}

/// The transitions an exec of `path` from profile `name` takes, as the
/// graph of the file has them: the edges whose rule's path matches.
fn transitions(
    out: &aaprof::resolve::Outcome,
    sources: &aaprof::source::SourceMap,
    name: &str,
    path: &str,
) -> Vec<serde_json::Value> {
    let g = aaprof::graph::Graph::build(&[out], sources);
    let mut found = Vec::new();
    for e in &g.edges {
        if g.nodes[e.from].name != name
            || !matches!(e.how, aaprof::graph::How::Exec | aaprof::graph::How::Stack)
        {
            continue;
        }
        for v in &e.rules {
            let pattern = v.path.as_deref().map(aaprof::aare::Pattern::parse);
            let (matches, literal) = match &pattern {
                None => (true, false), // bare `file,`
                Some(Ok(p)) => (p.matches(path), p.is_literal()),
                Some(Err(_)) => (false, false),
            };
            if matches {
                found.push((
                    literal,
                    serde_json::json!({
                        "to": g.nodes[e.to].name,
                        "mode": e.mode,
                        "how": e.how,
                        "leaves": e.leaves,
                        "note": e.note,
                        "rule": v.rule,
                        "at": format!("{}:{}:{}", v.at.file, v.at.line, v.at.column),
                    }),
                ));
            }
        }
    }
    // the kernel lets an exact match outrank the wildcards' transitions
    let exact = found.iter().any(|(literal, _)| *literal);
    found
        .into_iter()
        .filter(|(literal, _)| *literal || !exact)
        .map(|(_, t)| t)
        .collect()
}
