//! Reading a result file (`--json`) back: for `compare`, `merge` and `report`. Owns the
//! checks that a file is a whole, readable fixblast result of the schema this build knows,
//! and the error that says which file is wrong and how. It never returns part of a result:
//! either every field parsed and every histogram decodes, or an error.

use super::json::{RunResult, SCHEMA_VERSION, decode_histogram};
use crate::metrics::LatencyKind;
use serde::Deserialize;
use serde_json::Value;
use serde_json::error::Category;
use std::path::Path;

/// Why a result file cannot be used. Each message starts with the file's path.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file cannot be read (missing, permissions, a directory …).
    #[error("{path}: cannot read: {error}")]
    Unreadable { path: String, error: std::io::Error },
    /// The bytes are not JSON.
    #[error("{path}: not JSON: {message} at line {line}, column {column}")]
    NotJson { path: String, message: String, line: usize, column: usize },
    /// The JSON stops before the document is complete.
    #[error(
        "{path}: truncated: the JSON ends at line {line}, column {column} before the document is complete \
         (was the file still being written, or the disk full?)"
    )]
    Truncated { path: String, line: usize, column: usize },
    /// JSON, but not something fixblast wrote (no `schema_version`, another `tool.name` …).
    #[error("{path}: not a fixblast result file: {reason}")]
    NotAResult { path: String, reason: String },
    /// A fixblast result of a schema this build does not read.
    #[error(
        "{path}: schema_version {found}: this build (fixblast {}) reads schema_version {SCHEMA_VERSION} only",
        env!("CARGO_PKG_VERSION")
    )]
    SchemaVersion { path: String, found: u64 },
    /// Says it is a fixblast result of this schema, but a field is missing or of the wrong type.
    #[error("{path}: damaged fixblast result (schema_version {SCHEMA_VERSION}): {reason}")]
    Invalid { path: String, reason: String },
    /// `histograms.<field>` is not a base64 HdrHistogram V2 encoding.
    #[error("{path}: histograms.{field} does not decode: {reason}")]
    BadHistogram { path: String, field: &'static str, reason: String },
}

impl LoadError {
    /// The file the error is about, as given.
    pub fn path(&self) -> &str {
        match self {
            LoadError::Unreadable { path, .. }
            | LoadError::NotJson { path, .. }
            | LoadError::Truncated { path, .. }
            | LoadError::NotAResult { path, .. }
            | LoadError::SchemaVersion { path, .. }
            | LoadError::Invalid { path, .. }
            | LoadError::BadHistogram { path, .. } => path,
        }
    }
}

/// Reads and checks the result file at `path`; see [`LoadError`] for what is refused.
pub fn load_result(path: &Path) -> Result<RunResult, LoadError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| LoadError::Unreadable { path: name.clone(), error })?;
    parse_result(&name, &bytes)
}

/// [`load_result`] on bytes already read; `name` is the file named in errors.
pub fn parse_result(name: &str, bytes: &[u8]) -> Result<RunResult, LoadError> {
    let path = || name.to_string();
    let value: Value = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        Category::Eof => LoadError::Truncated { path: path(), line: e.line(), column: e.column() },
        _ => LoadError::NotJson { path: path(), message: syntax_message(&e), line: e.line(), column: e.column() },
    })?;
    check_identity(&value).map_err(|e| e.at(name))?;
    let result =
        RunResult::deserialize(&value).map_err(|e| LoadError::Invalid { path: path(), reason: e.to_string() })?;
    check_histograms(&result).map_err(|(field, reason)| LoadError::BadHistogram { path: path(), field, reason })?;
    Ok(result)
}

/// serde_json's message without its own " at line L column C" suffix (we add ours).
fn syntax_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// What is wrong before the file's name is known.
enum Identity {
    NotAResult(String),
    Version(u64),
}

impl Identity {
    fn at(self, path: &str) -> LoadError {
        match self {
            Identity::NotAResult(reason) => LoadError::NotAResult { path: path.to_string(), reason },
            Identity::Version(found) => LoadError::SchemaVersion { path: path.to_string(), found },
        }
    }
}

/// An object with an integer `schema_version` and `tool.name` "fixblast", of our schema.
fn check_identity(v: &Value) -> Result<(), Identity> {
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let Value::Object(top) = v else {
        return Err(Identity::NotAResult(format!("the document is {}, not an object", kind(v))));
    };
    let version = match top.get("schema_version") {
        None => return Err(Identity::NotAResult("it has no schema_version field".into())),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| Identity::NotAResult(format!("schema_version is {v}, not a non-negative integer")))?,
    };
    match top.get("tool").and_then(|t| t.get("name")) {
        Some(Value::String(name)) if name == "fixblast" => {}
        Some(other) => return Err(Identity::NotAResult(format!("tool.name is {other}, not \"fixblast\""))),
        None => return Err(Identity::NotAResult("it has no tool.name field".into())),
    }
    if version != u64::from(SCHEMA_VERSION) {
        return Err(Identity::Version(version));
    }
    Ok(())
}

