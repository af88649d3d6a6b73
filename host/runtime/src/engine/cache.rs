//! Compiled artefacts on disk, so a known adapter starts in milliseconds instead of being
//! compiled again.
//!
//! Deserializing an artefact runs native code produced by whoever wrote the file, so the host
//! only ever reads files it wrote itself: each artefact is stored with a keyed BLAKE3 tag (a
//! MAC) under a key that is created in the cache directory (mode 0600) and never leaves it. A
//! file that fails the tag, or was made by another engine configuration, is ignored and
//! recompiled.
//!
//! BLAKE3 rather than HMAC-SHA256: the tag covers the whole artefact on every cold start, and
//! hashing a Hansa-sized artefact with SHA-256 was a quarter of that start (benchmark P6).

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

const KEY_FILE: &str = "cache.key";
const TAG_BYTES: usize = 32;

/// Why the cache could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The directory or key file could not be created or read.
    #[error("compile cache at {path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The on-disk cache of compiled components.
pub struct CompileCache {
    dir: PathBuf,
    key: [u8; 32],
    engine_tag: String,
}

impl CompileCache {
    /// Open (creating if needed) the cache in `dir` for `engine`.
    pub fn open(dir: &Path, engine: &Engine) -> Result<Self, CacheError> {
        let io = |source| CacheError::Io {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        restrict(dir, 0o700).map_err(io)?;
        let key_path = dir.join(KEY_FILE);
        let key = match std::fs::read(&key_path).map(<[u8; 32]>::try_from) {
            Ok(Ok(key)) => key,
            _ => {
                let key = fresh_key().map_err(io)?;
                write_private(&key_path, &key).map_err(|source| CacheError::Io {
                    path: key_path.clone(),
                    source,
                })?;
                key
            }
        };
        Ok(CompileCache {
            dir: dir.to_path_buf(),
            key,
            engine_tag: engine_tag(engine),
        })
    }

    fn path_for(&self, digest: &str) -> PathBuf {
        self.dir
            .join(format!("{digest}-{}.b3.cwasm", self.engine_tag))
    }

    /// The cached component for `digest`, if this host wrote one for this engine.
    pub fn load(&self, engine: &Engine, digest: &str) -> Option<Component> {
        let path = self.path_for(digest);
        let bytes = std::fs::read(&path).ok()?;
        if bytes.len() < TAG_BYTES {
            return None;
        }
        let (artefact, tag) = bytes.split_at(bytes.len() - TAG_BYTES);
        let tag = <[u8; TAG_BYTES]>::try_from(tag).map(blake3::Hash::from_bytes);
        // `blake3::Hash` compares in constant time.
        if tag.ok() != Some(self.tag(digest, artefact)) {
            tracing::warn!(path = %path.display(), "cached artefact failed its tag; recompiling");
            return None;
        }
        // SAFETY: the bytes carry a valid tag under this cache's private key, so they are an
        // artefact this host serialized itself with `Component::serialize`, for the engine
        // configuration named in the file name; wasmtime re-checks that configuration too.
        #[allow(unsafe_code)]
        let component = unsafe { Component::deserialize(engine, artefact) };
        match component {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(path = %path.display(), "cached artefact unusable ({e}); recompiling");
                None
            }
        }
    }

    /// Store a compiled component under `digest`. Failures are logged, not fatal: the next
    /// load compiles again.
    pub fn store(&self, digest: &str, component: &Component) {
        let result = component
            .serialize()
            .map_err(|e| e.to_string())
            .and_then(|artefact| {
                let tag = self.tag(digest, &artefact);
                let path = self.path_for(digest);
                let tmp = path.with_extension(format!("tmp{}", std::process::id()));
                let mut file = std::fs::File::create(&tmp).map_err(|e| e.to_string())?;
                file.write_all(&artefact)
                    .and_then(|()| file.write_all(tag.as_bytes()))
                    .and_then(|()| file.sync_all())
                    .map_err(|e| e.to_string())?;
                restrict(&tmp, 0o600).map_err(|e| e.to_string())?;
                std::fs::rename(&tmp, &path).map_err(|e| e.to_string())
            });
        if let Err(e) = result {
            tracing::warn!(digest, "could not cache compiled adapter: {e}");
        }
    }

    /// The tag of `artefact` stored under `digest`.
    fn tag(&self, digest: &str, artefact: &[u8]) -> blake3::Hash {
        let mut mac = blake3::Hasher::new_keyed(&self.key);
        mac.update(digest.as_bytes());
        mac.update(artefact);
        mac.finalize()
    }
}

/// A short stable tag of everything that makes an artefact usable by `engine`.
fn engine_tag(engine: &Engine) -> String {
    struct Sha(Sha256);
    impl Hasher for Sha {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
    }
    let mut h = Sha(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut h);
    h.0.update(env!("CARGO_PKG_VERSION").as_bytes());
    hex::encode(&h.0.finalize()[..8])
}

fn fresh_key() -> Result<[u8; 32], std::io::Error> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(key)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    restrict(path, 0o600)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}
