//! The HdrHistogram interval log (`--hlog`): one V2-deflate histogram per interval and message
//! type, written as the run goes so that memory stays flat however long the run is.
//!
//! This module owns the log's layout, not what goes in it: the reporter passes each interval's
//! merged histograms with their tags (`ack`, `ack_service`, `cancel`, `replace`, `fill`,
//! `schedule_lag` …). It never reads a worker's histograms and never formats text per order.
//!
//! The file is the standard format that HdrHistogram's `HistogramLogReader`,
//! `HistogramLogProcessor` and `HistogramLogAnalyzer` read, and the `hdrhistogram` crate's own
//! [`IntervalLogIterator`](hdrhistogram::serialization::interval_log::IntervalLogIterator) parses:
//!
//! ```text
//! #[Logged with fixblast 0.1.0: round trips in nanoseconds, interval max in nanoseconds]
//! #[Histogram log format version 1.3]
//! #[StartTime: 1700000000.250 (seconds since epoch)]
//! #[BaseTime: 1700000000.250 (seconds since epoch)]
//! "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
//! Tag=ack,0.000,1.000,1710079.000,HISTFAAAAC…
//! Tag=schedule_lag,0.000,1.000,22015.000,HISTFAAAAB…
//! ```
//!
//! Headers and interval lines are written by the crate's
//! [`IntervalLogWriterBuilder`]; only the legend line, which the builder has no call for, is
//! written here.
//!
//! # Units
//!
//! Histogram values are nanoseconds, full round trips. The `Interval_Max` column is for people
//! only (every reader decodes the histogram instead); it is written with the crate's default
//! max-value divisor of 1, so it is in nanoseconds too. Java's `HistogramLogWriter` divides by
//! 10⁶ by default; choosing 1 keeps the column in the histogram's own unit and avoids a
//! `#[MaxValueDivisor]` line. Give `HistogramLogProcessor` `-outputValueUnitRatio 1000` for
//! microseconds (its default, 10⁶, prints milliseconds).
//!
//! # Timestamps
//!
//! `StartTime` and `BaseTime` are both the Unix time given to [`HlogWriter::new`] (the moment
//! measurement began, after warm-up); each interval's timestamp is seconds since then. Warm-up
//! intervals, which start before it, are not logged.

use super::files::{commit, temp_path};
use hdrhistogram::Histogram;
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, IntervalLogWriterError, Tag};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

/// The Java implementation's log format version that these lines follow (tags, V2 encodings).
const LOG_FORMAT_VERSION: &str = "1.3";

/// The column legend Java's `HistogramLogWriter` writes after the headers; readers skip it.
const LEGEND: &str = "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";

/// Writes an interval log one interval at a time. Everything written is flushed at the end of
/// each [`interval`](HlogWriter::interval), so what was logged survives a crash of the run
/// (in [`HlogFile`]'s temporary file).
pub struct HlogWriter<W: Write = BufWriter<File>> {
    out: W,
    serializer: V2DeflateSerializer,
}

/// An interval log written as the run goes into a temporary file beside `path`
/// ([`temp_path`]), and renamed over `path` by [`finish`](HlogFile::finish): a run stopped
/// before it ends, however it stops, leaves any earlier log at `path` as it was, and each
/// interval is on disk in the temporary file once logged. Dropped unfinished (the log failed,
/// or the run did), it removes the temporary file: the log is written whole or not at all.
pub struct HlogFile {
    path: PathBuf,
    tmp: PathBuf,
    log: HlogWriter<BufWriter<File>>,
    done: bool,
}

