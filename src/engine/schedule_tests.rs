use super::*;

#[test]
fn one_second_at_a_rate_holds_that_many_orders() {
    let mut s = Schedule::new(1_000, 10_000.0, 0.0);
    let mut n = 0;
    while s.next_ns() < 1_000 + 1_000_000_000 {
        n += 1;
        s.advance();
    }
    assert_eq!(n, 10_000);
}

#[test]
fn times_do_not_drift_over_a_long_run() {
    // 3 orders/s has a period that is not a whole number of nanoseconds.
    let mut s = Schedule::new(0, 3.0, 0.0);
    for _ in 0..3 * 3600 {
        s.advance();
    }
    assert_eq!(s.next_ns(), 3600 * 1_000_000_000);
}

#[test]
fn remaining_counts_exactly_the_orders_still_due() {
    let mut s = Schedule::new(0, 1000.0, 0.0);
    assert_eq!(s.remaining_before(1_000_000_000), 1000);
    for _ in 0..250 {
        s.advance();
    }
    assert_eq!(s.remaining_before(1_000_000_000), 750);
    assert_eq!(s.remaining_before(250_000_000), 0);
    assert_eq!(s.remaining_before(250_000_001), 1);
}

fn count_in(s: &mut Schedule, from_ns: u64, to_ns: u64) -> u64 {
    let mut n = 0;
    while s.next_ns() < to_ns {
        if s.next_ns() >= from_ns {
            n += 1;
        }
        s.advance();
    }
    n
}

#[test]
fn a_ramp_sends_more_as_it_rises() {
    let p = Profile::Ramp { from: 1000.0, to: 9000.0, over_s: 4.0 };
    let mut s = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Uniform);
    let first = count_in(&mut s, 0, 1_000_000_000);
    let last = count_in(&mut s, 3_000_000_000, 4_000_000_000);
    // Mean rate over [0,1) is 2000/s and over [3,4) 8000/s.
    assert!((1900..=2100).contains(&first), "{first}");
    assert!((7800..=8200).contains(&last), "{last}");
}

#[test]
fn poisson_arrivals_keep_the_mean_rate_and_are_seeded() {
    let p = Profile::Constant(10_000.0);
    let mut a = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Poisson { seed: 3 });
    let mut b = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Poisson { seed: 3 });
    let n = count_in(&mut a, 0, 10_000_000_000);
    assert!((99_000..=101_000).contains(&n), "{n}");
    let times_b: Vec<u64> = (0..100)
        .map(|_| {
            let t = b.next_ns();
            b.advance();
            t
        })
        .collect();
    let mut c = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Poisson { seed: 3 });
    let times_c: Vec<u64> = (0..100)
        .map(|_| {
            let t = c.next_ns();
            c.advance();
            t
        })
        .collect();
    assert_eq!(times_b, times_c);
    // Not evenly spaced.
    assert!(times_c.windows(3).any(|w| w[1] - w[0] != w[2] - w[1]));
}

/// `--arrival poisson --seed N` gives the same schedule every time: the same seed, the
/// same due times (also over a varying profile, and from a copy taken part-way), and
/// another seed other times.
#[test]
fn a_poisson_schedule_is_a_function_of_its_seed() {
    let times = |s: &mut Schedule, n: usize| -> Vec<u64> {
        (0..n)
            .map(|_| {
                let t = s.next_ns();
                s.advance();
                t
            })
            .collect()
    };
    for p in [Profile::Constant(10_000.0), Profile::Ramp { from: 1000.0, to: 9000.0, over_s: 4.0 }] {
        let at = |seed| Schedule::with_profile(5, 0, &p, 0.5, 0.25, Arrival::Poisson { seed });
        let mut a = at(42);
        let first = times(&mut a, 500);
        let mut copy = a.clone();
        assert_eq!(first, times(&mut at(42), 500));
        assert_eq!(times(&mut a, 500), times(&mut copy, 500));
        assert_ne!(first, times(&mut at(43), 500));
    }
}

#[test]
fn a_zero_rate_stretch_sends_nothing() {
    let p = Profile::Table(vec![
        (0.0, 1000.0),
        (1.0, 1000.0),
        (1.000001, 0.0),
        (2.0, 0.0),
        (2.000001, 1000.0),
        (3.0, 1000.0),
    ]);
    let mut s = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Uniform);
    assert_eq!(count_in(&mut s, 1_010_000_000, 1_990_000_000), 0);
}

