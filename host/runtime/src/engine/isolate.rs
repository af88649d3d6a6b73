//! Compiling a component where a hard memory limit holds.
//!
//! The structural passes refuse what is expensive by shape, but Cranelift's memory use is not a
//! simple function of a component's size, and a thread cannot be stopped or capped once it
//! compiles. With [`CompileIn::Child`] the host compiles each component in a child process
//! (`mercato compile-worker`) whose writable memory is capped with `RLIMIT_DATA`: whatever the
//! input, the compiler can take at most that much memory, and at the compile time limit the
//! child is killed and its memory returned at once. The child sends back the serialized
//! artefact, which the host deserializes for the same engine configuration.

use super::{EngineConfig, codegen_config};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where components are compiled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CompileIn {
    /// In this process, on a blocking thread. The library's default: it needs no program.
    #[default]
    Process,
    /// In a child process, `program compile-worker`, its writable memory capped at
    /// `memory_bytes`. `mercato serve`, `run` and `test-adapter` compile this way.
    Child {
        /// The `mercato` executable.
        program: PathBuf,
        /// The child's memory limit.
        memory_bytes: u64,
    },
}

/// The default memory limit of a compiling child: enough for any real adapter
/// (Cranelift needs tens of MB for one), far below what a host has.
pub const DEFAULT_COMPILE_MEMORY_BYTES: u64 = 1 << 30;

/// Exit codes of the worker, so the host can tell an invalid component from a failure.
const EXIT_INVALID: u8 = 2;
const EXIT_FAILED: u8 = 3;

/// Why compiling failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    /// The bytes are not a valid component.
    #[error("{0}")]
    Invalid(String),
    /// Compiling took longer than allowed; the compiler was stopped.
    #[error("compiling took longer than {0:?}")]
    Timeout(Duration),
    /// The compiler ran out of the memory it may use and was stopped.
    #[error("compiling needed more than the {} MiB a compilation may use", .0 >> 20)]
    OutOfMemory(u64),
    /// The compiler could not run, or failed for another reason.
    #[error("{0}")]
    Failed(String),
}

/// Compile `bytes` for `engine` (built from `config`) within `timeout`, where `config` says.
pub async fn compile(
    engine: &Engine,
    config: &EngineConfig,
    bytes: Vec<u8>,
    timeout: Duration,
) -> Result<Component, CompileError> {
    match &config.compile_in {
        CompileIn::Process => {
            let engine = engine.clone();
            let job = tokio::task::spawn_blocking(move || Component::new(&engine, &bytes));
            tokio::time::timeout(timeout, job)
                .await
                .map_err(|_| CompileError::Timeout(timeout))?
                .map_err(|e| CompileError::Failed(e.to_string()))?
                .map_err(|e| CompileError::Invalid(format!("{e:#}")))
        }
        CompileIn::Child {
            program,
            memory_bytes,
        } => {
            let artefact = in_child(program, *memory_bytes, config, &bytes, timeout).await?;
            // SAFETY: the artefact was just produced by `Component::serialize` in a child
            // process this host started from its own executable, for the same engine
            // configuration (wasmtime re-checks that); the child compiled nothing else.
            #[allow(unsafe_code)]
            let component = unsafe { Component::deserialize(engine, &artefact) };
            component.map_err(|e| CompileError::Failed(format!("the compiled artefact: {e:#}")))
        }
    }
}

async fn in_child(
    program: &PathBuf,
    memory_bytes: u64,
    config: &EngineConfig,
    bytes: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, CompileError> {
    let mut child = tokio::process::Command::new(program)
        .arg("compile-worker")
        .arg("--memory-bytes")
        .arg(memory_bytes.to_string())
        .arg("--max-wasm-stack")
        .arg(config.max_wasm_stack.to_string())
        .args(config.consume_fuel.then_some("--consume-fuel"))
        // Few malloc arenas: each is memory the limit counts.
        .env("MALLOC_ARENA_MAX", "2")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| CompileError::Failed(format!("cannot start {}: {e}", program.display())))?;
    let (mut stdin, mut stdout, mut stderr) =
        match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
            (Some(i), Some(o), Some(e)) => (i, o, e),
            _ => {
                return Err(CompileError::Failed(
                    "the worker's pipes are missing".into(),
                ));
            }
        };
    let work = async {
        let feed = async {
            // A child that dies early closes the pipe; its exit status tells why.
            let _ = stdin.write_all(bytes).await;
            drop(stdin);
        };
        let mut artefact = Vec::new();
        let mut message = Vec::new();
        let mut errors = (&mut stderr).take(64 * 1024);
        let (_, out, err) = tokio::join!(
            feed,
            stdout.read_to_end(&mut artefact),
            errors.read_to_end(&mut message),
        );
        out.and(err)
            .map_err(|e| CompileError::Failed(format!("reading the worker: {e}")))?;
        let status = child
            .wait()
            .await
            .map_err(|e| CompileError::Failed(format!("waiting for the worker: {e}")))?;
        let message = String::from_utf8_lossy(&message).trim().to_string();
        match status.code() {
            Some(0) => Ok(artefact),
            Some(code) if code == i32::from(EXIT_INVALID) => Err(CompileError::Invalid(message)),
            Some(code) if code == i32::from(EXIT_FAILED) && message.contains("memory") => {
                Err(CompileError::OutOfMemory(memory_bytes))
            }
            Some(_) => Err(CompileError::Failed(message)),
            // Killed by a signal: an allocation failure aborts the process.
            None => Err(CompileError::OutOfMemory(memory_bytes)),
        }
    };
    // On timeout the future (and the child, `kill_on_drop`) is dropped.
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| CompileError::Timeout(timeout))?
}

/// The worker: `mercato compile-worker`. Caps its own memory first, reads a component
/// from stdin, compiles it for the engine the flags describe, and writes the serialized
/// artefact to stdout.
pub fn worker(memory_bytes: u64, max_wasm_stack: usize, consume_fuel: bool) -> ExitCode {
    let limit = rustix::process::Rlimit {
        current: Some(memory_bytes),
        maximum: Some(memory_bytes),
    };
    if let Err(e) = rustix::process::setrlimit(rustix::process::Resource::Data, limit) {
        eprintln!("cannot limit the compiler's memory: {e}");
        return ExitCode::from(EXIT_FAILED);
    }
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("reading the component: {e}");
        return ExitCode::from(EXIT_FAILED);
    }
    let config = EngineConfig {
        max_wasm_stack,
        consume_fuel,
        ..EngineConfig::default()
    };
    let engine = match Engine::new(&codegen_config(&config)) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot build the engine (out of memory?): {e:#}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let artefact = match Component::new(&engine, &bytes).and_then(|c| c.serialize()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(&artefact).and_then(|()| out.flush()) {
        eprintln!("writing the artefact: {e}");
        return ExitCode::from(EXIT_FAILED);
    }
    ExitCode::SUCCESS
}
