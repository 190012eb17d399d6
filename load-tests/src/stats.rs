//! Latencies in HDR histograms (microseconds) and the report: a Markdown table row per run.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Latencies of one kind of answer.
pub struct Latencies(Histogram<u64>);

impl Default for Latencies {
    fn default() -> Self {
        // 1 µs to 10 min, three significant figures: constant bounds that are valid.
        #[allow(clippy::expect_used)]
        Latencies(Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds"))
    }
}

impl Latencies {
    pub fn record(&mut self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
        self.0.saturating_record(micros);
    }

    /// Adds another histogram's values (another thread's).
    pub fn add(&mut self, other: &Latencies) {
        // Both have the same bounds, so adding cannot fail.
        let _ = self.0.add(&other.0);
    }

    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The `q` quantile in milliseconds.
    pub fn ms(&self, q: f64) -> f64 {
        self.0.value_at_quantile(q) as f64 / 1000.0
    }
}

/// What one run measured.
pub struct Outcome {
    pub scenario: String,
    pub label: String,
    pub connections: usize,
    pub seconds: f64,
    pub accepted: Latencies,
    pub refused: Latencies,
    pub errors: u64,
    /// The raw transaction's rate on the same database and shape, when measured.
    pub raw_rate: Option<f64>,
    /// The checks afterwards, or other figures, as one line.
    pub notes: Vec<String>,
}

impl Outcome {
    pub fn new(scenario: &str, label: &str, connections: usize) -> Outcome {
        Outcome {
            scenario: scenario.to_owned(),
            label: label.to_owned(),
            connections,
            seconds: 0.0,
            accepted: Latencies::default(),
            refused: Latencies::default(),
            errors: 0,
            raw_rate: None,
            notes: Vec::new(),
        }
    }

    pub fn rate(&self) -> f64 {
        self.accepted.count() as f64 / self.seconds.max(f64::EPSILON)
    }

    pub const HEADER: &'static str = "| date | scenario | database | connections | accepted/s | refused/s | ratio to raw | p50 / p95 / p99 (accepted) | errors | notes |\n|---|---|---|---|---|---|---|---|---|---|";

    pub fn row(&self) -> String {
        let ratio = self.raw_rate.map_or("—".to_owned(), |raw| {
            format!("{:.2} (raw {:.0}/s)", self.rate() / raw.max(f64::EPSILON), raw)
        });
        format!(
            "| {} | {} | {} | {} | {:.0} | {:.0} | {} | {:.1} / {:.1} / {:.1} ms | {} | {} |",
            chrono::Utc::now().format("%Y-%m-%d %H:%M"),
            self.scenario,
            self.label,
            self.connections,
            self.rate(),
            self.refused.count() as f64 / self.seconds.max(f64::EPSILON),
            ratio,
            self.accepted.ms(0.5),
            self.accepted.ms(0.95),
            self.accepted.ms(0.99),
            self.errors,
            self.notes.join("; "),
        )
    }
}
