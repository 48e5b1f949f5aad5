//! kube-sim's conformance suite: real kubectl and kube-rs against the simulator, asserting on
//! their output and on the objects that result.

mod common;
mod kube_client;
mod kubectl;
