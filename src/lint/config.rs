//! `aaprof.toml`: which rules run, at which severity, with which style
//! preset and include paths. Found by walking up from the linted file, or
//! named with `--config`; command-line flags override it.
//!
//! ```toml
//! preset = "apparmor.d"          # or "upstream" (the default)
//! select = ["style", "L205"]     # rules, codes, code prefixes, categories, "all"
//! ignore = ["missing-owner"]
//! fail-on = "warning"            # error | warning | info | never
//! include = ["local-abstractions"]   # like -I, relative to this file
//! base = "apparmor.d"                # like -b, relative to this file
//!
//! [severity]
//! too-wide = "error"
//! ```

use super::{Category, Preset, RULES, Settings, registry};
use crate::diag::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name looked for.
pub const FILE_NAME: &str = "aaprof.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration `{path}`: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The file's contents, as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    pub preset: Option<String>,
    pub fail_on: Option<String>,
    #[serde(default)]
    pub include: Vec<PathBuf>,
    pub base: Option<PathBuf>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
}

/// A configuration read from disk, paths made absolute.
#[derive(Debug, Default, Clone)]
pub struct Config {
    /// Where it was read from (`None`: no file, defaults).
    pub path: Option<PathBuf>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub preset: Option<Preset>,
    pub fail_on: Option<FailOn>,
    pub include: Vec<PathBuf>,
    pub base: Option<PathBuf>,
    pub severity: Vec<(String, Severity)>,
}

/// The lowest severity that makes `lint` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn parse(s: &str) -> Option<FailOn> {
        match s {
            "error" => Some(FailOn::Error),
            "warning" => Some(FailOn::Warning),
            "info" => Some(FailOn::Info),
            "never" => Some(FailOn::Never),
            _ => None,
        }
    }

    /// Whether a finding of severity `s` fails the run.
    pub fn fails(self, s: Severity) -> bool {
        match self {
            FailOn::Error => s == Severity::Error,
            FailOn::Warning => s >= Severity::Warning,
            FailOn::Info => true,
            FailOn::Never => false,
        }
    }
}

pub fn parse_severity(s: &str) -> Option<Severity> {
    match s {
        "error" => Some(Severity::Error),
        "warning" => Some(Severity::Warning),
        "info" => Some(Severity::Info),
        _ => None,
    }
}

impl Config {
    /// Read and validate a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parse configuration text read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let file: ConfigFile =
            toml::from_str(text).map_err(|e| invalid(e.to_string().trim_end().to_string()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        for s in file.select.iter().chain(&file.ignore) {
            check_selector(s).map_err(invalid)?;
        }
        let preset = match &file.preset {
            Some(p) => Some(Preset::parse(p).ok_or_else(|| {
                invalid(format!(
                    "unknown preset `{p}`: expected `upstream` or `apparmor.d`"
                ))
            })?),
            None => None,
        };
        let fail_on = match &file.fail_on {
            Some(f) => Some(FailOn::parse(f).ok_or_else(|| {
                invalid(format!(
                    "invalid fail-on `{f}`: expected error, warning, info or never"
                ))
            })?),
            None => None,
        };
        let mut severity = Vec::new();
        for (k, v) in &file.severity {
            check_selector(k).map_err(invalid)?;
            let s = parse_severity(v).ok_or_else(|| {
                invalid(format!(
                    "invalid severity `{v}` for `{k}`: expected error, warning or info"
                ))
            })?;
            severity.push((k.clone(), s));
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            select: file.select,
            ignore: file.ignore,
            preset,
            fail_on,
            include: file.include.iter().map(|p| dir.join(p)).collect(),
            base: file.base.map(|b| dir.join(b)),
            severity,
        })
    }

    /// The nearest `aaprof.toml` in `start` or a directory above it.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let mut dir = if start.is_dir() {
            Some(start)
        } else {
            start.parent()
        };
        while let Some(d) = dir {
            let d = if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            };
            let p = d.join(FILE_NAME);
            if p.is_file() {
                return Some(p);
            }
            dir = if d == Path::new(".") {
                None
            } else {
                d.parent()
            };
        }
        None
    }

    /// The settings this configuration gives, then `select`, `ignore` and
    /// `preset` from the command line on top.
    pub fn settings(
        &self,
        select: &[String],
        ignore: &[String],
        preset: Option<Preset>,
    ) -> Settings {
        let mut s = Settings::default();
        let preset = preset.or(self.preset);
        if preset.is_some() {
            // choosing a preset is choosing its style rules
            for (i, r) in RULES.iter().enumerate() {
                if r.def.category == Category::Style {
                    s.enabled[i] = true;
                }
            }
        }
        for (k, sev) in &self.severity {
            for i in matching(k) {
                s.severity[i] = *sev;
            }
        }
        for k in &self.select {
            for i in matching(k) {
                s.enabled[i] = true;
            }
        }
        for k in &self.ignore {
            for i in matching(k) {
                s.enabled[i] = false;
            }
        }
        for k in select {
            for i in matching(k) {
                s.enabled[i] = true;
            }
        }
        for k in ignore {
            for i in matching(k) {
                s.enabled[i] = false;
            }
        }
        s.preset = preset.unwrap_or_default();
        s
    }
}

/// `Ok` when a selector names at least one rule.
pub fn check_selector(s: &str) -> Result<(), String> {
    if matching(s).is_empty() {
        return Err(match registry::did_you_mean(s) {
            Some(m) => format!("unknown rule `{s}` (did you mean `{m}`?)"),
            None => format!(
                "unknown rule `{s}`: give a code (L101), a name (redundant-rule), a code prefix (L1), a category or `all`"
            ),
        });
    }
    Ok(())
}

/// The registry indices a selector names: `all`, a category, a code, a
/// name, or a code prefix such as `L2`.
pub fn matching(s: &str) -> Vec<usize> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("all") {
        return (0..RULES.len()).collect();
    }
    if let Some(c) = Category::ALL.iter().find(|c| c.as_str() == s) {
        return RULES
            .iter()
            .enumerate()
            .filter(|(_, r)| r.def.category == *c)
            .map(|(i, _)| i)
            .collect();
    }
    if let Some(i) = registry::index_of(s) {
        return vec![i];
    }
    let up = s.to_ascii_uppercase();
    if up.len() >= 2 && up.starts_with('L') && up[1..].bytes().all(|b| b.is_ascii_digit()) {
        return RULES
            .iter()
            .enumerate()
            .filter(|(_, r)| r.id().starts_with(&up))
            .map(|(i, _)| i)
            .collect();
    }
    Vec::new()
}
