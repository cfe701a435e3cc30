//! A latency histogram: an HDR histogram of microseconds with bounded, auto-resizing memory.
//!
//! # Why microseconds
//! Samples arrive as nanoseconds, but the histogram stores microseconds. Tsung's own timer has
//! microsecond resolution, and a loopback round trip already takes tens of microseconds, so
//! nothing below one microsecond is meaningful for percentiles. An HDR histogram's memory
//! grows with `log2(highest / lowest)`: nanoseconds would add ten buckets (×1024 range) to every
//! histogram, about 80 KiB each at three significant digits, for no information. The exact
//! count, sum, sum of squares, minimum and maximum are kept in nanoseconds beside the histogram
//! (see [`crate::SampleStats`]), so means, standard deviations and extremes are exact; only the
//! percentiles are read from the histogram, with 0.1 % relative error at three significant
//! digits (values under 2048 µs are exact to the microsecond).
//!
//! # Bounded memory
//! The histogram starts with room for values up to [`HistogramSpec::initial_high_us`] and grows
//! (allocating) only when a larger value arrives, up to [`MAX_TRACKABLE_US`] (24 hours). Larger
//! values are clamped to that bound; the exact maximum is still kept beside the histogram.

use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer as HdrDeserializer, Serializer as _, V2Serializer};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::io::Cursor;

/// The largest value a histogram tracks, in microseconds (24 hours). Larger samples are
/// clamped to it (their exact value still reaches the maximum).
pub const MAX_TRACKABLE_US: u64 = 24 * 3600 * 1_000_000;

/// The shape of a histogram: precision and initial range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistogramSpec {
    /// Significant decimal digits (1..=5).
    pub significant_digits: u8,
    /// Values up to this (µs) are recorded without any allocation.
    pub initial_high_us: u64,
}

impl HistogramSpec {
    /// `request`, `page`, `connect`, `tr_*`: three digits, no allocation up to 10 s.
    pub const LATENCY: HistogramSpec = HistogramSpec {
        significant_digits: 3,
        initial_high_us: 10_000_000,
    };
    /// `session`: three digits, no allocation up to one hour.
    pub const SESSION: HistogramSpec = HistogramSpec {
        significant_digits: 3,
        initial_high_us: 3_600_000_000,
    };
    /// Per-request rows: two digits (1 % error), an eighth of the memory, since a scenario can
    /// have hundreds of requests and every worker keeps one histogram per request.
    pub const PER_REQUEST: HistogramSpec = HistogramSpec {
        significant_digits: 2,
        initial_high_us: 10_000_000,
    };
}

/// An HDR histogram of durations, in microseconds.
///
/// The bucket layout is exactly HdrHistogram's (lowest discernible value 1, the given
/// significant digits), so it converts losslessly to and from `hdrhistogram::Histogram` (used
/// for the V2 encoding). Recording is a few integer instructions and one increment: no
/// auto-resize check, min/max or total on the hot path (the exact ones live in
/// [`crate::SampleStats`]).
#[derive(Clone, Debug)]
pub struct LatencyHistogram {
    digits: u8,
    /// log2 of half the sub-bucket count.
    half_mag: u32,
    /// Sub-bucket count − 1.
    mask: u64,
    counts: Vec<u64>,
}

/// Converts nanoseconds to the histogram's unit, rounding to the nearest microsecond and
/// clamping to [`MAX_TRACKABLE_US`].
#[inline]
fn to_us(ns: u64) -> u64 {
    (ns / 1000 + u64::from(ns % 1000 >= 500)).min(MAX_TRACKABLE_US)
}

