//! The columns of Tsung's report tables (highest/lowest 10 s mean, highest rate, mean rate,
//! mean, count, totals), computed from the interval series.
//!
//! Two rule sets:
//! * [`Rules::Stampede`] (the HTML report): every interval counts, rates use each interval's
//!   measured length, mean and count cover the whole run.
//! * [`Rules::TsungStatsPl`]: exactly what `tsung_stats.pl` computes from `tsung.log`: the first
//!   block is skipped (its Δ is 0), rates divide by the whole seconds between `dump at`
//!   stamps, a block whose Δ is 0 is skipped, and "Mean"/"Count" are the last line's lagging
//!   global columns (the last interval is left out). Used to check `tsung.log` against the
//!   script.

use crate::stats_file::StatsFile;
use stampede_metrics::{IntervalSummary, SampleSummary};
use stampede_model::{Counter, ErrorClass};

/// Which computation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rules {
    /// Stampede's report: all intervals, measured lengths, no lag.
    Stampede,
    /// `tsung_stats.pl`'s, reproduced for comparison.
    TsungStatsPl,
}

/// A row of the Main Statistics / Transactions tables.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleRow {
    /// `request`, `page`, `connect`, `session`, `tr_<name>`.
    pub name: String,
    /// Highest interval mean (ms).
    pub highest_mean_ms: Option<f64>,
    /// Lowest interval mean among intervals with samples (ms).
    pub lowest_mean_ms: Option<f64>,
    /// Highest interval rate (per second).
    pub highest_rate: f64,
    /// Mean of the interval rates (per second).
    pub mean_rate: f64,
    /// Mean of all samples (ms).
    pub mean_ms: Option<f64>,
    /// Number of samples.
    pub count: u64,
}

/// A row of the counter-like tables (codes, errors, counters, network).
#[derive(Clone, Debug, PartialEq)]
pub struct RateRow {
    /// The statistic's name.
    pub name: String,
    /// Highest interval rate (per second; bits per second for sizes).
    pub highest_rate: f64,
    /// Mean of the interval rates.
    pub mean_rate: f64,
    /// Cumulative total (bytes for sizes).
    pub total: u64,
}

/// The interval length each block counts with, or `None` when the block is skipped.
pub fn interval_lengths(intervals: &[IntervalSummary], rules: Rules) -> Vec<Option<f64>> {
    intervals
        .iter()
        .enumerate()
        .map(|(i, s)| match rules {
            Rules::Stampede => {
                let d = s.duration_s();
                (d > 0.0).then_some(d)
            }
            Rules::TsungStatsPl => {
                let prev = intervals.get(i.checked_sub(1)?)?;
                let d = s.dump_at - prev.dump_at;
                (d != 0).then_some(d as f64)
            }
        })
        .collect()
}

/// The Main-Statistics columns of one sample metric. `get` picks it from a summary.
pub fn sample_row(
    name: &str,
    intervals: &[IntervalSummary],
    rules: Rules,
    get: impl Fn(&IntervalSummary) -> Option<&SampleSummary>,
) -> Option<SampleRow> {
    let first = intervals
        .iter()
        .position(|s| get(s).is_some_and(|m| m.count > 0))?;
    let lengths = interval_lengths(intervals, rules);
    let mut row = SampleRow {
        name: name.to_owned(),
        highest_mean_ms: None,
        lowest_mean_ms: None,
        highest_rate: 0.0,
        mean_rate: 0.0,
        mean_ms: None,
        count: 0,
    };
    let (mut rates, mut n_rates) = (0.0, 0usize);
    let mut last_used = None;
    for (i, s) in intervals.iter().enumerate().skip(first) {
        let Some(len) = lengths[i] else { continue };
        let m = get(s).cloned().unwrap_or_default();
        let rate = m.count as f64 / len;
        row.highest_rate = if n_rates == 0 {
            rate
        } else {
            row.highest_rate.max(rate)
        };
        rates += rate;
        n_rates += 1;
        let mean = m.mean_ns().map_or(0.0, |v| v / 1e6);
        row.highest_mean_ms = Some(row.highest_mean_ms.map_or(mean, |h: f64| h.max(mean)));
        if m.count > 0 {
            row.lowest_mean_ms = Some(row.lowest_mean_ms.map_or(mean, |l: f64| l.min(mean)));
        }
        last_used = Some(i);
    }
    if n_rates > 0 {
        row.mean_rate = rates / n_rates as f64;
    }
    // Mean and count: whole run, or everything before the last counted block.
    let upto = match rules {
        Rules::Stampede => intervals.len(),
        Rules::TsungStatsPl => last_used.unwrap_or(0),
    };
    let (count, sum) = intervals[..upto]
        .iter()
        .filter_map(&get)
        .fold((0u64, 0u128), |(c, s), m| (c + m.count, s + m.sum));
    row.count = count;
    row.mean_ms = (count > 0).then(|| sum as f64 / count as f64 / 1e6);
    Some(row)
}

