//! The HTTP/2 probe: on a connection whose handshake negotiated `h2`, the
//! client preface, SETTINGS and one `GET`, spoken by the `h2` crate (the
//! HTTP/2 implementation hyper uses; no framing is written here).
//!
//! It records how the exchange ended — response headers, a stall (and what
//! never came: the server's SETTINGS or the response headers), GOAWAY,
//! RST_STREAM or a protocol error, with the error code — and decides
//! nothing: Diagnose compares it with the HTTP/1.1 answer on a second
//! connection. Bounded by one `--timeout`; only the response head is read.

use std::time::Duration;

use h2::Reason;
use tokio::io::{AsyncRead, AsyncWrite};
use url::Url;

use super::http::Head;
use super::recording::{Record, RecordingStream};
use crate::observation::{H2Observation, H2Outcome};

/// HTTP/2 frame type of SETTINGS (RFC 9113 §6.5).
const FRAME_SETTINGS: u8 = 0x4;

/// Speak HTTP/2 on `io` (a TLS stream that negotiated `h2`): one GET of
/// `url`, response headers expected within `timeout`.
pub async fn exchange<S>(io: S, url: &Url, timeout: Duration) -> (H2Observation, Option<Head>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (io, record) = RecordingStream::new(io);
    let mut driver = None;
    let work = request(io, url, &mut driver);
    let result = tokio::time::timeout(timeout, work).await;
    if let Some(task) = driver {
        task.abort();
    }
    match result {
        Ok(Ok(head)) => (
            H2Observation {
                outcome: H2Outcome::Ok,
                detail: format!("response headers arrived (status {})", head.status),
                status: Some(head.status),
            },
            Some(head),
        ),
        Ok(Err(Failed::Setup(message))) => (
            H2Observation {
                outcome: H2Outcome::ProtocolError,
                detail: message,
                status: None,
            },
            None,
        ),
        Ok(Err(Failed::H2(e))) => (from_error(&e, &record), None),
        Err(_) => (stall(timeout, &record), None),
    }
}

enum Failed {
    Setup(String),
    H2(h2::Error),
}

/// Preface + SETTINGS, then one GET; the connection is driven on its own
/// task (aborted by the caller) so GOAWAY and SETTINGS are read meanwhile.
async fn request<S>(
    io: RecordingStream<S>,
    url: &Url,
    driver: &mut Option<tokio::task::JoinHandle<()>>,
) -> Result<Head, Failed>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (client, connection) = h2::client::Builder::new()
        .max_header_list_size(super::http::MAX_HEAD_BYTES as u32)
        .handshake::<_, bytes::Bytes>(io)
        .await
        .map_err(Failed::H2)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    *driver = Some(tokio::spawn(async move {
        let _ = tx.send(connection.await);
    }));
    let request = http::Request::get(url.as_str())
        .header(
            "user-agent",
            concat!("tlsdoctor/", env!("CARGO_PKG_VERSION")),
        )
        .header("accept", "*/*")
        .body(())
        .map_err(|e| Failed::Setup(format!("cannot form the HTTP/2 request: {e}")))?;
    let mut client = client.ready().await.map_err(Failed::H2)?;
    let (response, _) = client.send_request(request, true).map_err(Failed::H2)?;
    match response.await {
        Ok(response) => Ok(Head {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get(http::header::LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string()),
        }),
        // The stream error may only say "connection closed": the
        // connection's own error (a GOAWAY) says more.
        Err(e) if e.reason().is_none() => match rx.await {
            Ok(Err(conn)) => Err(Failed::H2(conn)),
            _ => Err(Failed::H2(e)),
        },
        Err(e) => Err(Failed::H2(e)),
    }
}

/// Whether the server's first frame (its SETTINGS) arrived.
fn settings_seen(record: &Record) -> bool {
    let (first, _) = record.snapshot();
    first.len() >= 9 && first.get(3) == Some(&FRAME_SETTINGS)
}

fn stall(timeout: Duration, record: &Record) -> H2Observation {
    let (_, total) = record.snapshot();
    let detail = if total == 0 {
        format!(
            "the server sent nothing after the TLS handshake within {timeout:?}: its SETTINGS frame never came, nor response headers"
        )
    } else if settings_seen(record) {
        format!(
            "the server's SETTINGS arrived, but no response headers for the GET within {timeout:?} ({total} bytes received)"
        )
    } else {
        format!(
            "{total} bytes arrived, but neither a SETTINGS frame nor response headers within {timeout:?}"
        )
    };
    H2Observation {
        outcome: H2Outcome::Stall,
        detail,
        status: None,
    }
}

/// `PROTOCOL_ERROR (0x1)`.
fn code(reason: Reason) -> String {
    let number = u32::from(reason);
    let name = format!("{reason:?}");
    if name.starts_with("Reason(") {
        format!("0x{number:x} (not a code RFC 9113 defines)")
    } else {
        format!("{name} (0x{number:x})")
    }
}

fn from_error(e: &h2::Error, record: &Record) -> H2Observation {
    let (outcome, detail) = match e.reason() {
        Some(reason) if e.is_go_away() && e.is_remote() => (
            H2Outcome::GoAway,
            format!("the server sent GOAWAY with error code {}", code(reason)),
        ),
        Some(reason) if e.is_reset() && e.is_remote() => (
            H2Outcome::Reset,
            format!(
                "the server reset the request's stream (RST_STREAM) with error code {}",
                code(reason)
            ),
        ),
        Some(reason) => (
            H2Outcome::ProtocolError,
            format!(
                "the server broke the HTTP/2 protocol; tlsdoctor's HTTP/2 client ended the connection with {}: {e}",
                code(reason)
            ),
        ),
        None => {
            let (_, total) = record.snapshot();
            let what = if settings_seen(record) {
                "after its SETTINGS, before response headers"
            } else if total == 0 {
                "before sending anything (no SETTINGS frame)"
            } else {
                "before a SETTINGS frame"
            };
            (
                H2Outcome::ProtocolError,
                format!("the server closed the HTTP/2 connection {what}, without GOAWAY: {e}"),
            )
        }
    };
    H2Observation {
        outcome,
        detail,
        status: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_read_as_the_rfc_names_them() {
        assert_eq!(code(Reason::PROTOCOL_ERROR), "PROTOCOL_ERROR (0x1)");
        assert_eq!(code(Reason::ENHANCE_YOUR_CALM), "ENHANCE_YOUR_CALM (0xb)");
        assert_eq!(
            code(Reason::from(0x77)),
            "0x77 (not a code RFC 9113 defines)"
        );
    }

    #[tokio::test]
    async fn a_silent_server_is_a_stall_that_says_settings_never_came() {
        let (client, _server) = tokio::io::duplex(1 << 16);
        let url = Url::parse("https://example.test/").unwrap();
        let (obs, head) = exchange(client, &url, Duration::from_millis(50)).await;
        assert!(head.is_none());
        assert_eq!(obs.outcome, H2Outcome::Stall);
        assert!(
            obs.detail.contains("SETTINGS frame never came"),
            "{}",
            obs.detail
        );
    }
}
