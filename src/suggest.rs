//! "Did you mean" suggestions by edit distance.
//!
//! The distance is the optimal-string-alignment variant of the
//! Damerau–Levenshtein distance: insertions, deletions, substitutions and
//! swaps of two adjacent characters each cost one. Letter case is ignored
//! when measuring (so `Complain` finds `complain`), but an exact-case match
//! wins a tie.

#[cfg(test)]
mod tests;

/// Words longer than this are never matched (they are not typos of a
/// keyword), which also bounds the work done on hostile input.
const MAX_LEN: usize = 128;

/// The candidate closest to `word`, if it is close enough.
///
/// A candidate qualifies when its distance to `word` is at most
/// `max(1, n / 3)`, where `n` is the number of characters of `word`. Among
/// the qualifying candidates the smallest distance wins; ties go to the
/// candidate that matches with case, then to the one whose length is closest
/// to `word`'s, then to the lexicographically smallest, so the result does
/// not depend on the order of `candidates`. A candidate equal to `word` has
/// distance 0 and is returned as is.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_chars: Vec<char> = word.chars().collect();
    if word_chars.is_empty() || word_chars.len() > MAX_LEN {
        return None;
    }
    let folded: Vec<char> = word_chars.iter().flat_map(|c| c.to_lowercase()).collect();
    let max = std::cmp::max(1, word_chars.len() / 3);

    // (distance ignoring case, distance with case, length difference, candidate)
    let mut best: Option<(usize, usize, usize, &'a str)> = None;
    let mut cand_buf: Vec<char> = Vec::new();
    for cand in candidates {
        let n = cand.chars().count();
        if n == 0 || n > MAX_LEN || n.abs_diff(word_chars.len()) > max {
            continue;
        }
        cand_buf.clear();
        cand_buf.extend(cand.chars().flat_map(|c| c.to_lowercase()));
        let Some(d) = distance_within(&folded, &cand_buf, max) else {
            continue;
        };
        cand_buf.clear();
        cand_buf.extend(cand.chars());
        let exact = osa(&word_chars, &cand_buf);
        let key = (d, exact, n.abs_diff(word_chars.len()), cand);
        if best.is_none_or(|b| key < b) {
            best = Some(key);
        }
    }
    best.map(|b| b.3)
}

/// The optimal-string-alignment distance between two strings.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    osa(&a, &b)
}

/// The distance if it is at most `max`.
fn distance_within(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let d = osa(a, b);
    (d <= max).then_some(d)
}

/// Optimal string alignment distance with three rolling rows.
fn osa(a: &[char], b: &[char]) -> usize {
    let m = b.len();
    let mut prev2: Vec<usize> = vec![0; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur: Vec<usize> = vec![0; m + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m]
}
