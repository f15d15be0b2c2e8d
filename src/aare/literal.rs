//! What a pattern's text says literally: the beginnings every path it
//! matches starts with (its leading alternations expanded) and the end
//! every path it matches ends with. Two patterns whose literals disagree
//! match no path in common, and a path that none of a pattern's
//! beginnings starts is not matched: cheap tests that rule out most
//! pairs before any automaton is built or searched.

/// A pattern's literal beginnings and end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literals {
    /// Literal beginnings, one per leading alternative: `true` when the
    /// alternative is entirely literal (it matches that path only).
    pub prefixes: Vec<(String, bool)>,
    /// The literal end (after the last special character), unless the
    /// pattern ends in an alternation or a class.
    pub suffix: Option<String>,
}

impl Literals {
    pub fn of(text: &str) -> Literals {
        Literals {
            prefixes: literal_prefixes(text),
            suffix: literal_suffix(text),
        }
    }

    /// Whether the pattern could match `path` (a necessary condition).
    pub fn may_match(&self, path: &str) -> bool {
        self.prefixes.iter().any(|(p, complete)| {
            if *complete {
                p == path
            } else {
                path.starts_with(p.as_str())
            }
        })
    }

    /// Whether the two patterns could match a path in common (a
    /// necessary condition): some beginning of each is a beginning of the
    /// other's, and their ends agree.
    pub fn may_overlap(&self, other: &Literals) -> bool {
        if let (Some(a), Some(b)) = (&self.suffix, &other.suffix) {
            if !a.ends_with(b.as_str()) && !b.ends_with(a.as_str()) {
                return false;
            }
        }
        self.prefixes.iter().any(|(a, ca)| {
            other.prefixes.iter().any(|(b, cb)| match (ca, cb) {
                (true, true) => a == b,
                (true, false) => a.starts_with(b.as_str()),
                (false, true) => b.starts_with(a.as_str()),
                (false, false) => a.starts_with(b.as_str()) || b.starts_with(a.as_str()),
            })
        })
    }
}

/// The literal text a pattern ends with: what follows its last special
/// character (`None` when it ends in `}` or `]`, or has an escape).
pub fn literal_suffix(text: &str) -> Option<String> {
    if text.contains('\\') || text.ends_with(['}', ']']) {
        return None;
    }
    let start = text
        .rfind(['*', '?', '[', ']', '{', '}'])
        .map_or(0, |i| i + 1);
    Some(text[start..].to_string())
}

/// The most alternatives [`literal_prefixes`] expands before it settles for
/// the text before the first `{`.
const MAX_PREFIXES: usize = 64;

/// The literal beginnings of a pattern: its leading alternations expanded,
/// each alternative cut at the first wildcard (`*`, `?`, `[`). `true` marks
/// an alternative with no wildcard at all.
pub fn literal_prefixes(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if expand(text.as_bytes(), Vec::new(), &mut out).is_none() {
        let cut = text.find(['*', '?', '[', '{', '\\']).unwrap_or(text.len());
        return vec![(text[..cut].to_string(), cut == text.len())];
    }
    out.into_iter()
        .map(|(b, c)| (String::from_utf8_lossy(&b).into_owned(), c))
        .collect()
}

/// Expand `rest` after `acc`; `None` when there would be too many.
fn expand(rest: &[u8], mut acc: Vec<u8>, out: &mut Vec<(Vec<u8>, bool)>) -> Option<()> {
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            b'*' | b'?' | b'[' => {
                push(out, acc, false)?;
                return Some(());
            }
            b'\\' => {
                if let Some(&c) = rest.get(i + 1) {
                    acc.push(c);
                }
                i += 2;
            }
            b'{' => {
                let close = matching_brace(rest, i)?;
                let after = &rest[close + 1..];
                for alt in split_alternatives(&rest[i + 1..close]) {
                    let mut joined = alt.to_vec();
                    joined.extend_from_slice(after);
                    expand(&joined, acc.clone(), out)?;
                }
                return Some(());
            }
            c => {
                acc.push(c);
                i += 1;
            }
        }
    }
    push(out, acc, true)
}

fn push(out: &mut Vec<(Vec<u8>, bool)>, acc: Vec<u8>, complete: bool) -> Option<()> {
    if out.len() >= MAX_PREFIXES {
        return None;
    }
    out.push((acc, complete));
    Some(())
}

fn matching_brace(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn split_alternatives(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => depth -= 1,
            b',' if depth == 0 => {
                out.push(&b[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&b[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_expand_leading_alternations() {
        let p = literal_prefixes("/{,usr/}bin/foo");
        assert_eq!(
            p,
            vec![("/bin/foo".into(), true), ("/usr/bin/foo".into(), true)]
        );
        let p = literal_prefixes("/usr/{lib,share}/**");
        assert_eq!(
            p,
            vec![("/usr/lib/".into(), false), ("/usr/share/".into(), false)]
        );
        assert_eq!(literal_prefixes("/a\\*b"), vec![("/a*b".into(), true)]);
    }

    #[test]
    fn too_many_alternatives_fall_back_to_the_text_before_the_brace() {
        let many = "/{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}x";
        assert_eq!(literal_prefixes(many), vec![("/".into(), false)]);
    }

    #[test]
    fn patterns_whose_literals_disagree_cannot_overlap() {
        let l = Literals::of;
        assert!(!l("/{,usr/}bin/foo").may_overlap(&l("/{,usr/}lib/**")));
        assert!(l("/{,usr/}bin/*").may_overlap(&l("/usr/bin/foo")));
        assert!(!l("/etc/**.conf").may_overlap(&l("/etc/*.d")));
        assert!(l("/etc/**").may_overlap(&l("/etc/x/y")));
        assert!(l("/usr/bin/foo").may_match("/usr/bin/foo"));
        assert!(!l("/usr/bin/foo").may_match("/usr/bin/foobar"));
    }
}