/// Every histogram decodes. Those of kinds added to the schema later (`cancel`, `replace`)
/// may be empty: files written before they existed have none; so may the wire kinds, kept
/// only with `--wire-timestamps`.
fn check_histograms(r: &RunResult) -> Result<(), (&'static str, String)> {
    for k in LatencyKind::KEPT {
        let (field, text) = (k.name(), &r.histograms[k]);
        let may_be_empty = k.about().added_later || k.about().wire;
        if text.is_empty() && may_be_empty {
            continue;
        }
        if text.is_empty() {
            return Err((field, "it is empty".into()));
        }
        decode_histogram(text).map_err(|e| (field, e))?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::host::HostInfo;
    use crate::metrics::{PerKind, histogram};
    use crate::report::json::*;
    use std::collections::BTreeMap;

    /// A complete synthetic result whose ack latencies are `acks` (ns), one interval per
    /// second of `intervals`. Shared by the report modules' tests.
    pub(crate) fn sample(acks: &[u64], intervals: usize) -> RunResult {
        let mut h = histogram();
        for &v in acks {
            h.record(v).expect("test values are within the histogram's bounds");
        }
        let n = acks.len() as u64;
        let empty = encode_histogram(&histogram());
        let duration_s = intervals.max(1) as f64;
        RunResult {
            schema_version: SCHEMA_VERSION,
            tool: Tool { name: "fixblast".into(), version: "0.1.0".into() },
            status: Status {
                completed: true,
                interrupted: false,
                failure: None,
                sessions_lost: vec![],
                started_at_unix_s: Some(1.7e9),
                start_at_unix_s: None,
                first_sent_at_unix_s: None,
                start_spread_s: None,
                clock_sync: None,
            },
            config: Config {
                target: "127.0.0.1:9878".into(),
                builtin_gateway: true,
                gateway_backend: Some("syscall".into()),
                sessions: 1,
                threads: 1,
                cores: vec![2],
                backend: "syscall".into(),
                backend_options: "non-blocking read/write".into(),
                poll: "busy".into(),
                rate: Some(10_000.0),
                closed_loop: None,
                profile: "constant:10000".into(),
                duration_s,
                warmup_s: 2.0,
                timeout_s: 5.0,
                fix_version: "4.2".into(),
                template: "nos.fix".into(),
                orders: None,
                orders_rows: 1,
                mix: "new=100".into(),
                clordid_prefix: None,
                sender_comp_id: "FIXBLAST".into(),
                target_comp_id: "GATEWAY".into(),
                gateway_faults: None,
                reconnect: None,
            },
            host: HostInfo {
                kernel: Some("6.8.0".into()),
                cpu_model: Some("Test CPU".into()),
                cores: 8,
                tsc_hz: Some(3_000_000_000),
                clocksource: Some("tsc".into()),
                isolated_cores: Some("2-7".into()),
                governor: Some("performance".into()),
                io_uring: Some("enabled".into()),
            },
            orders: Orders {
                sent: n,
                not_sent: 0,
                acked: n,
                filled: 0,
                rejected: 0,
                timed_out: 0,
                unmatched: 0,
                missing_replies: 0,
                late: 0,
            },
            messages: Messages {
                new: MessageCounts { sent: n, answered: n, rejected: 0 },
                cancel: MessageCounts { sent: 0, answered: 0, rejected: 0 },
                replace: MessageCounts { sent: 0, answered: 0, rejected: 0 },
                substituted: 0,
                resend_requests: 0,
            },
            errors: Errors {
                total: 0,
                by_kind: BTreeMap::from([("timed_out".to_string(), 0)]),
                first_session_reject: None,
            },
            throughput: Throughput {
                orders_per_s: n as f64 / duration_s,
                acks_per_s: n as f64 / duration_s,
                target_orders_per_s: Some(10_000.0),
                rate_achieved: Some(true),
                duration_s,
            },
            latency_ns: {
                let mut l = Latency::default();
                l[LatencyKind::Ack] = Some(Stats::of(&h));
                l[LatencyKind::AckService] = Some(Stats::of(&h));
                l
            },
            schedule_lag_ns: Lag { p50: None, p99: None, max: None },
            harness: Harness::default(),
            intervals: (0..intervals)
                .map(|i| Interval {
                    t_s: (i + 1) as f64,
                    length_s: Some(1.0),
                    orders_per_s: 10.0,
                    target_per_s: Some(10.0),
                    ack: IntervalAck { count: 10, p50: Some(100), p99: Some(200), max: Some(300 + i as u64) },
                    errors: 0,
                    in_flight: 1,
                })
                .collect(),
            histograms: EncodedHistograms(PerKind::from_fn(|k| match k {
                LatencyKind::Ack | LatencyKind::AckService => encode_histogram(&h),
                LatencyKind::Fill | LatencyKind::ScheduleLag => empty.clone(),
                _ => String::new(),
            })),
            sla: vec![],
            runs: None,
            reconnects: None,
            wire: None,
            gateway: None,
        }
    }

    fn json(r: &RunResult) -> String {
        serde_json::to_string_pretty(r).expect("a result serializes")
    }

    fn err(text: &str) -> LoadError {
        parse_result("r.json", text.as_bytes()).expect_err("must be refused")
    }

    #[test]
    fn a_written_result_loads_back_equal() {
        let r = sample(&[1_000, 2_000, 3_000], 3);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("r.json");
        std::fs::write(&path, json(&r)).expect("write");
        let back = load_result(&path).expect("loads");
        // Exactly, floats included (serde_json's `float_roundtrip`).
        assert_eq!(back, r);
    }

    #[test]
    fn a_result_from_before_fix_version_reads_as_fix_4_2() {
        let mut r = sample(&[1_000], 1);
        r.config.fix_version = "4.4".into();
        let mut doc: serde_json::Value = serde_json::from_str(&json(&r)).expect("json");
        assert_eq!(doc["config"]["fix_version"], "4.4");
        doc["config"].as_object_mut().expect("config").remove("fix_version");
        let back = parse_result("old.json", doc.to_string().as_bytes()).expect("loads");
        assert_eq!(back.config.fix_version, "4.2");
    }

    #[test]
    fn unreadable_file_is_named() {
        let e = load_result(Path::new("/nonexistent/dir/r.json")).expect_err("missing file");
        assert!(matches!(e, LoadError::Unreadable { .. }), "{e:?}");
        assert!(e.to_string().starts_with("/nonexistent/dir/r.json: cannot read:"), "{e}");
        assert_eq!(e.path(), "/nonexistent/dir/r.json");
    }

    #[test]
    fn not_json_says_where() {
        let e = err("schema_version: 1");
        assert!(matches!(e, LoadError::NotJson { line: 1, .. }), "{e:?}");
        assert!(e.to_string().starts_with("r.json: not JSON: expected value at line 1, column 1"), "{e}");
    }

    #[test]
    fn truncated_json_says_truncated() {
        let text = json(&sample(&[1_000], 1));
        let e = err(&text[..text.len() / 2]);
        assert!(matches!(e, LoadError::Truncated { .. }), "{e:?}");
        assert!(e.to_string().starts_with("r.json: truncated:"), "{e}");
        assert!(matches!(err(""), LoadError::Truncated { .. }));
    }

    #[test]
    fn json_that_is_not_a_result_is_refused() {
        for (text, why) in [
            ("[1, 2]", "the document is an array, not an object"),
            (r#"{"name": "x"}"#, "it has no schema_version field"),
            (r#"{"schema_version": "1", "tool": {"name": "fixblast"}}"#, "schema_version is \"1\""),
            (r#"{"schema_version": 1, "tool": {"name": "wrk2"}}"#, "tool.name is \"wrk2\", not \"fixblast\""),
            (r#"{"schema_version": 1}"#, "it has no tool.name field"),
        ] {
            let e = err(text);
            assert!(matches!(e, LoadError::NotAResult { .. }), "{text}: {e:?}");
            let msg = e.to_string();
            assert!(msg.starts_with("r.json: not a fixblast result file: "), "{msg}");
            assert!(msg.contains(why), "{text}: {msg}");
        }
    }

    #[test]
    fn another_schema_version_names_both_versions() {
        let mut v: Value = serde_json::from_str(&json(&sample(&[1_000], 1))).expect("json");
        v["schema_version"] = 2.into();
        let e = err(&v.to_string());
        assert!(matches!(e, LoadError::SchemaVersion { found: 2, .. }), "{e:?}");
        let msg = e.to_string();
        assert!(msg.starts_with("r.json: schema_version 2: this build"), "{msg}");
        assert!(msg.contains("reads schema_version 1 only"), "{msg}");
    }

    #[test]
    fn missing_field_is_a_damaged_result() {
        let mut v: Value = serde_json::from_str(&json(&sample(&[1_000], 1))).expect("json");
        v.as_object_mut().expect("object").remove("orders");
        let e = err(&v.to_string());
        assert!(matches!(e, LoadError::Invalid { .. }), "{e:?}");
        assert!(e.to_string().contains("missing field `orders`"), "{e}");
    }

    #[test]
    fn histogram_that_does_not_decode_is_named() {
        let mut r = sample(&[1_000], 1);
        r.histograms[LatencyKind::Fill] = "not base64!".into();
        let e = err(&json(&r));
        assert!(matches!(e, LoadError::BadHistogram { field: "fill", .. }), "{e:?}");
        assert!(e.to_string().starts_with("r.json: histograms.fill does not decode: bad base64"), "{e}");

        let mut r = sample(&[1_000], 1);
        r.histograms[LatencyKind::Ack] = "aGVsbG8=".into(); // base64 of "hello"
        let e = err(&json(&r));
        assert!(matches!(e, LoadError::BadHistogram { field: "ack", .. }), "{e:?}");

        // Older files have no cancel/replace histograms: that is fine.
        let mut r = sample(&[1_000], 1);
        r.histograms[LatencyKind::Cancel] = String::new();
        assert!(parse_result("r.json", json(&r).as_bytes()).is_ok());
    }
}
