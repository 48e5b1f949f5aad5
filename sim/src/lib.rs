//! kube-sim: an in-memory Kubernetes API server simulator that real kubectl (v1.32) and
//! kube-rs accept.
//!
//! It serves discovery, OpenAPI, CRUD, watch, the four patch types, deletion with garbage
//! collection, namespace lifecycle, a Deployment/ReplicaSet/Pod controller chain with a
//! scheduler and simulated kubelets, and the metrics API, on 127.0.0.1. See `sim/README.md`
//! for what is faithful and what is knowingly not.

pub mod config;
pub mod obj;
pub mod patch;
pub mod protobuf;
pub mod quantity;
pub mod registry;
pub mod selector;
pub mod status;
pub mod store;
pub mod table;

pub use config::SimConfig;
