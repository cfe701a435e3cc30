//! Serde for `u128` sums: a decimal string in human-readable formats (JSON numbers above 2^53
//! lose precision in most readers), a native integer elsewhere.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

/// `#[serde(with = "crate::wide")]` on a `u128` field.
pub fn serialize<S: Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        serializer.collect_str(value)
    } else {
        serializer.serialize_u128(*value)
    }
}

/// Accepts a decimal string or an integer.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Wide {
        Text(String),
        Int(u64),
    }
    if deserializer.is_human_readable() {
        match Wide::deserialize(deserializer)? {
            Wide::Text(s) => s.trim().parse().map_err(D::Error::custom),
            Wide::Int(v) => Ok(u128::from(v)),
        }
    } else {
        u128::deserialize(deserializer)
    }
}
