//! One module per subcommand.

pub mod bench;
pub mod calibrate;
pub mod data;
pub mod entity_bias;
pub mod eval;
pub mod io;
pub mod limits;
pub mod model;
pub mod models;
pub mod serve;
pub mod shell;
pub mod soften;
pub mod stream;
pub mod tag;
pub mod tokenize;
pub mod train;
pub mod trend_feed;
pub mod trends;
