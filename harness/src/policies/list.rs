//! Index-linked doubly linked lists over one slab of nodes: the queues the reference policies
//! keep (FIFO order, CLOCK's ring, LFU's frequency buckets, ARC's four lists). Indices instead
//! of pointers: no `unsafe`, and a freed slot is reused by the next insert.

/// "No node".
pub(crate) const NIL: u32 = u32::MAX;

/// One cached (or ghost) object and its links.
#[derive(Debug, Clone)]
pub(crate) struct Node<T> {
    pub key: u64,
    /// The result's size, bytes.
    pub size: u64,
    prev: u32,
    next: u32,
    /// Policy-specific state (a reference bit, a frequency, a list id).
    pub data: T,
}

/// A list's ends and length; its nodes live in a [`Slab`]. Head = newest, tail = oldest.
#[derive(Debug, Clone, Copy)]
pub(crate) struct List {
    head: u32,
    tail: u32,
    len: u64,
}

impl Default for List {
    fn default() -> Self {
        Self {
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }
}

impl List {
    /// The oldest node, if any.
    pub fn tail(&self) -> Option<u32> {
        (self.tail != NIL).then_some(self.tail)
    }
    /// The newest node, if any.
    pub fn head(&self) -> Option<u32> {
        (self.head != NIL).then_some(self.head)
    }
    /// Number of nodes.
    #[cfg(test)]
    pub fn len(&self) -> u64 {
        self.len
    }
    /// Whether the list has no node.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The nodes of every list of one policy.
#[derive(Debug, Clone)]
pub(crate) struct Slab<T> {
    nodes: Vec<Node<T>>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Self {
            nodes: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    /// A new unlinked node.
    pub fn alloc(&mut self, key: u64, size: u64, data: T) -> u32 {
        let node = Node {
            key,
            size,
            prev: NIL,
            next: NIL,
            data,
        };
        crate::free_slots::store(&mut self.nodes, &mut self.free, node)
    }

    /// Gives an unlinked node's slot back.
    pub fn release(&mut self, i: u32) {
        self.free.push(i);
    }

    pub fn get(&self, i: u32) -> &Node<T> {
        &self.nodes[i as usize]
    }

    pub fn get_mut(&mut self, i: u32) -> &mut Node<T> {
        &mut self.nodes[i as usize]
    }

    /// The node after `i` towards the head (newer), if any.
    #[cfg(test)]
    pub fn newer(&self, i: u32) -> Option<u32> {
        let p = self.nodes[i as usize].prev;
        (p != NIL).then_some(p)
    }

    /// Links unlinked node `i` at the head of `list`.
    pub fn push_head(&mut self, list: &mut List, i: u32) {
        let old = list.head;
        {
            let n = &mut self.nodes[i as usize];
            n.prev = NIL;
            n.next = old;
        }
        if old == NIL {
            list.tail = i;
        } else {
            self.nodes[old as usize].prev = i;
        }
        list.head = i;
        list.len += 1;
    }

    /// Links unlinked node `i` at the tail of `list`.
    pub fn push_tail(&mut self, list: &mut List, i: u32) {
        let old = list.tail;
        {
            let n = &mut self.nodes[i as usize];
            n.next = NIL;
            n.prev = old;
        }
        if old == NIL {
            list.head = i;
        } else {
            self.nodes[old as usize].next = i;
        }
        list.tail = i;
        list.len += 1;
    }

    /// Unlinks node `i` from `list` (which must hold it).
    pub fn unlink(&mut self, list: &mut List, i: u32) {
        let (prev, next) = {
            let n = &self.nodes[i as usize];
            (n.prev, n.next)
        };
        if prev == NIL {
            list.head = next;
        } else {
            self.nodes[prev as usize].next = next;
        }
        if next == NIL {
            list.tail = prev;
        } else {
            self.nodes[next as usize].prev = prev;
        }
        let n = &mut self.nodes[i as usize];
        n.prev = NIL;
        n.next = NIL;
        list.len -= 1;
    }

    /// Moves node `i` of `list` to its head.
    pub fn move_to_head(&mut self, list: &mut List, i: u32) {
        if list.head != i {
            self.unlink(list, i);
            self.push_head(list, i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(slab: &Slab<()>, list: &List) -> Vec<u64> {
        let mut out = Vec::new();
        let mut at = list.tail();
        while let Some(i) = at {
            out.push(slab.get(i).key);
            at = slab.newer(i);
        }
        out
    }

    #[test]
    fn lists_keep_order_through_pushes_moves_and_unlinks() {
        let mut slab = Slab::default();
        let mut list = List::default();
        let ids: Vec<u32> = (0..4).map(|k| slab.alloc(k, 1, ())).collect();
        for &i in &ids {
            slab.push_head(&mut list, i);
        }
        assert_eq!(keys(&slab, &list), [0, 1, 2, 3]);
        slab.move_to_head(&mut list, ids[0]);
        assert_eq!(keys(&slab, &list), [1, 2, 3, 0]);
        slab.unlink(&mut list, ids[2]);
        assert_eq!(keys(&slab, &list), [1, 3, 0]);
        slab.release(ids[2]);
        let again = slab.alloc(9, 1, ());
        assert_eq!(again, ids[2]);
        slab.push_tail(&mut list, again);
        assert_eq!(keys(&slab, &list), [9, 1, 3, 0]);
        assert_eq!(list.len(), 4);
    }
}

/// The objects a single-list-family policy holds: their nodes, the key index and the budget's
/// accounting. The policy keeps its own lists of node indices and links nodes into them;
/// admitting an object and forgetting one (with what that does to the counts) is done here,
/// once for FIFO, CLOCK and LFU.
#[derive(Debug)]
pub(crate) struct Residents<T> {
    budget: super::reference::Budget,
    map: hashbrown::HashMap<u64, u32>,
    /// The nodes; a policy links and unlinks them in its own lists.
    pub slab: Slab<T>,
    used: u64,
    bytes: u64,
}

impl<T> Residents<T> {
    /// No object yet, with this budget.
    pub fn new(budget: super::reference::Budget) -> Self {
        Self {
            budget,
            map: hashbrown::HashMap::new(),
            slab: Slab::default(),
            used: 0,
            bytes: 0,
        }
    }

    /// The node of `key`, if it is held.
    #[inline]
    pub fn index(&self, key: u64) -> Option<u32> {
        self.map.get(&key).copied()
    }

    /// Whether an object of `size` bytes would exceed the budget now (something must go first).
    pub fn over_budget_with(&self, size: u64) -> bool {
        self.used + self.budget.weight(size) > self.budget.capacity
    }

    /// Holds a new object and returns its node (still to be linked into a list by the caller).
    pub fn admit(&mut self, key: u64, size: u64, data: T) -> u32 {
        let i = self.slab.alloc(key, size, data);
        self.map.insert(key, i);
        self.used += self.budget.weight(size);
        self.bytes += size;
        i
    }

    /// Lets go of node `i`, which the caller has already unlinked from its list.
    pub fn forget(&mut self, i: u32) {
        let node = self.slab.get(i);
        let (key, size) = (node.key, node.size);
        self.map.remove(&key);
        self.used -= self.budget.weight(size);
        self.bytes -= size;
        self.slab.release(i);
    }

    /// Lets go of `key`, unlinking its node from `list` (a one-queue policy's: FIFO, CLOCK)
    /// first; whether it was held.
    pub fn remove_from(&mut self, list: &mut List, key: u64) -> bool {
        let Some(i) = self.index(key) else {
            return false;
        };
        self.slab.unlink(list, i);
        self.forget(i);
        true
    }

    /// Objects held.
    pub fn len(&self) -> u64 {
        self.map.len() as u64
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Result bytes held.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}
