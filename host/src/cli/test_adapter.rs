//! `mercato test-adapter`: the conformance suite against one adapter in the real sandbox, a
//! human report on stdout, JUnit XML on request, exit status 1 unless every case passes.

use super::adapter_args::AdapterArgs;
use anyhow::Context as _;
use clap::Args;
use mercato::conformance::{self, Options};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct TestAdapterArgs {
    #[command(flatten)]
    target: AdapterArgs,
    /// Search for this text instead of browsing the whole catalogue.
    #[arg(long)]
    search_text: Option<String>,
    /// Items asked for per search page.
    #[arg(long, default_value_t = Options::default().page_size)]
    page_size: u32,
    /// Pages followed before paging is judged not to end.
    #[arg(long, default_value_t = Options::default().max_pages)]
    max_pages: u32,
    /// Do not place (and cancel) a test order; the cases that need one are skipped. By
    /// default the suite orders, so point it at the supplier's test backend.
    #[arg(long)]
    no_orders: bool,
    /// Also write the report as JUnit XML to this file.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

pub async fn run(args: TestAdapterArgs) -> anyhow::Result<ExitCode> {
    if args.page_size == 0 {
        anyhow::bail!("--page-size must be at least 1");
    }
    let adapter = args.target.load().await?;
    let options = Options {
        place_orders: !args.no_orders,
        search_text: args.search_text,
        page_size: args.page_size,
        max_pages: args.max_pages,
        page_to_end: true,
        ship_to: None,
    };
    let report = conformance::run(&adapter, &options).await;
    print!("{report}");
    if let Some(path) = &args.junit {
        let xml = report.junit().context("writing the JUnit report")?;
        std::fs::write(path, xml).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
