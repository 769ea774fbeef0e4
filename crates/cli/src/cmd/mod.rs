//! One module per subcommand.

pub mod data;
pub mod eval;
pub mod io;
pub mod tokenize;
pub mod train;
