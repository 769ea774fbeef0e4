//! The per-epoch progress bar both trainers draw on stderr.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar over `n` items labelled `epoch {label}`; hidden when `quiet`.
/// (`stderr()` already draws nothing when stderr is not a terminal, so logs
/// of background runs stay free of bar updates.)
pub fn epoch_bar(n: usize, label: String, quiet: bool) -> ProgressBar {
    let target = if quiet {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(Some(n as u64), target);
    if let Ok(style) = ProgressStyle::with_template(
        "epoch {prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed}, eta {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(label);
    bar
}