#[test]
fn remaining_integrates_a_varying_profile() {
    let p = Profile::Step(vec![(1000.0, 1.0), (3000.0, 1.0)]);
    let s = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Uniform);
    assert_eq!(s.remaining_before(2_000_000_000), 4000);
}

#[test]
fn phase_shifts_by_a_fraction_of_a_period() {
    let s = Schedule::new(0, 1000.0, 0.5);
    assert_eq!(s.next_ns(), 500_000);
}

// The schedule as the inverse of the profile's integral (issue "Numbers you can trust",
// item 6). The profile's clock starts at ZERO, not at the epoch, and most schedules start a
// second before it, in warm-up.

use crate::engine::segments::segment;

/// The end of warm-up: profile time 0, in ns since the epoch.
const ZERO: u64 = 7_000_000_000;

/// Profile seconds as ns since the epoch.
fn ns(t_s: f64) -> u64 {
    (ZERO as f64 + t_s * 1e9).round() as u64
}

/// The due times of the orders `s` hands out before `until_ns`, checking on the way that
/// none is earlier than the one before.
fn due_before(s: &mut Schedule, until_ns: u64) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    while s.next_ns() < until_ns {
        let t = s.next_ns();
        if let Some(&last) = out.last() {
            assert!(last <= t, "order {} is due at {t}, before the one before it at {last}", out.len());
        }
        out.push(t);
        s.advance();
    }
    out
}

/// How many times the schedule's cursor has moved to another segment.
fn moves(s: &Schedule) -> u64 {
    s.varying.as_ref().expect("a varying schedule").integral.moves
}

/// ∫ rate_at over [a_s, b_s) by the midpoint rule, on pieces cut at the multiples of
/// `grid_s`, which must hold every point where the profile's rate bends or jumps. Exact for a
/// piecewise-linear rate, and it knows nothing of the schedule's segments.
fn reference(p: &Profile, a_s: f64, b_s: f64, grid_s: f64) -> f64 {
    let mut cuts = vec![a_s];
    let mut k = (a_s / grid_s).floor() + 1.0;
    while k * grid_s < b_s {
        cuts.push(k * grid_s);
        k += 1.0;
    }
    cuts.push(b_s);
    cuts.windows(2).map(|w| (w[1] - w[0]) * rate(p, (w[0] + w[1]) / 2.0)).sum()
}

/// `p.rate_at(t_s)`, without its scan of a long table: between two rows, the rate is what
/// `rate_at` says of those two rows alone.
fn rate(p: &Profile, t_s: f64) -> f64 {
    match p {
        Profile::Table(rows) if rows.len() > 2 => {
            let i = rows.partition_point(|r| r.0 < t_s).clamp(1, rows.len() - 1);
            Profile::Table(rows[i - 1..=i].to_vec()).rate_at(t_s)
        }
        _ => p.rate_at(t_s),
    }
}

/// A profile to schedule, the grid its rate bends on, and how far to look (profile seconds).
struct Case {
    name: &'static str,
    profile: Profile,
    grid_s: f64,
    horizon_s: f64,
}

/// A `file:` table of 10,000 rows a quarter of a second apart, with rates that rise and fall
/// between rows, single rows at 0, and stretches of 50 rows at 0.
fn table_10k() -> Profile {
    Profile::Table(
        (0..10_000u64)
            .map(|i| {
                let rate = if (i / 50) % 7 == 3 { 0.0 } else { 100.0 * ((i * 7919) % 13) as f64 };
                (i as f64 * 0.25, rate)
            })
            .collect(),
    )
}

