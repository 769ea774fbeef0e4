//! `tweetner completions SHELL` and `tweetner man [DIR]`: what a packaged
//! command-line tool ships, generated from the same clap definitions as the
//! parser so they cannot drift from the flags.

use std::io;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use clap_complete::Shell;

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell (e.g. `tweetner completions bash > /etc/bash_completion.d/tweetner`).
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Args)]
pub struct ManArgs {
    /// Write `tweetner.1` and one page per subcommand (`tweetner-tag.1`, …)
    /// into this directory; without it, `tweetner.1` goes to stdout.
    pub dir: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs, mut cmd: clap::Command) -> Result<()> {
    clap_complete::generate(args.shell, &mut cmd, "tweetner", &mut io::stdout().lock());
    Ok(())
}

pub fn man(args: ManArgs, cmd: clap::Command) -> Result<()> {
    match args.dir {
        None => clap_mangen::Man::new(cmd).render(&mut io::stdout().lock())?,
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
        }
    }
    Ok(())
}
