use super::*;

#[test]
fn an_answer_is_computed_once_and_kept() {
    let m: Memo<String, usize> = Memo::default();
    assert_eq!(m.get_or("a", || 1), 1);
    // kept: the second computation is not asked for
    assert_eq!(m.get_or("a", || 2), 1);
    assert_eq!(m.get_or("b", || 3), 3);
    assert_eq!(m.len(), 2);
}

#[test]
fn a_full_table_starts_afresh() {
    let m: Memo<String, usize> = Memo::with_limit(2);
    m.get_or("a", || 1);
    m.get_or("b", || 2);
    assert_eq!(m.len(), 2);
    // the third answer clears the two before it
    m.get_or("c", || 3);
    assert_eq!(m.len(), 1);
    assert_eq!(m.get_or("a", || 4), 4);
}

#[test]
fn answers_can_be_forgotten_by_key() {
    let m: Memo<(u32, u32), usize> = Memo::default();
    m.insert((1, 1), 1);
    m.insert((2, 1), 2);
    m.insert((1, 2), 3);
    m.retain(|k| k.0 != 1);
    assert_eq!(m.len(), 1);
    assert_eq!(m.get(&(2, 1)), Some(2));
    assert_eq!(m.get(&(1, 1)), None);
}
