//! The ClOrdIDs the gateway has seen, for `--reject-duplicate-clordid`: a bounded memory of
//! the last `capacity` IDs, on every connection, for the gateway's lifetime.
//!
//! Each ID is kept as a 64-bit fingerprint (SipHash with keys drawn per gateway) in an
//! open-addressing table (linear probing, at most half full) and in a ring that remembers the
//! order they came in: when the ring is full, the oldest is forgotten to make room. Both are
//! allocated once, at start-up: about 8 bytes of ring and 16 to 32 bytes of table per ID.
//! Remembering or checking an ID allocates nothing.
//!
//! Two different IDs share a fingerprint with a chance of 2^-64 per pair: with a million
//! remembered, an order is wrongly taken for a duplicate about once in 2 × 10^13.
//!
//! It must not know about connections, sockets or FIX: it takes the ClOrdID's bytes.

use std::hash::{BuildHasher, RandomState};

/// The most IDs a gateway may remember (`--clordid-memory`): 2^24, about 400 MiB.
pub const MAX_CAPACITY: usize = 1 << 24;

#[derive(Debug)]
pub struct SeenIds {
    /// Fingerprints; 0 is an empty bucket.
    table: Box<[u64]>,
    mask: usize,
    /// Fingerprints in the order they came; once full, `next` is the oldest.
    ring: Box<[u64]>,
    next: usize,
    len: usize,
    keys: RandomState,
}

impl SeenIds {
    /// Remembers up to `capacity` IDs (1 to [`MAX_CAPACITY`]).
    pub fn new(capacity: usize) -> SeenIds {
        let capacity = capacity.clamp(1, MAX_CAPACITY);
        let buckets = (2 * capacity).next_power_of_two();
        SeenIds {
            table: vec![0; buckets].into_boxed_slice(),
            mask: buckets - 1,
            ring: vec![0; capacity].into_boxed_slice(),
            next: 0,
            len: 0,
            keys: RandomState::new(),
        }
    }

    /// Remembers `id`. False when it was already remembered: a duplicate.
    pub fn insert(&mut self, id: &[u8]) -> bool {
        // 0 marks an empty bucket.
        let fp = self.keys.hash_one(id).max(1);
        let mut i = fp as usize & self.mask;
        while self.table[i] != 0 {
            if self.table[i] == fp {
                return false;
            }
            i = (i + 1) & self.mask;
        }
        if self.len == self.ring.len() {
            // Forgetting the oldest may move entries up into bucket `i`; look again.
            self.remove(self.ring[self.next]);
            return self.insert_new(fp);
        }
        self.table[i] = fp;
        self.remember(fp);
        true
    }

    /// Inserts a fingerprint known to be absent, with room in the ring.
    fn insert_new(&mut self, fp: u64) -> bool {
        let mut i = fp as usize & self.mask;
        while self.table[i] != 0 {
            i = (i + 1) & self.mask;
        }
        self.table[i] = fp;
        self.remember(fp);
        true
    }

    fn remember(&mut self, fp: u64) {
        self.ring[self.next] = fp;
        self.next = (self.next + 1) % self.ring.len();
        self.len = (self.len + 1).min(self.ring.len());
    }

    /// Removes `fp` from the table, moving later entries of its probe run back so that every
    /// entry stays reachable from its home bucket (no tombstones).
    fn remove(&mut self, fp: u64) {
        let mut i = fp as usize & self.mask;
        while self.table[i] != fp {
            if self.table[i] == 0 {
                return;
            }
            i = (i + 1) & self.mask;
        }
        let mut j = i;
        loop {
            j = (j + 1) & self.mask;
            let f = self.table[j];
            if f == 0 {
                break;
            }
            // The entry at `j` may fill the hole at `i` unless its home lies after `i`, in
            // the probe run up to `j` (cyclically).
            let home = f as usize & self.mask;
            if (j.wrapping_sub(home) & self.mask) >= (j.wrapping_sub(i) & self.mask) {
                self.table[i] = f;
                i = j;
            }
        }
        self.table[i] = 0;
        self.len -= 1;
    }

    /// IDs remembered now.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    #[test]
    fn a_second_sight_is_a_duplicate() {
        let mut s = SeenIds::new(100);
        assert!(s.insert(b"A1"));
        assert!(s.insert(b"A2"));
        assert!(!s.insert(b"A1"));
        assert!(!s.insert(b"A2"));
        assert!(s.insert(b"A3"));
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn the_oldest_is_forgotten_when_full() {
        let mut s = SeenIds::new(3);
        for id in [b"1", b"2", b"3", b"4"] {
            assert!(s.insert(id));
        }
        assert_eq!(s.len(), 3);
        assert!(s.insert(b"1"), "the oldest was forgotten to make room for 4");
        assert!(!s.insert(b"3") && !s.insert(b"4"));
    }

    #[test]
    fn a_million_ids_in_a_memory_of_a_thousand() {
        let mut s = SeenIds::new(1000);
        for n in 0..1_000_000u32 {
            assert!(s.insert(&n.to_le_bytes()), "{n}");
            if n >= 10 {
                assert!(!s.insert(&(n - 10).to_le_bytes()), "{n}: a recent one is remembered");
            }
        }
        assert_eq!(s.len(), 1000);
        assert!(s.insert(&0u32.to_le_bytes()));
    }

    proptest! {
        /// Against a plain model (the last `capacity` distinct IDs, oldest first), on a
        /// small alphabet so that repeats, evictions and wrapped probe runs are common.
        #[test]
        fn it_remembers_exactly_the_last_capacity_ids(
            capacity in 1usize..20,
            ids in proptest::collection::vec(0u8..40, 1..400),
        ) {
            let mut s = SeenIds::new(capacity);
            let mut model: VecDeque<u8> = VecDeque::new();
            for id in ids {
                let new = !model.contains(&id);
                prop_assert_eq!(s.insert(&[id]), new, "id {}", id);
                if new {
                    if model.len() == capacity {
                        model.pop_front();
                    }
                    model.push_back(id);
                }
                prop_assert_eq!(s.len(), model.len());
            }
        }
    }
}
