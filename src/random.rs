//! The one seeded random generator: xoshiro256++ from `rand_xoshiro`, seeded from a `u64`
//! (expanded with splitmix64, so seeds 0, 1, 2 … give unrelated streams). The same seed
//! always gives the same numbers, which is what makes a `--seed` reproducible: Poisson
//! arrivals, the `volatile` profile's walk, the gateway's rejects and `compare`'s bootstrap.
//!
//! [`Random::from_os`] is the one unreproducible stream: seeded from the OS, for what must
//! differ from run to run (the ClOrdID tag). It reads the OS once, at set-up.
//!
//! It owns the draws fixblast needs and nothing else. A draw allocates nothing and costs a
//! few nanoseconds, so a worker may draw on its hot path. It imports nothing from the crate.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};

/// 2^-53: a 53-bit integer times this is a double in [0, 1) with every bit random.
const UNIT: f64 = 1.0 / (1u64 << 53) as f64;

/// A reproducible stream of random numbers. A clone continues with the same numbers.
#[derive(Debug, Clone)]
pub struct Random(Xoshiro256PlusPlus);

impl Random {
    pub fn new(seed: u64) -> Random {
        Random(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    /// A stream no other process or run will draw: all 256 bits of state come from the OS
    /// (`getrandom(2)` on Linux). Not for the hot path: it makes a system call.
    pub fn from_os() -> Result<Random, OsRandomError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(OsRandomError)?;
        Ok(Random(Xoshiro256PlusPlus::from_seed(seed)))
    }

    /// Uniform in `0..2^64`.
    #[inline]
    pub fn bits(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * UNIT
    }

    /// Uniform in (0, 1): never 0, so its logarithm is finite.
    #[inline]
    pub fn open_unit(&mut self) -> f64 {
        ((self.0.next_u64() >> 11) as f64 + 0.5) * UNIT
    }

    /// Uniform in `0..n` (multiply-shift: the bias is below 2^-32 for `n` under 2^32).
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.0.next_u64()) * n as u128) >> 64) as usize
    }
}

/// The OS gave no random bytes.
#[derive(Debug, thiserror::Error)]
#[error("the OS gave no random bytes ({0})")]
pub struct OsRandomError(getrandom::Error);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_stream_and_another_seed_another() {
        let draw = |seed| {
            let mut r = Random::new(seed);
            (0..100).map(|_| r.unit()).collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
        assert_ne!(draw(0), draw(1));
    }

    #[test]
    fn streams_from_the_os_differ() {
        let a = Random::from_os().unwrap().bits();
        let b = Random::from_os().unwrap().bits();
        assert_ne!(a, b, "two 64-bit draws from the OS agree: 1 in 2^64, or no entropy");
    }

    #[test]
    fn draws_stay_in_range_and_spread() {
        let mut r = Random::new(7);
        let n = 100_000;
        let (mut sum, mut counts) = (0.0, [0u32; 10]);
        for _ in 0..n {
            let (u, o, b) = (r.unit(), r.open_unit(), r.below(10));
            assert!((0.0..1.0).contains(&u));
            assert!(o > 0.0 && o < 1.0);
            sum += u;
            counts[b] += 1;
        }
        assert!((sum / n as f64 - 0.5).abs() < 0.01, "mean {}", sum / n as f64);
        assert!(counts.iter().all(|&c| (9_000..11_000).contains(&c)), "{counts:?}");
    }
}
