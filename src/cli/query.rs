//! `aaprof query PATH --profile NAME FILE`: what a profile allows on a
//! file path, decided on its compiled file automaton as the kernel
//! decides it, with every file rule whose path matches it (includes and
//! variables resolved), where it was written.

use super::{PolicyArgs, exit};
use aaprof::binpolicy::compare;
use aaprof::binpolicy::perms::{FilePerms, Kind, Meaning, file, file_bits};
use aaprof::compile::{self, Options};
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
    /// The file path asked about (absolute).
    #[arg(value_name = "FILE")]
    pub file: String,
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
    if !a.file.starts_with('/') {
        anyhow::bail!(
            "`{}`: the file asked about must be an absolute path",
            a.file
        );
    }
    let want = a.access.as_deref().map(access_bits).transpose()?;
    let opts = super::check::options(&a.policy)?;
    let session = aaprof::resolve::Session::new();
    let shown = a.path.display().to_string();
    let out = session.check_path(&a.path, &shown, &opts);
    let sources = session.sources();
    let c = match compile::compile_checked(
        &out,
        &opts.search,
        &Options {
            features: opts.features.clone(),
            policy_features: None,
            budget: Default::default(),
        },
    ) {
        Ok(c) => c,
        Err(errors) => {
            super::errors_to_stderr(&sources, &errors, false)?;
            anyhow::bail!("`{shown}` has errors; nothing can be asked of it");
        }
    };
    let name = match &a.profile {
        Some(n) if c.names.contains(n) => n.clone(),
        Some(n) => anyhow::bail!(
            "`{shown}` defines no profile `{n}`; it defines {}",
            c.names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => {
            let top: Vec<&String> = c.names.iter().filter(|n| !n.contains("//")).collect();
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
    let bytes = c.bytes();
    let input: Vec<u16> = a.file.bytes().map(u16::from).collect();
    let perms = match compare::lookup(&bytes, &name, Kind::File, &input)? {
        Some((Meaning::File(f), _)) => f,
        _ => FilePerms::default(),
    };
    // the rules whose paths match
    let cache = aaprof::lint::facts::Cache::default();
    let file_id = out.file.context("the policy file was not read")?;
    let facts = aaprof::lint::facts::Facts::new(&out.policy, file_id, &cache);
    let mut rules = Vec::new();
    let location = |span: aaprof::source::Span| {
        let (line, col) = sources.line_col(span);
        let at = sources
            .get(span.file)
            .map_or_else(String::new, |f| match &f.path {
                Some(p) => p.display().to_string(),
                None => f.name.clone(),
            });
        (at, line, col)
    };
    if let Some(pf) = facts.profiles.iter().find(|p| p.full_name == name) {
        // `file,` (every path) is a file rule without a path
        for r in &pf.others {
            if aaprof::check::family(r) != aaprof::check::Family::File {
                continue;
            }
            let (at, line, col) = location(r.span);
            rules.push(serde_json::json!({
                "rule": sources.slice(r.span).trim_end_matches(',').trim(),
                "file": at,
                "line": line,
                "column": col,
                "deny": aaprof::lint::facts::qualifiers(&r.prefix).0,
                "owner_only": false,
                "others_only": false,
                "permissions": "every",
                "path": null,
            }));
        }
        for r in &pf.files {
            if !r.pattern().is_some_and(|p| p.matches(&a.file)) {
                continue;
            }
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
    let granted = want.is_none_or(|w| asked & w == w);
    let words = |b: u32| {
        if b == 0 {
            "nothing".to_string()
        } else {
            file_bits(b)
        }
    };
    match a.format {
        QueryFormat::Json => println!(
            "{}",
            serde_json::json!({
                "profile": name,
                "path": a.file,
                "owner": words(owner),
                "other": words(other),
                "access": a.access,
                "allowed": want.map(|_| granted),
                "rules": rules,
            })
        ),
        QueryFormat::Text => {
            println!("profile `{name}`, file \"{}\":", a.file);
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
            if rules.is_empty() {
                println!("  no file rule of the profile matches it");
            } else {
                println!("  the rules that match it:");
            }
            for r in &rules {
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
    }
    Ok(if granted { exit::OK } else { exit::FINDINGS })
}
