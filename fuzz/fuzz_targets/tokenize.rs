//! Fuzz target: `tweetner_text::tokenize` on any UTF-8 input (see `tweetner_fuzz::text`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tweetner_fuzz::text::check_bytes(data));
