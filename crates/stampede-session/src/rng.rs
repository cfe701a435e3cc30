//! Each user's own random generator: 8 bytes of state (wyrand), seeded from the run seed and the
//! user id, so what a user draws does not depend on which worker runs it or on other users.

/// A user's random generator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UserRng {
    state: u64,
}

impl UserRng {
    pub(crate) fn new(seed: u64) -> Self {
        // Spread the seed so that consecutive seeds give unrelated streams.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self {
            state: z ^ (z >> 31),
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0xA076_1D64_78BD_642F);
        let t = u128::from(self.state) * u128::from(self.state ^ 0xE703_7ED1_A0B4_28DB);
        ((t >> 64) as u64) ^ (t as u64)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `[lo, hi]` (Tsung's `ts_stats:uniform`); `lo` when `hi < lo`.
    pub(crate) fn inclusive(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (i128::from(hi) - i128::from(lo) + 1) as u128;
        let r = (u128::from(self.next_u64()) * span) >> 64;
        (i128::from(lo) + r as i128) as i64
    }

    /// Uniform index in `[0, n)`; 0 when `n` is 0.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Exponential with mean `mean` (`-ln(U) × mean`, `U` in `(0, 1]`).
    pub(crate) fn exponential(&mut self, mean: f64) -> f64 {
        -(1.0 - self.unit()).ln() * mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusive_bounds_are_reached() {
        let mut r = UserRng::new(3);
        let mut seen = [false; 3];
        for _ in 0..1000 {
            let x = r.inclusive(1, 3);
            assert!((1..=3).contains(&x));
            seen[(x - 1) as usize] = true;
        }
        assert_eq!(seen, [true; 3]);
        assert_eq!(r.inclusive(5, 5), 5);
        assert_eq!(r.inclusive(5, 1), 5);
        let x = r.inclusive(i64::MIN, i64::MAX);
        let _ = x;
        assert_eq!(r.below(0), 0);
    }
}
