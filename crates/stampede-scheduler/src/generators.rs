//! How the load is shared among load-generator processes.
//!
//! Tsung expands every `<client>` into `cpu` generator processes, each with `weight / cpu`, and
//! gives each process a share of every phase's arrival rate, of its `maxnumber` and of the static
//! users, proportional to its weight. [`Generators`] is that list of weights in a fixed order that
//! every process agrees on; a [`crate::Scheduler`] is built for one position in it.

use stampede_model::Client;

/// The weights of all generator processes of a run, in a fixed order.
#[derive(Clone, Debug, PartialEq)]
pub struct Generators {
    weights: Vec<f64>,
}

impl Generators {
    /// A single process doing all the work.
    pub fn single() -> Self {
        Self { weights: vec![1.0] }
    }

    /// Processes with these weights. Weights that are not finite and positive count as 1 (a
    /// generator always takes part); an empty list is a single process.
    pub fn from_weights(weights: impl IntoIterator<Item = f64>) -> Self {
        let weights: Vec<f64> = weights
            .into_iter()
            .map(|w| if w.is_finite() && w > 0.0 { w } else { 1.0 })
            .collect();
        if weights.is_empty() {
            Self::single()
        } else {
            Self { weights }
        }
    }

    /// Tsung's expansion of `<clients>`: each `<client>` becomes `cpu` processes of weight
    /// `weight / cpu`, in document order. No clients means a single local process.
    pub fn from_clients(clients: &[Client]) -> Self {
        Self::from_weights(clients.iter().flat_map(|c| {
            let cpu = c.cpu.max(1);
            std::iter::repeat_n(c.weight / f64::from(cpu), cpu as usize)
        }))
    }

    /// Replaces the generator at `index` with `parts` processes sharing its weight equally (for
    /// example when `maxusers` makes one host run several local processes). Out-of-range
    /// indices and `parts < 2` leave the list unchanged.
    pub fn split(&self, index: usize, parts: u32) -> Self {
        if index >= self.weights.len() || parts < 2 {
            return self.clone();
        }
        let w = self.weights[index] / f64::from(parts);
        let mut weights = Vec::with_capacity(self.weights.len() + parts as usize - 1);
        weights.extend_from_slice(&self.weights[..index]);
        weights.extend(std::iter::repeat_n(w, parts as usize));
        weights.extend_from_slice(&self.weights[index + 1..]);
        Self { weights }
    }

    /// Number of generator processes.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Never true: there is always at least one generator.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The weights, in order.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Sum of all weights.
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum()
    }

    /// Users each generator starts in a phase that Tsung would size as `duration × rate`,
    /// capped by `maxnumber` with Tsung's share rule: generators before the last take
    /// `max(1, trunc(maxnumber × w/W))` (0 once the maximum is used up), the last takes what is
    /// left; every share is also capped by the generator's `duration × rate × w/W`, and rounded.
    pub fn phase_users(
        &self,
        duration_secs: f64,
        rate_per_sec: f64,
        maxnumber: Option<u64>,
    ) -> Vec<u64> {
        let total = self.total_weight();
        let n = self.weights.len();
        let mut current: f64 = 0.0;
        let mut out = Vec::with_capacity(n);
        for (i, &w) in self.weights.iter().enumerate() {
            let by_rate = duration_secs * rate_per_sec * w / total;
            let users = match maxnumber {
                None => by_rate,
                Some(max) => {
                    let max = max as f64;
                    let share = if i + 1 == n {
                        max - current
                    } else if current == max {
                        0.0
                    } else {
                        (max * w / total).trunc().max(1.0)
                    };
                    share.min(by_rate)
                }
            };
            let users = users.round();
            let users = if users.is_finite() && users > 0.0 {
                users as u64
            } else {
                0
            };
            current += users as f64;
            out.push(users);
        }
        out
    }

    /// How many of `count` static users (sorted by start time) go to each generator: in order,
    /// each generator before the last takes `ceil(remaining × w/W)` from the head of the list,
    /// the last takes the rest (Tsung's rule).
    pub fn static_shares(&self, count: usize) -> Vec<usize> {
        let total = self.total_weight();
        let n = self.weights.len();
        let mut remaining = count;
        let mut out = Vec::with_capacity(n);
        for (i, &w) in self.weights.iter().enumerate() {
            let take = if i + 1 == n {
                remaining
            } else {
                let t = (remaining as f64 * w / total).ceil();
                if t.is_finite() && t > 0.0 {
                    (t as usize).min(remaining)
                } else {
                    0
                }
            };
            remaining -= take;
            out.push(take);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stampede_model::ClientKind;

    fn client(weight: f64, cpu: u32) -> Client {
        Client {
            host: "localhost".into(),
            use_controller_vm: false,
            maxusers: 800,
            weight,
            cpu,
            kind: ClientKind::Machine,
            ips: vec![],
            iprange: None,
        }
    }

    #[test]
    fn clients_expand_by_cpu() {
        let g = Generators::from_clients(&[client(2.0, 2), client(1.0, 1)]);
        assert_eq!(g.weights(), &[1.0, 1.0, 1.0]);
        assert_eq!(Generators::from_clients(&[]), Generators::single());
        let s = g.split(0, 4);
        assert_eq!(s.weights(), &[0.25, 0.25, 0.25, 0.25, 1.0, 1.0]);
        assert_eq!(g.split(9, 2), g);
    }

    #[test]
    fn maxnumber_share_rule() {
        // Table: (weights, duration×rate, maxnumber) → users per generator.
        type Case<'a> = (&'a [f64], f64, Option<u64>, &'a [u64]);
        let cases: &[Case] = &[
            (&[1.0], 600.0, None, &[600]),
            (&[1.0], 600.0, Some(10), &[10]),
            (&[1.0, 1.0], 600.0, Some(10), &[5, 5]),
            (&[1.0, 1.0, 1.0], 600.0, Some(10), &[3, 3, 4]),
            // Small maxnumber: every non-last generator still gets at least one.
            (&[1.0, 1.0, 1.0], 600.0, Some(2), &[1, 1, 0]),
            // Capped by the rate share.
            (&[1.0, 1.0], 10.0, Some(100), &[5, 5]),
            (&[3.0, 1.0], 8.0, None, &[6, 2]),
            // Rounding of duration × rate: 0.5 rounds up (away from zero).
            (&[1.0], 0.5, None, &[1]),
            (&[1.0], 0.4, None, &[0]),
        ];
        for (weights, dr, max, want) in cases {
            let g = Generators::from_weights(weights.iter().copied());
            assert_eq!(
                g.phase_users(*dr, 1.0, *max),
                *want,
                "{weights:?} {dr} {max:?}"
            );
        }
    }

    #[test]
    fn static_share_rule() {
        let g = Generators::from_weights([1.0, 1.0, 1.0]);
        assert_eq!(g.static_shares(10), vec![4, 2, 4]);
        assert_eq!(g.static_shares(0), vec![0, 0, 0]);
        assert_eq!(Generators::single().static_shares(3), vec![3]);
        let g = Generators::from_weights([1.0, 3.0]);
        assert_eq!(g.static_shares(5), vec![2, 3]);
    }
}
