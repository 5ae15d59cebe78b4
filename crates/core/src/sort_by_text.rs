//! A stable sort by a text key, compiled once for every caller: each `sort_by` closure would
//! compile its own copy of the standard library's stable sort (about 6 KB of wasm each).

/// Sorts `items` by `key`, keeping equal keys in their order, as `sort_by` on the keys would.
pub(crate) fn sort_by_text<T>(items: &mut Vec<T>, key: fn(&T) -> &str) {
    let order = stable_order(&items.iter().map(key).collect::<Vec<&str>>());
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    // `order` holds every index once, so every slot is taken once.
    items.extend(order.into_iter().filter_map(|index| slots[index].take()));
}

fn stable_order(keys: &[&str]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(keys[b]));
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
}
