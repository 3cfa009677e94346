//! Fuzz target for config parsing (`config.toml`, SPEC §10): any text either gives a config
//! or one error that names the file and a line; a config that parses passes its own checks
//! again when written back out as TOML; no error carries a raw control character to the
//! terminal it is printed on.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scantrail::config::Config;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.toml");
    match Config::parse(text, path) {
        Ok(config) => {
            let written = toml::to_string(&config)
                .unwrap_or_else(|e| panic!("a parsed config cannot be written: {e}"));
            let again = Config::parse(&written, path)
                .unwrap_or_else(|e| panic!("{written}\ndoes not parse again: {e}"));
            assert_eq!(again, config);
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.starts_with("fuzz.toml"), "{message}");
            assert!(
                !message.chars().any(|c| c.is_control() && c != '\n'),
                "a raw control character in {message:?}"
            );
        }
    }
});
