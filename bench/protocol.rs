//! Micro-benchmarks of the per-order protocol work: what a worker does to send one order and
//! to match one ExecutionReport, plus the histogram record and the checksum for reference,
//! the open-loop schedule's next send time, and for `--wire-timestamps` the walk of a TX
//! stamp's control messages and a stamped loopback receive through each decoder.
//!
//! One operation per bench function, inputs through `black_box` (STYLE.md rule 16).
//! Run with `cargo bench --bench protocol`; numbers and machine are in `bench/README.md`.

use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime};
use fixblast::engine::pending::{Pending, Slot};
use fixblast::engine::profile::Profile;
use fixblast::engine::schedule::{Arrival, Schedule};
use fixblast::fix::FixVersion;
use fixblast::fix::checksum::checksum;
use fixblast::fix::clordid::{self, ClOrdId, Stem};
use fixblast::fix::encode::Encoder;
use fixblast::fix::feed::OrderFeed;
use fixblast::fix::parse::{Frame, frame, frame_as, parse};
use fixblast::fix::template::{OrderTemplate, TemplateSpec, Vars};
use fixblast::fix::time::TimestampCache;
use fixblast::metrics::{Counts, histogram, record};
use fixblast::run::DEFAULT_TEMPLATE;
use std::hint::black_box;

const SENDER: &[u8] = b"FIXBLAST";
const TARGET: &[u8] = b"GATEWAY";
/// 2024-01-02 03:04:05 UTC: any plausible "now".
const NOW_UTC_NS: u64 = 1_704_164_645_000_000_000;
/// Time between orders: 10 µs, i.e. 100k orders/s. The timestamp cache rewrites its full
/// text once per 100k orders and only the millisecond digits otherwise, as in a real run.
const STEP_NS: u64 = 10_000;
/// A 7-digit MsgSeqNum: the template changes width only at powers of ten (a handful of
/// times over a whole bench), as in a real run.
const FIRST_SEQ: u32 = 1_000_000;

/// A run's ClOrdID stem: no prefix, a tag as a run draws one.
fn stem() -> Stem {
    Stem::new(b"", 0x5_1f3c_0a2d)
}

fn spec() -> TemplateSpec {
    TemplateSpec::parse(DEFAULT_TEMPLATE, "new-order-single.fix").expect("the shipped template parses")
}

/// The template's own order, as a run without `--orders` sends it.
fn one_order() -> OrderFeed {
    OrderFeed::from_template(&spec().fields)
}

/// `rows` feed rows, `distinct` of them different (symbols, quantities and prices of
/// varying length), as a generated CSV.
fn feed_csv(rows: usize, distinct: usize) -> String {
    let mut s = String::with_capacity(rows * 40);
    s.push_str("symbol,side,qty,price,ord_type,tif\n");
    for i in 0..rows {
        let k = i % distinct;
        let side = ["buy", "sell"][k % 2];
        s.push_str(&format!("SYM{},{side},{},{}.{:02},limit,day\n", k % 5000, 100 + k % 900, 10 + k % 997, k % 100));
    }
    s
}

/// The per-order state a worker keeps: clock, MsgSeqNum, ClOrdID counter, timestamp cache.
struct OrderInputs {
    now: u64,
    seq: u32,
    counter: u32,
    ts: TimestampCache,
}

impl OrderInputs {
    fn new() -> OrderInputs {
        OrderInputs { now: NOW_UTC_NS, seq: FIRST_SEQ, counter: 0, ts: TimestampCache::default() }
    }

    /// This order's ClOrdID text, written as the worker writes it.
    #[inline]
    fn cl_ord_id(&self) -> [u8; clordid::LEN] {
        let mut text = [0u8; clordid::LEN];
        ClOrdId { session: black_box(0), slot: black_box(self.counter & 63), counter: black_box(self.counter) }
            .write(&mut text);
        text
    }

    #[inline]
    fn advance(&mut self) {
        self.now += STEP_NS;
        self.seq = self.seq.wrapping_add(1);
        self.counter = self.counter.wrapping_add(1);
    }
}

