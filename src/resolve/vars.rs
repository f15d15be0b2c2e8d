//! Set variables (`@{x}`) and boolean variables (`${x}`): definition,
//! `+=`, and expansion of references inside words.

use crate::source::Span;

/// The per-profile built-in variables (`@{profile_name}`, ...) by name.
/// Looked up for every reference of every rule a profile includes, as
/// the maps of [`Vars`] are: hashed with foldhash, which is several times
/// faster than the standard hasher on names this short.
pub type Builtins = foldhash::HashMap<&'static str, String>;

/// A map by variable name, hashed as [`Builtins`] is.
pub type ByName<V> = foldhash::HashMap<String, V>;

#[derive(Clone, Debug)]
pub struct SetVar {
    pub values: Vec<String>,
    pub span: Span,
    pub used: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Vars {
    pub sets: ByName<SetVar>,
    pub bools: ByName<(bool, Span)>,
    /// Expanded values of set variables that do not depend on the
    /// per-profile built-ins; cleared whenever a variable changes.
    memo: ByName<std::sync::Arc<[String]>>,
    /// Digests of the values in `memo`, for [`Vars::digest_of`].
    digests: ByName<u64>,
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
    /// A value of the variable holds `@{...}` with a name that is no
    /// variable name (the name, why).
    BadName(String, &'static str),
}

/// The most alternatives one word may expand to before we give up (guards
/// against exponential blow-up from nested variables).
const MAX_EXPANSION: usize = 1 << 20;

impl Vars {
    /// Define or replace a set variable.
    pub fn set(&mut self, name: String, var: SetVar) {
        // only an expansion that succeeded is remembered, and it cannot
        // have read a variable not defined yet
        if self.sets.contains_key(&name) {
            self.memo.clear();
            self.digests.clear();
        }
        self.sets.insert(name, var);
    }

    /// Add values to a defined set variable; `false` if it is not defined.
    pub fn add(&mut self, name: &str, values: Vec<String>) -> bool {
        self.memo.clear();
        self.digests.clear();
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
    ///
    /// This follows the reference parser, so that the result is the very
    /// pattern it compiles. A variable's values are expanded first, each
    /// reference in them giving one value per value it refers to (a
    /// product, not an alternation). In the word itself each reference is
    /// replaced by its only value as is, or by an alternation of its values
    /// from which slashes that would double up with the text around it are
    /// dropped (trailing ones before a `/`; leading ones after a `/`, unless
    /// all the text since the previous reference is slashes, as in 6.0).
    pub fn expand(&mut self, text: &str, builtins: &Builtins) -> Result<String, ExpandError> {
        if !text.contains("@{") {
            return Ok(text.to_string());
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        // where the text the reference looks back at begins: the previous
        // reference's expansion and what follows it (the text before the
        // first reference, for the first)
        let mut back = 0;
        while let Some((start, end)) = first_ref(rest) {
            let name = &rest[start + 2..end - 1];
            out.push_str(&rest[..start]);
            let suffix = &rest[end..];
            let values = self.values_of(name, builtins, &mut Vec::new())?;
            let values = &*values;
            // 6.0 drops the values' leading slashes after a `/` only when
            // that text has more than slashes in it ("not to collapse the
            // `/` that begins the path"): `/@{V}` with values `/a /b` is
            // `/{/a,/b}`, which matches `//a` and `//b`
            let lead = out.ends_with('/') && out[back..].bytes().any(|c| c != b'/');
            back = out.len();
            if let [only] = values {
                out.push_str(only);
            } else {
                let trail = suffix.starts_with('/');
                for (i, v) in values.iter().enumerate() {
                    out.push(if i == 0 { '{' } else { ',' });
                    let v = if lead { v.trim_start_matches('/') } else { v };
                    let v = if trail { v.trim_end_matches('/') } else { v };
                    out.push_str(v);
                }
                out.push('}');
            }
            if out.len() > MAX_EXPANSION {
                return Err(ExpandError::TooLarge);
            }
            rest = suffix;
        }
        out.push_str(rest);
        Ok(out)
    }

    /// A digest of the values `@{name}` expands to (a built-in's too),
    /// marking it used as expanding it does; `None` when it does not
    /// expand. Two texts whose references have the same digests expand
    /// alike.
    pub fn digest_of(&mut self, name: &str, builtins: &Builtins) -> Option<u64> {
        if let Some(&d) = self
            .digests
            .get(name)
            .filter(|_| !builtins.contains_key(name))
        {
            if let Some(sv) = self.sets.get_mut(name) {
                sv.used = true;
            }
            return Some(d);
        }
        let values = self.values_of(name, builtins, &mut Vec::new()).ok()?;
        let d = crate::digest::of(&*values);
        if self.memo.contains_key(name) {
            self.digests.insert(name.to_string(), d);
        }
        Some(d)
    }

    /// Work out the values and digest of every variable that does not
    /// depend on the per-profile built-ins, leaving them unmarked: a copy
    /// of these variables (each profile file's, of the tunables it starts
    /// with) then expands them without working them out again.
    pub fn prime(&mut self) {
        let used: Vec<(String, bool)> =
            self.sets.iter().map(|(n, v)| (n.clone(), v.used)).collect();
        let none = Builtins::default();
        for (name, _) in &used {
            self.digest_of(name, &none);
        }
        for (name, was) in used {
            if let Some(v) = self.sets.get_mut(&name) {
                v.used = was;
            }
        }
    }

    /// The values of a variable with the references in them expanded;
    /// marks it (and what it refers to) used.
    fn values_of(
        &mut self,
        name: &str,
        builtins: &Builtins,
        stack: &mut Vec<String>,
    ) -> Result<std::sync::Arc<[String]>, ExpandError> {
        if let Some(v) = builtins.get(name) {
            return Ok(std::sync::Arc::from([v.clone()]));
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
        let raw = match self.sets.get_mut(name) {
            Some(v) => {
                v.used = true;
                v.values.clone()
            }
            None => return Err(ExpandError::Undefined(name.to_string())),
        };
        // of the bad names in values, the reference fails only on `@{}`
        // (it warns about the others and reads them as text)
        if let Some((bad, why)) = raw
            .iter()
            .find_map(|v| bad_reference(v))
            .filter(|(n, _)| n.is_empty())
        {
            return Err(ExpandError::BadName(bad, why));
        }
        stack.push(name.to_string());
        let mut values = Vec::with_capacity(raw.len());
        let mut size = 0;
        for v in &raw {
            for x in self.product(v, builtins, stack)? {
                size += x.len() + 1;
                if size > MAX_EXPANSION {
                    return Err(ExpandError::TooLarge);
                }
                values.push(x);
            }
        }
        stack.pop();
        let uses_builtin = raw
            .iter()
            .any(|v| refs(v).any(|r| builtins.contains_key(r)));
        let values: std::sync::Arc<[String]> = values.into();
        if !uses_builtin {
            self.memo.insert(name.to_string(), values.clone());
        }
        Ok(values)
    }

    /// One value with its references expanded: one result per combination
    /// of the referenced variables' values.
    fn product(
        &mut self,
        value: &str,
        builtins: &Builtins,
        stack: &mut Vec<String>,
    ) -> Result<Vec<String>, ExpandError> {
        let Some((start, end)) = first_ref(value) else {
            return Ok(vec![value.to_string()]);
        };
        let name = &value[start + 2..end - 1];
        let heads = self.values_of(name, builtins, stack)?;
        let tails = self.product(&value[end..], builtins, stack)?;
        if heads.len().saturating_mul(tails.len()) > MAX_EXPANSION / 8 {
            return Err(ExpandError::TooLarge);
        }
        let prefix = &value[..start];
        let mut out = Vec::with_capacity(heads.len() * tails.len());
        for h in heads.iter() {
            for t in &tails {
                out.push(format!("{prefix}{h}{t}"));
            }
        }
        Ok(out)
    }
}

/// The first `@{...}` of `text` whose name is not a variable name, and why:
/// the reference refuses such a reference (`@{1}`, `@{,a}`, `@{a-b}`)
/// rather than reading it as text.
pub fn bad_reference(text: &str) -> Option<(String, &'static str)> {
    first_bad_reference(text, false)
}

/// [`bad_reference`] in a word as written in a rule or a profile name: there
/// a name has at least one character, so `@{}}` names `}` and `@{}x` names
/// nothing (the reference reads it as text).
pub fn bad_reference_as_written(text: &str) -> Option<(String, &'static str)> {
    first_bad_reference(text, true)
}

fn first_bad_reference(text: &str, as_written: bool) -> Option<(String, &'static str)> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == b'@' && b.get(i + 1) == Some(&b'{') {
            let close = if as_written {
                1 + text.get(i + 3..)?.find('}')?
            } else {
                text[i + 2..].find('}')?
            };
            let name = &text[i + 2..i + 2 + close];
            match name.as_bytes().first() {
                None => return Some((String::new(), "cannot be empty")),
                Some(c) if !c.is_ascii_alphabetic() => {
                    return Some((name.to_string(), "must start with a letter"));
                }
                _ if !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') => {
                    return Some((name.to_string(), "may hold only letters, digits and `_`"));
                }
                _ => {}
            }
            i += 2 + close;
            continue;
        }
        i += 1;
    }
    None
}

/// The byte range of the first unescaped, well-formed `@{name}` in `text`.
fn first_ref(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
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
                    return Some((i, i + 3 + close));
                }
            }
        }
        i += 1;
    }
    None
}

/// The names of the variables `text` refers to.
pub fn refs(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let (s, e) = first_ref(rest)?;
        let name = &rest[s + 2..e - 1];
        rest = &rest[e..];
        Some(name)
    })
}
