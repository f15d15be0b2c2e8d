//! `aaprof diff OLD NEW`: what a change to a policy changes in what it
//! allows, decided on the compiled automata (see
//! [`aaprof::binpolicy::compare`]), not on its text.

use super::{PolicyArgs, exit};
use aaprof::binpolicy::compare::{self, Difference};
use aaprof::binpolicy::perms::Meaning;
use aaprof::compile::{self, Options};
use anyhow::{Context, Result};
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
    /// Witnesses shown per automaton of a profile that changed.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub witnesses: usize,
    /// The old policy: a profile file, a tree of them (its own base
    /// directory unless -b names one), or a binary policy.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The new policy, in any of the same forms.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    /// One line per change, under its profile.
    Text,
    /// A comment for a code review.
    Markdown,
    /// A JSON document, for tools.
    Json,
}

pub fn run(a: DiffArgs) -> i32 {
    match run_inner(a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aaprof: error: {e:#}");
            exit::USAGE
        }
    }
}

/// One side's binary policy, from what the user named: each file's
/// records (by its path in the tree; a single file or a binary policy is
/// the one entry ""), and the files with errors (reported).
struct Side {
    files: BTreeMap<String, Vec<u8>>,
    failed: std::collections::BTreeSet<String>,
    /// The file that defines each profile (by full name), for a side read
    /// from source: where the rules responsible for a difference are.
    defined: BTreeMap<String, PathBuf>,
    /// What the side's files were read with.
    opts: Option<aaprof::resolve::Options>,
    /// What they were compiled with.
    compile: Options,
    /// Each file's binary policy and profile names by the digest of its
    /// place in the tree and the text of every file it read: a file of
    /// the other side with the same digest compiles to the same.
    by_text: HashMap<u64, (Vec<u8>, Vec<String>)>,
}

fn side(path: &Path, a: &DiffArgs, copts: &Options, other: Option<&Side>) -> Result<Side> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let mut side = Side {
        files: BTreeMap::new(),
        failed: Default::default(),
        defined: BTreeMap::new(),
        opts: None,
        compile: copts.clone(),
        by_text: HashMap::new(),
    };
    let files = if meta.is_dir() {
        let walk = aaprof::resolve::tree::walk(path);
        if let Some((p, e)) = walk.failed.first() {
            anyhow::bail!("cannot read `{}`: {e}", p.display());
        }
        walk.files
    } else {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
        if aaprof::binpolicy::decode(&bytes)
            .ok()
            .and_then(|e| aaprof::binpolicy::records(&e).ok())
            .is_some_and(|r| !r.is_empty())
        {
            side.files.insert(String::new(), bytes);
            return Ok(side);
        }
        vec![path.to_path_buf()]
    };
    let mut opts = super::check::options_newest(&a.policy)?;
    // a tree holds its own abstractions and tunables
    if meta.is_dir() && a.policy.base.is_none() {
        opts.search.base_dir = path.to_path_buf();
    }
    let session = aaprof::resolve::Session::new();
    let rel = |p: &Path| -> String {
        if meta.is_dir() {
            p.strip_prefix(path).unwrap_or(p).display().to_string()
        } else {
            String::new()
        }
    };
    let jobs = files
        .iter()
        .map(|p| super::check::Job::File(p.display().to_string(), p.clone()))
        .collect();
    let outcomes = super::check::check_all(&session, jobs, &opts, true);
    let keyed: Vec<_> = {
        let sources = session.sources();
        outcomes
            .into_iter()
            .zip(&files)
            .map(|(o, p)| {
                let mut h = aaprof::digest::hasher();
                rel(p).hash(&mut h);
                for id in o.file.iter().chain(&o.read) {
                    // the text alone: the two sides' names differ
                    sources
                        .get(*id)
                        .map(|f| aaprof::digest::of(&f.text))
                        .hash(&mut h);
                }
                (h.finish(), o)
            })
            .collect()
    };
    let compiled = super::pool::map(keyed, |(key, o)| {
        if !o.has_errors() {
            if let Some(done) = other.and_then(|s| s.by_text.get(&key)) {
                return (key, Ok(done.clone()));
            }
        }
        let c = compile::compile_checked(&o, &opts.search, copts).map(|c| (c.bytes(), c.names));
        (key, c)
    });
    let sources = session.sources();
    for (p, (key, c)) in files.iter().zip(compiled) {
        match c {
            Ok((records, names)) => {
                side.by_text.insert(key, (records.clone(), names.clone()));
                side.files.insert(rel(p), records);
                for n in names {
                    side.defined.insert(n, p.clone());
                }
            }
            Err(diags) => {
                super::errors_to_stderr(&sources, &diags, false)?;
                eprintln!("aaprof: `{}` has errors; it is not compared", p.display());
                side.failed.insert(rel(p));
            }
        }
    }
    side.opts = Some(opts);
    Ok(side)
}