/// The whole per-order encode as the worker does it: timestamp from the cache, ClOrdID
/// written, template patched.
fn patched(g: &mut BenchmarkGroup<'_, WallTime>) {
    patched_from(g, "patched", one_order());
}

/// The same, cycling through a 10,000-order feed: each order's own fields are copied in
/// and BodyLength follows their length.
fn patched_feed(g: &mut BenchmarkGroup<'_, WallTime>) {
    let feed = OrderFeed::parse(feed_csv(10_000, 10_000).as_bytes(), "bench.csv").expect("generated feed parses");
    patched_from(g, "patched_feed", feed);
}

/// The per-order encode, taking each order from `feed` in turn.
fn patched_from(g: &mut BenchmarkGroup<'_, WallTime>, name: &str, feed: OrderFeed) {
    let mut t = OrderTemplate::new(&spec(), SENDER, TARGET, stem().as_bytes(), feed.max_len());
    let mut o = OrderInputs::new();
    let orig = [b'0'; clordid::LEN];
    g.bench_function(name, |b| {
        b.iter(|| {
            o.advance();
            let text = o.cl_ord_id();
            let time = o.ts.get(black_box(o.now));
            let part = feed.order(feed.order_of_row(black_box(o.counter as u64)));
            let msg = t.encode(black_box(o.seq), time, &text, &orig, part);
            black_box(msg.len())
        })
    });
}

/// The same order through the plain encoder (every field, BodyLength and a full checksum):
/// what patching saves.
fn plain(g: &mut BenchmarkGroup<'_, WallTime>) {
    let spec = spec();
    let feed = one_order();
    let mut buf = vec![0u8; 1024];
    let mut o = OrderInputs::new();
    // The whole ClOrdID: the stem, then the part written per order.
    let mut whole = stem().as_bytes().to_vec();
    let at = whole.len();
    whole.extend_from_slice(&[b'0'; clordid::LEN]);
    g.bench_function("plain", |b| {
        b.iter(|| {
            o.advance();
            whole[at..].copy_from_slice(&o.cl_ord_id());
            let time = o.ts.get(black_box(o.now));
            let vars = Vars {
                sender: SENDER,
                target: TARGET,
                seq: black_box(o.seq),
                time,
                cl_ord_id: &whole,
                orig_cl_ord_id: &whole,
                part: feed.order(0).bytes,
            };
            black_box(spec.encode_plain(&vars, &mut buf).expect("fits"))
        })
    });
}

fn template_patch(c: &mut Criterion) {
    let mut g = c.benchmark_group("template_patch");
    patched(&mut g);
    patched_feed(&mut g);
    plain(&mut g);
    g.finish();
}

/// Loading a 1,000,000-row `--orders` feed (parsed from memory; the file read is apart), all
/// rows distinct and with 1,000 distinct among them. The goal: under 1 s.
fn feed_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("feed_load");
    g.sample_size(10);
    for distinct in [1_000_000, 1_000] {
        let csv = feed_csv(1_000_000, distinct);
        g.bench_function(format!("1M_rows_{distinct}_distinct"), |b| {
            b.iter(|| black_box(OrderFeed::parse(black_box(csv.as_bytes()), "bench.csv").expect("parses").rows()))
        });
        let feed = OrderFeed::parse(csv.as_bytes(), "bench.csv").expect("parses");
        println!(
            "feed_load/1M_rows_{distinct}_distinct: {} bytes held, {:.1} bytes per order",
            feed.memory_bytes(),
            feed.memory_bytes() as f64 / feed.rows() as f64
        );
    }
    g.finish();
}

/// The three steps of `template_patch/patched`, apart, to show where its time goes.
fn order_encode_parts(c: &mut Criterion) {
    let mut g = c.benchmark_group("order_encode_parts");
    timestamp_cache_get(&mut g);
    clordid_write(&mut g);
    template_encode(&mut g);
    g.finish();
}