/// The rate columns of a counter whose interval delta `get` picks. `scale` multiplies rates
/// (8 for sizes in bits per second).
pub fn rate_row(
    name: &str,
    intervals: &[IntervalSummary],
    rules: Rules,
    scale: f64,
    get: impl Fn(&IntervalSummary) -> u64,
) -> Option<RateRow> {
    let total: u64 = intervals.iter().map(&get).sum();
    let first = intervals.iter().position(|s| get(s) > 0)?;
    let lengths = interval_lengths(intervals, rules);
    let (mut highest, mut sum, mut n) = (0.0f64, 0.0, 0usize);
    for (i, s) in intervals.iter().enumerate().skip(first) {
        let Some(len) = lengths[i] else { continue };
        let rate = get(s) as f64 * scale / len;
        highest = if n == 0 { rate } else { highest.max(rate) };
        sum += rate;
        n += 1;
    }
    Some(RateRow {
        name: name.to_owned(),
        highest_rate: highest,
        mean_rate: if n > 0 { sum / n as f64 } else { 0.0 },
        total,
    })
}

/// Every table of Tsung's report.
#[derive(Clone, Debug, PartialEq)]
pub struct TsungTables {
    /// `request`, `page`, `connect`, `session` (those with data).
    pub main: Vec<SampleRow>,
    /// `tr_*`.
    pub transactions: Vec<SampleRow>,
    /// `size_rcv`, `size_sent` (bits per second, total bytes).
    pub network: Vec<RateRow>,
    /// `match`-family counters.
    pub counters: Vec<RateRow>,
    /// Status codes.
    pub codes: Vec<RateRow>,
    /// `error_*`.
    pub errors: Vec<RateRow>,
    /// Tsung's "Max" table: `(name, max)`.
    pub maxima: Vec<(String, i64)>,
}

/// Counters that Tsung's report shows in its Counters table (the others go in "Max").
fn is_match_counter(c: Counter) -> bool {
    c.tsung_name().contains("match")
}

