//! Pushing documents to the buyer, as suppliers that trade in documents do (cXML
//! ConfirmationRequest and ShipNoticeRequest, X12 855 and 856): one POST per document to the
//! URL a test configured, with its headers, answered by the buyer's reply document.

use std::sync::OnceLock;
use std::time::Duration;

/// Longest a push may take, connection to last byte.
const PUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// What the buyer answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The reply body (a cXML Response, an X12 997, a problem document).
    pub body: Vec<u8>,
}

/// POST `body` to `url` with `headers` (which name the content type).
pub(crate) async fn post(
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Reply, String> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    let client = CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(PUSH_TIMEOUT)
            .build()
            .expect("a plain HTTP client builds")
    });
    let mut request = client.post(url).body(body.to_vec());
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("push to {url}: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("reply from {url}: {e}"))?;
    Ok(Reply {
        status,
        body: body.to_vec(),
    })
}

/// Wait until `pending` says no push is under way any more, or `timeout` passes; whether
/// everything settled. Tests call it between steering the backend and reading its outbox.
pub(crate) async fn settle(timeout: Duration, pending: impl Fn() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    while pending() {
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}
