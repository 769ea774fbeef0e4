//! Print the tokens of each stdin line as `text/kind`, space separated.
//!
//! Run: `echo "I'm at Joe's :) http://t.co/x" | cargo run -p tweetner-text --example tokenize`

use std::io::BufRead;

fn main() -> std::io::Result<()> {
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let shown: Vec<String> = tweetner_text::tokenize(&line)
            .iter()
            .map(|t| format!("{}/{:?}", t.text, t.kind))
            .collect();
        println!("{}", shown.join(" "));
    }
    Ok(())
}