impl TsungTables {
    /// All tables of a run under `rules`.
    pub fn compute(stats: &StatsFile, rules: Rules) -> Self {
        let iv = &stats.intervals;
        let main = [
            ("request", 0usize),
            ("page", 1),
            ("connect", 2),
            ("session", 3),
        ]
        .into_iter()
        .filter_map(|(name, k)| {
            sample_row(name, iv, rules, move |s| {
                Some(match k {
                    0 => &s.request,
                    1 => &s.page,
                    2 => &s.connect,
                    _ => &s.session,
                })
            })
        })
        .collect();
        let transactions = stats
            .layout
            .transactions
            .iter()
            .enumerate()
            .filter_map(|(i, name)| {
                sample_row(&format!("tr_{name}"), iv, rules, move |s| {
                    s.transactions.get(i)
                })
            })
            .collect();
        let network = [
            rate_row("size_rcv", iv, rules, 8.0, |s| s.bytes_received),
            rate_row("size_sent", iv, rules, 8.0, |s| s.bytes_sent),
        ]
        .into_iter()
        .flatten()
        .collect();
        let counter =
            |c: Counter| move |s: &IntervalSummary| s.counters.get(c.index()).copied().unwrap_or(0);
        let counters = Counter::ALL
            .into_iter()
            .filter(|c| is_match_counter(*c))
            .filter_map(|c| rate_row(c.tsung_name(), iv, rules, 1.0, counter(c)))
            .collect();
        let mut codes: Vec<u16> = iv
            .iter()
            .flat_map(|s| s.status.iter().map(|(c, _)| c))
            .collect();
        codes.sort_unstable();
        codes.dedup();
        let codes = codes
            .into_iter()
            .filter_map(|code| {
                rate_row(
                    &stampede_metrics::status_key(code),
                    iv,
                    rules,
                    1.0,
                    move |s| s.status.get(code),
                )
            })
            .collect();
        let errors = ErrorClass::ALL
            .into_iter()
            .filter_map(|e| {
                rate_row(e.tsung_name(), iv, rules, 1.0, move |s| {
                    s.errors.get(e.index()).copied().unwrap_or(0)
                })
            })
            .collect();
        let last = iv.last();
        let mut maxima = vec![
            ("users".to_owned(), last.map_or(0, |s| s.users_max)),
            ("connected".to_owned(), last.map_or(0, |s| s.connected_max)),
        ];
        for c in Counter::ALL.into_iter().filter(|c| !is_match_counter(*c)) {
            let total: u64 = iv.iter().map(counter(c)).sum();
            if total > 0 || matches!(c, Counter::UsersCount | Counter::FinishUsersCount) {
                maxima.push((c.tsung_name().to_owned(), total as i64));
            }
        }
        TsungTables {
            main,
            transactions,
            network,
            counters,
            codes,
            errors,
            maxima,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(index: u64, dump_at: i64, count: u64, mean_ms: u64) -> IntervalSummary {
        IntervalSummary {
            index,
            start_ns: index * 10_000_000_000,
            end_ns: (index + 1) * 10_000_000_000,
            dump_at,
            request: SampleSummary {
                count,
                sum: u128::from(count * mean_ms * 1_000_000),
                ..SampleSummary::default()
            },
            ..IntervalSummary::default()
        }
    }

    /// Four intervals dumped at 10, 20, 30 and 35 s (Δ = -, 10, 10, 5), the second empty.
    fn four_intervals() -> [IntervalSummary; 4] {
        [
            iv(0, 10, 100, 2),
            iv(1, 20, 0, 0),
            iv(2, 30, 300, 4),
            iv(3, 35, 50, 8),
        ]
    }

    #[test]
    fn stampede_rules_use_every_interval() {
        let series = four_intervals();
        let row = sample_row("request", &series, Rules::Stampede, |s| Some(&s.request)).unwrap();
        assert_eq!(row.count, 450);
        assert_eq!(row.highest_rate, 30.0);
        assert_eq!(row.mean_rate, (10.0 + 0.0 + 30.0 + 5.0) / 4.0);
        assert_eq!(row.highest_mean_ms, Some(8.0));
        assert_eq!(row.lowest_mean_ms, Some(2.0));
        let mean = (100.0 * 2.0 + 300.0 * 4.0 + 50.0 * 8.0) / 450.0;
        assert!((row.mean_ms.unwrap() - mean).abs() < 1e-12);
    }

    #[test]
    fn tsung_rules_skip_the_first_block_and_lag() {
        let series = four_intervals();
        let row = sample_row("request", &series, Rules::TsungStatsPl, |s| {
            Some(&s.request)
        })
        .unwrap();
        assert_eq!(row.highest_rate, 300.0 / 10.0);
        assert_eq!(row.mean_rate, (0.0 + 30.0 + 10.0) / 3.0);
        assert_eq!(row.highest_mean_ms, Some(8.0));
        assert_eq!(row.lowest_mean_ms, Some(4.0));
        // Lagging globals of the last line: the first three intervals.
        assert_eq!(row.count, 400);
        let mean = (100.0 * 2.0 + 300.0 * 4.0) / 400.0;
        assert!((row.mean_ms.unwrap() - mean).abs() < 1e-12);
    }

    #[test]
    fn rows_start_at_first_data() {
        let series = [iv(0, 10, 0, 0), iv(1, 20, 0, 0), iv(2, 30, 10, 1)];
        let row = sample_row("request", &series, Rules::Stampede, |s| Some(&s.request)).unwrap();
        assert_eq!(row.mean_rate, 1.0);
        assert!(sample_row("page", &series, Rules::Stampede, |s| Some(&s.page)).is_none());
    }
}
