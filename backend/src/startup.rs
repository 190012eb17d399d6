//! Building and running the application: database, clock, keys, routes, workers — started together,
//! stopped together (new requests refused, those in flight finished, then the workers, the HTTP server
//! and the database: see `shutdown`).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONNECTION, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{App, HttpResponse, HttpServer, ResponseError, middleware, web};
use rand::RngCore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::identity::IdentityVerifier;
use crate::auth::password::Hashing;
use crate::auth::throttle::Throttle;
use crate::auth::token::TokenKeys;
use crate::clock::Clock;
use crate::config::{ClockMode, Settings};
use crate::error::ApiError;
use crate::gateway::{Gateway, SandboxGateway};
use crate::live::{ConnectionLimits, LiveHub};
use crate::notify::transport::Mailer;
use crate::persistence::{Backend, Database, PoolLimits};
use crate::routes::{self, ApiDoc};
use crate::services::bidding::queue::BidQueue;
use crate::services::{accounts, demo, workers};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("cannot listen on {address}: {source}")]
    Listen { address: String, source: std::io::Error },
    #[error("{0}")]
    Setup(String),
}

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    workers: Vec<JoinHandle<()>>,
    cancel: CancellationToken,
}

fn secret_or_random(configured: &str, what: &str) -> Vec<u8> {
    if !configured.is_empty() {
        return configured.as_bytes().to_vec();
    }
    tracing::warn!("no {what} configured: using a random one for this process (set it in production)");
    let mut bytes = vec![0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// Headers on every answer: no sniffing, no referrer (negotiation links carry their token in the path),
/// never framed; HSTS when the public address is HTTPS. The web app's own content policy travels in its
/// `index.html` (SvelteKit writes it with the hash of its one inline script).
fn security_headers(hsts: bool) -> middleware::DefaultHeaders {
    let headers = middleware::DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Content-Security-Policy", "frame-ancestors 'none'"));
    if hsts {
        headers.add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    } else {
        headers
    }
}

/// Middleware: counts each request in flight, and refuses new ones once the stop has begun. Liveness
/// (`/api/health`) is always answered, so a process that is stopping is not mistaken for a dead one.
async fn admit_unless_stopping(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    };
    if req.path() == "/api/health" {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    }
    let Some(_in_flight) = state.shutdown.admit() else {
        let refusal = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "this server is stopping; please try again in a moment",
        )
        .with_retry_after(crate::shutdown::RETRY_AFTER_SECONDS);
        let mut response = refusal.error_response();
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        return Ok(req.into_response(response).map_into_right_body());
    };
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

/// Begins the stop on SIGTERM or SIGINT (Ctrl-C); the binary installs this, tests stop through
/// `Shutdown::begin`.
pub async fn begin_stop_on_signal(state: web::Data<AppState>) {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = terminate => tracing::info!("SIGTERM received"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
    }
    state.shutdown.begin();
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        crate::prometheus::handle();
        settings
            .check_secrets()
            .map_err(|e| StartupError::Setup(e.to_string()))?;
        let limits = PoolLimits {
            max_connections: settings.database_max_connections,
            acquire_timeout: Duration::from_millis(settings.database_acquire_timeout_ms.max(100)),
        };
        let mut db = Database::connect_with(&settings.database_url, limits).await?;
        db.migrate().await?;
        if !settings.database_read_url.is_empty() {
            db = db.with_replica(&settings.database_read_url, limits).await;
        }
        let clock = match settings.clock {
            ClockMode::System => Clock::System,
            ClockMode::Manual => {
                tracing::warn!("manual clock: time moves only through POST /api/test/clock");
                Clock::manual()
            }
        };
        // SQLite takes one write transaction at a time: a second committer would only wait for it.
        let bid_committers = match db.backend() {
            Backend::Postgres => settings.bid_committers,
            Backend::Sqlite => 1,
        };
        let postgres_pool = match db.backend() {
            Backend::Postgres => Some(db.conn().get_postgres_connection_pool().clone()),
            Backend::Sqlite => None,
        };
        // Several processes on one PostgreSQL share the test clock: this one joins where it stands.
        if let Some(pool) = postgres_pool.as_ref().filter(|_| clock.is_manual()) {
            crate::shared_clock::join(pool, &clock)
                .await
                .map_err(|e| StartupError::Setup(format!("cannot join the cluster's test clock: {e}")))?;
        }
        let mail = Mailer::from_settings(&settings).map_err(StartupError::Setup)?;
        let state = web::Data::new(AppState {
            mail,
            throttle: Throttle::new(&settings),
            hashing: Hashing::new(settings.password_hashing_slots),
            identity: IdentityVerifier::named(&settings.identity).map_err(|e| StartupError::Setup(e.to_string()))?,
            trusted_proxies: settings
                .trusted_proxy_addresses()
                .map_err(|e| StartupError::Setup(e.to_string()))?,
            tokens: TokenKeys::new(
                &secret_or_random(&settings.jwt_secret, "FAPAI_JWT_SECRET"),
                settings.token_hours,
            ),
            gateway: match settings.payments.as_str() {
                "alipay" => Gateway::Alipay(Box::new(
                    crate::gateway::alipay::AlipayGateway::from_settings(&settings).map_err(StartupError::Setup)?,
                )),
                _ => Gateway::Sandbox(SandboxGateway::new(secret_or_random(
                    &settings.payments_secret,
                    "FAPAI_PAYMENTS_SECRET",
                ))),
            },
            live: Arc::new(LiveHub::new(
                postgres_pool,
                clock.clone(),
                ConnectionLimits {
                    total: settings.websocket_max_connections,
                    per_address: settings.websocket_max_per_address,
                },
            )),
            settings: Arc::new(settings.clone()),
            db,
            clock,
            bid_queue: BidQueue::new(bid_committers),
            hooks: Default::default(),
            shutdown: Default::default(),
            due_pass: Default::default(),
            delivery_pass: Default::default(),
        });
        if !settings.admin_email.is_empty() {
            accounts::ensure_admin(&state, &settings.admin_email, &settings.admin_password)
                .await
                .map_err(|e| StartupError::Setup(format!("cannot create the administrator: {}", e.message)))?;
        }
        if settings.demo {
            demo::seed(&state)
                .await
                .map_err(|e| StartupError::Setup(format!("cannot seed the demo: {}", e.message)))?;
        }

        let listener = TcpListener::bind(&settings.listen).map_err(|source| StartupError::Listen {
            address: settings.listen.clone(),
            source,
        })?;
        let address = listener.local_addr().map_err(|source| StartupError::Listen {
            address: settings.listen.clone(),
            source,
        })?;
        let app_state = state.clone();
        // One for the process, shared by every HTTP worker: the bounds count across them.
        let body_bounds = web::Data::new(crate::bodies::BodyBounds::new(&settings, state.trusted_proxies.clone()));
        let hsts = settings.public_url.starts_with("https://");
        let server = HttpServer::new(move || {
            let (app, mut api) = App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .app_data(app_state.clone())
                .app_data(body_bounds.clone())
                .configure(routes::configure)
                .split_for_parts();
            // The test clock exists only with a manual clock: otherwise it is not described at all.
            if !app_state.clock.is_manual() {
                api.paths.paths.retain(|path, _| !path.starts_with("/api/test/"));
            }
            // The paths are known only now, after the handlers were collected.
            routes::ErrorResponses.modify(&mut api);
            routes::RequestRules.modify(&mut api);
            let methods = web::Data::new(crate::web_app::ApiMethods::of(&api));
            app.app_data(methods)
                .service(crate::prometheus::metrics_page)
                .configure(routes::discovery::config)
                .wrap(middleware::from_fn(crate::bodies::bound_bodies))
                .wrap(middleware::from_fn(crate::error::shape_refusals))
                .wrap(security_headers(hsts))
                .wrap(middleware::from_fn(admit_unless_stopping))
                .wrap(middleware::from_fn(crate::telemetry::request_span))
                .wrap(middleware::Compress::default())
                .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", api))
                .route(
                    "/api/docs",
                    web::get()
                        .to(|| async { HttpResponse::Found().insert_header(("Location", "/api/docs/")).finish() }),
                )
                .default_service(web::to(crate::web_app::serve))
        })
        .workers(if settings.http_workers == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            settings.http_workers
        })
        .listen(listener)
        .map_err(|source| StartupError::Listen {
            address: settings.listen.clone(),
            source,
        })?
        // The stop is ours (`shutdown`): in-flight requests finish before any HTTP worker stops.
        .disable_signals()
        .shutdown_timeout(settings.stop_timeout_seconds)
        .run();
        tracing::info!("listening on http://{address}");

        let cancel = CancellationToken::new();
        let mut worker_handles = vec![workers::spawn(
            state.clone().into_inner(),
            Duration::from_millis(settings.worker_interval_ms.max(10)),
            cancel.clone(),
        )];
        worker_handles.push(crate::notify::spawn(
            state.clone().into_inner(),
            Duration::from_millis(settings.worker_interval_ms.max(10)),
            cancel.clone(),
        ));
        if let Some(listener) = state.live.start_listener(cancel.clone()) {
            worker_handles.push(listener);
        }
        if !settings.database_read_url.is_empty() {
            worker_handles.push(crate::prometheus::watch_replica(
                state.clone().into_inner(),
                Duration::from_millis(settings.database_read_max_lag_ms),
                cancel.clone(),
            ));
        }
        Ok(Application {
            port: address.port(),
            server,
            state,
            workers: worker_handles,
            cancel,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until the stop begins (`state.shutdown.begin()`: SIGTERM or Ctrl-C in the binary, see
    /// `shutdown::begin_on_signal`), then stops in the order `shutdown` explains: refuse new requests,
    /// finish those in flight, stop the workers, shut the HTTP server, close the database.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            server,
            state,
            workers,
            cancel,
            ..
        } = self;
        let handle = server.handle();
        let mut server = std::pin::pin!(server);
        tokio::select! {
            result = &mut server => {
                cancel.cancel();
                for worker in workers {
                    let _ = worker.await;
                }
                return result;
            }
            () = state.shutdown.begun() => {}
        }
        let within = Duration::from_secs(state.settings.stop_timeout_seconds);
        tracing::info!(
            in_flight = state.shutdown.in_flight(),
            "stopping: new requests are refused, those in flight are finished"
        );
        if !state.shutdown.drained(within).await {
            tracing::warn!(
                in_flight = state.shutdown.in_flight(),
                "stopping: requests still in flight after the stop timeout"
            );
        }
        cancel.cancel();
        for worker in workers {
            let _ = worker.await;
        }
        // The server future carries out the stop command, so it is polled while the command waits.
        let ((), result) = futures_util::join!(handle.stop(true), server);
        state.db.clone().close().await;
        tracing::info!("stopped");
        result
    }
}
