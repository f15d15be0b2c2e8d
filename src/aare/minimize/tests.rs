//! Tests of the minimiser against the automaton it minimises.

use super::*;
use crate::aare::pack::tests::{Rng, random_automaton, row};

/// An automaton from rows and accept words (state 0 the trap).
fn automaton(rows: Vec<Row>, accept: Vec<u32>) -> Automaton {
    let n = rows.len();
    Automaton {
        rows,
        accept,
        accept2: vec![0; n],
    }
}

#[test]
fn equivalent_states_merge() {
    // a(b|c)d with separate states for the b and c branches
    let a = automaton(
        vec![
            vec![],
            row(&[(b'a', b'a', 2)]),
            row(&[(b'b', b'b', 3), (b'c', b'c', 4)]),
            row(&[(b'd', b'd', 5)]),
            row(&[(b'd', b'd', 6)]),
            vec![],
            vec![],
        ],
        vec![0, 0, 0, 0, 0, 1, 1],
    );
    let m = minimize(&a);
    assert_eq!(m.len(), 5, "trap, start, after a, after b|c, accepting");
    assert_eq!(same_language(&a, &m), None);
    assert_eq!(m.rows[2], vec![(b'b', b'c', 3)]);
    assert_eq!(minimize(&m), m);
}

#[test]
fn states_equivalent_to_the_trap_become_the_trap() {
    // state 2 never reaches acceptance: it is the trap
    let a = automaton(
        vec![
            vec![],
            row(&[(b'a', b'a', 2), (b'b', b'b', 3)]),
            row(&[(0, 255, 2)]),
            vec![],
        ],
        vec![0, 0, 0, 1],
    );
    let m = minimize(&a);
    assert_eq!(m.len(), 3);
    assert_eq!(
        m.rows[1],
        vec![(b'b', b'b', 2)],
        "no transition to the trap"
    );
    assert_eq!(m.accept, vec![0, 0, 1]);
    assert_eq!(same_language(&a, &m), None);
}

#[test]
fn unreachable_states_are_dropped_and_states_numbered_breadth_first() {
    let a = automaton(
        vec![
            vec![],
            row(&[(b'x', b'x', 4), (b'y', b'y', 3)]),
            row(&[(b'q', b'q', 1)]), // unreachable
            vec![],
            row(&[(b'z', b'z', 3)]),
        ],
        vec![0, 0, 5, 2, 0],
    );
    let m = minimize(&a);
    assert_eq!(m.len(), 4);
    // from the start: 'x' (to old 4) is seen before 'y' (to old 3)
    assert_eq!(m.rows[1], vec![(b'x', b'x', 2), (b'y', b'y', 3)]);
    assert_eq!(m.rows[2], vec![(b'z', b'z', 3)]);
    assert_eq!(m.accept, vec![0, 0, 0, 2]);
}

#[test]
fn accept2_separates_states() {
    let mut a = automaton(
        vec![
            vec![],
            row(&[(b'a', b'a', 2), (b'b', b'b', 3)]),
            vec![],
            vec![],
        ],
        vec![0, 0, 1, 1],
    );
    a.accept2 = vec![0, 0, 0, 9];
    assert_eq!(minimize(&a).len(), 4);
    a.accept2[3] = 0;
    assert_eq!(minimize(&a).len(), 3);
}

#[test]
fn an_empty_language_is_the_empty_automaton() {
    let a = automaton(
        vec![vec![], row(&[(0, 255, 2)]), row(&[(b'a', b'z', 1)])],
        vec![0, 0, 0],
    );
    assert_eq!(minimize(&a), Automaton::empty());
    assert_eq!(minimize(&Automaton::empty()), Automaton::empty());
}

#[test]
fn the_known_minimal_size_of_counting_automata() {
    // strings over {a, b} whose number of a's is divisible by 3, built
    // with 12 states (the count mod 12): the minimum is 3 plus the trap
    let mut rows = vec![vec![]];
    let mut accept = vec![0];
    for i in 0..12u32 {
        let next = (i + 1) % 12 + 1;
        rows.push(row(&[(b'a', b'a', next), (b'b', b'b', i + 1)]));
        accept.push(u32::from(i % 3 == 0));
    }
    let a = automaton(rows, accept);
    let m = minimize(&a);
    assert_eq!(m.len(), 4);
    assert_eq!(same_language(&a, &m), None);
}

/// State `s` of `m` as the start of a copy of `m`.
fn started_at(m: &Automaton, s: usize) -> Automaton {
    let mut x = m.clone();
    x.rows[1] = x.rows[s].clone();
    x.accept[1] = x.accept[s];
    x.accept2[1] = x.accept2[s];
    // transitions back to the old start keep going to the old start's row
    x.rows.push(m.rows[1].clone());
    x.accept.push(m.accept[1]);
    x.accept2.push(m.accept2[1]);
    let old_start = (x.rows.len() - 1) as u32;
    for r in x.rows.iter_mut() {
        for t in r.iter_mut() {
            if t.2 == 1 {
                t.2 = old_start;
            }
        }
    }
    x
}

