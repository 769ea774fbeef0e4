//! Fuzz target: Tag-scheme conversions and spans on sequences over a small tag alphabet, one tag per byte (see `tweetner_fuzz::tags`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tweetner_fuzz::tags::check(data));
