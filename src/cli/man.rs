//! `scantrail man`: the manual page, scantrail(1), written in roff to stdout. One page for the
//! program and every subcommand, made from the clap definitions when it runs, so a command
//! added to the CLI is in the page without anyone writing it twice. The Debian package ships
//! what this prints (`debian/package.sh`); `scantrail man | man -l -` reads it anywhere else.

use super::Cli;
use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};
use std::io::Write;
use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    out.write_all(&page()?)?;
    Ok(ExitCode::SUCCESS)
}

/// The whole page: the program's own sections, then COMMANDS with one subsection per
/// subcommand at every depth (`scantrail trace lot`), then what clap does not know.
pub fn page() -> std::io::Result<Vec<u8>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let man = Man::new(cmd.clone()).manual("scantrail manual");
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    page.extend_from_slice(b".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        subcommand(sub, &mut page)?;
    }
    page.extend_from_slice(closing_sections().render().as_bytes());
    Ok(preamble_once(&page))
}

/// Each render of the roff crate starts with the same two lines that define `\*(Aq`; the page
/// needs them once, at its top.
fn preamble_once(page: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(page.len());
    let mut seen = 0;
    for line in page.split_inclusive(|&b| b == b'\n') {
        let preamble = line.starts_with(b".ie \\n(.g .ds Aq") || line.starts_with(b".el .ds Aq");
        if preamble {
            seen += 1;
            if seen > 2 {
                continue;
            }
        }
        out.extend_from_slice(line);
    }
    out
}

/// One subcommand as a subsection named by its whole command line, its subcommands after
/// it. The global options and --help are left out: the program's OPTIONS list them once.
fn subcommand(sub: &clap::Command, page: &mut Vec<u8>) -> std::io::Result<()> {
    let name = sub.get_bin_name().unwrap_or_else(|| sub.get_name());
    let own = sub
        .clone()
        .mut_args(|arg| {
            if arg.is_global_set() || arg.get_id() == "help" {
                arg.hide(true)
            } else {
                arg
            }
        })
        .bin_name(name);
    let man = Man::new(own);
    let mut roff = Roff::new();
    roff.control("SS", [name]);
    page.extend_from_slice(roff.render().as_bytes());
    page.extend_from_slice(&demoted(&man, Man::render_synopsis_section)?);
    page.extend_from_slice(&demoted(&man, Man::render_description_section)?);
    let options = demoted(&man, Man::render_options_section)?;
    if options.windows(3).any(|w| w == b".TP") {
        page.extend_from_slice(&options);
    }
    for nested in sub.get_subcommands().filter(|s| !s.is_hide_set()) {
        subcommand(nested, page)?;
    }
    Ok(())
}

/// One section of clap_mangen's without its own `.SH` heading, which would end the
/// subsection: a paragraph break stands in its place.
fn demoted(
    man: &Man,
    render: fn(&Man, &mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<Vec<u8>> {
    let mut section = Vec::new();
    render(man, &mut section)?;
    let mut out = Vec::with_capacity(section.len());
    for line in section.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b".SH ") {
            out.extend_from_slice(b".PP\n");
        } else {
            out.extend_from_slice(line);
        }
    }
    Ok(out)
}

/// EXIT STATUS, FILES, ENVIRONMENT and SEE ALSO: the contract of README.md and SPEC §6.
fn closing_sections() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in [
        ("0", "success"),
        ("1", "the request failed; the reason is on standard error"),
        ("2", "a usage error: an unknown command, option or value"),
    ] {
        roff.control("TP", [])
            .text([bold(code)])
            .text([roman(meaning)]);
    }
    roff.control("SH", ["FILES"]);
    for (path, meaning) in [
        (
            "/etc/scantrail/config.toml",
            "the configuration, every key documented in it; then ./config.toml, then built-in defaults",
        ),
        (
            "/var/lib/scantrail/scantrail.db",
            "the journal under systemd (StateDirectory=scantrail); else database.path from the config, else $XDG_DATA_HOME/scantrail/scantrail.db",
        ),
        (
            "/usr/lib/systemd/system/scantrail.service",
            "the kiosk on tty1; scantrail-headless.service for a station with no screen",
        ),
        (
            "/usr/lib/udev/rules.d/70-scantrail-scanners.rules",
            "gives USB barcode scanners of the known makers to the scantrail group",
        ),
    ] {
        roff.control("TP", [])
            .text([italic(path)])
            .text([roman(meaning)]);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, meaning) in [
        (
            "SCANTRAIL_CONFIG",
            "the config file, when --config is not given",
        ),
        (
            "SCANTRAIL_CENTRAL_URL",
            "the central database, when --url is not given",
        ),
        (
            "STATE_DIRECTORY",
            "set by systemd: the database is scantrail.db in it",
        ),
    ] {
        roff.control("TP", [])
            .text([bold(name)])
            .text([roman(meaning)]);
    }
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(
        "/usr/share/doc/scantrail/README.md; systemd.exec(5), udev(7)",
    )]);
    roff
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> String {
        String::from_utf8(page().unwrap()).unwrap()
    }

    #[test]
    fn every_command_at_every_depth_has_its_subsection() {
        let page = text();
        let mut cmd = Cli::command().disable_help_subcommand(true);
        cmd.build();
        fn walk(cmd: &clap::Command, page: &str) {
            for sub in cmd.get_subcommands() {
                let name = sub.get_bin_name().unwrap();
                assert!(page.contains(&format!(".SS \"{name}\"")), "{name} missing");
                walk(sub, page);
            }
        }
        walk(&cmd, &page);
        assert!(page.contains(".SS \"scantrail trace lot\""));
    }

    #[test]
    fn global_options_are_listed_once() {
        let page = text();
        assert!(page.contains(".TH scantrail 1"));
        let commands = &page[page.find(".SH COMMANDS").unwrap()..page.find(".SH \"EXIT").unwrap()];
        assert!(
            !commands.contains("\\fB\\-\\-config\\fR"),
            "--config under a command"
        );
        assert!(
            !commands.contains("\\fB\\-\\-help\\fR"),
            "--help under a command"
        );
        assert!(
            !page.contains("scantrail\\-run(1)"),
            "no pages of their own"
        );
        assert_eq!(page.matches(".ds Aq").count(), 2, "the preamble once");
        assert!(page.starts_with(".ie \\n(.g .ds Aq"));
    }
}
