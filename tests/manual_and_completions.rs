//! `scantrail man` and `scantrail completions SHELL`, run through the real binary: both are
//! made from the command line's definition when they run, so every subcommand there — today's
//! and any added later — is in the page and in each shell's completions. Neither needs a
//! config or a database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use clap::CommandFactory;
use scantrail::cli::Cli;
use std::process::Command;

/// Runs scantrail with a config file that does not exist: these commands must not read one.
fn stdout_of(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .args(args)
        .env("SCANTRAIL_CONFIG", "/nonexistent/scantrail/config.toml")
        .output()
        .expect("run scantrail");
    assert!(
        out.status.success(),
        "scantrail {args:?}: exit {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every subcommand at every depth, as the words typed: ["trace", "lot"].
fn command_lines() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let mut line = prefix.to_vec();
            line.push(sub.get_name().to_owned());
            out.push(line.clone());
            walk(sub, &line, out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), &[], &mut out);
    out
}

#[test]
fn the_man_page_has_a_subsection_for_every_command() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH scantrail 1"), "{page}");
    let lines = command_lines();
    assert!(lines.len() > 20, "{lines:?}");
    for line in &lines {
        let heading = format!(".SS \"scantrail {}\"", line.join(" "));
        assert!(page.contains(&heading), "no {heading} in the man page");
    }
    for section in [".SH SYNOPSIS", ".SH OPTIONS", ".SH COMMANDS", ".SH FILES"] {
        assert!(page.contains(section), "no {section}");
    }
}

#[test]
fn each_shell_completes_every_subcommand() {
    let lines = command_lines();
    let top: Vec<&str> = lines
        .iter()
        .filter(|l| l.len() == 1)
        .map(|l| l[0].as_str())
        .collect();
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout_of(&["completions", shell]);
        for name in &top {
            let named = match shell {
                "bash" => script.contains(&format!("scantrail,{name})")),
                "zsh" => script.contains(&format!("'{name}:")),
                _ => script.contains(&format!("-a \"{name}\"")),
            };
            assert!(named, "{shell} completion does not offer {name}");
        }
    }
    // Nested commands complete too: `scantrail trace <Tab>` offers lot and serial.
    let bash = stdout_of(&["completions", "bash"]);
    assert!(bash.contains("scantrail__subcmd__trace,lot)"));
    let fish = stdout_of(&["completions", "fish"]);
    assert!(fish.contains("__fish_scantrail_using_subcommand trace"));
    assert!(fish.contains("-a \"lot\""));
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bash") && stderr.contains("fish"),
        "{stderr}"
    );
}
