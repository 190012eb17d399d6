//! The web app (`frontend/build`) is embedded in release builds: rebuild them when it changes. Debug
//! builds read it from disk at run time, so they need not rebuild.

fn main() {
    let app = concat!(env!("CARGO_MANIFEST_DIR"), "/../frontend/build");
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        // A missing folder would make cargo rebuild every time; an empty one embeds nothing.
        if let Err(err) = std::fs::create_dir_all(app) {
            println!("cargo:warning=cannot create {app}: {err}");
        }
        println!("cargo:rerun-if-changed={app}");
    } else {
        println!("cargo:rerun-if-changed=build.rs");
    }
}
