//! The per-interval time series as CSV (`--csv`): one header line and one row per interval of
//! a [`RunResult`], for spreadsheets and shell scripts.
//!
//! This module owns the column set and how cells are written; the numbers come from the result
//! file's `intervals` unchanged. Latencies are integer nanoseconds, full round trips from the
//! intended send time. A null in the result (no ack in the interval, no target in closed loop)
//! is an empty cell, never 0. No cell needs quoting: every one is a number or empty.

use crate::report::json::{Interval, RunResult};
use std::fmt::Display;
use std::io::{self, Write};

/// The header line, without its newline. Column names are a contract with users' scripts:
/// add columns at the end, never rename them.
pub const HEADER: &str =
    "t_s,orders_per_s,target_per_s,ack_count,ack_p50_ns,ack_p99_ns,ack_max_ns,errors,in_flight,length_s";

/// Writes the header and one row per interval of `r`, in order.
pub fn write_intervals(out: &mut impl Write, r: &RunResult) -> io::Result<()> {
    let mut w = writer(out);
    w.write_record(HEADER.split(','))?;
    for i in &r.intervals {
        write_row(&mut w, i)?;
    }
    w.flush()
}

/// A CSV writer with `\n` line ends; it quotes only a cell that needs it, and none does.
fn writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out)
}

fn write_row<W: Write>(w: &mut csv::Writer<W>, i: &Interval) -> csv::Result<()> {
    w.write_record([
        Cell(finite(i.t_s)).to_string(),
        Cell(finite(i.orders_per_s)).to_string(),
        Cell(i.target_per_s.and_then(finite)).to_string(),
        i.ack.count.to_string(),
        Cell(i.ack.p50).to_string(),
        Cell(i.ack.p99).to_string(),
        Cell(i.ack.max).to_string(),
        i.errors.to_string(),
        i.in_flight.to_string(),
        // Empty for a result from before the field.
        Cell(i.length_s.and_then(finite)).to_string(),
    ])
}

/// A float as a cell, or `None` when it is NaN or infinite (JSON has no such numbers).
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// An optional value: the value's shortest exact form (`Display`: `1.5`, `10000`, no
/// exponent), or nothing.
struct Cell<T>(Option<T>);

impl<T: Display> Display for Cell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(v) => v.fmt(f),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json::IntervalAck;

    fn interval(t_s: f64, target: Option<f64>, ack: IntervalAck) -> Interval {
        Interval {
            t_s,
            length_s: Some(1.0),
            orders_per_s: 10_000.0,
            target_per_s: target,
            ack,
            errors: 2,
            in_flight: 1,
        }
    }

    fn write(intervals: Vec<Interval>) -> String {
        let mut w = writer(Vec::new());
        for i in &intervals {
            write_row(&mut w, i).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    /// A result file with the given intervals.
    fn result_with(intervals: &[Interval]) -> RunResult {
        RunResult { intervals: intervals.to_vec(), ..crate::report::json::tests::empty_result() }
    }

    #[test]
    fn header_is_exact() {
        assert_eq!(
            HEADER,
            "t_s,orders_per_s,target_per_s,ack_count,ack_p50_ns,ack_p99_ns,ack_max_ns,errors,in_flight,length_s"
        );
    }

    #[test]
    fn rows_hold_the_interval_numbers() {
        let ack = IntervalAck { count: 9_990, p50: Some(21_903), p99: Some(70_143), max: Some(1_710_079) };
        assert_eq!(write(vec![interval(1.0, Some(10_000.0), ack)]), "1,10000,10000,9990,21903,70143,1710079,2,1,1\n");
        let ack = IntervalAck { count: 3, p50: Some(1), p99: Some(2), max: Some(3) };
        assert_eq!(write(vec![interval(2.5, Some(12_500.5), ack)]), "2.5,10000,12500.5,3,1,2,3,2,1,1\n");
    }

    #[test]
    fn nulls_are_empty_cells() {
        let none = IntervalAck { count: 0, p50: None, p99: None, max: None };
        let old = Interval { length_s: None, ..interval(4.0, None, none.clone()) };
        let text = write(vec![interval(3.0, None, none.clone()), interval(f64::NAN, Some(f64::INFINITY), none), old]);
        assert_eq!(text, "3,10000,,0,,,,2,1,1\n,10000,,0,,,,2,1,1\n4,10000,,0,,,,2,1,\n");
        for line in text.lines() {
            assert_eq!(line.split(',').count(), HEADER.split(',').count());
        }
    }

    #[test]
    fn one_row_per_interval_after_the_header() {
        let ack = IntervalAck { count: 1, p50: Some(5), p99: Some(5), max: Some(5) };
        let intervals: Vec<Interval> = (1..=7).map(|s| interval(f64::from(s), None, ack.clone())).collect();
        let mut out = Vec::new();
        write_intervals(&mut out, &result_with(&intervals)).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], HEADER);
        assert_eq!(lines.len(), 1 + intervals.len());
        assert_eq!(lines[7], "7,10000,,1,5,5,5,2,1,1");

        let mut out = Vec::new();
        write_intervals(&mut out, &result_with(&[])).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), format!("{HEADER}\n"));
    }
}
