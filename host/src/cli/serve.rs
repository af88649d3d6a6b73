//! `mercato serve` and `mercato mcp`, and assembling a host (adapters, broker, clients) from a
//! policy file or from the demo suppliers.

use anyhow::{Context as _, bail};
use clap::Args;
use mercato::AdapterHost;
use mercato::clients::{Client, Clients};
use mercato::gateway::{ConnectionLimits, Gateway, Service, mcp};
use mercato::ledger::{Ledger, Location};
use mercato::policy::{Assembled, Policy};
use mercato::reload::Watcher;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Where the host's adapters and clients come from.
#[derive(Args, Clone, Debug)]
pub struct Source {
    /// Host policy: adapters, grants, clients and `[serve]` settings.
    #[arg(long, env = "MERCATO_POLICY", global = true)]
    pub policy: Option<PathBuf>,
    /// Use the simulated demo suppliers and the bundled adapters, with one client whose key
    /// is MERCATO_API_KEY (or a fresh one, printed). With --policy, the policy's clients and
    /// mandates replace the demo's (the policy then names no adapter).
    #[cfg(feature = "demo")]
    #[arg(long, global = true)]
    pub demo: bool,
    /// Keep the ledger (ledger.sqlite) here; default: the policy's `[serve] data-dir`, or in
    /// memory for the demo.
    #[arg(long, env = "MERCATO_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Keep the ledger in this PostgreSQL database (shared by replicas) instead.
    #[arg(
        long,
        env = "MERCATO_LEDGER_URL",
        global = true,
        conflicts_with = "data_dir"
    )]
    pub ledger_url: Option<String>,
}

impl Source {
    /// The ledger these options name, if they name one.
    pub fn ledger(&self) -> Option<Location> {
        match (&self.ledger_url, &self.data_dir) {
            (Some(url), _) => Some(Location::Postgres(url.clone())),
            (None, Some(dir)) => Some(Location::Sqlite(dir.join("ledger.sqlite"))),
            (None, None) => None,
        }
    }
}

/// `mercato serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    source: Source,
    /// Listen address (default: the policy's `[serve] address`, else 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<String>,
    /// Hot reload: load every `*.wasm` written into this folder, verify it under the policy,
    /// run the conformance suite (without orders), and swap it in for its supplier. Calls in
    /// flight finish on the old version; a version that fails is logged and not swapped in.
    #[arg(long, value_name = "DIR")]
    watch: Option<PathBuf>,
    /// How often the watched folder is looked at, in milliseconds.
    #[arg(long, default_value_t = mercato::reload::DEFAULT_INTERVAL.as_millis() as u64, requires = "watch")]
    watch_interval_ms: u64,
}

/// How often open intents are reconciled with their suppliers while serving.
const RECONCILE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// `mercato mcp`.
#[derive(Args, Debug)]
pub struct McpArgs {
    #[command(flatten)]
    source: Source,
    /// The policy client to act as; default: the one whose key is in MERCATO_API_KEY.
    #[arg(long)]
    client: Option<String>,
}

/// A host ready to serve.
pub struct Host {
    /// The operations.
    pub service: Service,
    /// Where to listen by default.
    pub address: String,
    /// Bounds on client connections.
    pub connections: ConnectionLimits,
    /// The demo client's key, when it was generated here.
    pub generated_key: Option<String>,
    /// The policy and the runtime its adapters run in, to load new versions (not the demo).
    pub reloads: Option<(Arc<Policy>, AdapterHost)>,
    /// Keeps the demo's simulated suppliers running.
    #[cfg(feature = "demo")]
    _demo: Option<mercato::demo::Suppliers>,
}