impl HlogFile {
    /// Starts the log for `path` and writes its headers. `start_unix_s` is the Unix time, in
    /// seconds, at which measurement began.
    pub fn create(path: &Path, start_unix_s: f64) -> io::Result<HlogFile> {
        let tmp = temp_path(path);
        match File::create(&tmp).and_then(|f| HlogWriter::new(BufWriter::new(f), start_unix_s)) {
            Ok(log) => Ok(HlogFile { path: path.to_path_buf(), tmp, log, done: false }),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// Logs one interval (see [`HlogWriter::interval`]).
    pub fn interval(&mut self, start_s: f64, duration_s: f64, hists: &[(&str, &Histogram<u64>)]) -> io::Result<()> {
        self.log.interval(start_s, duration_s, hists)
    }

    /// Syncs the log and renames it over `path`.
    pub fn finish(mut self) -> io::Result<()> {
        self.log.out.flush()?;
        self.log.out.get_ref().sync_all()?;
        commit(&self.tmp, &self.path)?;
        self.done = true;
        Ok(())
    }
}

impl Drop for HlogFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

impl<W: Write> HlogWriter<W> {
    /// Writes the headers to `out`: a comment naming the tool and units, the format version,
    /// `#[StartTime: …]` and `#[BaseTime: …]` (both `start_unix_s`) and the legend line.
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`] when `start_unix_s` is negative or not finite.
    pub fn new(mut out: W, start_unix_s: f64) -> io::Result<HlogWriter<W>> {
        let start = Duration::try_from_secs_f64(start_unix_s)
            .map_err(|_| invalid(format!("interval log start time {start_unix_s} is not a Unix time in seconds")))?;
        let start = UNIX_EPOCH + start;
        let mut serializer = V2DeflateSerializer::new();
        IntervalLogWriterBuilder::new()
            .add_comment(&format!(
                "[Logged with fixblast {}: round trips in nanoseconds, interval max in nanoseconds]",
                env!("CARGO_PKG_VERSION")
            ))
            .add_comment(&format!("[Histogram log format version {LOG_FORMAT_VERSION}]"))
            .with_start_time(start)
            .with_base_time(start)
            .begin_log_with(&mut out, &mut serializer)?;
        out.write_all(LEGEND.as_bytes())?;
        out.flush()?;
        Ok(HlogWriter { out, serializer })
    }

    /// Logs one interval: a line per non-empty histogram, tagged with its name, in the order
    /// given. `start_s` is when the interval began, in seconds since the start time given to
    /// [`new`](HlogWriter::new); `duration_s` is its length. Empty histograms are skipped.
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`], before writing anything, when a tag holds
    /// `,`, a space or a line break, or when `start_s` or `duration_s` is negative or not finite.
    pub fn interval(&mut self, start_s: f64, duration_s: f64, hists: &[(&str, &Histogram<u64>)]) -> io::Result<()> {
        let start = seconds("start", start_s)?;
        let duration = seconds("duration", duration_s)?;
        let tags = hists
            .iter()
            .map(|(name, _)| {
                Tag::new(name)
                    .ok_or_else(|| invalid(format!("interval log tag {name:?} holds ',', ' ' or a line break")))
            })
            .collect::<io::Result<Vec<Tag<'_>>>>()?;
        // A log writer without headers writes nothing until asked; making one per interval
        // keeps `HlogWriter` free of the borrow the crate's writer holds on `out`.
        let mut log = IntervalLogWriterBuilder::new().begin_log_with(&mut self.out, &mut self.serializer)?;
        for (tag, (_, h)) in tags.into_iter().zip(hists) {
            if h.is_empty() {
                continue;
            }
            log.write_histogram(h, start, duration, Some(tag)).map_err(|e| match e {
                IntervalLogWriterError::IoError(e) => e,
                IntervalLogWriterError::SerializeError(e) => io::Error::other(e),
            })?;
        }
        self.out.flush()
    }

    /// Flushes the log and hands back the writer it was written to.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

fn seconds(what: &str, s: f64) -> io::Result<Duration> {
    Duration::try_from_secs_f64(s)
        .map_err(|_| invalid(format!("interval log {what} {s}s is not a non-negative number of seconds")))
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::histogram;
    use base64::Engine;
    use hdrhistogram::serialization::Deserializer;
    use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};

    const START: f64 = 1_700_000_000.25;

    fn hist(values: &[u64]) -> Histogram<u64> {
        let mut h = histogram();
        for &v in values {
            h.record(v).unwrap();
        }
        h
    }

    fn decode(encoded: &str) -> Histogram<u64> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap();
        Deserializer::new().deserialize(&mut bytes.as_slice()).unwrap()
    }

    /// What one line should say.
    struct Wrote {
        tag: &'static str,
        start_s: f64,
        hist: Histogram<u64>,
    }

    /// Three intervals of ack and schedule-lag histograms, one with nothing acked.
    fn three_intervals() -> (Vec<u8>, Vec<Wrote>) {
        let mut w = HlogWriter::new(Vec::new(), START).unwrap();
        let mut wrote = Vec::new();
        for i in 0..3u64 {
            let ack = if i == 1 { histogram() } else { hist(&[15_000 + i, 21_000, 1_710_000 * (i + 1)]) };
            let lag = hist(&[600, 22_000 + i]);
            w.interval(i as f64, 1.0, &[("ack", &ack), ("schedule_lag", &lag)]).unwrap();
            for (tag, h) in [("ack", &ack), ("schedule_lag", &lag)] {
                if !h.is_empty() {
                    wrote.push(Wrote { tag, start_s: i as f64, hist: h.clone() });
                }
            }
        }
        (w.finish().unwrap(), wrote)
    }