impl LatencyHistogram {
    /// An empty histogram of the given shape.
    pub fn new(spec: HistogramSpec) -> Self {
        let digits = spec.significant_digits.clamp(1, 5);
        // Smallest power of two holding 2·10^digits values at unit resolution.
        let single_unit = 2 * 10u64.pow(u32::from(digits));
        let count_mag = 64 - (single_unit - 1).leading_zeros();
        let half_mag = count_mag.max(1) - 1;
        let mut h = Self {
            digits,
            half_mag,
            mask: (1u64 << (half_mag + 1)) - 1,
            counts: Vec::new(),
        };
        let high = spec.initial_high_us.clamp(2, MAX_TRACKABLE_US);
        h.counts = vec![0; h.bucket_end(h.index_for(high))];
        h
    }

    /// The counts index of a value (HdrHistogram's layout, unit magnitude 0).
    #[inline]
    fn index_for(&self, value: u64) -> usize {
        let bucket = (63 - self.half_mag) - (value | self.mask).leading_zeros();
        let sub = value >> bucket;
        (((u64::from(bucket) + 1) << self.half_mag) + sub - (1u64 << self.half_mag)) as usize
    }

    /// One past the last index of the bucket holding `index`.
    fn bucket_end(&self, index: usize) -> usize {
        ((index >> self.half_mag) + 1) << self.half_mag
    }

    /// The lowest value counted at `index`.
    fn value_for(&self, index: usize) -> u64 {
        let half = 1u64 << self.half_mag;
        let mut bucket = (index >> self.half_mag) as i64 - 1;
        let mut sub = (index as u64 & (half - 1)) + half;
        if bucket < 0 {
            sub -= half;
            bucket = 0;
        }
        sub << bucket
    }

    /// The highest value counted with `value`.
    fn highest_equivalent(&self, value: u64) -> u64 {
        let bucket = (63 - self.half_mag) - (value | self.mask).leading_zeros();
        let lowest = (value >> bucket) << bucket;
        lowest.saturating_add((1u64 << bucket) - 1)
    }

    /// Records one duration given in nanoseconds.
    #[inline]
    pub fn record_ns(&mut self, ns: u64) {
        self.record_us_n(to_us(ns), 1);
    }

    #[inline]
    fn record_us_n(&mut self, us: u64, n: u64) {
        let index = self.index_for(us.min(MAX_TRACKABLE_US));
        match self.counts.get_mut(index) {
            Some(c) => *c = c.wrapping_add(n),
            None => self.grow_and_add(index, n),
        }
    }

    #[cold]
    fn grow_and_add(&mut self, index: usize, n: u64) {
        let end = self.bucket_end(index);
        self.counts.resize(end, 0);
        if let Some(c) = self.counts.get_mut(index) {
            *c = c.wrapping_add(n);
        }
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        if other.digits == self.digits {
            if self.counts.len() < other.counts.len() {
                self.counts.resize(other.counts.len(), 0);
            }
            for (a, b) in self.counts.iter_mut().zip(&other.counts) {
                *a = a.wrapping_add(*b);
            }
        } else {
            for (value, n) in other.iter_recorded() {
                self.record_us_n(value, n);
            }
        }
    }

    /// Forgets every value, keeping the allocated memory.
    pub fn reset(&mut self) {
        self.counts.fill(0);
    }

    /// Number of values recorded.
    pub fn len(&self) -> u64 {
        self.counts.iter().fold(0u64, |a, c| a.wrapping_add(*c))
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.counts.iter().all(|c| *c == 0)
    }

