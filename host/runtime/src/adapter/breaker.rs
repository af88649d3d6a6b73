//! A per-adapter circuit breaker: after repeated faults (traps, timeouts, limits, refused
//! output) the host stops calling the adapter for a cool-down, then lets one call through to
//! see whether it recovered.
//!
//! Business answers (out of stock, rate limited, …) are not faults: they are the adapter doing
//! its job. Only the adapter misbehaving counts.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

pub use mercato_contract::supplier::BreakerStatus;

/// Consecutive faults that open the breaker.
pub const DEFAULT_FAILURE_THRESHOLD: u32 = 5;
/// How long an open breaker refuses calls before letting one through.
pub const DEFAULT_COOL_DOWN: Duration = Duration::from_secs(30);

/// How the breaker behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Consecutive faults that open it.
    pub failure_threshold: u32,
    /// How long it stays open.
    pub cool_down: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: DEFAULT_FAILURE_THRESHOLD,
            cool_down: DEFAULT_COOL_DOWN,
        }
    }
}

/// Leave for one call, from [`Breaker::admit`]; [`Ticket::record`] reports how it went.
#[must_use = "a call's outcome is reported on its ticket"]
#[derive(Debug)]
pub struct Ticket<'a> {
    breaker: &'a Breaker,
    /// The one call let through after the cool-down.
    trial: bool,
}

impl Ticket<'_> {
    /// Report the call's outcome: `Some(description)` for a fault, `None` for a good call.
    pub fn record(mut self, fault: Option<String>) {
        self.trial = false;
        self.breaker.record(fault);
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if self.trial {
            self.breaker.trial_abandoned();
        }
    }
}

#[derive(Debug)]
enum State {
    Closed { faults: u32 },
    Open { until: Instant, last_fault: String },
    HalfOpen,
}

/// One adapter's breaker.
#[derive(Debug)]
pub struct Breaker {
    config: BreakerConfig,
    state: Mutex<State>,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        Breaker {
            config,
            state: Mutex::new(State::Closed { faults: 0 }),
        }
    }

    /// May a call go ahead? If so, the ticket to report its outcome on; if not, how long
    /// until one may.
    pub fn admit(&self) -> Result<Ticket<'_>, Duration> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match &*state {
            State::Closed { .. } => Ok(Ticket {
                breaker: self,
                trial: false,
            }),
            State::HalfOpen => Err(self.config.cool_down),
            State::Open { until, .. } => {
                let now = Instant::now();
                if now >= *until {
                    *state = State::HalfOpen;
                    Ok(Ticket {
                        breaker: self,
                        trial: true,
                    })
                } else {
                    Err(*until - now)
                }
            }
        }
    }

    /// The trial call ended without an outcome (its caller hung up, its request's deadline
    /// passed): the next call may try instead, rather than the breaker staying half-open with
    /// no trial left to close or reopen it.
    fn trial_abandoned(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let State::HalfOpen = *state {
            *state = State::Open {
                until: Instant::now(),
                last_fault: "the trial call was abandoned before it answered".to_string(),
            };
        }
    }

    /// Record a call's outcome: `Some(description)` for a fault, `None` for a good call.
    pub fn record(&self, fault: Option<String>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        *state = match (fault, &*state) {
            (None, _) => State::Closed { faults: 0 },
            (Some(last_fault), State::HalfOpen) => State::Open {
                until: Instant::now() + self.config.cool_down,
                last_fault,
            },
            (Some(last_fault), State::Closed { faults }) => {
                let faults = faults + 1;
                if faults >= self.config.failure_threshold {
                    tracing::warn!(faults, fault = %last_fault, "circuit breaker opened");
                    State::Open {
                        until: Instant::now() + self.config.cool_down,
                        last_fault,
                    }
                } else {
                    State::Closed { faults }
                }
            }
            // A fault once the cool-down is over (an abandoned trial's missed deadline)
            // starts another.
            (Some(last_fault), State::Open { until, .. }) if *until <= Instant::now() => {
                State::Open {
                    until: Instant::now() + self.config.cool_down,
                    last_fault,
                }
            }
            // A call admitted before the breaker opened; it stays open.
            (Some(_), State::Open { until, last_fault }) => State::Open {
                until: *until,
                last_fault: last_fault.clone(),
            },
        };
    }

    /// The current state.
    pub fn status(&self) -> BreakerStatus {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match &*state {
            State::Closed { faults } => BreakerStatus::Closed {
                consecutive_faults: *faults,
            },
            State::HalfOpen => BreakerStatus::HalfOpen,
            State::Open { until, last_fault } => BreakerStatus::Open {
                retry_after_ms: u64::try_from(
                    until.saturating_duration_since(Instant::now()).as_millis(),
                )
                .unwrap_or(u64::MAX),
                last_fault: last_fault.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(cool_down: Duration) -> Breaker {
        Breaker::new(BreakerConfig {
            failure_threshold: 3,
            cool_down,
        })
    }

    #[test]
    fn opens_after_consecutive_faults_only() {
        let b = breaker(Duration::from_secs(60));
        b.record(Some("trap".into()));
        b.record(Some("trap".into()));
        b.record(None);
        b.record(Some("trap".into()));
        b.record(Some("trap".into()));
        assert!(b.admit().is_ok(), "a good call in between resets the count");
        b.record(Some("trap".into()));
        assert!(b.admit().is_err());
        assert!(
            matches!(b.status(), BreakerStatus::Open { ref last_fault, .. } if last_fault == "trap")
        );
    }

    #[test]
    fn one_trial_call_after_the_cool_down_decides() {
        let b = breaker(Duration::from_millis(0));
        for _ in 0..3 {
            b.record(Some("timeout".into()));
        }
        let trial = b.admit().expect("cool-down over: one trial");
        assert_eq!(b.status(), BreakerStatus::HalfOpen);
        assert!(b.admit().is_err(), "only one trial at a time");
        trial.record(None);
        assert_eq!(
            b.status(),
            BreakerStatus::Closed {
                consecutive_faults: 0
            }
        );
    }

    /// A trial call whose caller hung up used to leave the breaker half-open for good: no
    /// call was admitted again, and nothing was left to close it.
    #[test]
    fn an_abandoned_trial_lets_the_next_call_try() {
        let b = breaker(Duration::from_millis(0));
        for _ in 0..3 {
            b.record(Some("timeout".into()));
        }
        drop(b.admit().expect("cool-down over: one trial"));
        let trial = b
            .admit()
            .expect("the abandoned trial hands over to the next call");
        trial.record(None);
        assert!(matches!(b.status(), BreakerStatus::Closed { .. }));
    }

    #[test]
    fn a_trial_that_misses_the_deadline_starts_another_cool_down() {
        let long = Breaker::new(BreakerConfig {
            failure_threshold: 1,
            cool_down: Duration::from_secs(60),
        });
        // The cool-down is over and the trial call is in flight; as the broker does, the
        // deadline drops it, then reports the miss.
        *long.state.lock().unwrap() = State::HalfOpen;
        drop(Ticket {
            breaker: &long,
            trial: true,
        });
        long.record(Some("no answer within the request deadline".into()));
        assert!(
            matches!(long.status(), BreakerStatus::Open { retry_after_ms, .. } if retry_after_ms > 50_000),
            "{:?}",
            long.status()
        );
    }
}