    #[test]
    fn every_line_parses_back_with_the_crates_reader() {
        let (log, wrote) = three_intervals();
        let mut intervals = Vec::new();
        let (mut start_time, mut base_time) = (None, None);
        for entry in IntervalLogIterator::new(&log) {
            match entry.expect("the crate's reader parses every line") {
                LogEntry::StartTime(t) => start_time = Some(t),
                LogEntry::BaseTime(t) => base_time = Some(t),
                LogEntry::Interval(i) => intervals.push(i),
            }
        }
        let start = Duration::from_millis(1_700_000_000_250);
        assert_eq!(start_time, Some(start));
        assert_eq!(base_time, Some(start));
        assert_eq!(intervals.len(), wrote.len(), "one line per non-empty histogram");
        for (line, w) in intervals.iter().zip(&wrote) {
            let what = format!("{} at {}s", w.tag, w.start_s);
            assert_eq!(line.tag().map(|t| t.as_str()), Some(w.tag), "{what}");
            assert_eq!(line.start_timestamp(), Duration::from_secs_f64(w.start_s), "{what}");
            assert_eq!(line.duration(), Duration::from_secs(1), "{what}");
            assert_eq!(line.max(), w.hist.max() as f64, "{what}: the max column is in ns (divisor 1)");
            let h = decode(line.encoded_histogram());
            assert_eq!((h.len(), h.max()), (w.hist.len(), w.hist.max()), "{what}");
            assert!(h == w.hist, "{what}: decoded histogram differs from the one written");
        }
    }

    #[test]
    fn headers_are_present_and_histograms_are_v2_deflate() {
        let (log, _) = three_intervals();
        let text = String::from_utf8(log).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("#[Logged with fixblast "), "{}", lines[0]);
        assert_eq!(lines[1], "#[Histogram log format version 1.3]");
        assert_eq!(lines[2], "#[StartTime: 1700000000.250 (seconds since epoch)]");
        assert_eq!(lines[3], "#[BaseTime: 1700000000.250 (seconds since epoch)]");
        assert_eq!(lines[4], LEGEND.trim_end());
        assert!(!text.contains("MaxValueDivisor"));
        for line in &lines[5..] {
            let encoded = line.rsplit(',').next().unwrap();
            // "HISTF" is the base64 of the V2 compressed cookie.
            assert!(encoded.starts_with("HISTF"), "{line}");
        }
        assert!(lines[5].starts_with("Tag=ack,0.000,1.000,"), "{}", lines[5]);
    }

    #[test]
    fn empty_histograms_are_skipped() {
        let mut w = HlogWriter::new(Vec::new(), START).unwrap();
        let empty = histogram();
        w.interval(0.0, 1.0, &[("ack", &empty), ("cancel", &empty)]).unwrap();
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        assert!(text.lines().all(|l| l.starts_with('#') || l.starts_with('"')), "{text}");
    }

    #[test]
    fn bad_tags_and_times_are_refused_before_anything_is_written() {
        let mut w = HlogWriter::new(Vec::new(), START).unwrap();
        let h = hist(&[1_000]);
        let before = w.out.len();
        for (start, duration, tag) in
            [(0.0, 1.0, "ack service"), (0.0, 1.0, "a,b"), (-1.0, 1.0, "ack"), (0.0, f64::NAN, "ack")]
        {
            let e = w.interval(start, duration, &[("fill", &h), (tag, &h)]).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{start} {duration} {tag:?}: {e}");
        }
        assert_eq!(w.out.len(), before);
        assert!(HlogWriter::new(Vec::new(), -1.0).is_err());
        assert!(HlogWriter::new(Vec::new(), f64::INFINITY).is_err());
    }

    #[test]
    fn the_log_goes_beside_the_file_and_replaces_it_at_finish() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.hlog");
        std::fs::write(&path, "earlier log").unwrap();
        let mut w = HlogFile::create(&path, START).unwrap();
        w.interval(0.0, 1.0, &[("ack", &hist(&[20_000]))]).unwrap();
        // Flushed already, before finish, but beside the earlier log, which is untouched.
        let during = std::fs::read(temp_path(&path)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"earlier log");
        w.finish().unwrap();
        let after = std::fs::read(&path).unwrap();
        assert_eq!(during, after);
        assert!(!temp_path(&path).exists());
        let n = IntervalLogIterator::new(&after).filter(|e| matches!(e, Ok(LogEntry::Interval(_)))).count();
        assert_eq!(n, 1);
    }

    #[test]
    fn a_log_never_finished_leaves_the_earlier_file_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.hlog");
        std::fs::write(&path, "earlier log").unwrap();
        let mut w = HlogFile::create(&path, START).unwrap();
        w.interval(0.0, 1.0, &[("ack", &hist(&[20_000]))]).unwrap();
        drop(w);
        assert_eq!(std::fs::read(&path).unwrap(), b"earlier log");
        assert!(!temp_path(&path).exists());
    }
}
