//! `fapai-load`: the load tests behind the README's performance table. They use only the public API of a
//! running server (which must run with `FAPAI_CLOCK=manual`, so bidding opens when the tool moves the clock,
//! and with an administrator account), and — for the ceiling the HTTP figures are a ratio of — the bid's
//! essential transaction straight at the same database. Each run prints a Markdown table row and may append
//! it to a report file.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod api;
mod faults;
mod notify;
mod raw;
mod scenarios;
mod stats;
mod watchers;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::api::Api;
use crate::scenarios::Admin;
use crate::stats::Outcome;

#[derive(Parser)]
#[command(
    name = "fapai-load",
    about = "Load tests of a running fapai server, with the database's own ceiling beside them"
)]
struct Cli {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080", global = true)]
    url: String,
    #[arg(long, env = "FAPAI_ADMIN_EMAIL", default_value = "admin@load.test", global = true)]
    admin_email: String,
    #[arg(
        long,
        env = "FAPAI_ADMIN_PASSWORD",
        default_value = "load-test-password",
        global = true,
        hide_env_values = true
    )]
    admin_password: String,
    /// What the run is against, for the report (e.g. `SQLite`, `PostgreSQL`).
    #[arg(long, default_value = "", global = true)]
    label: String,
    /// Append the run's Markdown row to this file (with the table's header if the file is new).
    #[arg(long, global = true)]
    report: Option<PathBuf>,
    /// Also run the raw transaction against this database with the same shape, and report HTTP as a ratio of it.
    #[arg(long, global = true)]
    raw_database_url: Option<String>,
    /// How long each run lasts, in seconds.
    #[arg(long, default_value_t = 20, global = true)]
    seconds: u64,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// Bidders colliding on one round: each reads the minimum and bids it or a step above.
    Storm {
        #[arg(long, default_value_t = 50)]
        bidders: usize,
    },
    /// Every bid valid, one hot round: each accepted bid is a commit.
    Rising {
        #[arg(long, default_value_t = 64)]
        connections: usize,
    },
    /// Every bid valid, spread over N rounds.
    Spread {
        #[arg(long, default_value_t = 200)]
        rounds: usize,
        #[arg(long, default_value_t = 64)]
        connections: usize,
    },
    /// WebSocket watchers of one round: bid-to-watcher latency and server memory per watcher.
    Watchers {
        #[arg(long, default_value_t = 1000)]
        watchers: usize,
        /// The bids per second the two bidders place while the watchers follow.
        #[arg(long, default_value_t = 5)]
        bids_per_second: u32,
        /// The threads the watchers are spread over (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Another instance on the server's database whose watchers to measure too (its base URL; repeat
        /// for more). The watchers are spread evenly over the instances; the bids go to `--url`.
        #[arg(long)]
        also_watch: Vec<String>,
        /// The server's process id, to read its memory before and after the watchers connect.
        #[arg(long)]
        server_pid: Option<u32>,
    },
    /// Clients reading the round and its bid record.
    Reads {
        #[arg(long, default_value_t = 50)]
        clients: usize,
    },
    /// A bid storm with watchers through the balancer while a fault strikes (a shell command), then the
    /// close and the checks that every acknowledged bid stands (see `faults.rs`).
    Faults {
        #[arg(long, default_value_t = 20)]
        bidders: usize,
        #[arg(long, default_value_t = 10)]
        watchers: usize,
        /// The fault's name in the report.
        #[arg(long)]
        name: String,
        /// The command that strikes (`sh -c`).
        #[arg(long)]
        fault: String,
        /// Seconds into the storm when it strikes.
        #[arg(long, default_value_t = 5)]
        after: u64,
        /// A command that repairs it afterwards (e.g. brings a node back).
        #[arg(long)]
        recover: Option<String>,
        /// Seconds after the fault's command finished when the repair runs.
        #[arg(long, default_value_t = 5)]
        recover_after: u64,
    },
    /// The ceiling of PostgreSQL's NOTIFY as the live hub uses it, straight at a database (no server needed).
    Notify {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 8)]
        connections: usize,
        /// The size of each event's text (a bid message is about 1.5 KB).
        #[arg(long, default_value_t = 1500)]
        payload_bytes: usize,
    },
    /// Only the raw transaction, straight at a database (no server needed).
    Raw {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 1)]
        rounds: usize,
        #[arg(long, default_value_t = 64)]
        connections: usize,
    },
}

