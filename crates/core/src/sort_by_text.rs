//! Stable sorts by a key, compiled once for every caller: each `sort_by` closure would compile its
//! own copy of the standard library's stable sort (about 6 KB of wasm each; an unstable sort of
//! `&str` about 10 KB). Every sort here orders indices through one comparator behind a reference.

use std::cmp::Ordering;

/// Sorts `items` by `key`, keeping equal keys in their order, as `sort_by` on the keys would.
pub(crate) fn sort_by_text<T>(items: &mut Vec<T>, key: fn(&T) -> &str) {
    let keys: Vec<&str> = items.iter().map(key).collect();
    let order = stable_order(keys.len(), &|a, b| keys[a].cmp(keys[b]));
    reorder(items, order);
}

/// Sorts `items` by a number, keeping equal keys in their order, as `sort_by_key` would.
pub(crate) fn sort_by_number<T>(items: &mut Vec<T>, key: fn(&T) -> u64) {
    // Nothing to move (the common case of one choice or candidate): no allocation.
    if items.len() < 2 {
        return;
    }
    let keys: Vec<u64> = items.iter().map(key).collect();
    let order = stable_order(keys.len(), &|a, b| keys[a].cmp(&keys[b]));
    reorder(items, order);
}

/// Puts `items` in `order` (each index once).
fn reorder<T>(items: &mut Vec<T>, order: Vec<usize>) {
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    // `order` holds every index once, so every slot is taken once.
    items.extend(order.into_iter().filter_map(|index| slots[index].take()));
}

fn stable_order(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_by_key_and_keeps_equal_keys_in_order() {
        let mut items = vec![("b", 1), ("a", 2), ("b", 3), ("", 4), ("a", 5)];
        let mut expected = items.clone();
        expected.sort_by(|left, right| left.0.cmp(right.0));
        sort_by_text(&mut items, |item| item.0);
        assert_eq!(items, expected);
        assert_eq!(items, [("", 4), ("a", 2), ("a", 5), ("b", 1), ("b", 3)]);
        let mut empty: Vec<(&str, i32)> = Vec::new();
        sort_by_text(&mut empty, |item| item.0);
        assert!(empty.is_empty());
    }

    #[test]
    fn sorts_by_number_and_keeps_equal_keys_in_order() {
        let mut items = vec![(3, 'a'), (1, 'b'), (3, 'c'), (0, 'd'), (1, 'e')];
        let mut expected = items.clone();
        expected.sort_by_key(|item| item.0);
        sort_by_number(&mut items, |item| item.0);
        assert_eq!(items, expected);
        assert_eq!(items, [(0, 'd'), (1, 'b'), (1, 'e'), (3, 'a'), (3, 'c')]);
        let mut one = vec![(7, 'x')];
        sort_by_number(&mut one, |item| item.0);
        assert_eq!(one, [(7, 'x')]);
    }
}
