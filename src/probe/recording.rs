//! A stream wrapper that remembers the first bytes the server sent.
//!
//! Not-TLS is best told from those bytes (`HTTP/1.0 400`, `SSH-2.0-…`), and
//! tokio-rustls drops the stream when the handshake fails, so the record is
//! shared with the caller rather than kept inside.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::observation::FIRST_BYTES_KEPT;

/// What the stream has seen so far.
#[derive(Debug, Default)]
struct Seen {
    first: Vec<u8>,
    total: usize,
}

/// A handle to read what a [`RecordingStream`] saw, after it is gone.
#[derive(Debug, Clone)]
pub struct Record(Arc<Mutex<Seen>>);

impl Record {
    /// The first bytes received, and how many bytes in all.
    pub fn snapshot(&self) -> (Vec<u8>, usize) {
        self.0
            .lock()
            .map(|s| (s.first.clone(), s.total))
            .unwrap_or_default()
    }
}

/// Wraps a stream and records reads.
#[derive(Debug)]
pub struct RecordingStream<S> {
    inner: S,
    seen: Arc<Mutex<Seen>>,
}

impl<S> RecordingStream<S> {
    /// Wrap `inner`; the [`Record`] outlives the stream.
    pub fn new(inner: S) -> (Self, Record) {
        let seen = Arc::new(Mutex::new(Seen::default()));
        (
            RecordingStream {
                inner,
                seen: seen.clone(),
            },
            Record(seen),
        )
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for RecordingStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            let new = buf.filled().get(before..).unwrap_or_default();
            if let Ok(mut seen) = this.seen.lock() {
                seen.total += new.len();
                let room = FIRST_BYTES_KEPT.saturating_sub(seen.first.len());
                seen.first.extend_from_slice(new.get(..room).unwrap_or(new));
            }
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for RecordingStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
