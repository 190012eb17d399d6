//! The web app (`frontend/build`) is embedded in release builds: rebuild them when it changes. Debug
//! builds read it from disk at run time, so they need not rebuild — but the folder must exist when the
//! server compiles, or the app would be left out even of a debug build.

#![allow(clippy::print_stdout)] // a build script talks to cargo through stdout

fn main() {
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
