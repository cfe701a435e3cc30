//! A small, fast, seedable random generator (wyrand) and seed mixing. Everything the scheduler
//! draws comes from here, so a plan is a pure function of the run seed.

/// Mixes two 64-bit values into a well-spread seed (SplitMix64 finaliser).
pub fn mix_seed(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed a user's own random generator starts from: a function of the run seed and the
/// user id only, so a user draws the same values whichever process or worker runs it.
pub fn user_seed(run_seed: u64, user_id: u64) -> u64 {
    mix_seed(mix_seed(run_seed, 0x5553_4552), user_id)
}

/// wyrand: 8 bytes of state, passes BigCrush, a few cycles per draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            state: mix_seed(seed, 0x5343_4845_4455_4C45),
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0xA076_1D64_78BD_642F);
        let t = u128::from(self.state) * u128::from(self.state ^ 0xE703_7ED1_A0B4_28DB);
        ((t >> 64) as u64) ^ (t as u64)
    }

    /// Uniform in `[0, 1)`, 53 bits of precision.
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Exponential with the given mean (in whatever unit the mean has): `-ln(U) × mean` with
    /// `U` uniform in `(0, 1]`, as Tsung's `ts_stats:exponential`.
    pub(crate) fn exponential(&mut self, mean: f64) -> f64 {
        let u = 1.0 - self.next_f64(); // (0, 1]
        -u.ln() * mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_spread() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        let mut c = Rng::new(8);
        assert_ne!(xs[0], c.next_u64());
        assert_ne!(user_seed(1, 1), user_seed(1, 2));
        assert_ne!(user_seed(1, 1), user_seed(2, 1));
    }

    #[test]
    fn uniform_range() {
        let mut r = Rng::new(1);
        for _ in 0..10_000 {
            let x = r.next_f64();
            assert!((0.0..1.0).contains(&x));
            let e = r.exponential(2.0);
            assert!(e.is_finite() && e >= 0.0);
        }
    }
}