/// Every kind of profile, the long ones included: a 1 h ramp, 1,000 steps, 10,000 rows.
fn cases() -> Vec<Case> {
    let case = |name, profile, grid_s, horizon_s| Case { name, profile, grid_s, horizon_s };
    let volatile = Profile::parse("volatile:5k,0.5..2.0/1s,seed=7", 60.0, |_| Err("no files".into())).unwrap();
    vec![
        case("constant", Profile::Constant(2500.0), 1.0, 10.0),
        case("ramp up over 1 h", Profile::Ramp { from: 10.0, to: 1000.0, over_s: 3600.0 }, 3600.0, 3700.0),
        case("ramp down", Profile::Ramp { from: 9000.0, to: 10.0, over_s: 5.0 }, 5.0, 6.0),
        case("1,000 steps", Profile::Step((0..1000).map(|i| (100.0 * (1 + i % 5) as f64, 0.5)).collect()), 0.5, 510.0),
        case("spike", Profile::Spike { base: 2000.0, peak: 40_000.0, dur_s: 2.0, at_s: 10.0 }, 1.0, 20.0),
        case("spike at 0", Profile::Spike { base: 2000.0, peak: 40_000.0, dur_s: 2.0, at_s: 0.0 }, 1.0, 5.0),
        case("burst", Profile::Burst { base: 2000.0, peak: 20_000.0, dur_s: 0.5, every_s: 2.0 }, 0.5, 60.0),
        case("volatile", volatile, 1.0, 70.0),
        case("10,000 rows", table_10k(), 0.25, 2600.0),
        case("rows after 0", Profile::Table(vec![(1.5, 700.0), (2.0, 100.0)]), 0.5, 4.0),
    ]
}

/// This worker's share of every case, from a second of warm-up, evenly spaced.
const SHARE: f64 = 0.5;
const PHASE: f64 = 0.3;

fn scheduled(c: &Case, arrival: Arrival) -> Schedule {
    Schedule::with_profile(ns(-1.0), ZERO, &c.profile, SHARE, PHASE, arrival)
}

/// Windows in profile seconds: warm-up, thirds of the horizon (one with an end off any
/// grid), the whole run, and a short one.
fn windows(h: f64) -> [(f64, f64); 6] {
    [(-1.0, 0.0), (0.0, h / 3.0), (h / 3.0, 2.0 * h / 3.0 + 0.123), (2.0 * h / 3.0 + 0.123, h), (-1.0, h), (1.01, 1.77)]
}

#[test]
fn orders_over_a_window_are_the_profiles_integral_for_every_kind() {
    for c in cases() {
        let times = due_before(&mut scheduled(&c, Arrival::Uniform), ns(c.horizon_s));
        for (a, b) in windows(c.horizon_s) {
            let n = times.partition_point(|&t| t < ns(b)) - times.partition_point(|&t| t < ns(a));
            let want = SHARE * reference(&c.profile, a, b, c.grid_s);
            assert!((n as f64 - want).abs() <= 1.0, "{}: {n} orders in [{a}, {b}) s, the integral is {want}", c.name);
        }
    }
}

#[test]
fn remaining_before_counts_exactly_the_orders_still_to_come() {
    for c in cases() {
        let h = c.horizon_s;
        let times = due_before(&mut scheduled(&c, Arrival::Uniform), ns(h));
        let ends = [ns(-0.5), ZERO, ns(h / 2.0 + 0.0371), ns(h)];
        let mut s = scheduled(&c, Arrival::Uniform);
        // From the start, and from points part-way (the warm-up, then thirds of the run).
        for sent in [0, times.len() / 1000, times.len() / 3, 2 * times.len() / 3] {
            while (s.n as usize) < sent {
                s.advance();
            }
            for end in ends {
                let due = times.partition_point(|&t| t < end).saturating_sub(sent) as u64;
                assert_eq!(s.remaining_before(end), due, "{}: after {sent} orders, before {end} ns", c.name);
            }
        }
    }
}

