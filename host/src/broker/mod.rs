//! Fan-out to many suppliers at once, and ranking of what comes back.
//!
//! The broker never touches wasmtime types: it holds [`LoadedAdapter`]s and calls their typed
//! operations. Every eligible adapter is asked concurrently; each answer or typed error comes
//! back in one [`FanOut`], and no adapter can hold the response past the request's deadline.

pub mod offers;

use crate::adapter::{LoadedAdapter, SupplierId};
use crate::contract::{CallContext, Capabilities, Quote, QuoteRequest, SearchPage, SearchQuery};
use crate::error::CallError;
use futures::future::join_all;
use std::time::{Duration, Instant};

/// How long a fan-out waits for the slowest supplier unless told otherwise.
pub const DEFAULT_REQUEST_DEADLINE: Duration = Duration::from_secs(3);

/// One supplier's part of a fan-out.
#[derive(Debug, Clone)]
pub struct SupplierOutcome<T> {
    /// Who answered.
    pub supplier: SupplierId,
    /// The answer or the typed reason there is none.
    pub result: Result<T, CallError>,
    /// How long it took.
    pub elapsed: Duration,
}

/// Every supplier's outcome of one fan-out, in the order the adapters are registered.
#[derive(Debug, Clone)]
pub struct FanOut<T> {
    /// Outcomes, one per asked supplier.
    pub outcomes: Vec<SupplierOutcome<T>>,
}

impl<T> FanOut<T> {
    /// The successful answers.
    pub fn answers(&self) -> impl Iterator<Item = (&SupplierId, &T)> {
        self.outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().ok().map(|t| (&o.supplier, t)))
    }

    /// The failures.
    pub fn errors(&self) -> impl Iterator<Item = (&SupplierId, &CallError)> {
        self.outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().err().map(|e| (&o.supplier, e)))
    }
}

/// The set of loaded adapters requests fan out to.
#[derive(Debug, Clone, Default)]
pub struct Broker {
    adapters: Vec<LoadedAdapter>,
    deadline: Option<Duration>,
}

impl Broker {
    /// A broker over `adapters`.
    pub fn new(adapters: Vec<LoadedAdapter>) -> Self {
        Broker {
            adapters,
            deadline: None,
        }
    }

    /// Wait at most `deadline` for any fan-out.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Every adapter.
    pub fn adapters(&self) -> &[LoadedAdapter] {
        &self.adapters
    }

    /// The adapter of `supplier`.
    pub fn adapter(&self, supplier: &str) -> Option<&LoadedAdapter> {
        self.adapters
            .iter()
            .find(|a| a.supplier().as_str() == supplier)
    }

    /// Adapters that declare `capability` and, where the context names them, sell in its
    /// currency and ship to its country.
    pub fn eligible(&self, capability: Capabilities, ctx: &CallContext) -> Vec<&LoadedAdapter> {
        self.adapters
            .iter()
            .filter(|a| {
                let p = a.profile();
                p.capabilities.intersects(capability)
                    && ctx
                        .currency
                        .as_ref()
                        .is_none_or(|c| p.currencies.contains(c))
                    && ctx
                        .country
                        .as_ref()
                        .is_none_or(|c| p.ship_to_countries.contains(c))
            })
            .collect()
    }

    /// Search every eligible supplier at once.
    pub async fn search(&self, ctx: &CallContext, query: &SearchQuery) -> FanOut<SearchPage> {
        let targets = self.eligible(Capabilities::SEARCH, ctx);
        self.fan_out(targets, |a| async move { a.search(ctx, query).await })
            .await
    }

    /// Ask each named supplier for a quote at once.
    pub async fn request_quotes(
        &self,
        ctx: &CallContext,
        requests: &[(SupplierId, QuoteRequest)],
    ) -> FanOut<Quote> {
        let started = Instant::now();
        let deadline = self.deadline.unwrap_or(DEFAULT_REQUEST_DEADLINE);
        let calls = requests.iter().map(|(supplier, req)| async move {
            let result = match self.adapter(supplier.as_str()) {
                Some(a) => bounded(deadline, a.request_quote(ctx, req)).await,
                None => Err(CallError::Commerce(
                    crate::contract::CommerceError::NotFound(format!(
                        "no adapter is loaded for supplier {supplier}"
                    )),
                )),
            };
            SupplierOutcome {
                supplier: supplier.clone(),
                result,
                elapsed: started.elapsed(),
            }
        });
        FanOut {
            outcomes: join_all(calls).await,
        }
    }

    async fn fan_out<'a, T, F, Fut>(&self, targets: Vec<&'a LoadedAdapter>, call: F) -> FanOut<T>
    where
        F: Fn(&'a LoadedAdapter) -> Fut,
        Fut: Future<Output = Result<T, CallError>>,
    {
        let deadline = self.deadline.unwrap_or(DEFAULT_REQUEST_DEADLINE);
        let started = Instant::now();
        let calls = targets.into_iter().map(|a| {
            let fut = call(a);
            async move {
                let result = bounded(deadline, fut).await;
                SupplierOutcome {
                    supplier: a.supplier().clone(),
                    result,
                    elapsed: started.elapsed(),
                }
            }
        });
        FanOut {
            outcomes: join_all(calls).await,
        }
    }
}

/// Run `fut`, but give up with a typed timeout after `deadline`.
async fn bounded<T>(
    deadline: Duration,
    fut: impl Future<Output = Result<T, CallError>>,
) -> Result<T, CallError> {
    let started = Instant::now();
    match tokio::time::timeout(deadline, fut).await {
        Ok(r) => r,
        Err(_) => Err(CallError::Timeout {
            elapsed: started.elapsed(),
            limit: deadline,
        }),
    }
}
