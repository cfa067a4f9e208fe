//! The self-describing value format in Redis: a 40-byte header, then the payload.
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | magic `GCL2` |
//! | 4 | format version ([`FORMAT_VERSION`]) |
//! | 5..8 | reserved, must be zero |
//! | 8..24 | the 128-bit request fingerprint (little endian) the value belongs to |
//! | 24..32 | payload length (u64, little endian) |
//! | 32..40 | XXH3-64 of the payload |
//!
//! Anything else under a value key — truncated, written by another program or version, copied
//! under the wrong key, bit-flipped — decodes to an error, which the L2 counts as a miss and
//! overwrites: it is never served.

use xxhash_rust::xxh3::xxh3_64;

/// The first bytes of every value.
pub const MAGIC: [u8; 4] = *b"GCL2";
/// The version this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;
/// Header length in bytes.
pub const HEADER_LEN: usize = 40;

/// Why bytes found in Redis are not a value of this key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Shorter than the header, or than the length the header announces.
    #[error("truncated value")]
    Truncated,
    /// Not written by gencache (no magic).
    #[error("foreign value (no gencache header)")]
    Foreign,
    /// Written by another format version.
    #[error("value format version {0}, this build reads {FORMAT_VERSION}")]
    Version(u8),
    /// The header names another key.
    #[error("value of another key")]
    WrongKey,
    /// Longer than announced, or the checksum does not match.
    #[error("corrupt value (length or checksum mismatch)")]
    Corrupt,
}

/// Header + payload, ready for `SET`.
///
/// ```
/// use harness::l2::codec::{decode, encode};
///
/// let bytes = encode(7, b"result");
/// assert_eq!(decode(7, &bytes).unwrap(), b"result");
/// assert!(decode(8, &bytes).is_err());
/// assert!(decode(7, &bytes[..bytes.len() - 1]).is_err());
/// ```
pub fn encode(key: u128, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&[0; 3]);
    out.extend_from_slice(&key.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&xxh3_64(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The payload of `bytes` if they are a well-formed value of `key`.
pub fn decode(key: u128, bytes: &[u8]) -> Result<&[u8], DecodeError> {
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(if bytes.len() < MAGIC.len() && MAGIC.starts_with(bytes) {
            DecodeError::Truncated
        } else {
            DecodeError::Foreign
        });
    }
    let Some((header, payload)) = bytes.split_at_checked(HEADER_LEN) else {
        return Err(DecodeError::Truncated);
    };
    if header[4] != FORMAT_VERSION {
        return Err(DecodeError::Version(header[4]));
    }
    if header[5..8] != [0; 3] {
        return Err(DecodeError::Corrupt);
    }
    let word = |range: std::ops::Range<usize>| -> [u8; 8] {
        let mut w = [0; 8];
        w.copy_from_slice(&header[range]);
        w
    };
    let mut stored_key = [0; 16];
    stored_key.copy_from_slice(&header[8..24]);
    if u128::from_le_bytes(stored_key) != key {
        return Err(DecodeError::WrongKey);
    }
    let len = u64::from_le_bytes(word(24..32));
    if (payload.len() as u64) < len {
        return Err(DecodeError::Truncated);
    }
    if payload.len() as u64 != len || xxh3_64(payload) != u64::from_le_bytes(word(32..40)) {
        return Err(DecodeError::Corrupt);
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_kind_of_bad_value_is_told_apart() {
        let good = encode(42, &[9; 100]);
        assert_eq!(decode(42, &good), Ok(&[9u8; 100][..]));
        assert_eq!(decode(42, b""), Err(DecodeError::Truncated));
        assert_eq!(decode(42, b"GC"), Err(DecodeError::Truncated));
        assert_eq!(decode(42, b"hello, world"), Err(DecodeError::Foreign));
        assert_eq!(
            decode(42, &good[..HEADER_LEN - 1]),
            Err(DecodeError::Truncated)
        );
        assert_eq!(
            decode(42, &good[..good.len() - 1]),
            Err(DecodeError::Truncated)
        );
        let mut longer = good.clone();
        longer.push(0);
        assert_eq!(decode(42, &longer), Err(DecodeError::Corrupt));
        let mut flipped = good.clone();
        flipped[HEADER_LEN + 50] ^= 1;
        assert_eq!(decode(42, &flipped), Err(DecodeError::Corrupt));
        let mut version = good.clone();
        version[4] = 2;
        assert_eq!(decode(42, &version), Err(DecodeError::Version(2)));
        assert_eq!(decode(43, &good), Err(DecodeError::WrongKey));
        assert_eq!(decode(0, &encode(0, b"")), Ok(&b""[..]));
    }

    proptest! {
        /// Round trip, and every single-byte change or truncation is refused (the reference
        /// model: only the exact encoding decodes).
        #[test]
        fn only_the_exact_encoding_decodes(
            key in any::<u128>(),
            payload in proptest::collection::vec(any::<u8>(), 0..300),
            at in any::<prop::sample::Index>(),
            xor in 1u8..=255,
            cut in any::<prop::sample::Index>(),
        ) {
            let bytes = encode(key, &payload);
            prop_assert_eq!(decode(key, &bytes), Ok(&payload[..]));
            let i = at.index(bytes.len());
            let mut changed = bytes.clone();
            changed[i] ^= xor;
            prop_assert!(decode(key, &changed).is_err(), "byte {} changed and still decoded", i);
            let n = cut.index(bytes.len());
            prop_assert!(decode(key, &bytes[..n]).is_err());
        }
    }
}
