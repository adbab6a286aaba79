//! [`ConnList`]: the connections a loop must look at, each at most once, so that a turn's
//! cost follows the connections with work (bytes to send, a receive to arm, parked bytes)
//! and never the number of connections.

use super::ConnId;

/// A set of connection ids kept as a list in the order they were added. Inserting is O(1)
/// and idempotent; working through the list touches only what is in it.
///
/// It allocates only when a connection id beyond any seen before is inserted (set-up), or
/// when more ids are listed at once than ever before.
#[derive(Debug, Default)]
pub struct ConnList {
    ids: Vec<ConnId>,
    listed: Vec<bool>,
}

impl ConnList {
    /// Room for `conns` connections, so that listing them never allocates.
    pub fn with_capacity(conns: usize) -> Self {
        ConnList { ids: Vec::with_capacity(conns), listed: vec![false; conns] }
    }

    /// Lists `id` unless it is listed already.
    #[inline]
    pub fn insert(&mut self, id: ConnId) {
        if id >= self.listed.len() {
            self.listed.resize(id + 1, false);
        }
        if !self.listed[id] {
            self.listed[id] = true;
            self.ids.push(id);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn contains(&self, id: ConnId) -> bool {
        self.listed.get(id).copied().unwrap_or(false)
    }

    /// Takes the list out to work through it while the rest of the owner is borrowed; give
    /// it back with [`keep`](ConnList::keep).
    #[inline]
    pub fn take(&mut self) -> Vec<ConnId> {
        std::mem::take(&mut self.ids)
    }

    /// Calls `f` with each id, in order, and empties the list. True when there was one.
    pub fn drain(&mut self, mut f: impl FnMut(ConnId)) -> bool {
        if self.ids.is_empty() {
            return false;
        }
        let ids = self.take();
        for &id in &ids {
            f(id);
        }
        self.keep(ids, |_| false);
        true
    }

    /// Lists every id of `other` here (unless listed already), and empties `other`.
    pub fn absorb(&mut self, other: &mut ConnList) {
        other.drain(|id| self.insert(id));
    }

    /// Gives back a list from [`take`](ConnList::take), keeping the ids for which `keep` is
    /// true (in their order), ahead of any inserted since the take. An id of the taken list
    /// inserted again meanwhile was still listed, so `keep` decides for it too.
    #[inline]
    pub fn keep(&mut self, mut ids: Vec<ConnId>, mut keep: impl FnMut(ConnId) -> bool) {
        let listed = &mut self.listed;
        ids.retain(|&id| {
            let k = keep(id);
            listed[id] = k;
            k
        });
        ids.append(&mut self.ids);
        // `ids` kept the taken list's buffer (the larger one); the emptied one is freed only
        // when it had grown of its own, which `with_capacity` avoids.
        self.ids = ids;
    }
}

#[cfg(test)]
mod tests {
    use super::ConnList;

    #[test]
    fn each_id_is_listed_once_in_the_order_it_came() {
        let mut l = ConnList::with_capacity(4);
        for id in [2, 0, 2, 3, 0] {
            l.insert(id);
        }
        assert_eq!(l.take(), vec![2, 0, 3]);
    }

    #[test]
    fn keep_drops_what_is_done_and_an_id_dropped_can_be_listed_again() {
        let mut l = ConnList::with_capacity(4);
        for id in [0, 1, 2] {
            l.insert(id);
        }
        let ids = l.take();
        // Listed while the list was out: already listed, so not twice.
        l.insert(1);
        // Not listed before: comes after the kept ones.
        l.insert(3);
        l.keep(ids, |id| id != 1);
        assert!(!l.contains(1) && l.contains(0) && l.contains(3));
        l.insert(1);
        assert_eq!(l.take(), vec![0, 2, 3, 1]);
    }

    #[test]
    fn absorbing_moves_ids_once() {
        let (mut a, mut b) = (ConnList::with_capacity(4), ConnList::default());
        a.insert(1);
        b.insert(1);
        b.insert(3);
        a.absorb(&mut b);
        assert!(b.is_empty() && !b.contains(3));
        assert_eq!(a.take(), vec![1, 3]);
    }

    #[test]
    fn an_id_beyond_the_capacity_is_listed() {
        let mut l = ConnList::with_capacity(1);
        l.insert(9);
        assert!(l.contains(9) && !l.contains(8));
        assert_eq!(l.take(), vec![9]);
    }
}
