//! A user's dynamic variables: a small vector keyed by slot, holding only the variables the user
//! has set (most users set a handful), so an idle user costs 24 bytes here.

use crate::value::Value;

/// A variable slot: a [`stampede_model::VarId`] of the scenario, or an internal slot above the
/// scenario's variables (loop counters Tsung keeps as hidden variables).
pub(crate) type Slot = u32;

/// The variables a user has set.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Vars {
    entries: Vec<(Slot, Value)>,
}

impl Vars {
    pub(crate) fn get(&self, slot: Slot) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(s, _)| *s == slot)
            .map(|(_, v)| v)
    }

    pub(crate) fn set(&mut self, slot: Slot, value: Value) {
        match self.entries.iter_mut().find(|(s, _)| *s == slot) {
            Some((_, v)) => *v = value,
            None => self.entries.push((slot, value)),
        }
    }

    /// `(slot, value)` pairs in the order they were first set.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Slot, &Value)> {
        self.entries.iter().map(|(s, v)| (*s, v))
    }

    /// Heap bytes held by the values (for memory accounting).
    pub(crate) fn heap_bytes(&self) -> usize {
        fn value_bytes(v: &Value) -> usize {
            match v {
                Value::Bytes(b) => b.len(),
                Value::List(items) => {
                    items.len() * std::mem::size_of::<Value>()
                        + items.iter().map(value_bytes).sum::<usize>()
                }
                Value::Int(_) | Value::Float(_) => 0,
            }
        }
        self.entries.capacity() * std::mem::size_of::<(Slot, Value)>()
            + self
                .entries
                .iter()
                .map(|(_, v)| value_bytes(v))
                .sum::<usize>()
    }
}