/// The rules of one side's profile that decide what its differences are
/// about: for a file path, every file rule that matches it; for
/// capabilities, every rule that grants or denies one that changed; for
/// an input of the policy automaton (a signal, a socket, a mount...),
/// every rule of its class that gives a permission on it on its own.
/// Each as `allows|denies `RULE` at FILE:LINE:COL`. Read again from the
/// file that defines the profile (only profiles that changed are).
fn responsible(side: &Side, profile: &str, ds: &[&Difference]) -> Vec<Vec<String>> {
    let none = || ds.iter().map(|_| Vec::new()).collect();
    let (Some(file), Some(opts)) = (side.defined.get(profile), &side.opts) else {
        return none();
    };
    let session = aaprof::resolve::Session::new();
    let out = session.check_path(file, &file.display().to_string(), opts);
    let sources = session.sources();
    let Some(id) = out.file else { return none() };
    let cache = aaprof::lint::facts::Cache::default();
    let facts = aaprof::lint::facts::Facts::new(&out.policy, id, &cache);
    let Some(pf) = facts.profiles.iter().find(|p| p.full_name == profile) else {
        return none();
    };
    let say = |span: aaprof::source::Span, deny: bool| {
        let (at, line, col) = sources.place(span);
        format!(
            "{} `{}` at {at}:{line}:{col}",
            if deny { "denies" } else { "allows" },
            sources.slice(span).trim().trim_end_matches(',').trim()
        )
    };
    let file_kind = aaprof::binpolicy::perms::Kind::File.to_string();
    let policy_kind = aaprof::binpolicy::perms::Kind::Policy.to_string();
    ds.iter()
        .map(|d| {
            let mut found = Vec::new();
            if d.place == file_kind {
                let Some(w) = &d.witness else { return found };
                let path: String = w
                    .iter()
                    .filter_map(|&c| u8::try_from(c).ok())
                    .map(char::from)
                    .collect();
                for (r, deny) in pf.bare_file_rules() {
                    found.push(say(r.span, deny));
                }
                for r in pf.files_matching(&path) {
                    found.push(say(r.rule.span, r.deny));
                }
            } else if d.place == policy_kind {
                let Some(w) = &d.witness else { return found };
                // the rules that give a permission that changed
                let changed = match d.meanings {
                    Some((Meaning::One(x), Meaning::One(y))) => x.allow ^ y.allow,
                    _ => u32::MAX,
                };
                let rules = aaprof::access::rules_on_input(
                    &out,
                    &opts.search,
                    &side.compile,
                    profile,
                    w,
                    changed,
                );
                for r in rules {
                    found.push(say(r.span, r.deny));
                }
            } else if let Some((x, y)) = d.capabilities() {
                for (i, name) in aaprof::vocab::CAPABILITIES.iter().enumerate() {
                    if i < 64 && (x ^ y) & (1u64 << i) != 0 {
                        let answer = aaprof::policy::capability_answer(pf.profile, name);
                        for (span, deny) in answer.rules {
                            let line = say(span, deny);
                            if !found.contains(&line) {
                                found.push(line);
                            }
                        }
                    }
                }
            }
            found
        })
        .collect()
}

