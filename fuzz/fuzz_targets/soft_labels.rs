//! Fuzz target: soft-label columns, parsed and written back (see `tweetner_fuzz::soft`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tweetner_fuzz::soft::check(data));