#[actix_rt::main]
async fn main() {
    let cli = Cli::parse();
    match run(&cli).await {
        Ok(outcome) => {
            println!("{}\n{}", Outcome::HEADER, outcome.row());
            if let Some(path) = &cli.report
                && let Err(error) = append(path, &outcome)
            {
                eprintln!("cannot write the report {}: {error}", path.display());
                std::process::exit(1);
            }
            if outcome.errors > 0 {
                eprintln!(
                    "{} requests ended in a server error or without an answer",
                    outcome.errors
                );
                std::process::exit(1);
            }
        }
        Err(error) => {
            eprintln!("fapai-load: {error}");
            std::process::exit(1);
        }
    }
}

async fn run(cli: &Cli) -> Result<Outcome, String> {
    let api = Api::new(&cli.url);
    let admin = Admin {
        email: cli.admin_email.clone(),
        password: cli.admin_password.clone(),
    };
    let label = cli.label.as_str();
    let seconds = cli.seconds;
    // The raw ceiling in the same shape (rounds, connections), when asked for.
    let (mut outcome, shape) = match &cli.scenario {
        Scenario::Storm { bidders } => (
            scenarios::storm(&api, &admin, label, *bidders, seconds).await?,
            (1, *bidders),
        ),
        Scenario::Rising { connections } => (
            scenarios::rising(&api, &admin, label, 1, *connections, seconds).await?,
            (1, *connections),
        ),
        Scenario::Spread { rounds, connections } => (
            scenarios::rising(&api, &admin, label, *rounds, *connections, seconds).await?,
            (*rounds, *connections),
        ),
        Scenario::Watchers {
            watchers,
            bids_per_second,
            threads,
            also_watch,
            server_pid,
        } => (
            scenarios::watchers(
                &api,
                &admin,
                label,
                *watchers,
                threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
                also_watch,
                seconds,
                *bids_per_second,
                *server_pid,
            )
            .await?,
            (1, 1),
        ),
        Scenario::Reads { clients } => (
            scenarios::reads(&api, &admin, label, *clients, seconds).await?,
            (1, *clients),
        ),
        Scenario::Faults {
            bidders,
            watchers,
            name,
            fault,
            after,
            recover,
            recover_after,
        } => {
            let fault = faults::Fault {
                name: name.clone(),
                command: fault.clone(),
                after: std::time::Duration::from_secs(*after),
                recover: recover.clone(),
                recover_after: std::time::Duration::from_secs(*recover_after),
            };
            return faults::faults(&api, &admin, label, *bidders, *watchers, seconds, fault).await;
        }
        Scenario::Notify {
            database_url,
            connections,
            payload_bytes,
        } => return notify::notify(database_url, label, *connections, *payload_bytes, seconds).await,
        Scenario::Raw {
            database_url,
            rounds,
            connections,
        } => return raw::raw(database_url, label, *rounds, *connections, seconds).await,
    };
    if let Some(url) = &cli.raw_database_url {
        let raw = raw::raw(url, label, shape.0, shape.1, seconds).await?;
        outcome.raw_rate = Some(raw.rate());
    }
    Ok(outcome)
}

fn append(path: &PathBuf, outcome: &Outcome) -> std::io::Result<()> {
    let new = !path.exists();
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    if new {
        writeln!(file, "{}", Outcome::HEADER)?;
    }
    writeln!(file, "{}", outcome.row())
}
