//! Serde helpers writing dense per-id arrays as sparse maps keyed by Tsung's names, so JSON
//! documents stay readable and survive new error classes or counters.

use std::collections::BTreeMap;

macro_rules! named_dense {
    ($(#[$doc:meta])* $module:ident, $ty:ty) => {
        $(#[$doc])*
        pub mod $module {
            use super::BTreeMap;
            use serde::{Deserialize, Deserializer, Serializer};

            /// Serialises non-zero entries as `{"name": count}`.
            pub fn serialize<S: Serializer>(v: &[u64], s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(
                    <$ty>::ALL
                        .iter()
                        .zip(v)
                        .filter(|(_, n)| **n > 0)
                        .map(|(k, n)| (k.tsung_name(), *n)),
                )
            }

            /// Reads `{"name": count}`; unknown names are ignored.
            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
                let map = BTreeMap::<String, u64>::deserialize(d)?;
                let mut out = vec![0; <$ty>::ALL.len()];
                for (i, k) in <$ty>::ALL.iter().enumerate() {
                    if let Some(n) = map.get(k.tsung_name()) {
                        out[i] = *n;
                    }
                }
                Ok(out)
            }
        }
    };
}

named_dense!(
    /// `Vec<u64>` indexed by [`stampede_model::ErrorClass`] ⇄ `{"error_…": n}`.
    errors,
    stampede_model::ErrorClass
);
named_dense!(
    /// `Vec<u64>` indexed by [`stampede_model::Counter`] ⇄ `{"match": n, …}`.
    counters,
    stampede_model::Counter
);

/// [`crate::SparseStatus`] ⇄ `{"200": n, "other": n}`.
pub mod codes {
    use super::BTreeMap;
    use crate::status::{OTHER_CODE, SparseStatus};
    use serde::{Deserialize, Deserializer, Serializer};

    /// The map key of a code: its number, or `other`.
    pub fn key(code: u16) -> String {
        if code == OTHER_CODE {
            "other".to_owned()
        } else {
            code.to_string()
        }
    }

    /// Serialises non-zero codes as `{"200": n}`.
    pub fn serialize<S: Serializer>(v: &SparseStatus, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(v.iter().map(|(c, n)| (key(c), n)))
    }

    /// Reads `{"200": n, "other": n}`; keys that are neither are counted as other.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SparseStatus, D::Error> {
        let map = BTreeMap::<String, u64>::deserialize(d)?;
        let mut out = SparseStatus::default();
        for (k, n) in map {
            out.add_n(k.parse().unwrap_or(OTHER_CODE), n);
        }
        Ok(out)
    }
}
