//! The linker every adapter is instantiated against: exactly the world's imports.
//!
//! WASI is added interface by interface rather than with `wasmtime_wasi::p2::add_to_linker`,
//! which would also link `wasi:sockets`; an adapter that imports sockets is refused at load.

use super::state::AdapterState;
use crate::wit::latest::mercato::supplier::{host, types};
use crate::wit::since_v0_1_0::mercato::supplier as v0_1;
use wasmtime::Engine;
use wasmtime::component::{HasData, HasSelf, Linker, ResourceTable};
use wasmtime_wasi::WasiView;
use wasmtime_wasi::cli::{WasiCli, WasiCliView as _};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView as _};
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView as _};
use wasmtime_wasi::p2::bindings::{cli, clocks, filesystem, io, random};
use wasmtime_wasi::random::WasiRandom;
use wasmtime_wasi_http::p2::bindings::http as wasi_http;
use wasmtime_wasi_http::{WasiHttp, WasiHttpView};

/// Access to the resource table, for `wasi:io`.
struct WasiIo;

impl HasData for WasiIo {
    type Data<'a> = &'a mut ResourceTable;
}

fn table(s: &mut AdapterState) -> &mut ResourceTable {
    WasiView::ctx(s).table
}

/// Build the linker for `engine`.
pub(crate) fn build(engine: &Engine) -> wasmtime::Result<Linker<AdapterState>> {
    let mut l = Linker::<AdapterState>::new(engine);
    io::error::add_to_linker::<AdapterState, WasiIo>(&mut l, table)?;
    io::poll::add_to_linker::<AdapterState, WasiIo>(&mut l, table)?;
    io::streams::add_to_linker::<AdapterState, WasiIo>(&mut l, table)?;

    clocks::wall_clock::add_to_linker::<_, WasiClocks>(&mut l, AdapterState::clocks)?;
    clocks::monotonic_clock::add_to_linker::<_, WasiClocks>(&mut l, AdapterState::clocks)?;
    random::random::add_to_linker::<_, WasiRandom>(&mut l, |s| s.ctx().ctx.random())?;
    random::insecure::add_to_linker::<_, WasiRandom>(&mut l, |s| s.ctx().ctx.random())?;
    random::insecure_seed::add_to_linker::<_, WasiRandom>(&mut l, |s| s.ctx().ctx.random())?;

    cli::exit::add_to_linker::<_, WasiCli>(&mut l, AdapterState::cli)?;
    cli::environment::add_to_linker::<_, WasiCli>(&mut l, AdapterState::cli)?;
    cli::stdin::add_to_linker::<_, WasiCli>(&mut l, AdapterState::cli)?;
    cli::stdout::add_to_linker::<_, WasiCli>(&mut l, AdapterState::cli)?;
    cli::stderr::add_to_linker::<_, WasiCli>(&mut l, AdapterState::cli)?;
    cli::terminal_input::add_to_linker::<_, WasiCli>(&mut l, AdapterState::cli)?;
    cli::terminal_output::add_to_linker::<_, WasiCli>(&mut l, AdapterState::cli)?;
    cli::terminal_stdin::add_to_linker::<_, WasiCli>(&mut l, AdapterState::cli)?;
    cli::terminal_stdout::add_to_linker::<_, WasiCli>(&mut l, AdapterState::cli)?;
    cli::terminal_stderr::add_to_linker::<_, WasiCli>(&mut l, AdapterState::cli)?;

    filesystem::types::add_to_linker::<_, WasiFilesystem>(&mut l, AdapterState::filesystem)?;
    filesystem::preopens::add_to_linker::<_, WasiFilesystem>(&mut l, AdapterState::filesystem)?;

    wasi_http::outgoing_handler::add_to_linker::<_, WasiHttp>(&mut l, AdapterState::http)?;
    wasi_http::types::add_to_linker::<_, WasiHttp>(
        &mut l,
        &Default::default(),
        AdapterState::http,
    )?;

    types::add_to_linker::<_, HasSelf<AdapterState>>(&mut l, |s| s)?;
    host::add_to_linker::<_, HasSelf<AdapterState>>(&mut l, |s| s)?;
    // Adapters built against an older contract import its versions of the same services.
    v0_1::types::add_to_linker::<_, HasSelf<AdapterState>>(&mut l, |s| s)?;
    v0_1::host::add_to_linker::<_, HasSelf<AdapterState>>(&mut l, |s| s)?;
    Ok(l)
}