#[test]
fn a_zero_rate_stretch_is_skipped_in_one_step() {
    // An hour at 0 between two seconds at 1000/s: the order after the 1000th of the first
    // second is due where the rate comes back, and the cursor got there in two moves (into
    // the stretch and out of it), not 3.6 million 1 ms steps.
    let p = Profile::Step(vec![(1000.0, 1.0), (0.0, 3600.0), (1000.0, 1.0)]);
    let mut s = Schedule::with_profile(ZERO, ZERO, &p, 1.0, 0.0, Arrival::Uniform);
    assert_eq!(due_before(&mut s, ns(1.0)).len(), 1000);
    assert_eq!(s.next_ns(), ns(3601.0));
    assert_eq!(moves(&s), 2);
    assert_eq!(s.remaining_before(ns(3601.0)), 0);
    assert_eq!(s.remaining_before(ns(3602.0)), 1000);

    // The same stretch between rows of a table, with Poisson arrivals: nothing in it.
    let p = Profile::Table(vec![(0.0, 1000.0), (1.0, 1000.0), (1.5, 0.0), (3601.0, 0.0), (3601.5, 1000.0)]);
    let mut s = Schedule::with_profile(ZERO, ZERO, &p, 1.0, 0.0, Arrival::Poisson { seed: 5 });
    let times = due_before(&mut s, ns(3700.0));
    assert!(!times.iter().any(|&t| (ns(1.5)..ns(3601.0)).contains(&t)), "an order in the stretch");
    assert!(moves(&s) <= 5, "{} moves", moves(&s));
}

#[test]
fn a_profile_that_ends_at_zero_ends_the_schedule() {
    // 1000 orders in the first second and 500 down the slope to 0; then none ever again,
    // found in one move rather than by looking for a rate forever.
    let p = Profile::Table(vec![(0.0, 1000.0), (1.0, 1000.0), (2.0, 0.0)]);
    let mut s = Schedule::with_profile(ZERO, ZERO, &p, 1.0, 0.0, Arrival::Uniform);
    assert_eq!(s.remaining_before(ns(1e6)), 1500);
    assert_eq!(due_before(&mut s, u64::MAX).len(), 1500);
    assert_eq!(s.next_ns(), u64::MAX);
    assert!(moves(&s) <= 3, "{} moves", moves(&s));
    assert_eq!(s.remaining_before(u64::MAX), 0);
    let mut s = Schedule::with_profile(ZERO, ZERO, &p, 1.0, 0.0, Arrival::Poisson { seed: 1 });
    let n = due_before(&mut s, u64::MAX).len();
    assert!((1300..1700).contains(&n), "{n}");
}

#[test]
fn the_cursor_moves_once_per_segment_over_a_whole_run() {
    // Every row of the table is passed once: nothing is looked up from the start again.
    let c = Case { name: "10,000 rows", profile: table_10k(), grid_s: 0.25, horizon_s: 2600.0 };
    let mut s = scheduled(&c, Arrival::Uniform);
    let n = due_before(&mut s, ns(c.horizon_s)).len();
    assert!(n > 300_000, "{n}");
    assert!(moves(&s) <= 10_001, "{} moves for 10,000 rows", moves(&s));
    // 1,000 stages, the same.
    let p = Profile::Step((0..1000).map(|i| (100.0 * (1 + i % 5) as f64, 0.5)).collect());
    let mut s = Schedule::with_profile(ZERO, ZERO, &p, 1.0, 0.0, Arrival::Poisson { seed: 2 });
    due_before(&mut s, ns(600.0));
    assert!(moves(&s) <= 1000, "{} moves for 1,000 stages", moves(&s));
}

/// Times (profile seconds) where a profile's segments meet, and the number of orders due by
/// each.
type Marks = Vec<(f64, usize)>;

