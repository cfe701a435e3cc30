//! Statistics of one sample metric (`request`, `page`, `connect`, `session`, `tr_<name>`, one
//! request): exact integer moments plus a histogram for percentiles.

use crate::histogram::{HistogramSpec, LatencyHistogram};
use serde::{Deserialize, Serialize};

/// Durations of one metric, all in nanoseconds.
///
/// `count`, `sum`, `sum_sq`, `min` and `max` are exact integers, so merging is exact and
/// associative; percentiles come from the histogram (see [`crate::histogram`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleStats {
    /// Number of samples.
    pub count: u64,
    /// Sum of the samples (ns).
    #[serde(with = "crate::wide")]
    pub sum: u128,
    /// Sum of the squared samples (ns²).
    #[serde(with = "crate::wide")]
    pub sum_sq: u128,
    /// Smallest sample (ns); `u64::MAX` when empty.
    pub min: u64,
    /// Largest sample (ns); 0 when empty.
    pub max: u64,
    /// Distribution, in microseconds.
    pub histogram: LatencyHistogram,
}

/// The longest duration recorded as such, 2^50 ns (about 13 days); longer samples are
/// clamped to it, so that sums of squares cannot overflow.
pub const MAX_SAMPLE_NS: u64 = 1 << 50;

/// The percentiles every table shows, as `(label, quantile)`.
pub const PERCENTILES: [(&str, f64); 6] = [
    ("p50", 0.50),
    ("p75", 0.75),
    ("p90", 0.90),
    ("p95", 0.95),
    ("p99", 0.99),
    ("p99.9", 0.999),
];

impl SampleStats {
    /// Empty statistics whose histogram has the given shape.
    pub fn new(spec: HistogramSpec) -> Self {
        Self {
            count: 0,
            sum: 0,
            sum_sq: 0,
            min: u64::MAX,
            max: 0,
            histogram: LatencyHistogram::new(spec),
        }
    }

    /// Records one duration (ns), clamped to [`MAX_SAMPLE_NS`]. Never allocates while the
    /// value is within the histogram's initial range.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        let ns = ns.min(MAX_SAMPLE_NS);
        self.count += 1;
        let wide = u128::from(ns);
        // Wrapping sums stay exact (2^28 samples of 13 days each fit) and keep merging
        // associative even for absurd input.
        self.sum = self.sum.wrapping_add(wide);
        self.sum_sq = self.sum_sq.wrapping_add(wide * wide);
        self.min = self.min.min(ns);
        self.max = self.max.max(ns);
        self.histogram.record_ns(ns);
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &SampleStats) {
        self.count = self.count.wrapping_add(other.count);
        self.sum = self.sum.wrapping_add(other.sum);
        self.sum_sq = self.sum_sq.wrapping_add(other.sum_sq);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.histogram.merge(&other.histogram);
    }

    /// Forgets every sample, keeping the allocated memory.
    pub fn reset(&mut self) {
        self.count = 0;
        self.sum = 0;
        self.sum_sq = 0;
        self.min = u64::MAX;
        self.max = 0;
        self.histogram.reset();
    }

    /// True when no sample was recorded.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Heap bytes held (the histogram's counts).
    pub fn memory_bytes(&self) -> usize {
        self.histogram.memory_bytes()
    }

    /// Exact mean (ns), `None` when empty.
    pub fn mean_ns(&self) -> Option<f64> {
        mean_ns(self.count, self.sum)
    }

    /// Population standard deviation (ns), `None` when empty.
    pub fn stddev_ns(&self) -> Option<f64> {
        stddev_ns(self.count, self.sum, self.sum_sq)
    }

    /// Smallest sample (ns), `None` when empty.
    pub fn min_ns(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min)
    }

    /// Largest sample (ns), `None` when empty.
    pub fn max_ns(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    /// The value (ns) at quantile `q`, read from the histogram and clamped to the exact
    /// `[min, max]`; `None` when empty. `q = 1.0` is the exact maximum.
    pub fn quantile_ns(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        if q >= 1.0 {
            return Some(self.max);
        }
        let us = self.histogram.value_at_quantile_us(q);
        Some(us.saturating_mul(1000).clamp(self.min, self.max))
    }
}

/// `sum / count`, `None` when `count` is 0.
pub fn mean_ns(count: u64, sum: u128) -> Option<f64> {
    (count > 0).then(|| sum as f64 / count as f64)
}

/// Population standard deviation `sqrt(E[x²] − E[x]²)` from exact integer moments, computed
/// as `sqrt(n·Σx² − (Σx)²) / n` in integers when that fits (no cancellation error).
pub fn stddev_ns(count: u64, sum: u128, sum_sq: u128) -> Option<f64> {
    if count == 0 {
        return None;
    }
    let n = u128::from(count);
    let exact = n
        .checked_mul(sum_sq)
        .zip(sum.checked_mul(sum))
        .map(|(a, b)| a.saturating_sub(b));
    let var = match exact {
        Some(num) => num as f64 / (n as f64 * n as f64),
        None => {
            let mean = sum as f64 / n as f64;
            (sum_sq as f64 / n as f64 - mean * mean).max(0.0)
        }
    };
    Some(var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(values: &[u64]) -> SampleStats {
        let mut s = SampleStats::new(HistogramSpec::LATENCY);
        for &v in values {
            s.record(v);
        }
        s
    }

    #[test]
    fn moments_are_exact() {
        let s = stats(&[
            2_000_000, 4_000_000, 4_000_000, 4_000_000, 5_000_000, 5_000_000, 7_000_000, 9_000_000,
        ]);
        assert_eq!(s.count, 8);
        assert_eq!(s.mean_ns(), Some(5_000_000.0));
        assert_eq!(s.stddev_ns(), Some(2_000_000.0));
        assert_eq!(s.min_ns(), Some(2_000_000));
        assert_eq!(s.max_ns(), Some(9_000_000));
    }

    #[test]
    fn empty_has_no_statistics() {
        let s = stats(&[]);
        assert_eq!(s.mean_ns(), None);
        assert_eq!(s.stddev_ns(), None);
        assert_eq!(s.quantile_ns(0.5), None);
        assert_eq!(s.min_ns(), None);
    }

    #[test]
    fn quantiles_are_clamped_to_exact_extremes() {
        let s = stats(&[1_234_567]);
        assert_eq!(s.quantile_ns(0.5), Some(1_234_567));
        assert_eq!(s.quantile_ns(1.0), Some(1_234_567));
    }

    #[test]
    fn stddev_falls_back_to_floats_on_overflow() {
        let big = u128::MAX / 4;
        let sd = stddev_ns(u64::MAX, big, big).unwrap();
        assert!(sd.is_finite());
    }

    #[test]
    fn merge_equals_recording_together() {
        let mut a = stats(&[1_000, 50_000, 7_000_000]);
        let b = stats(&[3_000_000, 20]);
        a.merge(&b);
        assert_eq!(a, stats(&[1_000, 50_000, 7_000_000, 3_000_000, 20]));
    }
}
