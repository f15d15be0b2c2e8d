//! The length the kernel ranks an attachment by, as the reference
//! computes it: on its binary expression tree, after it has normalised
//! and factored that tree (`simplify_tree`), where the shape decides how
//! much of an alternation is counted (a part that may reach the
//! out-of-band character, as any negated class may, ends the count of
//! what follows it).
//!
//! The tree is built from [`Regex`] as the reference's expression parser
//! builds it from the translated pattern: concatenations and alternations
//! associate to the left, an empty alternative is the empty string. The
//! rules of one permission set are alternatives in the order they were
//! added.

use super::regex::Regex;
use crate::aare::ByteSet;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Eps,
    Char(u8),
    Set(ByteSet),
    /// A negated class (the set it matches, out-of-band included).
    NotSet(ByteSet),
    /// `.`: any byte.
    Any,
    Star,
    Cat,
    Alt,
}

/// No child.
const NONE: usize = usize::MAX;
/// The one empty-string node every tree shares, as the reference's.
const EPS: usize = 0;

#[derive(Clone, Debug)]
struct Node {
    kind: Kind,
    child: [usize; 2],
}

/// An expression tree in an arena; nodes are never freed (a tree lives
/// for one computation).
struct Tree {
    n: Vec<Node>,
}

impl Tree {
    fn new() -> Tree {
        Tree {
            n: vec![Node {
                kind: Kind::Eps,
                child: [NONE, NONE],
            }],
        }
    }

    fn add(&mut self, kind: Kind, child: [usize; 2]) -> usize {
        self.n.push(Node { kind, child });
        self.n.len() - 1
    }

    fn kind(&self, t: usize) -> &Kind {
        &self.n[t].kind
    }

    fn c(&self, t: usize, d: usize) -> usize {
        self.n[t].child[d]
    }

    fn set(&mut self, t: usize, d: usize, v: usize) {
        self.n[t].child[d] = v;
    }

    fn is_cat(&self, t: usize) -> bool {
        matches!(self.kind(t), Kind::Cat)
    }

    fn is_alt(&self, t: usize) -> bool {
        matches!(self.kind(t), Kind::Alt)
    }

    fn two_child(&self, t: usize) -> bool {
        self.is_cat(t) || self.is_alt(t)
    }

    /// A leaf that matches a character (the reference's important nodes).
    fn important(&self, t: usize) -> bool {
        matches!(
            self.kind(t),
            Kind::Char(_) | Kind::Set(_) | Kind::NotSet(_) | Kind::Any
        )
    }

    /// The tree of `r`.
    fn build(&mut self, r: &Regex) -> usize {
        match r {
            Regex::Empty => EPS,
            Regex::Set(s) => {
                let kind = if *s == super::regex::any_byte() {
                    Kind::Any
                } else if (128..256).contains(&s.len()) {
                    Kind::NotSet(*s)
                } else if s.len() == 1 {
                    match (0..=255u8).find(|&b| s.contains(b)) {
                        Some(b) => Kind::Char(b),
                        None => Kind::Set(*s),
                    }
                } else {
                    Kind::Set(*s)
                };
                self.add(kind, [NONE, NONE])
            }
            Regex::Star(x) => {
                let c = self.build(x);
                self.add(Kind::Star, [c, NONE])
            }
            Regex::Cat(v) => self.fold(v, Kind::Cat),
            Regex::Alt(v) => self.fold(v, Kind::Alt),
        }
    }

    fn fold(&mut self, v: &[Regex], kind: Kind) -> usize {
        let mut it = v.iter();
        let Some(first) = it.next() else {
            return EPS;
        };
        let mut t = self.build(first);
        for r in it {
            let b = self.build(r);
            t = self.add(kind.clone(), [t, b]);
        }
        t
    }

    fn eq(&self, a: usize, b: usize) -> bool {
        match (self.kind(a), self.kind(b)) {
            (Kind::Eps, Kind::Eps) | (Kind::Any, Kind::Any) => true,
            (Kind::Char(x), Kind::Char(y)) => x == y,
            (Kind::Set(x), Kind::Set(y)) | (Kind::NotSet(x), Kind::NotSet(y)) => x == y,
            (Kind::Star, Kind::Star) => self.eq(self.c(a, 0), self.c(b, 0)),
            (Kind::Cat, Kind::Cat) | (Kind::Alt, Kind::Alt) => {
                self.eq(self.c(a, 0), self.c(b, 0)) && self.eq(self.c(a, 1), self.c(b, 1))
            }
            _ => false,
        }
    }

    /// `E | E` and `E E` are `E`.
    fn eps_pair(&self, t: usize) -> usize {
        if self.two_child(t) && self.c(t, 0) == EPS && self.c(t, 1) == EPS {
            EPS
        } else {
            t
        }
    }

