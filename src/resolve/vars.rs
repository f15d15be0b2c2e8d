//! Set variables (`@{x}`) and boolean variables (`${x}`): definition,
//! `+=`, and expansion of references inside words.

use crate::source::Span;
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct SetVar {
    pub values: Vec<String>,
    pub span: Span,
    pub used: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Vars {
    pub sets: HashMap<String, SetVar>,
    pub bools: HashMap<String, (bool, Span)>,
    /// Expanded values of set variables that do not depend on the
    /// per-profile built-ins; cleared whenever a variable changes.
    memo: HashMap<String, String>,
}

/// `@{name}` / `@name` / `${name}` → `name`.
pub fn var_name(token: &str) -> &str {
    let t = token.trim_start_matches(['@', '$']);
    t.strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(t)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    Undefined(String),
    Recursive(String),
    TooLarge,
}

/// The most alternatives one word may expand to before we give up (guards
/// against exponential blow-up from nested variables).
const MAX_EXPANSION: usize = 1 << 20;

impl Vars {
    /// Define or replace a set variable.
    pub fn set(&mut self, name: String, var: SetVar) {
        self.memo.clear();
        self.sets.insert(name, var);
    }

    /// Add values to a defined set variable; `false` if it is not defined.
    pub fn add(&mut self, name: &str, values: Vec<String>) -> bool {
        self.memo.clear();
        match self.sets.get_mut(name) {
            Some(v) => {
                v.values.extend(values);
                true
            }
            None => false,
        }
    }

    pub fn is_defined(&self, name: &str) -> bool {
        self.sets.contains_key(name)
    }

    /// Replace every `@{name}` in `text` (not escaped) by its value, or by an
    /// alternation `{a,b}` when it has several values. `builtins` hold the
    /// per-profile variables such as `profile_name`.
    pub fn expand(
        &mut self,
        text: &str,
        builtins: &HashMap<&'static str, String>,
    ) -> Result<String, ExpandError> {
        let mut stack = Vec::new();
        self.expand_inner(text, builtins, &mut stack)
    }

    fn expand_inner(
        &mut self,
        text: &str,
        builtins: &HashMap<&'static str, String>,
        stack: &mut Vec<String>,
    ) -> Result<String, ExpandError> {
        if !text.contains("@{") {
            return Ok(text.to_string());
        }
        let mut out = String::with_capacity(text.len());
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\' && i + 1 < b.len() {
                out.push_str(&text[i..i + 2]);
                i += 2;
                continue;
            }
            if b[i] == b'@' && b.get(i + 1) == Some(&b'{') {
                if let Some(close) = text[i + 2..].find('}') {
                    let name = &text[i + 2..i + 2 + close];
                    let valid = !name.is_empty()
                        && name.as_bytes()[0].is_ascii_alphabetic()
                        && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
                    if valid {
                        let value = self.value_of(name, builtins, stack)?;
                        if out.len() + value.len() > MAX_EXPANSION {
                            return Err(ExpandError::TooLarge);
                        }
                        out.push_str(&value);
                        i += 3 + close;
                        continue;
                    }
                }
            }
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
        Ok(out)
    }

    fn value_of(
        &mut self,
        name: &str,
        builtins: &HashMap<&'static str, String>,
        stack: &mut Vec<String>,
    ) -> Result<String, ExpandError> {
        if let Some(v) = builtins.get(name) {
            return Ok(v.clone());
        }
        if let Some(v) = self.memo.get(name) {
            if let Some(sv) = self.sets.get_mut(name) {
                sv.used = true;
            }
            return Ok(v.clone());
        }
        if stack.iter().any(|s| s == name) {
            return Err(ExpandError::Recursive(name.to_string()));
        }
        let values = match self.sets.get_mut(name) {
            Some(v) => {
                v.used = true;
                v.values.clone()
            }
            None => return Err(ExpandError::Undefined(name.to_string())),
        };
        stack.push(name.to_string());
        let mut expanded = Vec::with_capacity(values.len());
        for v in &values {
            expanded.push(self.expand_inner(v, builtins, stack)?);
        }
        stack.pop();
        expanded.sort();
        expanded.dedup();
        let value = match expanded.len() {
            1 => expanded.remove(0),
            _ => format!("{{{}}}", expanded.join(",")),
        };
        let uses_builtin = values
            .iter()
            .any(|v| builtins.keys().any(|b| v.contains(&format!("@{{{b}}}"))));
        if !uses_builtin && stack.is_empty() {
            self.memo.insert(name.to_string(), value.clone());
        }
        Ok(value)
    }
}
