//! `fapai serve` runs the platform; `fapai migrate` only migrates the database.

use backend::config::Settings;
use backend::persistence::Database;
use backend::startup::Application;

/// mimalloc rather than glibc's malloc: glibc keeps freed Argon2 working memory (19 MiB a hash) in its
/// arenas, and a burst of 200 sign-ins left the process at 1 GB resident; mimalloc gives it back (about
/// 120 MiB after the same burst — the abuse test in `tests/api/hardening.rs` holds the bound).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: fapai serve | fapai migrate | fapai alipay-simulator --app-id ID --app-public-key FILE \
     [--key FILE | --public-key-out FILE] [--listen ADDR]\n\nConfiguration: FAPAI_* environment variables (see \
     fapai.defaults.toml).";

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    if command == "alipay-simulator" {
        backend::telemetry::init(backend::config::LogFormat::Text);
        let args: Vec<String> = std::env::args().skip(2).collect();
        return match backend::gateway::alipay::simulator::run_from_args(&args).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("fapai alipay-simulator: {message}");
                std::process::ExitCode::from(2)
            }
        };
    }
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("fapai: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    backend::telemetry::init(settings.log_format);
    let outcome = match command.as_str() {
        "serve" => serve(settings).await,
        "migrate" => migrate(settings).await,
        _ => {
            eprintln!("{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    tracing::info!(settings = ?settings, "starting fapai");
    let app = Application::build(settings).await.map_err(|e| e.to_string())?;
    actix_web::rt::spawn(backend::startup::begin_stop_on_signal(app.state()));
    app.run_until_stopped().await.map_err(|e| e.to_string())
}

async fn migrate(settings: Settings) -> Result<(), String> {
    let db = Database::connect(&settings.database_url, 1)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    tracing::info!("migrations applied");
    Ok(())
}
