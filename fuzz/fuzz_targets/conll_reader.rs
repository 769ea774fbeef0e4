//! Fuzz target: `tweetner_data::ConllReader` (BIO, BIOES, IOB1, repair, tag column) and the writer round trip on arbitrary bytes (see `tweetner_fuzz::conll`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tweetner_fuzz::conll::check(data));