    /// `(a | b) | c` → `a | (b | c)`, `(ab)c` → `a(bc)` (for `dir` 0).
    fn rotate(&mut self, t: usize, dir: usize) {
        let left = self.c(t, dir);
        self.set(t, dir, self.c(left, dir));
        self.set(left, dir, self.c(left, 1 - dir));
        self.set(left, 1 - dir, self.c(t, 1 - dir));
        let l = self.eps_pair(left);
        self.set(t, 1 - dir, l);
    }

    /// `E | a` → `a | E`, `Ea` → `aE` (for `dir` 0); whether it did.
    fn normalize_eps(&mut self, t: usize, dir: usize) -> bool {
        if self.c(t, dir) == EPS && self.c(t, 1 - dir) != EPS {
            let c = self.eps_pair(self.c(t, 1 - dir));
            self.set(t, 1 - dir, self.c(t, dir));
            self.set(t, dir, c);
            return true;
        }
        false
    }

    fn normalize(&mut self, t: usize, dir: usize) {
        match self.kind(t) {
            Kind::Cat => loop {
                if self.normalize_eps(t, dir) {
                    continue;
                }
                if self.is_cat(self.c(t, dir)) {
                    self.rotate(t, dir);
                } else {
                    break;
                }
            },
            Kind::Alt => loop {
                if self.normalize_eps(t, dir) {
                    continue;
                }
                let (a, b) = (self.c(t, dir), self.c(t, 1 - dir));
                if self.is_alt(a) {
                    self.rotate(t, dir);
                } else if matches!(self.kind(a), Kind::Set(_))
                    && matches!(self.kind(b), Kind::Char(_))
                {
                    // `[a] | b` → `b | [a]`
                    self.set(t, dir, b);
                    self.set(t, 1 - dir, a);
                } else {
                    break;
                }
            },
            Kind::Star => {}
            _ => return,
        }
        for d in [dir, 1 - dir] {
            let c = self.c(t, d);
            if c != NONE {
                self.normalize(c, dir);
            }
        }
    }

    fn basic_alt_factor(&mut self, t: usize, dir: usize) -> usize {
        let nd = 1 - dir;
        if !self.is_alt(t) {
            return t;
        }
        let (l, r) = (self.c(t, dir), self.c(t, nd));
        if self.eq(l, r) {
            // a | a → a
            return l;
        }
        if self.is_cat(l) && self.is_cat(r) && self.eq(self.c(l, dir), self.c(r, dir)) {
            // ab | ac → a(b | c)
            self.set(t, dir, self.c(l, nd));
            self.set(t, nd, self.c(r, nd));
            self.set(l, nd, t);
            return l;
        }
        if self.is_cat(r) && self.eq(l, self.c(r, dir)) {
            // a | ab → a(b | E)
            self.set(t, dir, self.c(r, nd));
            self.set(t, nd, EPS);
            self.set(r, nd, t);
            return r;
        }
        if self.is_cat(l) && self.eq(self.c(l, dir), r) {
            // ab | a → a(b | E)
            self.set(t, dir, self.c(l, nd));
            self.set(t, nd, EPS);
            self.set(l, nd, t);
            return l;
        }
        t
    }

    fn basic_simplify(&mut self, t: usize, dir: usize) -> usize {
        if self.is_cat(t) && self.c(t, 1 - dir) == EPS {
            // aE → a
            return self.c(t, dir);
        }
        self.basic_alt_factor(t, dir)
    }

    /// One pass of factoring over a normalised tree, as the reference's
    /// `simplify_tree_base`; sets `modified` when it changed anything.
    fn simplify_base(&mut self, mut t: usize, dir: usize, modified: &mut bool) -> usize {
        let nd = 1 - dir;
        if self.important(t) || t == EPS {
            return t;
        }
        for i in 0..2 {
            let c = self.c(t, i);
            if c != NONE {
                let s = self.simplify_base(c, dir, modified);
                if s != c {
                    self.set(t, i, s);
                    *modified = true;
                }
            }
        }
        let mut first = true;
        loop {
            if !first {
                *modified = true;
            }
            first = false;
            let tmp = self.basic_simplify(t, dir);
            if tmp != t {
                t = tmp;
                continue;
            }
            if !self.is_alt(t) || !self.is_alt(self.c(t, nd)) {
                break;
            }
            // a | (a | b) → a | b, also deeper in the chain
            let mut p = t;
            let mut i = self.c(t, nd);
            while self.is_alt(i) {
                if self.eq(self.c(t, dir), self.c(i, dir)) {
                    t = self.c(t, nd);
                }
                p = i;
                i = self.c(i, nd);
            }
            // the last node of the chain, on its other side
            if self.eq(self.c(t, dir), self.c(p, nd)) {
                t = self.c(t, nd);
                continue;
            }
            // factor the front out of the alternatives that share it
            let mut count = 0;
            let mut subject = self.c(t, dir);
            let mut a = if self.is_cat(subject) {
                self.c(subject, dir)
            } else {
                subject
            };
            let mut pp = t;
            p = t;
            i = self.c(t, nd);
            while self.is_alt(i) {
                let front = self.c(i, dir);
                if (self.is_cat(front) && self.eq(a, self.c(front, dir))) || self.eq(a, front) {
                    self.set(p, nd, self.c(i, nd));
                    self.set(i, nd, subject);
                    subject = self.basic_simplify(i, dir);
                    a = if self.is_cat(subject) {
                        self.c(subject, dir)
                    } else {
                        subject
                    };
                    i = self.c(p, nd);
                    count += 1;
                } else {
                    pp = p;
                    p = i;
                    i = self.c(i, nd);
                }
            }
            if (self.is_cat(i) && self.eq(a, self.c(i, dir))) || self.eq(a, i) {
                count += 1;
                if t == p {
                    self.set(t, dir, subject);
                    t = self.basic_simplify(t, dir);
                } else {
                    self.set(t, dir, self.c(p, dir));
                    self.set(p, dir, subject);
                    let s = self.basic_simplify(p, dir);
                    self.set(pp, nd, s);
                }
            } else {
                self.set(t, dir, i);
                self.set(p, nd, subject);
            }
            if count == 0 {
                break;
            }
        }
        t
    }

