//! One module per subcommand. Each exposes `run`, which takes its parsed arguments, the
//! connection options and the output stream, and returns the plugin's [`Error`] on failure.
//!
//! [`Error`]: crate::error::Error

pub mod doctor;
pub mod up;
pub mod version;
