//! `mercato mandates` and `mercato ledger export`: read the host policy and the ledger file
//! it names, for the people who set limits and the people who do the accounts.

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use mercato::contract::now_ms;
use mercato::desk::mandates_of;
use mercato::display;
use mercato::ledger::{Ledger, Location};
use mercato::policy::Policy;
use serde_json::json;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Where the ledger is.
#[derive(Args, Debug)]
pub struct LedgerSource {
    /// Host policy (its `[serve] data-dir` holds the ledger).
    #[arg(long, env = "MERCATO_POLICY")]
    policy: Option<PathBuf>,
    /// The data directory, if not the policy's.
    #[arg(long, env = "MERCATO_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// A PostgreSQL ledger, if not the policy's.
    #[arg(long, env = "MERCATO_LEDGER_URL", conflicts_with = "data_dir")]
    ledger_url: Option<String>,
}

impl LedgerSource {
    fn policy(&self) -> anyhow::Result<Option<Policy>> {
        self.policy
            .as_deref()
            .map(Policy::load)
            .transpose()
            .map_err(Into::into)
    }

    fn open(&self, policy: Option<&Policy>) -> anyhow::Result<Arc<dyn Ledger>> {
        let url = self
            .ledger_url
            .clone()
            .or_else(|| policy.and_then(|p| p.serve.ledger_url.clone()));
        if let Some(url) = url.filter(|_| self.data_dir.is_none()) {
            return mercato::ledger::open(&Location::Postgres(url))
                .context("opening the PostgreSQL ledger");
        }
        let dir = match (&self.data_dir, policy) {
            (Some(d), _) => d.clone(),
            (None, Some(p)) => p.serve.data_dir.clone(),
            (None, None) => {
                bail!("name the ledger: --policy FILE, --data-dir DIR or --ledger-url URL")
            }
        };
        let path = dir.join("ledger.sqlite");
        if !path.exists() {
            bail!(
                "no ledger at {} (has `mercato serve` run with this data directory?)",
                path.display()
            );
        }
        mercato::ledger::open(&Location::Sqlite(path.clone()))
            .with_context(|| format!("opening {}", path.display()))
    }
}

/// `mercato mandates`.
#[derive(Args, Debug)]
pub struct MandatesArgs {
    /// URL of a running `mercato serve`: its mandates as the key's client sees them (an
    /// approver sees every client's). Without it, the policy and its ledger are read.
    #[arg(long, env = "MERCATO_SERVER")]
    server: Option<String>,
    /// The client's API key, for --server.
    #[arg(long, env = "MERCATO_API_KEY", hide_env_values = true)]
    key: Option<String>,
    #[command(flatten)]
    source: LedgerSource,
    /// JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// `mercato ledger`.
#[derive(Args, Debug)]
pub struct LedgerArgs {
    #[command(subcommand)]
    action: LedgerAction,
}

#[derive(Subcommand, Debug)]
enum LedgerAction {
    /// Every order with its client, PO, quote, status and total, for accounting.
    Export {
        #[command(flatten)]
        source: LedgerSource,
        /// CSV (one row per order) or JSON (the orders as suppliers returned them).
        #[arg(long, default_value = "csv")]
        format: Format,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Csv,
    Json,
}

/// `mercato mandates`: each client's mandate and its budget this period, from a running
/// server (`--server`, as the key's client sees them) or from the policy and its ledger.
pub async fn mandates(args: MandatesArgs) -> anyhow::Result<ExitCode> {
    if let Some(server) = &args.server {
        return super::client::mandates(server, args.key.clone(), args.json).await;
    }
    let policy = args.source.policy()?.context(
        "mandates are in the host policy (--policy FILE), or ask a server (--server URL)",
    )?;
    let ledger = args.source.open(Some(&policy)).ok();
    let response = mandates_of(policy.clients.all(), ledger.as_deref(), now_ms())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&response)?);
    } else {
        print!("{}", super::render::mandates(&response));
        if ledger.is_none() {
            eprintln!("(no ledger found: budgets used are not shown)");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `mercato ledger …`.
pub fn ledger(args: LedgerArgs) -> anyhow::Result<ExitCode> {
    match args.action {
        LedgerAction::Export {
            source,
            format,
            out,
        } => {
            let policy = source.policy()?;
            let ledger = source.open(policy.as_ref())?;
            let mut sink: Box<dyn std::io::Write> = match &out {
                Some(path) => Box::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                ),
                None => Box::new(std::io::stdout().lock()),
            };
            export(ledger.as_ref(), format, &mut sink)?;
            sink.flush()?;
            if let Some(path) = out {
                eprintln!("orders written to {}", Path::new(&path).display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A text cell a spreadsheet opens as text, whatever a supplier or client put in it (OWASP's
/// CSV-injection guidance): control and bidirectional-override characters are written as
/// visible escapes, and a cell that would start a formula (`=`, `+`, `-`, `@`) is prefixed
/// with `'`. Quoting is the csv writer's. (No maintained crate does just this; the csv crate
/// quotes but does not defang, by design.)
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') =>
            {
                out.push_str(&c.escape_unicode().to_string())
            }
            c => out.push(c),
        }
    }
    if out.starts_with(['=', '+', '-', '@']) {
        out.insert(0, '\'');
    }
    out
}

fn export(ledger: &dyn Ledger, format: Format, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let orders = ledger.orders()?;
    match format {
        Format::Json => {
            let rows: Vec<_> = orders
                .iter()
                .map(|r| {
                    json!({
                        "client": r.client,
                        "supplier": r.supplier,
                        "recorded_at": r.created_at,
                        "order": mercato::wire::Order::from(r.order.clone()),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "supplier",
                "order_id",
                "client",
                "buyer_po",
                "quote_id",
                "status",
                "currency",
                "grand_total",
                "grand_total_minor",
                "lines",
                "recorded_at",
            ])?;
            for r in &orders {
                let o = mercato::wire::Order::from(r.order.clone());
                let total = o
                    .totals
                    .grand_total
                    .to_exact()
                    .map(|m| m.to_decimal().to_string())
                    .unwrap_or_default();
                w.write_record([
                    cell(&r.supplier).as_str(),
                    cell(&o.order_id).as_str(),
                    cell(&r.client).as_str(),
                    cell(&o.buyer_po).as_str(),
                    cell(o.quote_id.as_deref().unwrap_or("")).as_str(),
                    cell(&display::label(&o.status)).as_str(),
                    cell(&o.currency).as_str(),
                    total.as_str(),
                    o.totals.grand_total.minor.to_string().as_str(),
                    o.lines.len().to_string().as_str(),
                    display::date_time(r.created_at).as_str(),
                ])?;
            }
            w.flush()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_are_text_and_control_characters_visible() {
        for (raw, safe) in [
            ("PO-1", "PO-1"),
            (
                "=HYPERLINK(\"http://x.example\",\"pay\")",
                "'=HYPERLINK(\"http://x.example\",\"pay\")",
            ),
            ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
            ("-2+3", "'-2+3"),
            ("@cmd", "'@cmd"),
            ("\t=1", "\\t=1"),
            ("a\r\nb", "a\\r\\nb"),
            ("x\u{202E}y", "x\\u{202e}y"),
            ("\u{7}bell", "\\u{7}bell"),
        ] {
            assert_eq!(cell(raw), safe, "{raw:?}");
        }
    }
}
