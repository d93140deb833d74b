//! `leadline-tenant-server`: `seed --demo --db PATH [--leads N]` creates a demo tenant and
//! prints its users' emails and passwords; `serve --db PATH --listen ADDR` runs the API.
//! `openapi` prints the API's OpenAPI document.

use clap::{Parser, Subcommand};
use leadline_tenant_server::{ServerKey, TenantServer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The reference tenant server of Leadline.
#[derive(Debug, Parser)]
#[command(name = "leadline-tenant-server", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates a tenant in the database (created if missing).
    Seed {
        /// The built-in demo tenant (the only kind this version seeds).
        #[arg(long)]
        demo: bool,
        /// The database file.
        #[arg(long)]
        db: PathBuf,
        /// How many leads.
        #[arg(long, default_value_t = 400)]
        leads: usize,
        /// The tenant's name.
        #[arg(long, default_value = "Northwind Solar (demo)")]
        name: String,
        /// Goes into the users' emails (unique per tenant).
        #[arg(long, default_value = "demo")]
        slug: String,
        /// Seed of the generator.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Serves the API.
    Serve {
        /// The database file.
        #[arg(long)]
        db: PathBuf,
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
    },
    /// Prints the OpenAPI document.
    Openapi,
}

fn key_path(db: &Path) -> PathBuf {
    let mut path = db.as_os_str().to_owned();
    path.push(".key");
    PathBuf::from(path)
}

fn open(db: &Path) -> Result<TenantServer, String> {
    let key = ServerKey::load_or_create(&key_path(db)).map_err(|e| e.to_string())?;
    TenantServer::open(db, key).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Seed {
            demo,
            db,
            leads,
            name,
            slug,
            seed,
        } => {
            if !demo {
                Err("only --demo seeding is available".to_owned())
            } else {
                open(&db)
                    .and_then(|server| {
                        server
                            .seed_demo(&name, &slug, leads, seed)
                            .map_err(|e| e.to_string())
                    })
                    .map(|t| {
                        println!(
                            "Seeded tenant {} ({}) with {} leads. Users:",
                            t.tenant_id, t.name, t.leads
                        );
                        for u in &t.users {
                            println!("  {:<40} {:<16} {}  ({})", u.email, u.password, u.role, u.name);
                        }
                    })
            }
        }
        Command::Serve { db, listen } => open(&db).and_then(|server| {
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
                tracing::info!(%listen, "serving the tenant sync API");
                server.serve(listener).await.map_err(|e| e.to_string())
            })
        }),
        Command::Openapi => {
            println!("{}", leadline_tenant_server::openapi::document());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("leadline-tenant-server: {message}");
            ExitCode::FAILURE
        }
    }
}