    /// The reference's `simplify_tree` with its default options: right
    /// normalisation and factoring until nothing changes, then left.
    fn simplify(&mut self, mut t: usize) -> usize {
        for dir in [1, 0] {
            loop {
                let mut modified = false;
                self.normalize(t, dir);
                t = self.simplify_base(t, dir, &mut modified);
                if !modified {
                    break;
                }
            }
        }
        t
    }

    fn contains_oob(&self, t: usize) -> bool {
        match self.kind(t) {
            Kind::Eps | Kind::Char(_) | Kind::Set(_) | Kind::Any => false,
            Kind::NotSet(_) => true,
            Kind::Star => self.contains_oob(self.c(t, 0)),
            Kind::Cat | Kind::Alt => {
                self.contains_oob(self.c(t, 0)) || self.contains_oob(self.c(t, 1))
            }
        }
    }

    fn min_match_len(&self, t: usize) -> usize {
        match self.kind(t) {
            Kind::Eps | Kind::Any | Kind::Star => 0,
            Kind::Char(_) | Kind::Set(_) | Kind::NotSet(_) => 1,
            Kind::Cat => {
                let (l, r) = (self.c(t, 0), self.c(t, 1));
                let n = self.min_match_len(l);
                if self.contains_oob(l) {
                    n
                } else {
                    n + self.min_match_len(r)
                }
            }
            Kind::Alt => self
                .min_match_len(self.c(t, 0))
                .min(self.min_match_len(self.c(t, 1))),
        }
    }
}

/// The reference's `min_match_len` of an automaton whose rules (of one
/// permission set) are `rules`, in the order added: the attachment's
/// length the kernel ranks profiles by.
pub fn min_match_len(rules: &[&Regex]) -> usize {
    let mut tree = Tree::new();
    let mut root = None;
    for r in rules {
        let t = tree.build(r);
        root = Some(match root {
            None => t,
            Some(a) => tree.add(Kind::Alt, [a, t]),
        });
    }
    let Some(root) = root else { return 0 };
    let root = tree.simplify(root);
    tree.min_match_len(root)
}

#[cfg(test)]
mod tests {
    use super::min_match_len;
    use crate::compile::regex::glob;

    fn len(globs: &[&str]) -> usize {
        let rs: Vec<_> = globs.iter().map(|g| glob(g).expect("glob")).collect();
        let refs: Vec<_> = rs.iter().collect();
        min_match_len(&refs)
    }

    // the lengths the 6.0 reference writes for these attachments
    #[test]
    fn lengths_follow_the_factored_tree() {
        assert_eq!(len(&["/usr/bin/foo"]), 12);
        assert_eq!(len(&["/usr/bin/*"]), 10);
        assert_eq!(len(&["/{usr/,}bin/foo"]), 8);
        // the common `/z` is factored out behind the alternation, whose
        // star then ends the count: 3, not 1 + min(3, 4)
        assert_eq!(len(&["/{x/a*/z,yy/z}"]), 3);
        assert_eq!(len(&["/{x/a*/z,yy/z,yy}"]), 3);
        assert_eq!(len(&["/{a/b*/c,a/dd}"]), 4);
        assert_eq!(len(&["/{x*y,x*yz}q"]), 2);
        assert_eq!(len(&["/{,usr/}{bin,sbin}/{a,b*}"]), 6);
    }

    #[test]
    fn alternative_names_are_alternatives_of_one_tree() {
        // the attachment and the name an alias gives it
        assert_eq!(len(&["/{,usr/}bin/x*/z", "/usr/bin/gnux*/z"]), 6);
        assert_eq!(len(&["/a/b", "/c/d/b"]), 4);
        assert_eq!(len(&["/u/{a*,b}/c", "/v/w/{a*,b}/c"]), 4);
    }
}