fn timestamp_cache_get(g: &mut BenchmarkGroup<'_, WallTime>) {
    let mut o = OrderInputs::new();
    g.bench_function("timestamp_cache_get", |b| {
        b.iter(|| {
            o.advance();
            black_box(*o.ts.get(black_box(o.now)))
        })
    });
}

fn clordid_write(g: &mut BenchmarkGroup<'_, WallTime>) {
    let mut o = OrderInputs::new();
    g.bench_function("clordid_write", |b| {
        b.iter(|| {
            o.advance();
            let text = o.cl_ord_id();
            black_box(text)
        })
    });
}

/// `OrderTemplate::encode` alone, with a ready timestamp and ClOrdID.
fn template_encode(g: &mut BenchmarkGroup<'_, WallTime>) {
    let feed = one_order();
    let mut t = OrderTemplate::new(&spec(), SENDER, TARGET, stem().as_bytes(), feed.max_len());
    let part = feed.order(0);
    let time = *b"20240102-03:04:05.678";
    let text = *b"0000000123456";
    let mut seq = FIRST_SEQ;
    g.bench_function("template_encode", |b| {
        b.iter(|| {
            seq = seq.wrapping_add(1);
            black_box(t.encode(black_box(seq), black_box(&time), black_box(&text), &text, black_box(part)).len())
        })
    });
}

/// An ExecutionReport New exactly as the built-in gateway writes it (src/gateway/worker.rs).
fn exec_report(cl_ord_id: &[u8]) -> Vec<u8> {
    exec_report_as(cl_ord_id, FixVersion::Fix42)
}

/// [`exec_report`] over `version`'s BeginString (the same fields: the framer and the scanner
/// see only the longer `8=FIXT.1.1`).
fn exec_report_as(cl_ord_id: &[u8], version: FixVersion) -> Vec<u8> {
    let mut buf = vec![0u8; 1024];
    let mut e = Encoder::for_version(&mut buf, version);
    e.field(35, b"8");
    e.field(49, TARGET);
    e.field(56, SENDER);
    e.field_u64(34, 1_234_567);
    e.field(52, b"20240102-03:04:05.678");
    e.field(37, b"1234566");
    e.field(11, cl_ord_id);
    e.field(17, b"1234566");
    e.field(20, b"0");
    e.field(150, b"0");
    e.field(39, b"0");
    e.field(55, b"ACME");
    e.field(54, b"1");
    e.field(38, b"100");
    e.field(151, b"100");
    e.field(14, b"0");
    e.field(6, b"0");
    let n = e.finish().expect("fits");
    buf.truncate(n);
    buf
}

/// What the worker does with one reply: frame it, parse it, read the ClOrdID, find the slot.
fn exec_report_frame_parse_match(c: &mut Criterion) {
    let mut pending = Pending::new(64);
    let slot = pending.next_free().expect("an empty ring has room");
    let id = ClOrdId { session: 0, slot, counter: 0x1234_5678 };
    pending.insert(Slot { id: id.pack(), intended_ns: 1, sent_raw: 1, ..Slot::default() });
    let stem = stem();
    let wire = exec_report(stem.text(id).as_bytes());
    assert_eq!(frame(&wire), Frame::Message { len: wire.len() });
    c.bench_function("exec_report_frame_parse_match", |b| {
        b.iter(|| {
            let buf = black_box(wire.as_slice());
            let Frame::Message { len } = frame(buf) else { panic!("frames") };
            let raw = &buf[..len];
            let msg = parse(raw).expect("parses");
            let id = stem.parse(msg.cl_ord_id.get(raw)).expect("ours");
            let s = pending.get_mut(id.slot, id.pack()).expect("matches");
            black_box(s.intended_ns)
        })
    });
}

