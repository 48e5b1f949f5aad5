//! Blue/green and canary releases with plain Deployments and Services: the pure part of
//! `promote`, `rollback` and `canary` (the commands in `crate::commands` do the I/O).
//!
//! - [`model`]: colours, selectors and the API objects reduced to what releases need, plus
//!   [`model::colours_of`] for `status`;
//! - [`gates`]: what must hold before a Service's selector may switch;
//! - [`canary`]: Argo Rollouts' replica split for a traffic weight;
//! - [`plan`]: what each command will write, decided before writing;
//! - [`patch`]: the `test`-guarded JSON patches that write it;
//! - [`report`]: what the commands print.

pub mod canary;
pub mod gates;
pub mod model;
pub mod patch;
pub mod plan;
pub mod report;
