#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsdoctor_fuzz::untrusted_text(data));
