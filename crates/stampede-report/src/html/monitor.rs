//! The "Server monitoring" table: per monitored host and metric, the highest, lowest and mean
//! interval value (Tsung's report has the same table).

use stampede_metrics::{HostMetric, IntervalSummary};

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MonitorRow {
    /// Tsung's node name.
    pub(crate) node: String,
    pub(crate) metric: HostMetric,
    pub(crate) highest: f64,
    pub(crate) lowest: f64,
    pub(crate) mean: f64,
}

impl MonitorRow {
    /// The metric's label, with its unit.
    pub(crate) fn label(&self) -> &'static str {
        match self.metric {
            HostMetric::Cpu => "cpu (%)",
            HostMetric::Freemem => "freemem (MB)",
            HostMetric::Load => "load (1 min)",
            HostMetric::Recvpackets => "recvpackets (/s)",
            HostMetric::Sentpackets => "sentpackets (/s)",
        }
    }
}

/// The rows, hosts in order of first appearance, metrics in Tsung's order. Packets are per
/// second of each interval.
pub(crate) fn rows(intervals: &[IntervalSummary]) -> Vec<MonitorRow> {
    // (node, metric) → values per interval.
    let mut series: Vec<(String, HostMetric, Vec<f64>)> = Vec::new();
    for iv in intervals {
        let seconds = iv.duration_s();
        for sample in &iv.monitor {
            for metric in HostMetric::ALL {
                let Some(v) = sample.get(metric) else {
                    continue;
                };
                let v = match metric {
                    HostMetric::Recvpackets | HostMetric::Sentpackets if seconds > 0.0 => {
                        v / seconds
                    }
                    HostMetric::Recvpackets | HostMetric::Sentpackets => continue,
                    _ => v,
                };
                match series
                    .iter_mut()
                    .find(|(n, m, _)| *m == metric && *n == sample.node)
                {
                    Some((_, _, values)) => values.push(v),
                    None => series.push((sample.node.clone(), metric, vec![v])),
                }
            }
        }
    }
    series.sort_by(|a, b| {
        let first = |node: &str| series_position(intervals, node);
        first(&a.0).cmp(&first(&b.0)).then(a.1.cmp(&b.1))
    });
    series
        .into_iter()
        .map(|(node, metric, values)| MonitorRow {
            node,
            metric,
            highest: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            lowest: values.iter().copied().fold(f64::INFINITY, f64::min),
            mean: values.iter().sum::<f64>() / values.len() as f64,
        })
        .collect()
}

/// Where a node first appears (interval, position), to keep the hosts in order.
fn series_position(intervals: &[IntervalSummary], node: &str) -> (usize, usize) {
    intervals
        .iter()
        .enumerate()
        .find_map(|(i, iv)| {
            iv.monitor
                .iter()
                .position(|s| s.node == node)
                .map(|p| (i, p))
        })
        .unwrap_or((usize::MAX, usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use stampede_metrics::HostSample;

    fn iv(seconds: u64, cpu: f64, recv: Option<u64>) -> IntervalSummary {
        IntervalSummary {
            end_ns: seconds * 1_000_000_000,
            monitor: vec![HostSample {
                node: "tsung_controller@a".into(),
                cpu: Some(cpu),
                recvpackets: recv,
                ..HostSample::default()
            }],
            ..IntervalSummary::default()
        }
    }

    #[test]
    fn rows_give_interval_extremes_and_packets_per_second() {
        let rows = rows(&[iv(10, 20.0, Some(100)), iv(5, 60.0, Some(100))]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].metric, HostMetric::Cpu);
        assert_eq!(
            (rows[0].highest, rows[0].lowest, rows[0].mean),
            (60.0, 20.0, 40.0)
        );
        assert_eq!(rows[1].label(), "recvpackets (/s)");
        assert_eq!((rows[1].highest, rows[1].lowest), (20.0, 10.0));
    }

    #[test]
    fn no_samples_no_rows() {
        assert!(rows(&[IntervalSummary::default()]).is_empty());
    }
}