/// Load adapters and clients from the policy, or start the demo.
pub async fn assemble(source: &Source) -> anyhow::Result<Host> {
    #[cfg(feature = "demo")]
    if source.demo {
        return demo_host(source).await;
    }
    let Some(path) = &source.policy else {
        #[cfg(feature = "demo")]
        bail!("name a host policy with --policy FILE (or MERCATO_POLICY), or use --demo");
        #[cfg(not(feature = "demo"))]
        bail!("name a host policy with --policy FILE (or MERCATO_POLICY)");
    };
    let mut policy = Policy::load(path)?;
    crate::cli::isolate_compilation(&mut policy.host.engine, policy.compile_memory_bytes)?;
    if policy.clients.is_empty() {
        bail!(
            "{} has no [[client]]: every request must run as a configured client",
            path.display()
        );
    }
    let Assembled {
        broker,
        host,
        not_loaded,
    } = policy.broker().await?;
    for (file, e) in &not_loaded {
        eprintln!("warning: adapter {} not loaded: {e}", file.display());
    }
    if broker.adapters().is_empty() && !policy.adapters.is_empty() {
        bail!("no adapter of {} could be loaded", path.display());
    }
    let location = source.ledger().unwrap_or_else(|| policy.ledger_location());
    let policy = Arc::new(policy);
    Ok(Host {
        service: Service::new(broker, policy.clients.clone(), open_ledger(&location)?),
        address: policy.serve.address.clone(),
        connections: policy.serve.connections,
        generated_key: None,
        reloads: Some((policy, host)),
        #[cfg(feature = "demo")]
        _demo: None,
    })
}

fn open_ledger(location: &Location) -> anyhow::Result<Arc<dyn Ledger>> {
    let where_ = match location {
        Location::Memory => "memory".to_string(),
        Location::Sqlite(path) => path.display().to_string(),
        // Never log a password that may be in the URL.
        Location::Postgres(_) => "PostgreSQL".to_string(),
    };
    let ledger = mercato::ledger::open(location)
        .with_context(|| format!("opening the ledger ({where_})"))?;
    tracing::info!(ledger = %where_, "ledger open");
    Ok(ledger)
}

#[cfg(feature = "demo")]
async fn demo_host(source: &Source) -> anyhow::Result<Host> {
    let mut engine = mercato::EngineConfig::default();
    crate::cli::isolate_compilation(
        &mut engine,
        mercato::engine::isolate::DEFAULT_COMPILE_MEMORY_BYTES,
    )?;
    // The policy is read first: a mistake in it should not wait for the suppliers to start.
    let policy = match &source.policy {
        Some(path) => Some(demo_policy(path)?),
        None => None,
    };
    let suppliers = mercato::demo::Suppliers::start(engine).await?;
    let broker = mercato::broker::Broker::with_config(
        suppliers.broker.adapters().to_vec(),
        mercato::broker::BrokerConfig::default(),
        Arc::new(mercato::metrics::Metrics::new()),
    );
    if let Some(policy) = policy {
        let location = source.ledger().unwrap_or(Location::Memory);
        return Ok(Host {
            service: Service::new(broker, policy.clients.clone(), open_ledger(&location)?),
            address: policy.serve.address.clone(),
            connections: policy.serve.connections,
            generated_key: None,
            reloads: None,
            _demo: Some(suppliers),
        });
    }
    let (key, generated_key) = match std::env::var("MERCATO_API_KEY") {
        Ok(k) if !k.is_empty() => (k, None),
        _ => {
            let k = mercato::clients::request_id();
            (k.clone(), Some(k))
        }
    };
    // The maintenance lead approves what the bot's mandate sends to a person.
    let approver_key = match std::env::var("MERCATO_APPROVER_KEY") {
        Ok(k) if !k.is_empty() => k,
        _ => {
            let k = mercato::clients::request_id();
            eprintln!("demo approver API key (set MERCATO_APPROVER_KEY to choose one): {k}");
            k
        }
    };
    let clients = Clients::new(vec![
        mercato::demo::demo_client(&key),
        mercato::demo::demo_approver(&approver_key),
    ])?;
    let service = match source.ledger() {
        Some(location) => Service::new(broker, clients, open_ledger(&location)?),
        None => Service::new(broker, clients, mercato::ledger::in_memory()),
    };
    Ok(Host {
        service,
        address: mercato::gateway::DEFAULT_ADDRESS.to_string(),
        connections: ConnectionLimits::default(),
        generated_key,
        reloads: None,
        _demo: Some(suppliers),
    })
}

