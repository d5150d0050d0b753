//! `essaim run`: the daemon. The scheduler, the daily purge and the web server side by side
//! until SIGINT or SIGTERM, then each given the shutdown deadline.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use tokio::sync::watch;

use super::SHUTDOWN_GRACE;
use essaim::clock::Clock;
use essaim::config::Config;
use essaim::pipeline::Pipeline;
use essaim::store::Store;
use essaim::web;

/// Runs the daemon until SIGINT or SIGTERM (see the module doc).
pub async fn run(config: Config, store: Arc<Store>, clock: Clock) -> anyhow::Result<ExitCode> {
    let listen = config.settings.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (settings.listen)"))?;
    tracing::info!(message = "Listening.", address = %listen);
    let base_url = config.base_url();
    let max_age = config.settings.cache_max_age_secs;
    let retention_days = config.settings.retention_days;
    let metrics_from = config.settings.metrics_from.clone();
    let limits = web::Limits {
        max_connections: config
            .settings
            .max_connections
            .unwrap_or_else(web::Limits::connections_for_file_limit),
        header_timeout: config.settings.header_timeout,
        idle_timeout: config.settings.idle_timeout,
    };
    let deadline = config.settings.shutdown_deadline;
    let pipeline = Arc::new(Pipeline::with_clock(
        Arc::new(config),
        Arc::clone(&store),
        clock,
    )?);
    let (stop_tx, stop_rx) = watch::channel(false);
    let scheduler = tokio::spawn(essaim::scheduler::run(pipeline, stop_rx.clone()));
    let purger = tokio::spawn(essaim::purge::run_daily(
        Arc::clone(&store),
        retention_days,
        clock,
        stop_rx.clone(),
    ));
    let mut web_stop = stop_rx;
    let server = tokio::spawn(web::serve(
        listener,
        web::AppState::new(store, base_url)
            .with_max_age(max_age)
            .with_clock(clock)
            .with_limits(limits)
            .with_metrics_from(metrics_from),
        async move {
            let _ = web_stop.wait_for(|stop| *stop).await;
        },
    ));
    shutdown_signal().await;
    tracing::info!(message = "Shutting down.");
    let _ = stop_tx.send(true);
    // The scheduler gives fetches in flight the deadline; the web server and the purge get
    // the same, and what is still running after it is left (the process exits: a transaction
    // not committed is rolled back by SQLite).
    let stopping = async {
        let _ = scheduler.await;
        let _ = purger.await;
        server.await
    };
    match tokio::time::timeout(deadline + SHUTDOWN_GRACE, stopping).await {
        Ok(Ok(Ok(()))) => Ok(ExitCode::SUCCESS),
        Ok(Ok(Err(e))) => Err(e.into()),
        Ok(Err(e)) => bail!("web server task failed: {e}"),
        Err(_) => {
            tracing::warn!(
                message = "Shutdown deadline passed; exiting without waiting further (the web server's open connections or the purge were still running).",
                deadline_secs = deadline.as_secs()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
