//! Load one adapter component and run a catalogue search through the sandbox.
//!
//! ```text
//! cargo run -p mercato --example search -- path/to/adapter.wasm "M8 hex bolt" [setting=value ...] [grant=scheme://host:port ...]
//! ```

use mercato::contract::{BuyerContext, CallContext, SearchQuery};
use mercato::sandbox::HostGrant;
use mercato::signing::TrustStore;
use mercato::{AdapterHost, Grants, HostConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or_else(|| {
        anyhow::anyhow!("usage: search <adapter.wasm> <text> [key=value ...] [grant=url ...]")
    })?;
    let text = args.next().unwrap_or_default();
    let mut hosts = Vec::new();
    let mut settings = Vec::new();
    for arg in args {
        match arg.split_once('=') {
            Some(("grant", url)) => hosts.push(url.to_string()),
            Some((k, v)) => settings.push((k.to_string(), v.to_string())),
            None => anyhow::bail!("expected key=value, got {arg:?}"),
        }
    }
    let mut grants = Grants::new();
    for url in hosts {
        grants = grants.host(HostGrant::local(&url)?);
    }
    for (k, v) in settings {
        grants = grants.setting(k, v);
    }
    // An example for developers: unsigned adapters and local test suppliers are fine here.
    let host = AdapterHost::new(HostConfig {
        trust: TrustStore::new().allow_unsigned(true),
        ..HostConfig::default()
    })?;
    let adapter = host.load_file(path.as_ref(), grants).await?;
    println!(
        "{} ({}) offers {:?}",
        adapter.profile().display_name,
        adapter.digest(),
        adapter.profile().capabilities.names()
    );
    let ctx = CallContext {
        request_id: "example".into(),
        buyer: BuyerContext {
            account_id: None,
            organization: None,
            tax_id: None,
            cost_center: None,
            originator: None,
            on_behalf_of: None,
        },
        locale: Some("de-DE".into()),
        currency: Some("EUR".into()),
        country: Some("DE".into()),
        deadline: 0,
    };
    let query = SearchQuery {
        text: Some(text),
        categories: vec![],
        in_stock_only: false,
        page_size: 10,
        cursor: None,
    };
    let started = std::time::Instant::now();
    match adapter.search(&ctx, &query).await {
        Ok(page) => {
            for item in &page.items {
                println!("{:<20} {}", item.ids.supplier_sku, item.title);
            }
            println!(
                "{} item(s), next cursor {:?}, {:?}",
                page.items.len(),
                page.next_cursor,
                started.elapsed()
            );
        }
        Err(e) => println!("error [{}]: {e}", e.code()),
    }
    Ok(())
}