/// A policy for the demo's suppliers: clients, mandates and `[serve]`, no adapters.
#[cfg(feature = "demo")]
fn demo_policy(path: &std::path::Path) -> anyhow::Result<Policy> {
    let policy = Policy::load(path)?;
    if !policy.adapters.is_empty() {
        bail!(
            "{}: with --demo the suppliers and adapters are the demo's; remove the policy's \
             [[adapter]] entries, or drop --demo",
            path.display()
        );
    }
    if policy.clients.is_empty() {
        bail!(
            "{} has no [[client]]: with --demo and --policy, the policy's clients are the only ones",
            path.display()
        );
    }
    Ok(policy)
}

/// `mercato serve`: serve until Ctrl-C or SIGTERM; requests in flight finish.
pub async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let host = assemble(&args.source).await?;
    match host.service.recover().await {
        Ok(r) if r == mercato::desk::Recovery::default() => {}
        Ok(r) => tracing::info!(
            settled = r.settled,
            open = r.still_open,
            released = r.claims_released,
            "recovered from the previous run"
        ),
        Err(e) => tracing::error!(error = %e, "recovery from the previous run failed"),
    }
    if let Some(dir) = &args.watch {
        let Some((policy, adapters)) = &host.reloads else {
            bail!("--watch needs a host policy (--policy): it says what new versions may do");
        };
        let watcher = Watcher::new(
            dir.clone(),
            policy.clone(),
            adapters.clone(),
            host.service.broker().clone(),
        );
        let interval = Duration::from_millis(args.watch_interval_ms.max(50));
        tokio::spawn(watcher.run(interval));
        eprintln!("  watching {} for new adapter versions", dir.display());
    }
    // Each supplier's connection check, now and each minute while failing: a wrong
    // credential shows in `/health` and the log at start, not on a buyer's first order.
    tokio::spawn(
        host.service
            .broker()
            .clone()
            .watch_readiness(mercato::broker::readiness::RECHECK_EVERY),
    );
    let service = host.service.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(RECONCILE_EVERY);
        every.tick().await;
        loop {
            every.tick().await;
            reconcile(&service).await;
        }
    });
    let address = args.listen.unwrap_or_else(|| host.address.clone());
    let gateway = Gateway::bind(&address, host.service.clone())
        .await
        .with_context(|| format!("listening on {address}"))?
        .with_limits(host.connections);
    let bound = gateway.local_addr()?;
    if let Some(key) = &host.generated_key {
        eprintln!("demo client API key (set MERCATO_API_KEY to choose one): {key}");
    }
    // The first line on stdout is the address, for scripts and tests.
    println!("mercato listening on http://{bound}");
    eprintln!(
        "  {} suppliers; OpenAPI at http://{bound}/openapi.json, MCP at http://{bound}/mcp",
        host.service.broker().adapters().len()
    );
    gateway.serve(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Settle intents a previous run left open (the host stopped while an order was in flight).
async fn reconcile(service: &Service) {
    match service.desk().reconcile_stale().await {
        Ok((0, 0)) => {}
        Ok((settled, open)) => {
            tracing::info!(
                settled,
                open,
                "open intents reconciled with their suppliers"
            )
        }
        Err(e) => tracing::error!(error = %e, "reconciling open intents failed"),
    }
}

/// `mercato mcp`: one agent on stdin/stdout, acting as one client.
pub async fn mcp(args: McpArgs) -> anyhow::Result<ExitCode> {
    let host = assemble(&args.source).await?;
    let client = match (&args.client, &host.generated_key) {
        // The demo generated its client's key: act as that client.
        (None, Some(key)) => host
            .service
            .clients()
            .by_key(key)
            .context("the demo client")?,
        _ => pick_client(host.service.clients(), args.client.as_deref())?,
    };
    mcp::serve_stdio(host.service.clone(), client).await?;
    Ok(ExitCode::SUCCESS)
}

fn pick_client(clients: &Clients, id: Option<&str>) -> anyhow::Result<Arc<Client>> {
    if let Some(id) = id {
        return clients
            .by_id(id)
            .with_context(|| format!("no client `{id}` in the policy"));
    }
    let key = std::env::var("MERCATO_API_KEY").context(
        "say which client the agent acts as: --client ID, or its key in MERCATO_API_KEY",
    )?;
    clients
        .by_key(&key)
        .context("MERCATO_API_KEY is not the key of any client in the policy")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("shutting down: finishing requests in flight");
}
