//! What the benchmark programs (and the journal generator, which includes this file) share:
//! the summary of a set of timed samples, and a small seeded random number generator.
#![allow(dead_code)]

use std::time::Duration;

/// Mean, percentiles and maximum of a set of samples.
pub struct Stats {
    pub n: usize,
    pub mean: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Stats {
    /// Summarises `samples` (sorted in place); at least one sample.
    pub fn of(samples: &mut [Duration]) -> Stats {
        samples.sort_unstable();
        let n = samples.len();
        let total: Duration = samples.iter().sum();
        let at = |q: f64| samples[((n as f64 * q).ceil() as usize).clamp(1, n) - 1];
        Stats {
            n,
            mean: total / n as u32,
            p50: at(0.50),
            p99: at(0.99),
            max: samples[n - 1],
        }
    }

    /// Operations per second at the mean.
    pub fn per_second(&self) -> f64 {
        1.0 / self.mean.as_secs_f64()
    }
}

/// SplitMix64: small, fast, seeded, and good enough to pick serials, bins and orders; the
/// same seed gives the same journal and the same queries.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// One of `items` (not empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}
