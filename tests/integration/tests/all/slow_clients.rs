//! Clients that hold the gateway's connections: headers sent a byte at a time, a body that
//! never finishes, a connection that sits idle, and more connections than the host allows. Each
//! is cut off at its bound while a well-behaved client keeps getting answers.

use crate::gateway::KEY;
use mercato::broker::Broker;
use mercato::clients::Clients;
use mercato::demo::demo_client;
use mercato::gateway::{ConnectionLimits, Gateway, Service};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LIMITS: ConnectionLimits = ConnectionLimits {
    header_timeout: Duration::from_millis(400),
    body_timeout: Duration::from_millis(400),
    idle_timeout: Duration::from_millis(1500),
    max_connections: 16,
};

/// A gateway with no suppliers (only `/health` and the API's refusals are needed), bounded by
/// `limits`, serving until the test ends.
async fn gateway_with(limits: ConnectionLimits) -> String {
    let service = Service::new(
        Broker::default(),
        Clients::new(vec![demo_client(KEY)]).expect("clients"),
        mercato::ledger::in_memory(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let gateway = Gateway::on(listener, service).with_limits(limits);
    let address = gateway.local_addr().expect("addr").to_string();
    tokio::spawn(gateway.serve(std::future::pending()));
    address
}

async fn gateway() -> String {
    gateway_with(LIMITS).await
}

/// Wait until the server closes `stream` (EOF or reset); how long that took, or `None` if it
/// was still open after `patience`. Whatever the server sends first is read and dropped.
async fn closed_within(stream: &mut TcpStream, patience: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(
            tokio::time::Instant::from_std(started + patience),
            stream.read(&mut buf),
        )
        .await
        {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue,
        }
    }
}

/// A well-behaved client's `GET /health`, with its status.
/// A connection the server has accepted and holds open, once the last slot is free; panics
/// if every attempt for two seconds is refused.
async fn holding_a_slot(address: &str) -> TcpStream {
    let started = Instant::now();
    loop {
        let mut stream = TcpStream::connect(address).await.expect("connect");
        let mut first = [0u8; 64];
        // An accepted connection says nothing until asked; a refused one says 503 at once.
        match tokio::time::timeout(Duration::from_millis(300), stream.read(&mut first)).await {
            Err(_) => return stream,
            Ok(_) => assert!(
                started.elapsed() < Duration::from_secs(2),
                "no connection got the last free slot"
            ),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn health(address: &str) -> u16 {
    let mut s = TcpStream::connect(address).await.expect("connect");
    s.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .expect("send");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut answer))
        .await
        .expect("answered in time")
        .expect("read");
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn headers_sent_slowly_are_cut_off() {
    let address = gateway().await;
    let mut slow = TcpStream::connect(&address).await.expect("connect");
    slow.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n")
        .await
        .expect("send");
    // One more header byte every 100 ms: never idle, never finished.
    let drip = tokio::spawn(async move {
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if slow.write_all(b"x").await.is_err() {
                return true;
            }
        }
        false
    });
    assert_eq!(health(&address).await, 200, "others are served meanwhile");
    let cut = tokio::time::timeout(Duration::from_secs(5), drip)
        .await
        .expect("the server cut the connection within 5 s")
        .expect("the drip task");
    assert!(cut, "the slow client was never cut off");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_that_sends_nothing_is_closed() {
    let address = gateway().await;
    let mut idle = TcpStream::connect(&address).await.expect("connect");
    let took = closed_within(&mut idle, Duration::from_secs(5)).await;
    assert!(took.is_some(), "an idle connection stayed open for 5 s");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_never_finishes_is_cut_off() {
    let address = gateway().await;
    let mut slow = TcpStream::connect(&address).await.expect("connect");
    slow.write_all(
        format!(
            "POST /v1/offers HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {KEY}\r\n\
             content-type: application/json\r\ncontent-length: 100000\r\n\r\n{{\"items\":"
        )
        .as_bytes(),
    )
    .await
    .expect("send");
    // A byte every 100 ms keeps the connection busy; the body deadline still ends it.
    let mut answer = Vec::new();
    let started = Instant::now();
    loop {
        tokio::select! {
            read = slow.read_buf(&mut answer) => {
                if matches!(read, Ok(0) | Err(_)) || !answer.is_empty() {
                    break;
                }
            }
            () = tokio::time::sleep(Duration::from_millis(100)) => {
                if slow.write_all(b" ").await.is_err() {
                    break;
                }
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "a 100 kB body trickling in was still being read after 5 s"
        );
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 4"),
        "the request failed as the client's fault: {text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_beyond_the_cap_are_refused_and_the_rest_still_served() {
    // Patient timeouts, so the held connections stay open through the test.
    let limits = ConnectionLimits {
        header_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(30),
        ..LIMITS
    };
    let address = gateway_with(limits).await;
    let mut held = Vec::new();
    for _ in 0..limits.max_connections - 1 {
        held.push(TcpStream::connect(&address).await.expect("connect"));
    }
    assert_eq!(
        health(&address).await,
        200,
        "the last free connection serves"
    );
    // The health check's slot is freed just after its answer ends; until then a new
    // connection may still be refused. Take the last slot with one that is not.
    held.push(holding_a_slot(&address).await);
    let mut refused = 0;
    for _ in 0..8 {
        let mut extra = TcpStream::connect(&address).await.expect("connect");
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(2), extra.read_to_end(&mut answer))
            .await
            .expect("an excess connection is answered at once");
        let answer = String::from_utf8_lossy(&answer);
        if read.is_ok() && answer.starts_with("HTTP/1.1 503") {
            // Problem details, like every other refusal.
            let problem = problem_in(&answer);
            assert_eq!(problem["code"], "too_many_connections", "{answer}");
            assert_eq!(problem["retry_after_ms"], 1000, "{answer}");
            refused += 1;
        }
    }
    assert_eq!(refused, 8, "every connection over the cap got 503");
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        health(&address).await,
        200,
        "closed connections free their slots"
    );
}

/// The problem details in a raw HTTP/1.1 response, checking its media type and request id.
fn problem_in(response: &str) -> serde_json::Value {
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    let head = head.to_ascii_lowercase();
    assert!(
        head.contains("\r\ncontent-type: application/problem+json\r\n"),
        "{response}"
    );
    let problem: serde_json::Value = serde_json::from_str(body).expect("problem JSON");
    let id = problem["request_id"].as_str().expect("a request id");
    assert!(
        head.contains(&format!("\r\nx-request-id: {id}")),
        "{response}"
    );
    problem
}

/// What the HTTP server refuses before the router sees a request (a request line or header it
/// cannot parse) is problem details too, not an empty 400.
#[tokio::test(flavor = "multi_thread")]
async fn requests_the_http_server_cannot_read_get_problem_details() {
    let address = gateway().await;
    for (raw, status, code) in [
        ("GARBAGE\r\n\r\n".to_string(), 400, "bad_request"),
        (
            "GET /health HTTP/1.1\r\nhost: x\r\nno colon here\r\n\r\n".to_string(),
            400,
            "bad_request",
        ),
        (
            "GET /health HTTP/1.1\r\nhost: x\r\ncontent-length: lots\r\n\r\n".to_string(),
            400,
            "bad_request",
        ),
    ] {
        let mut stream = TcpStream::connect(&address).await.expect("connect");
        // The server may answer and close before reading all of a request it refuses.
        let _ = stream.write_all(raw.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
            .await
            .expect("answered");
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{:?}: {answer}",
            &raw[..raw.len().min(60)]
        );
        let problem = problem_in(&answer);
        assert_eq!(problem["code"], code, "{answer}");
        assert_eq!(problem["status"], status, "{answer}");
    }
    // The connection after them is served as usual.
    assert_eq!(health(&address).await, 200);
}
