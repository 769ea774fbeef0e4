//! Fuzz target: `tweetner_eval::score_conlleval` on arbitrary bytes (see `tweetner_fuzz::conlleval`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tweetner_fuzz::conlleval::check(data));
