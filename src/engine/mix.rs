//! The message mix (`--mix new=90,cancel=8,replace=2`): which message each scheduled send
//! is, as a fixed cycle computed at start-up.
//!
//! The weights are relative (they need not add up to 100). The cycle interleaves the types
//! as evenly as their weights allow (smooth weighted round-robin), so a 90/8/2 mix sends a
//! cancel about every 12 messages, not eight in a row. The worker only steps an index.

use crate::fix::template::Kind;
use crate::units::SpecError;

/// Longest cycle accepted: weights reduced by their common divisor must add up to no more.
const MAX_CYCLE: u64 = 1_000_000;

/// A parsed mix: weights per message type and the cycle they make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mix {
    /// Weights in [`Kind::ALL`] order.
    pub weights: [u64; 3],
    cycle: Box<[Kind]>,
}

impl Default for Mix {
    /// New orders only.
    fn default() -> Mix {
        Mix::from_weights([1, 0, 0])
    }
}

impl Mix {
    /// Parses `TYPE=WEIGHT,…` with TYPE one of `new`, `cancel`, `replace`.
    pub fn parse(spec: &str) -> Result<Mix, SpecError> {
        let err = |at: usize, message: String| SpecError { flag: "--mix", spec: spec.to_string(), at, message };
        let mut weights = [0u64; 3];
        let mut seen = [false; 3];
        let mut pos = 0;
        for part in spec.split(',') {
            let at = pos + (part.len() - part.trim_start().len());
            pos += part.len() + 1;
            let Some((name, weight)) = part.split_once('=') else {
                return Err(err(at, "expected TYPE=WEIGHT, e.g. new=90,cancel=8,replace=2".into()));
            };
            let Some(i) = Kind::ALL.iter().position(|k| k.name() == name.trim()) else {
                return Err(err(at, format!("unknown message type {:?}; known: new, cancel, replace", name.trim())));
            };
            if std::mem::replace(&mut seen[i], true) {
                return Err(err(at, format!("{} appears twice", name.trim())));
            }
            let wat = at + name.len() + 1;
            weights[i] = weight
                .trim()
                .parse()
                .map_err(|_| err(wat, format!("{:?} is not a whole-number weight", weight.trim())))?;
        }
        if weights[0] == 0 {
            return Err(err(0, "new must have a weight above 0: cancels and replaces amend new orders".into()));
        }
        let g = weights.iter().copied().filter(|&w| w > 0).fold(0, gcd);
        if weights.iter().map(|w| w / g).sum::<u64>() > MAX_CYCLE {
            return Err(err(0, format!("the weights reduce to a cycle longer than {MAX_CYCLE}; use smaller numbers")));
        }
        Ok(Mix::from_weights(weights))
    }

    fn from_weights(weights: [u64; 3]) -> Mix {
        let g = weights.iter().copied().filter(|&w| w > 0).fold(0, gcd).max(1);
        let w = weights.map(|w| w / g);
        let total: u64 = w.iter().sum();
        // Smooth weighted round-robin: each step every type gains its weight, the richest is
        // chosen and pays the total.
        let mut credit = [0i64; 3];
        let cycle = (0..total)
            .map(|_| {
                for (c, w) in credit.iter_mut().zip(w) {
                    *c += w as i64;
                }
                let i = (0..3).max_by_key(|&i| (credit[i], std::cmp::Reverse(i))).expect("three types");
                credit[i] -= total as i64;
                Kind::ALL[i]
            })
            .collect();
        Mix { weights, cycle }
    }

    /// True when only new orders are sent.
    pub fn is_new_only(&self) -> bool {
        self.weights[1] == 0 && self.weights[2] == 0
    }

    /// Whether `kind` is in the mix.
    pub fn has(&self, kind: Kind) -> bool {
        self.weights[kind as usize] > 0
    }

    /// The share of messages of `kind` (0..1).
    pub fn share(&self, kind: Kind) -> f64 {
        self.weights[kind as usize] as f64 / self.weights.iter().sum::<u64>() as f64
    }

    /// The type of the `n`th message.
    #[inline]
    pub fn kind_at(&self, n: u64) -> Kind {
        self.cycle[(n % self.cycle.len() as u64) as usize]
    }

    /// As written back in the result: `new=90,cancel=8,replace=2`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = Kind::ALL
            .iter()
            .zip(self.weights)
            .filter(|(_, w)| *w > 0)
            .map(|(k, w)| format!("{}={w}", k.name()))
            .collect();
        parts.join(",")
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(m: &Mix, n: u64) -> [u64; 3] {
        let mut c = [0; 3];
        for i in 0..n {
            c[m.kind_at(i) as usize] += 1;
        }
        c
    }

    #[test]
    fn a_cycle_sends_each_type_in_proportion() {
        let m = Mix::parse("new=90,cancel=8,replace=2").unwrap();
        assert_eq!(count(&m, 50), [45, 4, 1]);
        assert_eq!(count(&m, 1000), [900, 80, 20]);
        assert_eq!(m.describe(), "new=90,cancel=8,replace=2");
    }

    #[test]
    fn types_are_interleaved_not_grouped() {
        let m = Mix::parse("new=1,cancel=1").unwrap();
        let first: Vec<Kind> = (0..4).map(|i| m.kind_at(i)).collect();
        assert_eq!(first, [Kind::New, Kind::Cancel, Kind::New, Kind::Cancel]);
        let m = Mix::parse("new=90,cancel=10").unwrap();
        let cancels: Vec<u64> = (0..20).filter(|&i| m.kind_at(i) == Kind::Cancel).collect();
        assert_eq!(cancels.len(), 2);
        assert!(cancels[1] - cancels[0] == 10, "{cancels:?}");
    }

    #[test]
    fn the_default_is_new_orders_only() {
        let m = Mix::default();
        assert!(m.is_new_only());
        assert_eq!(count(&m, 10), [10, 0, 0]);
        assert_eq!(Mix::parse("new=5").unwrap().kind_at(3), Kind::New);
    }

    #[test]
    fn bad_specs_say_where() {
        let e = |s: &str| Mix::parse(s).unwrap_err();
        assert_eq!(e("new=90,kill=10").at, 7);
        assert!(e("new=90,kill=10").message.contains("unknown message type \"kill\""));
        assert_eq!(e("new=9x").at, 4);
        assert_eq!(e("new").message, "expected TYPE=WEIGHT, e.g. new=90,cancel=8,replace=2");
        assert!(e("cancel=5").message.starts_with("new must have a weight above 0"));
        assert!(e("new=1,new=2").message.contains("twice"));
        assert!(e("new=1000001,cancel=1").message.contains("cycle longer"));
        assert!(e("new=1,cancel=x").to_string().starts_with("--mix \"new=1,cancel=x\": \"x\" is not"));
    }
}
