//! What every simulated backend shares: a steerable clock, injected failures and delays, a
//! rate limiter, a request counter, and the server harness.
//!
//! Control endpoints (JSON bodies), mounted on every backend:
//! - `POST /_sim/clock/advance {"seconds": 172800}` — move the backend's clock forward.
//! - `POST /_sim/fail-next {"status": 503, "count": 1, "retry_after": 2}` — answer the next
//!   `count` business requests with that status (and `Retry-After` seconds if given).
//! - `POST /_sim/delay {"ms": 3000}` — delay every business response by that much (0 = off).
//! - `GET /_sim/stats` — `{"requests": n, "rate_limited": n}`.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::oneshot;

/// Requests per second a backend serves before answering 429.
pub const DEFAULT_RATE_PER_SECOND: u32 = 200;
/// Requests a client may burst above the rate.
pub const DEFAULT_BURST: u32 = 400;

#[derive(Debug)]
struct ControlState {
    clock_offset_ms: i64,
    fail_next: Option<(u16, u32, Option<u64>)>,
    delay: Duration,
    requests: u64,
    rate_limited: u64,
    bucket: f64,
    bucket_at: Instant,
    rate: u32,
    burst: u32,
}

/// The steerable part of a backend, shared by its handlers.
#[derive(Debug, Clone)]
pub struct SimControl {
    state: Arc<Mutex<ControlState>>,
}

impl Default for SimControl {
    fn default() -> Self {
        SimControl::new(DEFAULT_RATE_PER_SECOND, DEFAULT_BURST)
    }
}

impl SimControl {
    /// A control with a rate limit of `rate` requests per second and `burst` extra.
    pub fn new(rate: u32, burst: u32) -> Self {
        SimControl {
            state: Arc::new(Mutex::new(ControlState {
                clock_offset_ms: 0,
                fail_next: None,
                delay: Duration::ZERO,
                requests: 0,
                rate_limited: 0,
                bucket: f64::from(burst),
                bucket_at: Instant::now(),
                rate,
                burst,
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ControlState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The backend's current time, Unix epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        real + self.lock().clock_offset_ms
    }

    /// Move the clock forward.
    pub fn advance(&self, by: Duration) {
        self.lock().clock_offset_ms += i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
    }

    /// Answer the next `count` business requests with `status`.
    pub fn fail_next(&self, status: u16, count: u32, retry_after_s: Option<u64>) {
        self.lock().fail_next = Some((status, count, retry_after_s));
    }

    /// Delay every business response.
    pub fn set_delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    /// Business requests seen so far.
    pub fn requests(&self) -> u64 {
        self.lock().requests
    }

    /// Decide what to do with a business request before its handler runs.
    fn admit(&self) -> Admission {
        let mut s = self.lock();
        s.requests += 1;
        if let Some((status, count, retry)) = s.fail_next {
            s.fail_next = (count > 1).then_some((status, count - 1, retry));
            return Admission::Fail(status, retry);
        }
        let now = Instant::now();
        let refill = now.duration_since(s.bucket_at).as_secs_f64() * f64::from(s.rate);
        s.bucket = (s.bucket + refill).min(f64::from(s.burst));
        s.bucket_at = now;
        if s.bucket < 1.0 {
            s.rate_limited += 1;
            return Admission::Fail(429, Some(1));
        }
        s.bucket -= 1.0;
        Admission::Serve(s.delay)
    }
}

enum Admission {
    Serve(Duration),
    Fail(u16, Option<u64>),
}

/// Largest request body a backend reads.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

async fn gate(State(control): State<SimControl>, request: Request, next: Next) -> Response {
    // Read the whole body first: a handler that answers early (401, an injected 503) would
    // otherwise close the connection with unread bytes in it, which resets the TCP connection
    // and can destroy the answer before the client reads it. Real servers linger for the same
    // reason.
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_REQUEST_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return error_response(StatusCode::PAYLOAD_TOO_LARGE, format!("request body: {e}"));
        }
    };
    let request = Request::from_parts(parts, Body::from(body));
    if request.uri().path().starts_with("/_sim/") {
        return next.run(request).await;
    }
    match control.admit() {
        Admission::Serve(delay) => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            next.run(request).await
        }
        Admission::Fail(status, retry_after) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = (status, format!("simulated {status}")).into_response();
            if let Some(seconds) = retry_after
                && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
    }
}

#[derive(Deserialize)]
struct Advance {
    seconds: u64,
}

#[derive(Deserialize)]
struct FailNext {
    status: u16,
    #[serde(default = "one")]
    count: u32,
    retry_after: Option<u64>,
}

fn one() -> u32 {
    1
}

#[derive(Deserialize)]
struct Delay {
    ms: u64,
}

fn control_routes() -> Router<SimControl> {
    Router::new()
        .route(
            "/_sim/clock/advance",
            post(
                |State(c): State<SimControl>, axum::Json(a): axum::Json<Advance>| async move {
                    c.advance(Duration::from_secs(a.seconds));
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/_sim/fail-next",
            post(
                |State(c): State<SimControl>, axum::Json(f): axum::Json<FailNext>| async move {
                    c.fail_next(f.status, f.count, f.retry_after);
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/_sim/delay",
            post(
                |State(c): State<SimControl>, axum::Json(d): axum::Json<Delay>| async move {
                    c.set_delay(Duration::from_millis(d.ms));
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/_sim/stats",
            get(|State(c): State<SimControl>| async move {
                let s = c.lock();
                axum::Json(
                    serde_json::json!({"requests": s.requests, "rate_limited": s.rate_limited}),
                )
            }),
        )
}

/// A backend serving on 127.0.0.1. Dropping it asks the server to stop but returns at once, so
/// a connection made right after can still be accepted; a test that needs the port closed
/// awaits [`RunningBackend::stop`].
#[derive(Debug)]
pub struct RunningBackend {
    addr: SocketAddr,
    control: SimControl,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl RunningBackend {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:port`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The grant string an adapter needs to reach it: `http://127.0.0.1:port`.
    pub fn origin(&self) -> String {
        self.base_url()
    }

    /// Steer it.
    pub fn control(&self) -> &SimControl {
        &self.control
    }

    /// Stops the server and returns once its listener is closed, so that a connection made
    /// afterwards is refused. Panics if the server has not stopped within ten seconds.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            tokio::time::timeout(Duration::from_secs(10), server)
                .await
                .unwrap_or_else(|_| panic!("the backend on {} did not stop in 10 s", self.addr))
                .unwrap_or_else(|e| panic!("the backend on {} failed: {e}", self.addr));
        }
    }
}

impl Drop for RunningBackend {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Serve `app` (whose business routes are already built) on 127.0.0.1 with an ephemeral port,
/// behind the control gate. Must be called within a tokio runtime.
pub async fn serve(app: Router, control: SimControl) -> std::io::Result<RunningBackend> {
    let app = app
        .merge(control_routes().with_state(control.clone()))
        .layer(middleware::from_fn_with_state(control.clone(), gate));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = server.await {
            tracing::error!("simulated backend on {addr} stopped: {e}");
        }
    });
    Ok(RunningBackend {
        addr,
        control,
        shutdown: Some(tx),
        server: Some(server),
    })
}

/// A plain-text error response with a status.
pub fn error_response(status: StatusCode, body: impl Into<String>) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(body.into()))
        .unwrap_or_else(|_| status.into_response())
}
