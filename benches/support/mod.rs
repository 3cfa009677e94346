//! What the benchmark programs share: the summary of a set of timed samples.
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
