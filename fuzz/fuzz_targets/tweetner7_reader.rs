//! Fuzz target: `tweetner_data::parse_tweetner7` (TweetNER7 JSON lines, plain and WNUT-style) and the CoNLL round trip of what it reads (see `tweetner_fuzz::tweetner7`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tweetner_fuzz::tweetner7::check(data));
