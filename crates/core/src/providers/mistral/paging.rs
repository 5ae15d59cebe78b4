//! Listing jobs by page number (reference §4.5: `page`, 0-based, and `page_size`, default 100).
//!
//! The cursor handed out as `nextCursor` is the number of jobs already listed, not a page number:
//! a page number only means something together with the page size it was counted in, so a cursor
//! from a page of 2 reused with a limit of 5 would skip jobs. Each call asks for a page size that
//! divides the offset (the largest one up to the limit), so its page starts exactly there.

use crate::CoreError;

use super::DEFAULT_PAGE_SIZE;

/// Cursors above this are not offsets this module handed out (no workspace lists billions of
/// jobs); the bound also keeps the divisor search short.
const MAX_OFFSET: u64 = u32::MAX as u64;

/// One `page`/`page_size` pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub page: u64,
    pub size: u64,
}

impl Window {
    /// The page that starts `offset` jobs in and holds at most `limit` jobs (100 when not given).
    pub fn at(offset: u64, limit: Option<u32>) -> Window {
        let limit = limit.map_or(DEFAULT_PAGE_SIZE, |limit| u64::from(limit.max(1)));
        if offset % limit == 0 {
            return Window { page: offset / limit, size: limit };
        }
        let size = largest_divisor_up_to(offset, limit);
        Window { page: offset / size, size }
    }

    /// The offset just after this page.
    pub fn end(self) -> u64 {
        self.page.saturating_add(1).saturating_mul(self.size)
    }
}

/// Reads a cursor from `nextCursor`.
pub fn parse_cursor(cursor: &str) -> Result<u64, CoreError> {
    cursor.parse::<u64>().ok().filter(|offset| *offset <= MAX_OFFSET).ok_or_else(|| {
        CoreError::invalid_batch("after", format!("\"{cursor}\" is not a Mistral list cursor from `nextCursor`"))
    })
}

/// The largest divisor of `number` (at least 1) that is at most `limit`, found through the
/// divisor pairs up to the square root.
fn largest_divisor_up_to(number: u64, limit: u64) -> u64 {
    let mut best = 1;
    let mut candidate: u64 = 1;
    while candidate.saturating_mul(candidate) <= number {
        if number % candidate == 0 {
            let pair = number / candidate;
            if pair <= limit {
                return best.max(pair);
            }
            if candidate <= limit {
                best = candidate;
            }
        }
        candidate += 1;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_starts_exactly_at_the_offset() {
        assert_eq!(Window::at(0, Some(2)), Window { page: 0, size: 2 });
        assert_eq!(Window::at(4, Some(2)), Window { page: 2, size: 2 });
        assert_eq!(Window::at(2, Some(5)), Window { page: 1, size: 2 });
        assert_eq!(Window::at(6, Some(4)), Window { page: 2, size: 3 });
        assert_eq!(Window::at(7, Some(5)), Window { page: 7, size: 1 });
        assert_eq!(Window::at(36, Some(10)), Window { page: 4, size: 9 });
        assert_eq!(Window::at(200, None), Window { page: 2, size: 100 });
        assert_eq!(Window::at(150, None), Window { page: 2, size: 75 });
        assert_eq!(Window::at(3, Some(0)), Window { page: 3, size: 1 });
        for offset in 0..200 {
            for limit in 1..40 {
                let window = Window::at(offset, Some(limit));
                assert_eq!(window.page * window.size, offset, "offset {offset}, limit {limit}");
                assert!((1..=u64::from(limit)).contains(&window.size));
                // No larger size up to the limit would start there.
                assert!((window.size + 1..=u64::from(limit)).all(|size| offset % size != 0));
            }
        }
    }

    #[test]
    fn cursors_are_offsets() {
        assert_eq!(parse_cursor("12").unwrap(), 12);
        for cursor in ["batch_9", "-1", "", "4294967296"] {
            let error = parse_cursor(cursor).unwrap_err();
            assert!(matches!(error, CoreError::Validation { ref field, .. } if field == "after"), "{error:?}");
        }
    }
}
