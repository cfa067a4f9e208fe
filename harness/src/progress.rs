//! Progress of a replay: a bar on a terminal, periodic plain lines otherwise.
//!
//! A run can take minutes; in CI or with stderr redirected to a log there is no terminal for a
//! bar, and a silent process looks hung. There, once a run passes the interval (5 s by default,
//! `--progress-interval`), a line like
//! `progress: typical: cached pass, 131072 of 600000 requests (21.8 %), 5 s elapsed`
//! goes to stderr every interval. Nothing is printed for runs shorter than that, or with
//! `--quiet`.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How progress is shown for one source.
pub enum Progress {
    /// `--quiet`: nothing.
    Hidden,
    /// stderr is a terminal: an indicatif bar (drawn on stderr).
    Bar(ProgressBar),
    /// stderr is not a terminal: a line every interval.
    Lines(Lines),
}

/// Periodic progress lines.
pub struct Lines {
    name: String,
    total: Option<u64>,
    started: Instant,
    interval: Duration,
    next_at: Instant,
    sink: Box<dyn Write + Send>,
}

impl Lines {
    /// Lines about `name` (of `total` requests, when known) written to `sink`.
    pub fn new(
        name: &str,
        total: Option<u64>,
        interval: Duration,
        sink: Box<dyn Write + Send>,
    ) -> Self {
        let started = Instant::now();
        Self {
            name: name.to_owned(),
            total,
            started,
            interval,
            next_at: started + interval,
            sink,
        }
    }

    /// Notes that `done` requests (over all passes so far) are done, in `pass`; prints a line
    /// when the interval has passed since the last one.
    pub fn update(&mut self, pass: &str, done: u64) {
        let now = Instant::now();
        if now < self.next_at {
            return;
        }
        self.next_at = now + self.interval;
        let elapsed = humantime::format_duration(Duration::from_secs(
            now.duration_since(self.started).as_secs(),
        ));
        let line = match self.total {
            Some(total) if total > 0 => format!(
                "progress: {}: {pass} pass, {done} of {total} requests ({:.1} %), {elapsed} elapsed",
                self.name,
                done as f64 * 100.0 / total as f64
            ),
            _ => format!(
                "progress: {}: {pass} pass, {done} requests, {elapsed} elapsed",
                self.name
            ),
        };
        // A broken stderr must not fail the run.
        let _ = writeln!(self.sink, "{line}");
    }
}

impl Progress {
    /// The progress display for a source of `total` requests (`None`: unknown, a trace file).
    pub fn new(name: &str, total: Option<u64>, quiet: bool, interval: Duration) -> Self {
        if quiet {
            return Progress::Hidden;
        }
        if std::io::stderr().is_terminal() {
            let bar = match total {
                Some(total) => ProgressBar::new(total),
                None => ProgressBar::new_spinner(),
            };
            let style = ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(name.to_owned());
            return Progress::Bar(bar);
        }
        Progress::Lines(Lines::new(
            name,
            total,
            interval,
            Box::new(std::io::stderr()),
        ))
    }

    /// `done` requests over all passes so far, now in `pass`.
    pub fn update(&mut self, pass: &str, done: u64) {
        match self {
            Progress::Hidden => {}
            Progress::Bar(bar) => {
                bar.set_message(pass.to_owned());
                bar.set_position(done);
            }
            Progress::Lines(lines) => lines.update(pass, done),
        }
    }

    /// Clears the bar (lines stay: they are a log).
    pub fn finish(self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map(|mut v| v.extend_from_slice(buf)).ok();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_appear_only_once_the_interval_has_passed() {
        let out = Shared::default();
        let mut lines = Lines::new(
            "typical",
            Some(1000),
            Duration::from_millis(50),
            Box::new(out.clone()),
        );
        lines.update("baseline", 10);
        assert!(
            out.0.lock().map(|v| v.is_empty()).unwrap_or(false),
            "too early"
        );
        std::thread::sleep(Duration::from_millis(60));
        lines.update("cached", 500);
        lines.update("cached", 501); // within the next interval: no second line
        let text = String::from_utf8(out.0.lock().map(|v| v.clone()).unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            text.starts_with("progress: typical: cached pass, 500 of 1000 requests (50.0 %)"),
            "{text}"
        );
    }
}
