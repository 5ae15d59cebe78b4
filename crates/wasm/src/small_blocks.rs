//! The module's allocator: the standard library's (dlmalloc, for wasm32) behind a free list per
//! size class of small blocks. Decoding a result allocates a handful of small blocks (its id, text,
//! names, body, parts) and frees them all when its piece has crossed to JavaScript, piece after
//! piece: dlmalloc's bins, splits and merges for those were about 5 % of a Gemini decode's
//! profile, and a free list gives the same block back at once. At most [`CACHED_BYTES`] are kept
//! in the lists (the rest go back to dlmalloc), so a conversion's many small blocks do not stay
//! held away from its large ones.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr;

/// Size classes are multiples of this.
const CLASS_BYTES: usize = 16;
/// Blocks up to `CLASS_BYTES * CLASSES` bytes (1 KiB) are kept in the lists.
const CLASSES: usize = 64;
/// At most this many bytes are kept in the lists.
const CACHED_BYTES: usize = 2 << 20;
/// The alignment every class block has (dlmalloc's own: its plain `malloc` path).
const BLOCK_ALIGN: usize = 8;

struct Lists {
    /// Each class's first free block; a free block holds the address of the next.
    heads: [*mut u8; CLASSES],
    /// Bytes held in the lists.
    cached: usize,
}

pub(crate) struct SmallBlocks {
    lists: UnsafeCell<Lists>,
}

impl SmallBlocks {
    pub(crate) const fn new() -> Self {
        SmallBlocks { lists: UnsafeCell::new(Lists { heads: [ptr::null_mut(); CLASSES], cached: 0 }) }
    }
}

// SAFETY: the module runs on one thread (wasm32 without the threads feature), so the lists are
// never reached from two threads.
unsafe impl Sync for SmallBlocks {}

/// The class of a block of `layout`, if it is a small one.
#[inline]
fn class_of(size: usize, align: usize) -> Option<usize> {
    (size != 0 && size <= CLASS_BYTES * CLASSES && align <= BLOCK_ALIGN).then(|| (size - 1) / CLASS_BYTES)
}

/// The layout every block of `class` is allocated with.
#[inline]
fn class_layout(class: usize) -> Layout {
    // A multiple of 16 up to 1 KiB with alignment 8: always a valid layout.
    Layout::from_size_align((class + 1) * CLASS_BYTES, BLOCK_ALIGN).unwrap_or(Layout::new::<u8>())
}

unsafe impl GlobalAlloc for SmallBlocks {
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(layout.size(), layout.align()) else { return System.alloc(layout) };
        // SAFETY: one thread (above), and no reference into the lists outlives this call.
        let lists = &mut *self.lists.get();
        let head = lists.heads[class];
        if head.is_null() {
            return System.alloc(class_layout(class));
        }
        // SAFETY: a free block of the list holds the next one's address in its first bytes
        // (every block is at least 16 bytes, aligned to 8).
        lists.heads[class] = head.cast::<*mut u8>().read();
        lists.cached -= (class + 1) * CLASS_BYTES;
        head
    }

    #[inline(never)]
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(class) = class_of(layout.size(), layout.align()) else { return System.dealloc(block, layout) };
        // SAFETY: as in `alloc`.
        let lists = &mut *self.lists.get();
        let bytes = (class + 1) * CLASS_BYTES;
        if lists.cached + bytes > CACHED_BYTES {
            return System.dealloc(block, class_layout(class));
        }
        // SAFETY: the block is ours again, at least 16 bytes and aligned to 8.
        block.cast::<*mut u8>().write(lists.heads[class]);
        lists.heads[class] = block;
        lists.cached += bytes;
    }

    #[inline(never)]
    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match (class_of(layout.size(), layout.align()), class_of(new_size, layout.align())) {
            (None, None) => System.realloc(block, layout, new_size),
            // The block already has room for the new size.
            (Some(old), Some(new)) if old == new => block,
            _ => {
                // SAFETY: the caller gives a size that, rounded up to the alignment, fits an isize.
                let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
                let moved = self.alloc(new_layout);
                if !moved.is_null() {
                    ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                    self.dealloc(block, layout);
                }
                moved
            }
        }
    }
}