#[test]
fn minimising_random_automata_keeps_their_language() {
    let mut rng = Rng::new(7);
    for round in 0..80 {
        let n = 2 + rng.below(if round % 8 == 0 { 300 } else { 30 }) as usize;
        let words = 1 + rng.below(4) as u32;
        let a = random_automaton(&mut rng, n, words);
        let m = minimize(&a);
        assert_eq!(same_language(&a, &m), None, "round {round}");
        assert!(m.len() <= a.len());
        assert_eq!(minimize(&m), m, "idempotent, round {round}");
        // minimal: no two states of the result are equivalent
        if m.len() <= 30 {
            for s in 1..m.len() {
                for t in s + 1..m.len() {
                    assert!(
                        same_language(&started_at(&m, s), &started_at(&m, t)).is_some(),
                        "states {s} and {t} of the result are equivalent, round {round}"
                    );
                }
            }
        }
    }
}

#[test]
fn same_language_gives_a_shortest_witness() {
    let a = automaton(
        vec![
            vec![],
            row(&[(b'a', b'a', 2)]),
            row(&[(b'b', b'b', 3)]),
            vec![],
        ],
        vec![0, 0, 0, 1],
    );
    let mut b = a.clone();
    b.accept[3] = 2;
    assert_eq!(same_language(&a, &b), Some(b"ab".to_vec()));
    let mut c = a.clone();
    c.rows[2] = row(&[(b'b', b'c', 3)]);
    assert_eq!(same_language(&a, &c), Some(b"ac".to_vec()));
    assert_eq!(same_language(&a, &a), None);
}

#[test]
fn the_reference_options_keep_the_start_apart_and_number_defaults_first() {
    // a*: the start is equivalent to the state after 'a'
    let a = automaton(
        vec![vec![], row(&[(b'a', b'a', 2)]), row(&[(b'a', b'a', 2)])],
        vec![0, 1, 1],
    );
    assert_eq!(minimize(&a).len(), 2);
    let kept = minimize_with(
        &a,
        &MinimizeOptions {
            start_alone: true,
            default_first: false,
        },
    );
    assert_eq!(kept, a);
    // bytes 0-9 go to one state, the 246 others to another (the default)
    let b = automaton(
        vec![
            vec![],
            row(&[(0, 9, 2), (10, 255, 3)]),
            row(&[(b'x', b'x', 2)]),
            vec![],
        ],
        vec![0, 0, 1, 2],
    );
    let by_bytes = minimize(&b);
    assert_eq!(by_bytes.rows[1], vec![(0, 9, 2), (10, 255, 3)]);
    let defaults_first = minimize_with(&b, &MinimizeOptions::REFERENCE);
    assert_eq!(defaults_first.rows[1], vec![(0, 9, 3), (10, 255, 2)]);
    assert_eq!(defaults_first.accept, vec![0, 0, 2, 1]);
    assert_eq!(same_language(&b, &defaults_first), None);
}

/// The number of classes of equivalent states among the states reachable
/// in `a`, by Moore's algorithm in full rounds over all 256 bytes: the
/// textbook fixpoint, independent of [`refine`]'s worklist.
fn moore_classes(a: &Automaton) -> usize {
    let order = reachable(a);
    let mut block: Vec<u32> = vec![0; a.len()];
    let mut count = 0;
    loop {
        let mut ids: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut next = block.clone();
        for &s in &order {
            let mut sig = vec![
                block[s as usize],
                a.accept[s as usize],
                a.accept2[s as usize],
            ];
            sig.extend((0..=255u8).map(|b| block[a.next(s, b) as usize]));
            let fresh = ids.len() as u32;
            next[s as usize] = *ids.entry(sig).or_insert(fresh);
        }
        block = next;
        if ids.len() == count {
            return count;
        }
        count = ids.len();
    }
}

#[test]
fn refinement_finds_as_many_classes_as_moores_rounds() {
    let mut rng = Rng::new(11);
    for round in 0..60 {
        let n = 2 + rng.below(if round % 4 == 0 { 400 } else { 60 }) as usize;
        let words = 1 + rng.below(3) as u32;
        let a = random_automaton(&mut rng, n, words);
        let m = minimize(&a);
        if m == Automaton::empty() {
            continue; // the start is the trap: one class, written as two states
        }
        assert_eq!(m.len(), moore_classes(&a), "round {round}");
    }
}
