//! HTTP status codes: a dense array for 100..=599 plus one "other" slot.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The first code with its own slot.
pub const FIRST_CODE: u16 = 100;
/// The last code with its own slot.
pub const LAST_CODE: u16 = 599;
const SLOTS: usize = (LAST_CODE - FIRST_CODE + 1) as usize;
/// The pseudo-code under which codes outside 100..=599 are counted.
pub const OTHER_CODE: u16 = 0;

/// Counts per HTTP status code. Serialised sparsely, as `[[code, count], …]` (code 0 = other).
#[derive(Clone, PartialEq, Eq)]
pub struct StatusCounts {
    slots: Box<[u64; SLOTS]>,
    other: u64,
}

impl Default for StatusCounts {
    fn default() -> Self {
        Self {
            slots: Box::new([0; SLOTS]),
            other: 0,
        }
    }
}

impl std::fmt::Debug for StatusCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl StatusCounts {
    /// Counts one response with `code`.
    #[inline]
    pub fn add(&mut self, code: u16) {
        self.add_n(code, 1);
    }

    /// Counts `n` responses with `code`.
    #[inline]
    pub fn add_n(&mut self, code: u16, n: u64) {
        match self
            .slots
            .get_mut(usize::from(code.wrapping_sub(FIRST_CODE)))
        {
            Some(slot) => *slot = slot.wrapping_add(n),
            None => self.other = self.other.wrapping_add(n),
        }
    }

    /// Responses counted under `code` ([`OTHER_CODE`] for codes outside 100..=599).
    pub fn get(&self, code: u16) -> u64 {
        if code == OTHER_CODE {
            return self.other;
        }
        self.slots
            .get(usize::from(code.wrapping_sub(FIRST_CODE)))
            .copied()
            .unwrap_or(0)
    }

    /// Non-zero `(code, count)` pairs, ascending, with [`OTHER_CODE`] last.
    pub fn iter(&self) -> impl Iterator<Item = (u16, u64)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (FIRST_CODE + i as u16, *n))
            .chain((self.other > 0).then_some((OTHER_CODE, self.other)))
    }

    /// Total responses.
    pub fn total(&self) -> u64 {
        self.slots
            .iter()
            .fold(self.other, |acc, n| acc.wrapping_add(*n))
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &StatusCounts) {
        for (a, b) in self.slots.iter_mut().zip(other.slots.iter()) {
            *a = a.wrapping_add(*b);
        }
        self.other = self.other.wrapping_add(other.other);
    }

    /// Sets every count to zero.
    pub fn reset(&mut self) {
        self.slots.fill(0);
        self.other = 0;
    }
}

/// Status-code counts kept as a short sorted list: what interval summaries keep (a run
/// usually sees a handful of codes, and a dense table per interval would dominate the memory
/// of a long series).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SparseStatus(Vec<(u16, u64)>);

impl SparseStatus {
    /// Counts `n` responses with `code` ([`OTHER_CODE`] for other codes).
    pub fn add_n(&mut self, code: u16, n: u64) {
        let code = if (FIRST_CODE..=LAST_CODE).contains(&code) {
            code
        } else {
            OTHER_CODE
        };
        let key = sort_key(code);
        match self.0.binary_search_by_key(&key, |(c, _)| sort_key(*c)) {
            Ok(i) => self.0[i].1 = self.0[i].1.wrapping_add(n),
            Err(i) => self.0.insert(i, (code, n)),
        }
    }

    /// Responses counted under `code`.
    pub fn get(&self, code: u16) -> u64 {
        self.0
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(0, |(_, n)| *n)
    }

    /// Non-zero `(code, count)` pairs, ascending, with [`OTHER_CODE`] last.
    pub fn iter(&self) -> impl Iterator<Item = (u16, u64)> + '_ {
        self.0.iter().copied().filter(|(_, n)| *n > 0)
    }

    /// Total responses.
    pub fn total(&self) -> u64 {
        self.0.iter().fold(0u64, |a, (_, n)| a.wrapping_add(*n))
    }
}

/// Orders [`OTHER_CODE`] after every real code.
fn sort_key(code: u16) -> u16 {
    if code == OTHER_CODE { u16::MAX } else { code }
}

impl From<&StatusCounts> for SparseStatus {
    fn from(s: &StatusCounts) -> Self {
        SparseStatus(s.iter().collect())
    }
}

impl Serialize for StatusCounts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for StatusCounts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(u16, u64)>::deserialize(deserializer)?;
        let mut out = StatusCounts::default();
        for (code, n) in pairs {
            if code == OTHER_CODE {
                out.other += n;
            } else {
                out.add_n(code, n);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_codes_and_other() {
        let mut s = StatusCounts::default();
        for code in [100, 200, 200, 599, 600, 99, 0, 1000] {
            s.add(code);
        }
        assert_eq!(s.get(200), 2);
        assert_eq!(s.get(100), 1);
        assert_eq!(s.get(599), 1);
        assert_eq!(s.get(OTHER_CODE), 4);
        assert_eq!(s.total(), 8);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![(100, 1), (200, 2), (599, 1), (OTHER_CODE, 4)]
        );
    }

    #[test]
    fn sparse_matches_dense() {
        let mut dense = StatusCounts::default();
        let mut sparse = SparseStatus::default();
        for code in [503, 200, 0, 200, 404, 700, 200] {
            dense.add(code);
            sparse.add_n(code, 1);
        }
        assert_eq!(
            sparse.iter().collect::<Vec<_>>(),
            dense.iter().collect::<Vec<_>>()
        );
        assert_eq!(SparseStatus::from(&dense), sparse);
        assert_eq!(
            (sparse.get(200), sparse.get(OTHER_CODE), sparse.total()),
            (3, 2, 7)
        );
    }

    #[test]
    fn serialises_sparsely() {
        let mut s = StatusCounts::default();
        s.add(404);
        s.add(1);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "[[404,1],[0,1]]");
        let back: StatusCounts = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }
}