    /// The value (µs) at quantile `q` in `0.0..=1.0`, as HdrHistogram computes it: the highest
    /// value equivalent to the recorded one at rank `ceil(q·n)`. 0 when empty.
    pub fn value_at_quantile_us(&self, q: f64) -> u64 {
        let total = self.len();
        if total == 0 {
            return 0;
        }
        let q = q.clamp(0.0, 1.0);
        let rank = ((q * total as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, c) in self.counts.iter().enumerate() {
            seen = seen.wrapping_add(*c);
            if seen >= rank {
                let value = self.value_for(i);
                return if q == 0.0 {
                    value
                } else {
                    self.highest_equivalent(value)
                };
            }
        }
        0
    }

    /// Significant digits of this histogram.
    pub fn significant_digits(&self) -> u8 {
        self.digits
    }

    /// Heap bytes used by the counts array.
    pub fn memory_bytes(&self) -> usize {
        self.counts.capacity() * std::mem::size_of::<u64>()
    }

    /// `(highest equivalent value µs, count)` for every non-empty bucket, ascending.
    pub fn iter_recorded(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, c)| (self.highest_equivalent(self.value_for(i)), *c))
    }

    /// The same data as an `hdrhistogram::Histogram`.
    pub fn to_hdr(&self) -> Histogram<u64> {
        let high = self
            .iter_recorded()
            .map(|(v, _)| v)
            .max()
            .unwrap_or(2)
            .max(2);
        let mut h = match Histogram::new_with_bounds(1, high, self.digits) {
            Ok(h) => h,
            Err(_) => Histogram::new(3).unwrap_or_else(|_| unreachable_histogram()),
        };
        h.auto(true);
        for (value, n) in self.iter_recorded() {
            if h.record_n(value, n).is_err() {
                h.saturating_record_n(value, n);
            }
        }
        h
    }

    /// The data of an `hdrhistogram::Histogram` (its precision is kept, within 1..=5 digits).
    pub fn from_hdr(h: &Histogram<u64>) -> Self {
        let mut out = Self::new(HistogramSpec {
            significant_digits: h.sigfig(),
            initial_high_us: 2,
        });
        for v in h.iter_recorded() {
            out.record_us_n(v.value_iterated_to(), v.count_at_value());
        }
        out
    }

    /// HDR histogram V2 encoding (the format of `HdrHistogram` in every language).
    pub fn encode_v2(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if V2Serializer::new()
            .serialize(&self.to_hdr(), &mut out)
            .is_err()
        {
            out.clear();
        }
        out
    }

    /// Decodes [`LatencyHistogram::encode_v2`]'s output.
    pub fn decode_v2(bytes: &[u8]) -> Result<Self, HistogramDecodeError> {
        let inner: Histogram<u64> = HdrDeserializer::new()
            .deserialize(&mut Cursor::new(bytes))
            .map_err(|e| HistogramDecodeError(format!("{e:?}")))?;
        Ok(Self::from_hdr(&inner))
    }

    /// Base64 (standard alphabet, padded) of the V2 encoding, for JSON.
    pub fn encode_base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(self.encode_v2())
    }

    /// Decodes [`LatencyHistogram::encode_base64`]'s output.
    pub fn decode_base64(text: &str) -> Result<Self, HistogramDecodeError> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| HistogramDecodeError(format!("base64: {e}")))?;
        Self::decode_v2(&bytes)
    }
}

#[cold]
fn unreachable_histogram() -> Histogram<u64> {
    // `Histogram::new(3)` only fails for invalid significant digits, and 3 is valid.
    unreachable!("a 3-digit histogram is always valid")
}

/// A histogram could not be decoded.
#[derive(Debug, thiserror::Error)]
#[error("invalid HDR histogram encoding: {0}")]
pub struct HistogramDecodeError(String);

impl PartialEq for LatencyHistogram {
    /// Same precision and same recorded values (whatever the allocated size).
    fn eq(&self, other: &Self) -> bool {
        self.digits == other.digits && self.iter_recorded().eq(other.iter_recorded())
    }
}

impl Serialize for LatencyHistogram {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&self.encode_base64())
        } else {
            serializer.serialize_bytes(&self.encode_v2())
        }
    }
}

