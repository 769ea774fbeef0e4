//! `tweetner tokenize`: raw text in, one JSON object per input line out.

use std::io::{self, BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use super::io::open_input;

#[derive(Args)]
pub struct TokenizeArgs {
    /// Texts to tokenize; without any, lines are read from --input (or stdin).
    pub texts: Vec<String>,
    /// File of one raw tweet per line (`-` for stdin).
    #[arg(long, short, default_value = "-")]
    pub input: PathBuf,
}

pub fn run(args: TokenizeArgs) -> Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if !args.texts.is_empty() {
        for text in &args.texts {
            write_line(&mut out, text)?;
        }
    } else {
        let mut input = open_input(&args.input)?;
        let mut buf = Vec::new();
        let mut line_no = 0usize;
        loop {
            buf.clear();
            if input.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            line_no += 1;
            let line = std::str::from_utf8(&buf).with_context(|| {
                format!(
                    "{}:{line_no}: input is not valid UTF-8",
                    args.input.display()
                )
            })?;
            write_line(&mut out, line.trim_end_matches(['\n', '\r']))?;
        }
    }
    out.flush()?;
    Ok(())
}

fn write_line(out: &mut impl Write, text: &str) -> Result<()> {
    let tokens = tweetner_text::tokenize(text);
    let obj = serde_json::json!({ "text": text, "tokens": tokens });
    serde_json::to_writer(&mut *out, &obj)?;
    out.write_all(b"\n")?;
    Ok(())
}
