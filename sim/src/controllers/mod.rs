//! The simulated control plane: controllers, scheduler and kubelets, running as tasks beside
//! the API server and writing through the same API semantics as clients.

use std::sync::Arc;

use crate::server::State;

/// Starts every controller; they stop when the simulator stops.
pub fn spawn(state: Arc<State>) {
    tokio::spawn(crate::metrics::run(state));
}