/// Each profile, with its marks. Order k is due when the integral reaches k: exactly at the
/// boundary.
fn boundaries() -> Vec<(&'static str, Profile, Marks)> {
    let mut table_rows = Vec::new();
    let mut table_marks = Vec::new();
    let (mut n, mut prev) = (0.0, 0.0);
    for i in 0..10_000 {
        let rate = 100.0 * (1 + (i * 7) % 5) as f64;
        if i > 0 {
            n += (prev + rate) / 2.0;
        }
        table_rows.push((i as f64, rate));
        table_marks.push((i as f64, n as usize));
        prev = rate;
    }
    let steps: Vec<(f64, f64)> = (0..1000).map(|i| (100.0 * (1 + i % 5) as f64, 0.5)).collect();
    let step_marks = (0..1000).map(|i| (i as f64 * 0.5, (0..i).map(|j| 50 * (1 + j % 5)).sum())).collect();
    vec![
        (
            "step",
            Profile::Step(vec![(1000.0, 1.0), (3000.0, 0.5), (200.0, 2.5)]),
            vec![(1.0, 1000), (1.5, 2500), (4.0, 3000)],
        ),
        ("1,000 steps", Profile::Step(steps), step_marks),
        ("ramp", Profile::Ramp { from: 1000.0, to: 3000.0, over_s: 2.0 }, vec![(2.0, 4000), (3.0, 7000)]),
        ("ramp over 1 h", Profile::Ramp { from: 10.0, to: 1000.0, over_s: 3600.0 }, vec![(3600.0, 1_818_000)]),
        (
            "spike",
            Profile::Spike { base: 1000.0, peak: 5000.0, dur_s: 0.5, at_s: 2.0 },
            vec![(2.0, 2000), (2.5, 4500), (3.5, 5500)],
        ),
        (
            "burst",
            Profile::Burst { base: 1000.0, peak: 3000.0, dur_s: 0.5, every_s: 1.0 },
            vec![(0.5, 1500), (1.0, 2000), (1.5, 3500), (100.0, 200_000)],
        ),
        (
            "volatile",
            Profile::Volatile { base: 1000.0, period_s: 0.5, levels: vec![1.0, 2.0, 0.5, 1.5] },
            vec![(0.5, 500), (1.0, 1500), (1.5, 1750), (2.0, 2500), (3.0, 4000)],
        ),
        // The order due where a stretch at 0 begins goes where the rate comes back.
        (
            "table",
            Profile::Table(vec![(0.0, 1000.0), (1.0, 3000.0), (2.0, 0.0), (3.0, 0.0), (4.0, 2000.0)]),
            vec![(1.0, 2000), (3.0, 3500), (4.0, 4500)],
        ),
        ("10,000 rows", Profile::Table(table_rows), table_marks),
    ]
}

#[test]
fn due_times_are_the_integrals_inverse_exactly_at_segment_boundaries() {
    for (name, p, marks) in boundaries() {
        let horizon = marks.last().unwrap().0 + 1.0;
        let times = due_before(&mut Schedule::with_profile(ZERO, ZERO, &p, 1.0, 0.0, Arrival::Uniform), ns(horizon));
        for (t_s, k) in marks {
            assert_eq!(times[k], ns(t_s), "{name}: order {k} is due at {t_s} s");
        }
    }
    // Two seconds of warm-up at the first rate end exactly at the profile's 0.
    let p = Profile::Step(vec![(1000.0, 1.0), (3000.0, 0.5)]);
    let times = due_before(&mut Schedule::with_profile(ns(-2.0), ZERO, &p, 1.0, 0.0, Arrival::Uniform), ns(2.0));
    assert_eq!((times[0], times[2000], times[3000], times[4500]), (ns(-2.0), ZERO, ns(1.0), ns(1.5)));
    // With a phase and a share, each boundary moves by the phase's fraction of its gap.
    let times = due_before(&mut Schedule::with_profile(ZERO, ZERO, &p, 0.5, 0.5, Arrival::Uniform), ns(2.0));
    assert_eq!((times[0], times[500], times[1250]), (ns(0.001), ns(1.0 + 0.5 / 1500.0), ns(1.5 + 0.5 / 1500.0)));
}

#[test]
fn a_schedule_that_starts_inside_the_profile_counts_from_there() {
    // Starting at 1.0 s of a 1000..3000/2s ramp: the rate there is 2000/s, and the orders
    // up to 2.0 s are the integral from 1.0, 2500.
    let p = Profile::Ramp { from: 1000.0, to: 3000.0, over_s: 2.0 };
    let mut s = Schedule::with_profile(ns(1.0), ZERO, &p, 1.0, 0.0, Arrival::Uniform);
    assert_eq!(s.next_ns(), ns(1.0));
    let times = due_before(&mut s, ns(2.0));
    assert_eq!(times.len(), 2500);
    assert_eq!(s.next_ns(), ns(2.0));
    assert_eq!(moves(&s), 1);
}

