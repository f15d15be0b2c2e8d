//! Many patterns at once, each carrying a tag — a rule's index now, its
//! permissions when the kernel compiler is built on this: one automaton
//! whose accepting states say which patterns match. [`PatternSet::matching`]
//! answers for a path; [`PatternSet::determinize`] builds the deterministic
//! automaton (every state with its 256 transitions and its set of tags),
//! the shape of the kernel's DFA tables.

use super::{BuildWordHasher, Pattern, PatternError, State};
use std::collections::{BTreeSet, HashMap, VecDeque};

/// A union of tagged patterns.
#[derive(Debug, Clone)]
pub struct PatternSet<T> {
    /// The union automaton: state 0 starts, with an ε-edge to each
    /// pattern's start.
    nfa: Pattern,
    /// Accepting NFA states and their tags.
    accepts: HashMap<usize, Vec<T>>,
}

/// A deterministic automaton: state 0 is the start; `next[s][b]` is the
/// state after byte `b` (`None`: no path matches any more).
#[derive(Debug, Clone)]
pub struct Dfa<T> {
    pub next: Vec<Box<[Option<u32>; 256]>>,
    /// The tags of the patterns that match when the input ends in a state.
    pub accept: Vec<BTreeSet<T>>,
}

impl<T: Clone + Ord> Default for PatternSet<T> {
    fn default() -> Self {
        PatternSet::new()
    }
}

impl<T: Clone + Ord> PatternSet<T> {
    pub fn new() -> PatternSet<T> {
        PatternSet {
            nfa: Pattern {
                states: vec![State::default()],
                start: 0,
                accept: usize::MAX,
                literal: false,
                text: String::new(),
                literals: Default::default(),
                alternatives: Default::default(),
            },
            accepts: HashMap::new(),
        }
    }

    /// Add a pattern with its tag.
    pub fn add(&mut self, p: &Pattern, tag: T) -> Result<(), PatternError> {
        let base = self.nfa.states.len();
        if base + p.states.len() >= super::MAX_STATES {
            return Err(PatternError::TooLarge);
        }
        for s in &p.states {
            self.nfa.states.push(State {
                eps: s.eps.iter().map(|e| e + base).collect(),
                edges: s.edges.iter().map(|(b, t)| (*b, t + base)).collect(),
            });
        }
        self.nfa.states[0].eps.push(p.start + base);
        self.accepts.entry(p.accept + base).or_default().push(tag);
        Ok(())
    }

    fn tags(&self, set: &[usize]) -> BTreeSet<T> {
        set.iter()
            .filter_map(|s| self.accepts.get(s))
            .flatten()
            .cloned()
            .collect()
    }

    /// The tags of every pattern that matches `path`.
    pub fn matching(&self, path: &str) -> BTreeSet<T> {
        let mut set = self.nfa.start_set();
        for &b in path.as_bytes() {
            set = self.nfa.step(&set, b);
            if set.is_empty() {
                return BTreeSet::new();
            }
        }
        self.tags(&set)
    }

    /// The deterministic automaton, by subset construction; `TooLarge`
    /// past `max_states` states.
    pub fn determinize(&self, max_states: usize) -> Result<Dfa<T>, PatternError> {
        let start = self.nfa.start_set();
        let mut index: HashMap<Vec<usize>, u32, BuildWordHasher> = HashMap::default();
        let mut sets: Vec<Vec<usize>> = vec![start.clone()];
        index.insert(start, 0);
        let mut dfa = Dfa {
            next: Vec::new(),
            accept: Vec::new(),
        };
        let mut queue = VecDeque::from([0usize]);
        while let Some(i) = queue.pop_front() {
            let set = sets[i].clone();
            let mut row: Box<[Option<u32>; 256]> = Box::new([None; 256]);
            for class in Pattern::classes(&[(&self.nfa, &set)]) {
                let Some(byte) = class.pick() else { continue };
                let next = self.nfa.step(&set, byte);
                if next.is_empty() {
                    continue;
                }
                let id = match index.get(&next) {
                    Some(id) => *id,
                    None => {
                        if sets.len() >= max_states {
                            return Err(PatternError::TooLarge);
                        }
                        let id = sets.len() as u32;
                        index.insert(next.clone(), id);
                        sets.push(next);
                        queue.push_back(id as usize);
                        id
                    }
                };
                for b in 0..=255u8 {
                    if class.contains(b) {
                        row[b as usize] = Some(id);
                    }
                }
            }
            // rows are filled in the order states are first seen
            if dfa.next.len() <= i {
                dfa.next.resize_with(i + 1, || Box::new([None; 256]));
                dfa.accept.resize_with(i + 1, BTreeSet::new);
            }
            dfa.next[i] = row;
            dfa.accept[i] = self.tags(&set);
        }
        Ok(dfa)
    }
}

impl<T: Clone + Ord> Dfa<T> {
    /// The tags of the patterns matching `path`.
    pub fn matching(&self, path: &str) -> BTreeSet<T> {
        let mut s = 0usize;
        for &b in path.as_bytes() {
            match self.next[s][b as usize] {
                Some(n) => s = n as usize,
                None => return BTreeSet::new(),
            }
        }
        self.accept[s].clone()
    }

    pub fn len(&self) -> usize {
        self.next.len()
    }

    pub fn is_empty(&self) -> bool {
        self.next.is_empty()
    }
}
