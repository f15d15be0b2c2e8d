//! The order in which the reference compiler meets a profile's rules.
//!
//! `apparmor_parser` collects a profile's file rules in a list that each
//! new rule is put at the head of, so it meets them last written first.
//! The rules of a `{ ... }` block are gathered in a list of their own,
//! then moved one by one to the head of the profile's list (which puts
//! them back in written order); those of a conditional branch taken are
//! appended at its tail. The kernel's transition table (`Px -> name`) is
//! numbered in the order met, so a text that is to compile to the same
//! bytes must give the same order.

use super::{ResolvedProfile, RuleBlock};
use std::collections::VecDeque;
use std::ops::Range;

impl ResolvedProfile {
    /// The indices of [`rules`](Self::rules) in the order the reference
    /// compiler meets them.
    pub fn reference_order(&self) -> Vec<usize> {
        let mut blocks: Vec<&RuleBlock> = self.blocks.iter().collect();
        // outer blocks before the blocks nested in them
        blocks.sort_by_key(|b| (b.rules.start, std::cmp::Reverse(b.rules.end)));
        let mut next = 0;
        scope(0..self.rules.len(), &blocks, &mut next).into()
    }
}

/// The list of the rules in `range`; `blocks[*next..]` are the blocks not
/// yet placed, sorted outermost first.
fn scope(range: Range<usize>, blocks: &[&RuleBlock], next: &mut usize) -> VecDeque<usize> {
    let mut list = VecDeque::new();
    let mut i = range.start;
    while i < range.end {
        match blocks.get(*next) {
            Some(b) if b.rules.start == i && b.rules.end <= range.end => {
                *next += 1;
                let inner = scope(b.rules.clone(), blocks, next);
                if b.conditional {
                    list.extend(inner);
                } else {
                    for r in inner {
                        list.push_front(r);
                    }
                }
                i = b.rules.end;
            }
            _ => {
                list.push_front(i);
                i += 1;
            }
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::ProfileKeyword;

    fn profile(n: usize, blocks: Vec<(Range<usize>, bool)>) -> ResolvedProfile {
        ResolvedProfile {
            name: "p".into(),
            keyword: ProfileKeyword::Profile,
            span: Default::default(),
            attachment: None,
            flags: vec![],
            header: vec![],
            rules: (0..n)
                .map(|_| {
                    std::sync::Arc::new(crate::syntax::ast::Rule {
                        prefix: vec![],
                        elems: vec![],
                        span: Default::default(),
                    })
                })
                .collect(),
            model: vec![None; n],
            blocks: blocks
                .into_iter()
                .map(|(rules, conditional)| RuleBlock {
                    rules,
                    conditional,
                    children: 0,
                })
                .collect(),
            children: vec![],
            altnames: vec![],
            synthetic: false,
        }
    }

    #[test]
    fn plain_rules_are_met_last_first() {
        assert_eq!(profile(3, vec![]).reference_order(), [2, 1, 0]);
    }

    #[test]
    fn a_block_is_met_in_written_order_where_it_stands() {
        // r0 { r1 r2 } r3
        assert_eq!(
            profile(4, vec![(1..3, false)]).reference_order(),
            [3, 1, 2, 0]
        );
    }

    #[test]
    fn a_conditional_branch_is_met_after_the_rules_before_it() {
        // r0 if { r1 r2 } r3
        assert_eq!(
            profile(4, vec![(1..3, true)]).reference_order(),
            [3, 0, 2, 1]
        );
    }

    #[test]
    fn nested_blocks_compose() {
        // r0 if { r1 { r2 r3 } r4 } r5, the inner block recorded first
        assert_eq!(
            profile(6, vec![(2..4, false), (1..5, true)]).reference_order(),
            [5, 0, 4, 2, 3, 1]
        );
    }
}