/// The steps of `exec_report_frame_parse_match`, apart, to show where its time goes.
fn exec_report_parts(c: &mut Criterion) {
    let mut g = c.benchmark_group("exec_report_parts");
    let id = ClOrdId { session: 0, slot: 0, counter: 0x1234_5678 };
    let wire = exec_report(stem().text(id).as_bytes());
    report_frame(&mut g, &wire);
    report_parse(&mut g, &wire);
    report_match(&mut g, id);
    // The same report over FIXT.1.1 (5.0 SP2): a 13-byte prefix, not the 12 of FIX 4.x.
    let fixt = exec_report_as(stem().text(id).as_bytes(), FixVersion::Fix50Sp2);
    g.bench_function("frame_fixt", |b| b.iter(|| frame_as(black_box(&fixt), FixVersion::Fix50Sp2)));
    g.bench_function("parse_fixt", |b| b.iter(|| parse(black_box(&fixt)).expect("parses")));
    g.finish();
}

fn report_frame(g: &mut BenchmarkGroup<'_, WallTime>, wire: &[u8]) {
    g.bench_function("frame", |b| b.iter(|| frame(black_box(wire))));
}

fn report_parse(g: &mut BenchmarkGroup<'_, WallTime>, wire: &[u8]) {
    g.bench_function("parse", |b| b.iter(|| parse(black_box(wire)).expect("parses")));
}

/// `Stem::parse` (the stem compared, the order part decoded) plus `Pending::get_mut`.
fn report_match(g: &mut BenchmarkGroup<'_, WallTime>, id: ClOrdId) {
    let mut pending = Pending::new(64);
    pending.insert(Slot { id: id.pack(), intended_ns: 1, sent_raw: 1, ..Slot::default() });
    let stem = stem();
    let text = stem.text(id);
    g.bench_function("clordid_parse_match", |b| {
        b.iter(|| {
            let id = stem.parse(black_box(text.as_bytes())).expect("ours");
            black_box(pending.get_mut(id.slot, id.pack()).expect("matches").intended_ns)
        })
    });
}

/// One latency into a worker's bounded histogram (as `metrics::record` does per ack).
fn histogram_record(c: &mut Criterion) {
    let mut h = histogram();
    let mut counts = Counts::default();
    // 1024 latencies spread over 20–120 µs, so that different buckets are touched.
    let values: Vec<u64> = (0..1024u64).map(|i| 20_000 + (i * 7_919) % 100_000).collect();
    let mut i = 0usize;
    c.bench_function("histogram_record", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            record(&mut h, black_box(values[i]), &mut counts);
        })
    });
    black_box(h.len());
}

/// The FIX checksum of 200 bytes, for reference.
fn checksum_200(c: &mut Criterion) {
    let bytes: Vec<u8> = (0..200u32).map(|i| b'0' + (i % 75) as u8).collect();
    c.bench_function("checksum", |b| b.iter(|| checksum(black_box(bytes.as_slice()))));
}

/// Rates near 1m orders/s: criterion's hundreds of millions of iterations stay within the
/// profile's second half, where a scan from the start would pass half the rows or stages.
fn million_ish(i: usize) -> f64 {
    1_000_000.0 + 100_000.0 * (i % 7) as f64
}

/// A `file:` profile of 10,000 rows 10 s apart, interpolated between rows.
fn table_10k() -> Profile {
    Profile::Table((0..10_000).map(|i| (i as f64 * 10.0, million_ish(i))).collect())
}

/// A step profile of 100 stages of 100 s each.
fn step_100() -> Profile {
    Profile::Step((0..100).map(|i| (million_ish(i), 100.0)).collect())
}

/// The schedule's next send time, as the worker takes it per order: `advance` then
/// `next_ns`. The table and the steps start half-way through the profile (warm-up ended at
/// 0). The constant rate is `--rate`'s own path, for scale.
fn schedule_next(c: &mut Criterion) {
    let mut g = c.benchmark_group("schedule_next");
    let ns = |s: f64| (s * 1e9) as u64;
    schedule_next_on(&mut g, "constant", Profile::Constant(1_000_000.0), 0);
    schedule_next_on(&mut g, "table_10k_rows", table_10k(), ns(50_000.0));
    schedule_next_on(&mut g, "step_100_stages", step_100(), ns(5_000.0));
    g.finish();
}

