//! Guards the hot path's promise: no allocation per order.
//!
//! This is its own test binary (not part of `tests/it`) because it installs a counting
//! global allocator: in the shared binary it would count the other tests' allocations too.
//! Two runs of the same length at rates 10× apart make the same number of per-interval and
//! start-up allocations; any per-order allocation anywhere (worker, gateway, reporter) would
//! add thousands.

use clap::Parser;
use fixblast::cli::{Cli, Command};
use fixblast::run::RunConfig;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: defers every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_for(rate: &str, extra: &[&str]) -> (u64, u64) {
    let mut argv = vec!["fixblast", "run", "--rate", rate, "--duration", "1s", "--warmup", "0s", "--poll", "yield"];
    argv.extend_from_slice(&["--quiet"]);
    argv.extend_from_slice(extra);
    let Command::Run(a) = Cli::try_parse_from(argv).unwrap().command else { unreachable!() };
    let cfg = RunConfig::from_args(&a).unwrap();
    let before = ALLOCS.load(Ordering::Relaxed);
    let out = fixblast::run::run(&cfg).unwrap();
    let n = ALLOCS.load(Ordering::Relaxed) - before;
    assert_eq!(out.exit_code(), 0);
    assert_eq!(out.result.orders.acked, out.result.orders.sent);
    (n, out.result.orders.sent)
}

/// Both runs of one test take the same extra flags.
fn check(extra: &[&str]) {
    let (low, low_orders) = allocations_for("500", extra);
    let (high, high_orders) = allocations_for("5000", extra);
    assert_eq!((low_orders, high_orders), (500, 5000));
    let extra = high.saturating_sub(low);
    eprintln!("allocations: {low} for {low_orders} orders, {high} for {high_orders} orders");
    // 4500 more orders (and 4500 more ExecutionReports) must not mean 4500 more allocations.
    // Allow a little slack for timing-dependent start-up and interval work.
    assert!(extra < 450, "{extra} more allocations for 4500 more orders: something allocates per order");
}

/// One test: the counter is process-wide, so two tests running at once would count each
/// other's allocations.
#[test]
fn orders_do_not_allocate() {
    check(&[]);
    // Also with a feed of orders, cancels and replaces, and a ClOrdID prefix.
    let feed = tempfile::Builder::new().prefix("fixblast-alloc-").suffix(".csv").tempfile().unwrap();
    let rows: String = (0..1000).map(|i| format!("S{},buy,{},{}.5,limit,day\n", i % 7, 100 + i, 10 + i % 13)).collect();
    std::fs::write(feed.path(), rows).unwrap();
    check(&[
        "--orders",
        feed.path().to_str().unwrap(),
        "--mix",
        "new=90,cancel=8,replace=2",
        "--clordid-prefix",
        "AL-",
    ]);
    // And with kernel stamps (`--wire-timestamps`), on each backend and io_uring receive mode,
    // the built-in gateway on the same backend (it measures its own wire time as it answers).
    check(&["--backend", "syscall", "--wire-timestamps", "software"]);
    if fixblast::transport::uring::probe().is_ok() {
        for mode in ["poll", "multishot"] {
            check(&[
                "--backend",
                "uring",
                "--uring-recv",
                mode,
                "--gateway-backend",
                "uring",
                "--wire-timestamps",
                "software",
            ]);
        }
    }
}
