//! `kube-sim`: run the simulator until SIGINT/SIGTERM.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use kube_sim::{Sim, SimConfig};

/// An in-memory Kubernetes API server that real kubectl and kube-rs accept.
#[derive(Parser, Debug)]
#[command(
    name = "kube-sim",
    version,
    after_help = "Example:\n  kube-sim --port 0 --kubeconfig ./kube-sim.kubeconfig --time-scale 0.1\n  KUBECONFIG=./kube-sim.kubeconfig kubectl get nodes"
)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Where to write the kubeconfig (contexts kube-sim and kube-sim-restricted).
    #[arg(long, default_value = "./kube-sim.kubeconfig")]
    kubeconfig: PathBuf,
    /// Latency added to every API request, to model a remote cluster.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Multiplies simulated durations (grace periods, back-offs, progress deadlines).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Time from a container's start until its pod is Ready.
    #[arg(long, default_value_t = 2000)]
    pod_ready_ms: u64,
    /// Number of simulated nodes.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Allocatable CPU of each node.
    #[arg(long, default_value = "4")]
    node_cpu: String,
    /// Allocatable memory of each node.
    #[arg(long, default_value = "16Gi")]
    node_memory: String,
    /// Interval between metrics scrapes.
    #[arg(long, default_value_t = 15000)]
    metrics_interval_ms: u64,
    /// Serve no metrics.k8s.io API (as a cluster without metrics-server).
    #[arg(long)]
    no_metrics_api: bool,
    /// Probability of answering an API request with an injected failure.
    #[arg(long, default_value_t = 0.0)]
    fail_rate: f64,
    /// Status codes to inject.
    #[arg(long, value_delimiter = ',', default_value = "500,503,429")]
    fail_codes: Vec<u16>,
    /// Seed of the fault injector.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Serve HTTPS with a generated CA (written into the kubeconfig).
    #[arg(long)]
    tls: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.fail_rate) {
        anyhow::bail!("--fail-rate must be between 0 and 1");
    }
    let config = SimConfig {
        port: args.port,
        kubeconfig: Some(args.kubeconfig),
        latency: Duration::from_millis(args.latency_ms),
        time_scale: args.time_scale,
        pod_ready: Duration::from_millis(args.pod_ready_ms),
        nodes: args.nodes,
        node_cpu: args.node_cpu,
        node_memory: args.node_memory,
        metrics_interval: Duration::from_millis(args.metrics_interval_ms),
        metrics_api: !args.no_metrics_api,
        fail_rate: args.fail_rate,
        fail_codes: args.fail_codes,
        seed: args.seed,
        tls: args.tls,
        ..SimConfig::default()
    };
    let sim = Sim::start(config)?;
    let mut out = std::io::stdout();
    writeln!(out, "kube-sim listening on {}", sim.url())?;
    out.flush()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = term.recv() => {},
            }
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await?;
        Ok::<(), std::io::Error>(())
    })?;
    drop(sim);
    Ok(())
}