impl<'de> Deserialize<'de> for LatencyHistogram {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = LatencyHistogram;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an HDR V2 histogram (bytes, or base64 text)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                LatencyHistogram::decode_base64(v).map_err(E::custom)
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                LatencyHistogram::decode_v2(v).map_err(E::custom)
            }
        }
        if deserializer.is_human_readable() {
            deserializer.deserialize_str(Visitor)
        } else {
            deserializer.deserialize_bytes(Visitor)
        }
        .map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_microseconds_and_clamps() {
        assert_eq!(to_us(0), 0);
        assert_eq!(to_us(499), 0);
        assert_eq!(to_us(500), 1);
        assert_eq!(to_us(1_499), 1);
        assert_eq!(to_us(u64::MAX), MAX_TRACKABLE_US);
    }

    #[test]
    fn percentiles_are_within_precision() {
        let mut h = LatencyHistogram::new(HistogramSpec::LATENCY);
        for ms in 1..=1000u64 {
            h.record_ns(ms * 1_000_000);
        }
        let p50 = h.value_at_quantile_us(0.5) as f64;
        assert!((p50 - 500_000.0).abs() / 500_000.0 < 0.001, "{p50}");
        let p99 = h.value_at_quantile_us(0.99) as f64;
        assert!((p99 - 990_000.0).abs() / 990_000.0 < 0.001, "{p99}");
    }

    #[test]
    fn grows_past_initial_range_and_clamps_at_the_bound() {
        let mut h = LatencyHistogram::new(HistogramSpec::LATENCY);
        let before = h.memory_bytes();
        h.record_ns(100 * 1_000_000_000); // 100 s
        assert!(h.memory_bytes() > before);
        h.record_ns(u64::MAX);
        assert_eq!(h.len(), 2);
        assert!(h.value_at_quantile_us(1.0) >= MAX_TRACKABLE_US);
    }

    #[test]
    fn v2_and_base64_round_trip() {
        let mut h = LatencyHistogram::new(HistogramSpec::PER_REQUEST);
        for v in [1u64, 10, 1_000, 123_456, 9_999_999, 50_000_000_000] {
            h.record_ns(v * 1000);
        }
        let back = LatencyHistogram::decode_base64(&h.encode_base64()).unwrap();
        assert_eq!(back, h);
        assert_eq!(back.significant_digits(), 2);
        assert!(LatencyHistogram::decode_base64("not base64!").is_err());
        assert!(LatencyHistogram::decode_v2(&[1, 2, 3]).is_err());
    }

    #[test]
    fn layout_and_quantiles_match_hdrhistogram() {
        for digits in 1..=5u8 {
            let mut ours = LatencyHistogram::new(HistogramSpec {
                significant_digits: digits,
                initial_high_us: 1000,
            });
            let mut hdr = Histogram::<u64>::new_with_bounds(1, 2, digits).unwrap();
            hdr.auto(true);
            let mut x: u64 = 88172645463325252;
            for i in 0..5000u64 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let v = match i % 4 {
                    0 => x % 3000,
                    1 => x % 1_000_000,
                    2 => x % 5_000_000_000,
                    _ => i,
                };
                ours.record_us_n(v, 1);
                hdr.record(v).unwrap();
            }
            let theirs: Vec<(u64, u64)> = hdr
                .iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect();
            assert_eq!(
                ours.iter_recorded().collect::<Vec<_>>(),
                theirs,
                "{digits} digits"
            );
            for q in [0.0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0] {
                assert_eq!(
                    ours.value_at_quantile_us(q),
                    hdr.value_at_quantile(q),
                    "q {q}"
                );
            }
            assert_eq!(LatencyHistogram::from_hdr(&ours.to_hdr()), ours);
        }
    }

    #[test]
    fn equality_ignores_allocated_size() {
        let mut small = LatencyHistogram::new(HistogramSpec::LATENCY);
        let mut big = LatencyHistogram::new(HistogramSpec::LATENCY);
        big.record_ns(1_000_000_000_000);
        big.reset();
        small.record_ns(5_000);
        big.record_ns(5_000);
        assert_eq!(small, big);
        assert_eq!(big, small);
    }
}
