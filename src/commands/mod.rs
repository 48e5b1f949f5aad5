//! One module per subcommand. Each exposes `run`, which takes its parsed arguments, the
//! connection options and the output stream, and returns the plugin's [`Error`] on failure.
//!
//! [`Error`]: crate::error::Error

pub mod bump;
pub mod canary;
pub mod doctor;
pub mod down;
pub mod ls;
pub mod promote;
pub mod rollback;
pub mod status;
pub mod suggest_limits;
pub mod up;
pub mod version;
