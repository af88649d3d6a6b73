//! Shared set-up: a host, call contexts, addresses.

use mercato::contract::{Address, BuyerContext, CallContext};
use mercato::{AdapterHost, EngineConfig};

/// A host with a small pool and no compile cache.
pub fn host() -> AdapterHost {
    AdapterHost::new(EngineConfig {
        pool_size: 64,
        ..EngineConfig::default()
    })
    .expect("host starts")
}

/// A buyer in Stuttgart paying in EUR.
pub fn ctx() -> CallContext {
    CallContext {
        request_id: "it-1".to_string(),
        buyer: BuyerContext {
            account_id: Some("ACME-4711".to_string()),
            organization: Some("Acme Pressworks GmbH".to_string()),
            tax_id: Some("DE123456789".to_string()),
            cost_center: Some("MAINT-7".to_string()),
            originator: Some("press-line-7-bot".to_string()),
            on_behalf_of: Some("maintenance@acme.example".to_string()),
        },
        locale: Some("de-DE".to_string()),
        currency: Some("EUR".to_string()),
        country: Some("DE".to_string()),
        deadline: 0,
    }
}

/// Plant 3 in Stuttgart.
pub fn plant_3() -> Address {
    Address {
        location_id: Some("4012345000009".to_string()),
        name: Some("Plant 3".to_string()),
        organization: Some("Acme Pressworks GmbH".to_string()),
        lines: vec!["Industriestraße 12".to_string()],
        city: "Stuttgart".to_string(),
        region: Some("BW".to_string()),
        postal_code: Some("70565".to_string()),
        country: "DE".to_string(),
        contact: None,
    }
}
