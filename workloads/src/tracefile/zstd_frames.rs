//! A zstd stream of one or more frames, read as one byte stream.
//!
//! `ruzstd`'s `StreamingDecoder` stops at the end of the first frame, but a zstd file may hold
//! several concatenated frames (`pzstd`, `cat a.zst b.zst`) and skippable frames (metadata).
//! Stopping after the first frame would silently truncate the trace, so this reader starts a new
//! frame while compressed input remains, skips skippable frames, checks frame checksums, and
//! reports anything else (trailing garbage, a cut frame) as an error with its compressed offset.

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};
use std::io::{self, BufRead, ErrorKind, Read};

/// Counts the compressed bytes consumed, so that errors can say where the bad data starts.
struct Counted<R> {
    inner: R,
    consumed: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.consumed += amount as u64;
        self.inner.consume(amount);
    }
}

/// Decompresses every frame of a zstd stream, in order, as one continuous byte stream.
pub(super) struct ZstdFrames<R> {
    source: Counted<R>,
    decoder: FrameDecoder,
    /// Whether `decoder` holds a frame whose bytes are not all read yet.
    in_frame: bool,
    /// Data frames started so far (for error messages).
    frames: u64,
}

fn corrupt(message: String) -> io::Error {
    io::Error::new(ErrorKind::InvalidData, message)
}

impl<R: BufRead> ZstdFrames<R> {
    /// Reads the first frame header now, so that a file that is not zstd at all fails at once.
    pub(super) fn new(source: R) -> io::Result<Self> {
        let mut frames = Self {
            source: Counted {
                inner: source,
                consumed: 0,
            },
            decoder: FrameDecoder::new(),
            in_frame: false,
            frames: 0,
        };
        frames.start_next_frame()?;
        Ok(frames)
    }

    /// Starts the next data frame, skipping skippable frames; `false` at a clean end of input.
    fn start_next_frame(&mut self) -> io::Result<bool> {
        loop {
            if self.source.fill_buf()?.is_empty() {
                return Ok(false);
            }
            let at = self.source.consumed;
            match self.decoder.reset(&mut self.source) {
                Ok(()) => {
                    self.in_frame = true;
                    self.frames += 1;
                    return Ok(true);
                }
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    let wanted = u64::from(length);
                    let skipped = io::copy(&mut (&mut self.source).take(wanted), &mut io::sink())?;
                    if skipped < wanted {
                        return Err(corrupt(format!(
                            "skippable frame at compressed byte offset {at} declares {wanted} \
                             bytes but only {skipped} remain"
                        )));
                    }
                }
                Err(e) => {
                    // ruzstd's FrameDecoderError prints its header error with `Debug`; the inner
                    // error's `Display` reads better ("Read wrong magic number: 0x…").
                    let e = match e {
                        FrameDecoderError::ReadFrameHeaderError(inner) => inner.to_string(),
                        other => other.to_string(),
                    };
                    let what = match self.frames {
                        0 => "data".to_string(),
                        n => format!("trailing data after frame {n}"),
                    };
                    return Err(corrupt(format!(
                        "{what} at compressed byte offset {at} is not a zstd frame: {e}"
                    )));
                }
            }
        }
    }

    /// At the end of a frame: an error if its stored checksum does not match the data.
    fn check_finished_frame(&self) -> io::Result<()> {
        match (
            self.decoder.get_checksum_from_data(),
            self.decoder.get_calculated_checksum(),
        ) {
            (Some(stored), Some(computed)) if stored != computed => Err(corrupt(format!(
                "frame {} ending at compressed byte offset {}: checksum mismatch \
                 (stored {stored:#010x}, computed {computed:#010x})",
                self.frames, self.source.consumed
            ))),
            _ => Ok(()),
        }
    }
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.in_frame {
                // As in ruzstd's StreamingDecoder: decode until enough is collectable or the
                // frame ends (a single decode_blocks call may collect nothing yet).
                while self.decoder.can_collect() < buf.len() && !self.decoder.is_finished() {
                    let wanted = buf.len() - self.decoder.can_collect();
                    let at = self.source.consumed;
                    self.decoder
                        .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBytes(wanted))
                        .map_err(|e| {
                            corrupt(format!(
                                "frame {} near compressed byte offset {at}: {e}",
                                self.frames
                            ))
                        })?;
                }
                let n = self.decoder.read(buf)?;
                if n > 0 {
                    return Ok(n);
                }
                self.check_finished_frame()?;
                self.in_frame = false;
            }
            if !self.start_next_frame()? {
                return Ok(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruzstd::encoding::{CompressionLevel, compress_to_vec};

    fn decode_all(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        ZstdFrames::new(bytes)?.read_to_end(&mut out)?;
        Ok(out)
    }

    fn frame(data: &[u8]) -> Vec<u8> {
        compress_to_vec(data, CompressionLevel::Fastest)
    }

    fn skippable(payload: &[u8]) -> Vec<u8> {
        let mut out = 0x184D_2A50u32.to_le_bytes().to_vec();
        out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn concatenated_frames_are_all_read() {
        let a: Vec<u8> = (0..5000u32).flat_map(|i| i.to_le_bytes()).collect();
        let b = b"second frame".repeat(100);
        let mut bytes = frame(&a);
        bytes.extend(frame(&b));
        bytes.extend(frame(&[]));
        bytes.extend(frame(b"third"));
        let mut expected = a;
        expected.extend_from_slice(&b);
        expected.extend_from_slice(b"third");
        assert_eq!(decode_all(&bytes).unwrap(), expected);
    }

    #[test]
    fn skippable_frames_are_skipped_anywhere() {
        let mut bytes = skippable(b"metadata");
        bytes.extend(frame(b"one"));
        bytes.extend(skippable(&[]));
        bytes.extend(frame(b"two"));
        bytes.extend(skippable(b"tail"));
        assert_eq!(decode_all(&bytes).unwrap(), b"onetwo");
    }

    #[test]
    fn trailing_garbage_is_an_error_naming_its_offset() {
        let mut bytes = frame(b"good");
        let at = bytes.len();
        bytes.extend_from_slice(b"garbage after the frame");
        let e = decode_all(&bytes).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidData);
        let m = e.to_string();
        assert!(
            m.contains("after frame 1") && m.contains(&format!("offset {at}")),
            "{m}"
        );
    }

    #[test]
    fn a_cut_skippable_frame_is_an_error() {
        let mut bytes = frame(b"good");
        let mut skip = skippable(b"0123456789");
        skip.truncate(skip.len() - 4);
        bytes.extend(skip);
        let m = decode_all(&bytes).unwrap_err().to_string();
        assert!(m.contains("declares 10 bytes but only 6 remain"), "{m}");
    }

    #[test]
    fn not_zstd_at_all_fails_at_construction() {
        let Err(e) = ZstdFrames::new(&b"plain text"[..]) else {
            panic!("plain text accepted as zstd");
        };
        assert!(e.to_string().contains("offset 0"), "{e}");
    }
}
