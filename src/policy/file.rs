//! File rules, `link` rules and `change_profile` rules.

use super::{path_word, word};
pub use crate::check::file::{ExecBase, ExecMode, Perms};
use std::fmt;

/// `[file] [safe|unsafe] PATH PERMS [-> TARGET],` (either order), or the
/// bare `file,`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// The path pattern, variables expanded; `None` for the bare `file,`
    /// (every file, every permission).
    pub path: Option<String>,
    pub perms: Perms,
    /// The exec transition, as the kernel gets it: the permission
    /// string's qualifier, with `safe`/`unsafe` applied (`unsafe x -> T`
    /// is `px -> T` unscrubbed). `None` for rules without `x` and for deny
    /// rules (whose `x` is plain).
    pub exec: Option<ExecMode>,
    /// `-> TARGET`: the profile an exec transition goes to, or the target
    /// of a link permission.
    pub target: Option<String>,
    /// `safe` or `unsafe` was written before the path: `Some(true)` for
    /// `unsafe`.
    pub safety: Option<bool>,
    /// The permissions were written before the path (`r /path,`), which
    /// the reference reads as a rule of its own kind: a link target there
    /// must be a path, and `subset` may follow the permissions.
    pub leading: bool,
    /// `subset` after leading permissions.
    pub subset: bool,
}

/// `link [subset] FROM -> TO,`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub subset: bool,
    pub from: String,
    pub to: String,
}

/// `change_profile [safe|unsafe] [EXEC] [-> TARGET],`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeProfile {
    /// `Some(true)` for `unsafe`, `Some(false)` for `safe`.
    pub safety: Option<bool>,
    /// The program the change applies to (on exec).
    pub exec: Option<String>,
    /// The profiles that may be changed to (a pattern); `None` for any.
    pub target: Option<String>,
}

impl Perms {
    /// The permission string in canonical order (`mrwalk` then the exec
    /// qualifier), lower case except for scrubbing exec qualifiers.
    pub fn letters(&self, exec: Option<&ExecMode>) -> String {
        let mut s = String::new();
        for (on, c) in [
            (self.mmap, 'm'),
            (self.read, 'r'),
            (self.write, 'w'),
            (self.append, 'a'),
            (self.link, 'l'),
            (self.lock, 'k'),
        ] {
            if on {
                s.push(c);
            }
        }
        match (self.exec, exec.or(self.exec_mode.as_ref())) {
            (true, Some(m)) => s.push_str(&m.letters()),
            (true, None) => s.push('x'),
            _ => {}
        }
        s
    }
}

impl fmt::Display for File {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let Some(path) = &self.path else {
            return f.write_str("file");
        };
        if let Some(unsafe_) = self.safety {
            f.write_str(if unsafe_ { "unsafe " } else { "safe " })?;
        }
        // the mode as written (`safe`/`unsafe` stand for the exec
        // qualifier's case), so that it lowers back the same
        let letters = self.perms.letters(None);
        if self.leading {
            write!(f, "{letters} ")?;
            if self.subset {
                f.write_str("subset ")?;
            }
            write!(f, "{}", path_word(path))?;
        } else {
            let p = path_word(path);
            // a quoted word cannot start a rule
            if p.starts_with('"') {
                f.write_str("file ")?;
            }
            write!(f, "{p} {letters}")?;
        }
        if let Some(t) = &self.target {
            write!(f, " -> {}", word(t))?;
        }
        Ok(())
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("link ")?;
        if self.subset {
            f.write_str("subset ")?;
        }
        write!(f, "{} -> {}", path_word(&self.from), word(&self.to))
    }
}

impl fmt::Display for ChangeProfile {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("change_profile")?;
        if let Some(unsafe_) = self.safety {
            f.write_str(if unsafe_ { " unsafe" } else { " safe" })?;
        }
        if let Some(e) = &self.exec {
            write!(f, " {}", path_word(e))?;
        }
        if let Some(t) = &self.target {
            write!(f, " -> {}", word(t))?;
        }
        Ok(())
    }
}

/// A path pattern as the compiler reads it: runs of slashes made one (but
/// a leading `//` of exactly two kept, as the reference keeps it), and a
/// leading alternation whose alternatives all begin with `/` written with
/// that `/` before it (`{/a,/b}/x` is `/{a,b}/x`: the same paths, and the
/// only spelling a rule can start with).
pub fn path_pattern(text: &str) -> String {
    let text = factor_leading_slash(text);
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    if b.len() > 2 && b[0] == b'/' && b[1] == b'/' && b[2] != b'/' {
        out.push_str("//");
        i = 2;
    }
    let mut chars = text[i..].chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                // `\@` is an `@` (escaped so that `@{` is no variable)
                Some('@') => out.push('@'),
                Some(n) => {
                    out.push(c);
                    out.push(n);
                }
                None => out.push(c),
            }
            continue;
        }
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    out
}

/// `{/a,/b}rest` → `/{a,b}rest`, repeatedly, when every alternative of the
/// leading alternation begins with `/`.
fn factor_leading_slash(text: &str) -> String {
    let mut t = text.to_string();
    while let Some((alts, rest)) = crate::syntax::quote::split_leading_alternation(&t) {
        if alts.len() < 2 {
            break;
        }
        if alts.iter().all(|a| a.starts_with('/')) {
            // `{/a,/b}x` is `/{a,b}x`
            let inner: Vec<&str> = alts.iter().map(|a| &a[1..]).collect();
            t = format!("/{{{}}}{rest}", inner.join(","));
        } else if let Some(after) = rest.strip_prefix('/') {
            // `{,/a}/x` is `/{,a/}x`: the `/` that follows moves into each
            // alternative that is not empty
            if !alts.iter().all(|a| a.is_empty() || a.starts_with('/')) {
                break;
            }
            let inner: Vec<String> = alts
                .iter()
                .map(|a| {
                    if a.is_empty() {
                        String::new()
                    } else {
                        format!("{}/", &a[1..])
                    }
                })
                .collect();
            t = format!("/{{{}}}{after}", inner.join(","));
        } else {
            break;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::path_pattern;

    #[test]
    fn path_patterns_are_read_as_the_compiler_reads_them() {
        assert_eq!(path_pattern("/a//b///c"), "/a/b/c");
        assert_eq!(path_pattern("//ns/a//b"), "//ns/a/b");
        assert_eq!(path_pattern("///a"), "/a");
        assert_eq!(path_pattern("{/a,/b}/x"), "/{a,b}/x");
        assert_eq!(path_pattern("{/a,b}/x"), "{/a,b}/x");
        assert_eq!(path_pattern("{,/a,/b{,c}}/x"), "/{,a/,b{,c}/}x");
        assert_eq!(path_pattern("{/usr,}/bin/x"), "/{usr/,}bin/x");
        assert_eq!(path_pattern("/a\\@{b,c}"), "/a@{b,c}");
        // as the reference, which does not know escapes here
        assert_eq!(path_pattern("/a\\//b"), "/a\\/b");
    }
}
