//! # Mercato's gateways
//!
//! The one API machine clients use, over HTTP (with a generated OpenAPI document) and MCP,
//! on top of the broker and the order desk. Transport only: every operation is a [`Service`]
//! call, and everything about orders is the order desk's (`mercato-trade`). The only crate
//! with axum and rmcp.
//!
//! - [`api`]: request and response bodies, and the money and quantity representation.
//! - [`catalog`]: every operation once (parameters, body, answer, route, documentation, MCP
//!   tool), walked by the router, the document, the MCP server and the CLI.
//! - [`summary`]: an answer in a sentence, the text part of an MCP tool result.
//! - [`service`]: the operations, shared by every front end.
//! - [`auth`]: a request's client, from its API key.
//! - [`problem`]: typed errors as RFC 9457 problem details.
//! - [`http`]: the axum router, one generic handler per operation; [`openapi`]: the document
//!   generated from its route table.
//! - [`listen`]: the accept loop, with header, body and idle timeouts and a connection cap.
//! - [`mcp`]: the MCP server (stdio and streamable HTTP).
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod api;
pub mod auth;
pub mod body;
pub mod catalog;
pub mod http;
pub mod listen;
pub mod mcp;
pub mod openapi;
pub mod problem;
pub mod reference;
pub mod service;
pub mod summary;

use mercato_contract as contract;
use mercato_ledger as ledger;
use mercato_trade::{broker, clients, codes, desk, display, mandate, metrics, wire};

use crate::metrics::Metrics;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub use listen::ConnectionLimits;
pub use problem::ApiError;
pub use service::Service;

/// Where `mercato serve` listens unless told otherwise.
pub const DEFAULT_ADDRESS: &str = "127.0.0.1:8080";

/// A gateway bound to a socket, ready to serve.
pub struct Gateway {
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
}

impl Gateway {
    /// Bind `address` and build the HTTP API (with MCP under `/mcp`) over `service`.
    pub async fn bind(address: &str, service: Service) -> std::io::Result<Self> {
        let listener = TcpListener::bind(address).await?;
        Ok(Gateway::on(listener, service))
    }

    /// The HTTP API over `service` on an already bound listener.
    pub fn on(listener: TcpListener, service: Service) -> Self {
        let metrics: Arc<Metrics> = service.broker().metrics().clone();
        let state = http::AppState {
            openapi: Arc::new(http::openapi_document()),
            metrics,
            service: service.clone(),
        };
        let mcp = mcp::http_service(service);
        Gateway {
            listener,
            router: http::router(state, Some(("/mcp", mcp))),
            limits: ConnectionLimits::default(),
        }
    }

    /// Bound client connections by `limits` instead of the defaults.
    pub fn with_limits(mut self, limits: ConnectionLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serve until `shutdown` completes; requests in flight finish first.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        listen::serve(self.listener, self.router, self.limits, shutdown).await
    }
}