#[test]
fn poisson_over_every_kind_is_seeded_monotonic_and_keeps_the_integral() {
    for c in cases() {
        let h = c.horizon_s.min(600.0);
        let run = |seed| due_before(&mut scheduled(&c, Arrival::Poisson { seed }), ns(h));
        let a = run(11);
        assert_eq!(a, run(11), "{}: the same seed, the same due times", c.name);
        assert_ne!(a, run(12), "{}: another seed, other due times", c.name);
        // A copy taken part-way goes on with the same times.
        let mut s = scheduled(&c, Arrival::Poisson { seed: 11 });
        for _ in 0..a.len() / 2 {
            s.advance();
        }
        let mut copy = s.clone();
        assert_eq!(due_before(&mut s, ns(h)), due_before(&mut copy, ns(h)), "{}", c.name);
        // A Poisson count has a standard deviation of its square root: allow five.
        let want = SHARE * reference(&c.profile, -1.0, h, c.grid_s);
        assert!(
            (a.len() as f64 - want).abs() <= 5.0 * want.sqrt() + 1.0,
            "{}: {} orders, want {want}",
            c.name,
            a.len()
        );
        // Nothing where the rate is 0 (just before or just after the order).
        let t_s = |t: u64| (t as f64 - ZERO as f64) / 1e9;
        let rated = |t: u64| rate(&c.profile, t_s(t) - 1e-9) > 0.0 || rate(&c.profile, t_s(t) + 1e-9) > 0.0;
        assert!(a.iter().all(|&t| rated(t)), "{}: an order where the rate is 0", c.name);
    }
}

#[test]
fn poisson_remaining_is_the_expected_count() {
    // The next order, due at 0, plus the integral from there to 2 s.
    let p = Profile::Step(vec![(1000.0, 1.0), (3000.0, 1.0)]);
    let s = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Poisson { seed: 4 });
    assert_eq!(s.remaining_before(2_000_000_000), 4001);
    // Against what runs hand out over 1,000 seeds: the mean of a count with a standard
    // deviation of 63 is within 5 standard errors (5 × 63 / √1000 = 10).
    let seeds = 1000;
    let mut total = 0i64;
    for seed in 0..seeds {
        let mut s = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Poisson { seed });
        let expected = s.remaining_before(2_000_000_000) as i64;
        total += due_before(&mut s, 2_000_000_000).len() as i64 - expected;
    }
    let mean = total as f64 / seeds as f64;
    assert!(mean.abs() <= 10.0, "mean difference {mean}");
}

#[test]
fn the_segments_used_here_start_at_0() {
    // The test profiles' first segment starts at profile time 0, so warm-up runs at its rate.
    for c in cases() {
        assert_eq!(segment(&c.profile, 0, 0.0).start_s, 0.0, "{}", c.name);
    }
}

/// The flags' bounds hold here: one order per nanosecond (`units::MAX_RATE`) over the
/// longest run (`engine::MAX_SPAN`), a day (`--start-at`) and the longest warm-up into the
/// epoch. Due times are one nanosecond apart to the end, and the orders left are counted
/// exactly, in a few steps. Far above the bound (`--rate 1e19`), `remaining_before` started
/// from a count saturated at u64::MAX and stepped down one order at a time: the hang.
#[test]
fn the_highest_rate_over_the_longest_run_is_counted_exactly() {
    use crate::engine::MAX_SPAN;
    use crate::units::MAX_RATE;
    let span = MAX_SPAN.as_nanos() as u64;
    let zero = 86_400_000_000_000 + span;
    let end = zero + span;
    let s = Schedule::new(zero, MAX_RATE, 0.0);
    assert_eq!((s.at(0), s.at(1), s.at(span - 1), s.at(span)), (zero, zero + 1, end - 1, end));
    assert_eq!(s.remaining_before(end), span);
    // A worker's share, shifted by a phase, as with several threads.
    let third = Schedule::new(zero, MAX_RATE / 3.0, 0.5);
    assert_eq!(third.remaining_before(end), span / 3);
    // The varying path: a stage at a thousandth of the rate, then the bound to the end.
    let p = Profile::Step(vec![(MAX_RATE / 1000.0, 1.0), (MAX_RATE, MAX_SPAN.as_secs_f64() - 1.0)]);
    for arrival in [Arrival::Uniform, Arrival::Poisson { seed: 7 }] {
        let v = Schedule::with_profile(zero, zero, &p, 1.0, 0.0, arrival);
        let want = 1_000_000 + (span - 1_000_000_000);
        assert!(v.remaining_before(end).abs_diff(want) <= 1, "{arrival:?}: {}", v.remaining_before(end));
    }
}
