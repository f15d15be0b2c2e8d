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
    /// Literal ends, one of which every path the pattern matches ends
    /// with: the text after the last special character, or for a pattern
    /// that ends in an alternation, each alternative's ends (with the
    /// literal text before it, for an alternative all literal); `None`
    /// when nothing is known (an end in a class, an escape).
    pub suffixes: Option<Vec<String>>,
}

impl Literals {
    pub fn of(text: &str) -> Literals {
        Literals {
            prefixes: literal_prefixes(text),
            suffixes: literal_suffixes(text),
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
        if let (Some(xs), Some(ys)) = (&self.suffixes, &other.suffixes) {
            let agree = xs.iter().any(|a| {
                ys.iter()
                    .any(|b| a.ends_with(b.as_str()) || b.ends_with(a.as_str()))
            });
            if !agree {
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

/// The most literal ends [`literal_suffixes`] keeps before it says
/// nothing.
const MAX_SUFFIXES: usize = 64;

/// The literal ends of a pattern (see [`Literals::suffixes`]).
pub fn literal_suffixes(text: &str) -> Option<Vec<String>> {
    if text.contains('\\') {
        return None;
    }
    let special = |c: char| matches!(c, '*' | '?' | '[' | ']' | '{' | '}');
    if text.ends_with(']') {
        return None;
    }
    if !text.ends_with('}') {
        let start = text.rfind(special).map_or(0, |i| i + 1);
        return Some(vec![text[start..].to_string()]);
    }
    // the alternation the text ends with: its `{` and top-level commas
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut commas = Vec::new();
    let mut open = None;
    for i in (0..b.len()).rev() {
        match b[i] {
            b'}' => depth += 1,
            b'{' => {
                depth -= 1;
                if depth == 0 {
                    open = Some(i);
                    break;
                }
            }
            b',' if depth == 1 => commas.push(i),
            // a class may hold braces and commas as text
            b'[' | b']' => return None,
            _ => {}
        }
    }
    let open = open?;
    let before = &text[..open];
    let mut bounds = vec![b.len() - 1];
    bounds.extend(&commas);
    bounds.push(open);
    let mut out = Vec::new();
    let mut before_ends = None;
    for w in bounds.windows(2) {
        let alt = &text[w[1] + 1..w[0]];
        if alt.contains(special) {
            out.extend(literal_suffixes(alt)?);
        } else {
            let ends = before_ends.get_or_insert_with(|| literal_suffixes(before));
            match ends {
                Some(ends) => out.extend(ends.iter().map(|e| format!("{e}{alt}"))),
                None => out.push(alt.to_string()),
            }
        }
        if out.len() > MAX_SUFFIXES {
            return None;
        }
    }
    out.sort();
    out.dedup();
    Some(out)
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
        // ends in alternations are told apart too
        assert!(
            !l("/home/*/.steam/ubuntu[0-9][0-9]_{32,64}/steam-runtime{,-sniper}")
                .may_overlap(&l("/home/*/.steam/ubuntu[0-9][0-9]_{32,64}"))
        );
        assert!(l("/opt/*/bin/{foo,bar}").may_overlap(&l("/opt/x/bin/bar")));
    }

    #[test]
    fn suffixes_expand_trailing_alternations() {
        let s = |t: &str| literal_suffixes(t);
        assert_eq!(s("/usr/**/foo"), Some(vec!["/foo".into()]));
        assert_eq!(
            s("/x/*/steam-runtime{,-sniper}"),
            Some(vec![
                "/steam-runtime".into(),
                "/steam-runtime-sniper".into()
            ])
        );
        // an alternative with wildcards gives its own ends
        assert_eq!(s("/a/{b/*.so,c}"), Some(vec![".so".into(), "/a/c".into()]));
        assert_eq!(
            s("/a{,/**/{x,y}}"),
            Some(vec!["/a".into(), "/x".into(), "/y".into()])
        );
        // nothing is known of a class, an escape, or unbalanced braces
        assert_eq!(s("/a/[0-9]"), None);
        assert_eq!(s("/a/{b,[}]}"), None);
        assert_eq!(s("/a\\*"), None);
        assert_eq!(s("/a}"), None);
    }
}
