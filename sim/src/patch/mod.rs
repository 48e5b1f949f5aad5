//! Patch types the API server accepts: JSON patch, merge patch, strategic merge patch and
//! server-side apply (with managed fields).

pub mod schema;
pub mod smp;
pub mod ssa;
