//! The byte scans every result line goes through (its UTF-8 check, the one-pass readers' strings,
//! the result tape's UTF-16 lengths), sixteen bytes at a time where the module has WebAssembly SIMD
//! (the package's is built with it: `.cargo/config.toml`). In wasm32 the standard library's
//! ASCII check goes four bytes at a time (its word is `usize`), and these scans were 4–5 % of a
//! Gemini decode's profile. Natively they fall back to the standard library and to eight-byte words.

use std::str::Utf8Error;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::{u8x16_bitmask, u8x16_eq, u8x16_lt, u8x16_splat, v128, v128_load, v128_or};

/// Sixteen bytes as a vector.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline]
fn vector(chunk: &[u8; 16]) -> v128 {
    // SAFETY: `chunk` is sixteen readable bytes, and `v128_load` reads at any alignment.
    unsafe { v128_load(chunk.as_ptr().cast::<v128>()) }
}

/// The sixteen-byte chunks of `bytes` (the rest is `chunks.remainder()`).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline]
fn vectors(bytes: &[u8]) -> impl Iterator<Item = v128> + '_ {
    bytes.chunks_exact(16).filter_map(|chunk| <&[u8; 16]>::try_from(chunk).ok()).map(vector)
}

/// Whether every byte is ASCII.
#[inline]
pub fn is_ascii(bytes: &[u8]) -> bool {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        // A byte's high bit is set exactly when it is not ASCII.
        vectors(bytes).all(|vector| u8x16_bitmask(vector) == 0) && bytes.chunks_exact(16).remainder().is_ascii()
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        bytes.is_ascii()
    }
}

/// `bytes` as text, as `std::str::from_utf8` gives it (the same error where it is not UTF-8),
/// checking a line of ASCII (most result lines) sixteen bytes at a time.
#[inline]
pub fn utf8_text(bytes: &[u8]) -> Result<&str, Utf8Error> {
    if is_ascii(bytes) {
        // SAFETY: ASCII bytes are UTF-8.
        Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        std::str::from_utf8(bytes)
    }
}

/// How many bytes at the start of `bytes` a JSON string may hold as they are: all but `"`, `\`
/// and control characters (below 0x20). Bytes of 0x80 and up count, so the run ends on a
/// character boundary of valid UTF-8.
#[inline]
pub(crate) fn plain_run_length(bytes: &[u8]) -> usize {
    let mut at = 0;
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    for vector in vectors(bytes) {
        // Unsigned: bytes of 0x80 and up are not below 0x20.
        let stops = v128_or(
            v128_or(u8x16_eq(vector, u8x16_splat(b'"')), u8x16_eq(vector, u8x16_splat(b'\\'))),
            u8x16_lt(vector, u8x16_splat(0x20)),
        );
        let mask = u8x16_bitmask(stops);
        if mask != 0 {
            return at + mask.trailing_zeros() as usize;
        }
        at += 16;
    }
    // Eight bytes at a time, with the zero-byte and less-than bit tricks: a flag can be wrong only
    // in a byte after a byte that really matches (a borrow carries up), so the lowest flag is the
    // first match; bytes of 0x80 and up never set one.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default());
        let quote = has_zero(word ^ (ONES * u64::from(b'"')));
        let backslash = has_zero(word ^ (ONES * u64::from(b'\\')));
        let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
        let stops = quote | backslash | control;
        if stops != 0 {
            return at + (stops.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&byte) = bytes.get(at) {
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            break;
        }
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain run as one byte at a time finds it.
    fn plain_run_by_bytes(bytes: &[u8]) -> usize {
        bytes.iter().position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20).unwrap_or(bytes.len())
    }

    #[test]
    fn the_plain_run_ends_at_the_first_quote_backslash_or_control_at_every_position() {
        let fillers: [&[u8]; 3] = [b"a", "é".as_bytes(), "\u{1F600}".as_bytes()];
        for filler in fillers {
            for length in 0..70 {
                let plain: Vec<u8> = filler.iter().copied().cycle().take(length).collect();
                assert_eq!(plain_run_length(&plain), plain.len());
                for stop in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                    for at in 0..length {
                        let mut bytes = plain.clone();
                        bytes[at] = stop;
                        // A second stop after the first, and bytes that are near misses
                        // (0x20, 0x7f, 0xff) around it, must not move the answer.
                        bytes.extend_from_slice(&[b' ', 0x7f, 0xff, b'"', 0x01]);
                        assert_eq!(plain_run_length(&bytes), plain_run_by_bytes(&bytes), "{bytes:?}");
                        assert_eq!(plain_run_length(&bytes), at);
                    }
                }
            }
        }
    }

    #[test]
    fn text_is_checked_as_from_utf8_checks_it() {
        let cases: [&[u8]; 8] = [
            b"",
            b"{\"key\":\"request-1\"}",
            "{\"text\":\"caf\u{e9} \u{1F600}\"}".as_bytes(),
            b"0123456789abcdef0123456789abcdef\xff",
            b"0123456789abcdef\xc3",
            b"\xe2\x82",
            b"plain ascii that runs past sixteen bytes, then an overlong \xc0\xaf",
            &[0x7f; 40],
        ];
        for bytes in cases {
            assert_eq!(utf8_text(bytes), std::str::from_utf8(bytes), "{bytes:?}");
            assert_eq!(is_ascii(bytes), bytes.is_ascii(), "{bytes:?}");
        }
        for at in 0..40 {
            let mut bytes = vec![b'a'; 40];
            bytes[at] = 0x80;
            assert!(!is_ascii(&bytes));
            assert_eq!(utf8_text(&bytes), std::str::from_utf8(&bytes));
        }
    }
}
