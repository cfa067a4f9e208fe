//! Index-addressed storage that reuses freed places: the engine's jobs and waiters, the
//! reference policies' list nodes and Belady's slots all keep a `Vec` of items and a stack of
//! indices given back, and store a new item through [`store`].

/// Stores `item` at an index given back earlier (the latest pushed on `free`) or, with none, at
/// the end of `items`; returns its index (`u32::MAX` past 2^32 - 1 items, which no replay holds).
#[inline]
pub(crate) fn store<T>(items: &mut Vec<T>, free: &mut Vec<u32>, item: T) -> u32 {
    match free.pop() {
        Some(i) => {
            items[i as usize] = item;
            i
        }
        None => {
            items.push(item);
            u32::try_from(items.len() - 1).unwrap_or(u32::MAX)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::store;

    #[test]
    fn freed_indices_are_reused_latest_first_then_items_append() {
        let (mut items, mut free) = (vec!['a', 'b', 'c'], vec![0, 2]);
        assert_eq!(store(&mut items, &mut free, 'x'), 2);
        assert_eq!(store(&mut items, &mut free, 'y'), 0);
        assert_eq!(store(&mut items, &mut free, 'z'), 3);
        assert_eq!(items, ['y', 'b', 'x', 'z']);
        assert!(free.is_empty());
    }
}