fn schedule_next_on(g: &mut BenchmarkGroup<'_, WallTime>, name: &str, profile: Profile, start_ns: u64) {
    let mut s = Schedule::with_profile(start_ns, 0, &profile, 1.0, 0.0, Arrival::Uniform);
    g.bench_function(name, |b| {
        b.iter(|| {
            let s = black_box(&mut s);
            s.advance();
            s.next_ns()
        })
    });
}

/// One control message as the kernel lays it out (header, data, padding to a word).
fn cmsg(level: i32, kind: i32, data: &[u8]) -> Vec<u8> {
    let word = std::mem::size_of::<usize>();
    let mut b = Vec::new();
    b.extend_from_slice(&(word + 8 + data.len()).to_ne_bytes());
    b.extend_from_slice(&level.to_ne_bytes());
    b.extend_from_slice(&kind.to_ne_bytes());
    b.extend_from_slice(data);
    b.resize(b.len().div_ceil(word) * word, 0);
    b
}

/// The walk of a TX stamp's control bytes (`SCM_TIMESTAMPING`, then `IP_RECVERR` with the
/// OPT_ID key), as `--wire-timestamps hardware` does per error-queue message.
fn stamp_decode(c: &mut Criterion) {
    use fixblast::transport::hwstamp::cmsg::{SCM_TIMESTAMPING, Source, decode};
    let ts: Vec<u8> =
        [0i64, 0, 0, 0, 1_700_000_037, 5].iter().flat_map(|v| (*v as libc::c_long).to_ne_bytes()).collect();
    let mut err = Vec::new();
    err.extend_from_slice(&(libc::ENOMSG as u32).to_ne_bytes());
    err.extend_from_slice(&[libc::SO_EE_ORIGIN_TIMESTAMPING, 0, 0, 0]);
    err.extend_from_slice(&0u32.to_ne_bytes());
    err.extend_from_slice(&12_345u32.to_ne_bytes());
    err.extend_from_slice(&[0; 16]);
    let bytes = [cmsg(libc::SOL_SOCKET, SCM_TIMESTAMPING, &ts), cmsg(libc::SOL_IP, libc::IP_RECVERR, &err)].concat();
    c.bench_function("stamp_decode", |b| {
        b.iter(|| {
            let d = decode(black_box(&bytes));
            (d.key, d.stamp(Source::Hardware))
        })
    });
}

/// One stamped receive into a buffer, with control messages into the other.
type Recv<'a> = dyn FnMut(&mut [u8], &mut [u8; fixblast::transport::wire::CMSG_SPACE]) -> std::io::Result<(usize, Option<u64>)>
    + 'a;

/// A stamped 64-byte loopback receive (software stamps): `wire::recv` (nix's `recvmsg` and
/// control-message iterator) against `hwstamp::recv` (a plain `recvmsg` and the byte walk),
/// each iteration one write and one read. The same socket pair serves both, in turn.
fn stamped_recv(c: &mut Criterion) {
    use fixblast::transport::{hwstamp, wire};
    use std::io::Write;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut a = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (b, _) = l.accept().unwrap();
    a.set_nodelay(true).unwrap();
    wire::enable(&b).unwrap();
    let mut control = [0u8; wire::CMSG_SPACE];
    let mut buf = [0u8; 256];
    let msg = [b'x'; 64];
    let mut g = c.benchmark_group("stamped_recv");
    let mut once = |f: &mut Recv<'_>| {
        a.write_all(&msg).unwrap();
        let mut got = 0;
        while got < msg.len() {
            match f(&mut buf, &mut control) {
                Ok((n, _)) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
    };
    g.bench_function("nix_cmsgs", |bch| bch.iter(|| once(&mut |buf, cm| wire::recv(&b, buf, cm))));
    g.bench_function("byte_walk", |bch| {
        bch.iter(|| once(&mut |buf, cm| hwstamp::recv(&b, buf, cm, hwstamp::Source::Software)))
    });
    g.finish();
}

criterion_group!(
    benches,
    template_patch,
    feed_load,
    order_encode_parts,
    exec_report_frame_parse_match,
    exec_report_parts,
    histogram_record,
    checksum_200,
    schedule_next,
    stamp_decode,
    stamped_recv
);
criterion_main!(benches);
