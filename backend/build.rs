//! The web app (`frontend/build`) is embedded in release builds: rebuild them when it changes. Debug
//! builds read it from disk at run time, so they need not rebuild — but the folder must exist when the
//! server compiles, or the app would be left out even of a debug build.
//!
//! It also fingerprints the migrations' sources as compiled (`FAPAI_MIGRATIONS_FINGERPRINT`): the API
//! tests name their PostgreSQL template database by it, so a test binary never reuses a template that a
//! build with other migrations made.

#![allow(clippy::print_stdout)] // a build script talks to cargo through stdout

use std::hash::{DefaultHasher, Hash, Hasher};

fn main() {
    let migrations = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/src");
    println!("cargo:rerun-if-changed={migrations}");
    let mut files: Vec<_> = std::fs::read_dir(migrations)
        .map(|dir| dir.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    // DefaultHasher::new() has fixed keys: the same sources give the same fingerprint.
    let mut hasher = DefaultHasher::new();
    for file in files {
        std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
    }
    println!("cargo:rustc-env=FAPAI_MIGRATIONS_FINGERPRINT={:016x}", hasher.finish());

    let app = concat!(env!("CARGO_MANIFEST_DIR"), "/../frontend/build");
    if let Err(err) = std::fs::create_dir_all(app) {
        println!("cargo:warning=cannot create {app}: {err}");
    }
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        println!("cargo:rerun-if-changed={app}");
    } else {
        println!("cargo:rerun-if-changed=build.rs");
    }
}