fn run_inner(a: DiffArgs) -> Result<i32> {
    let opts = super::check::options_newest(&a.policy)?;
    let copts = Options::for_features(&opts.features);
    let old = side(&a.old, &a, &copts, None)?;
    let new = side(&a.new, &a, &copts, Some(&old))?;
    // a file with errors on either side is left out of both
    let failed: std::collections::BTreeSet<&String> = old.failed.union(&new.failed).collect();
    if old.files.is_empty() && new.files.is_empty() {
        eprintln!("aaprof: nothing was compared; mend the files above");
        return Ok(exit::USAGE);
    }
    // a file compiled to the same bytes on both sides means the same: only
    // the others are compared (profiles are matched by name across them,
    // so one moved from file to file is still one profile)
    let differs = |f: &String| !failed.contains(f) && old.files.get(f) != new.files.get(f);
    let policy = |s: &Side| -> Vec<u8> {
        s.files
            .iter()
            .filter(|(f, _)| differs(f))
            .flat_map(|(_, r)| r.iter().copied())
            .collect()
    };
    let (old_bytes, new_bytes) = (policy(&old), policy(&new));
    let c = if old_bytes.is_empty() || new_bytes.is_empty() {
        // nothing on one side: every profile of the other is added or removed
        let (bytes, side) = if old_bytes.is_empty() {
            (&new_bytes, "B")
        } else {
            (&old_bytes, "A")
        };
        let records = if bytes.is_empty() {
            Vec::new()
        } else {
            aaprof::binpolicy::records(
                &aaprof::binpolicy::decode(bytes).context("cannot decode a binary policy")?,
            )
            .context("cannot decode a binary policy")?
        };
        compare::Comparison {
            byte_identical: bytes.is_empty(),
            bytes_differing: bytes.len(),
            differences: records
                .iter()
                .map(|r| compare::only_in(&r.key(), side))
                .collect(),
        }
    } else {
        compare::compare_with(
            &old_bytes,
            &new_bytes,
            &compare::Options {
                witnesses: a.witnesses.max(1),
                ..Default::default()
            },
        )
        .context("cannot decode a binary policy")?
    };
    let mut by_profile: BTreeMap<&str, Vec<&Difference>> = BTreeMap::new();
    for d in &c.differences {
        by_profile.entry(d.record.as_str()).or_default().push(d);
    }
    let (o, n) = (a.old.display(), a.new.display());
    match a.format {
        DiffFormat::Json => {
            let profiles: Vec<serde_json::Value> = by_profile
                .iter()
                .map(|(name, ds)| {
                    let (ro, rn) = (responsible(&old, name, ds), responsible(&new, name, ds));
                    let changes: Vec<serde_json::Value> = ds
                        .iter()
                        .enumerate()
                        .map(|(i, d)| {
                            let mut v = json(d);
                            v["rules"] = serde_json::json!({"old": ro[i], "new": rn[i]});
                            v
                        })
                        .collect();
                    serde_json::json!({
                        "profile": name,
                        "changes": changes,
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::json!({
                    "old": o.to_string(),
                    "new": n.to_string(),
                    "changed": !c.equal(),
                    "profiles": profiles,
                })
            );
        }
        DiffFormat::Text => {
            if c.equal() {
                println!("no change in what is allowed");
            }
            for (name, ds) in &by_profile {
                println!("profile `{name}`:");
                let (ro, rn) = (responsible(&old, name, ds), responsible(&new, name, ds));
                for (i, d) in ds.iter().enumerate() {
                    println!("  {}", line(d));
                    for r in &ro[i] {
                        println!("    old: {r}");
                    }
                    for r in &rn[i] {
                        println!("    new: {r}");
                    }
                }
            }
        }
        DiffFormat::Markdown => {
            if c.equal() {
                println!("**aaprof diff**: no change in what is allowed.");
            } else {
                println!(
                    "**aaprof diff**: {} change what {} allow{}.\n",
                    super::count(by_profile.len(), "profile"),
                    if by_profile.len() == 1 { "it" } else { "they" },
                    if by_profile.len() == 1 { "s" } else { "" }
                );
                for (name, ds) in &by_profile {
                    println!("#### `{name}`\n");
                    let (ro, rn) = (responsible(&old, name, ds), responsible(&new, name, ds));
                    for (i, d) in ds.iter().enumerate() {
                        println!("- {}", line(d));
                        for r in &ro[i] {
                            println!("  - old: {r}");
                        }
                        for r in &rn[i] {
                            println!("  - new: {r}");
                        }
                    }
                    println!();
                }
            }
        }
    }
    if !failed.is_empty() {
        eprintln!(
            "aaprof: {} with errors not compared",
            super::count(failed.len(), "file")
        );
        return Ok(exit::USAGE);
    }
    Ok(if c.equal() { exit::OK } else { exit::FINDINGS })
}

/// A difference in words (see [`Difference::summary`]); a profile in
/// one policy only is added or removed.
fn line(d: &Difference) -> String {
    if d.place == "record" {
        return match d.b.as_str() {
            "present" => "added".to_string(),
            _ => "removed".to_string(),
        };
    }
    d.summary()
}

fn json(d: &Difference) -> serde_json::Value {
    let change = d.change();
    serde_json::json!({
        "place": d.place,
        "witness": d.witness_text,
        "gained": change.as_ref().map(|c| c.gained.clone()),
        "lost": change.as_ref().map(|c| c.lost.clone()),
        "old": d.a,
        "new": d.b,
    })
}
