//! `tern node`: resolves the configuration and runs the node until SIGINT or SIGTERM.

use anyhow::{Context, Result};
use std::process::ExitCode;
use tern_node::config::NodeOptions;
use tern_rpc::server::RpcSettings;
use tokio::sync::watch;

/// Runs the node.
pub(crate) fn run(options: NodeOptions) -> Result<ExitCode> {
    init_logs();
    let config = options.with_file()?.resolve()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let (stop, shutdown) = watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down");
            let _ = stop.send(true);
        });
        // The API binds before the node starts, so a port in use fails at once.
        let settings =
            RpcSettings::new(config.rpc_addr, config.ws_addr).with_rest(config.rest_addr);
        let api = tern_rpc::server::bind(settings).await?;
        let api_shutdown = shutdown.clone();
        tern_node::launch::launch(config, shutdown, move |core, chain| {
            api.start(core, chain, api_shutdown);
        })
        .await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Log lines on stderr: Tern's crates at `INFO` (or what `TERN_LOG` names: `debug`, `warn`, …).
pub(crate) fn init_logs() {
    use std::io::IsTerminal;
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let level = std::env::var("TERN_LOG")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let filter = Targets::new()
        .with_target("tern", level)
        .with_target("tern_node", level)
        .with_target("tern_rpc", level)
        .with_target("tern_storage", level)
        .with_target("tern_l1", level)
        .with_target("tern_devnet", level);
    let _ = tracing_subscriber::registry().with(fmt).with(filter).try_init();
}
