//! The command-line edge: argument parsing with clap, config and database discovery, output
//! as text or JSON, and the exit codes of SPEC §6 (0 success, 1 the request failed, 2 usage).
//! This is the only place that uses `anyhow`; everything below returns typed errors.

use crate::config::{Config, ConfigSource, Env};
use crate::store::Store;
use anyhow::Context as _;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

mod central;
mod completions;
mod config_cmd;
mod count;
mod db;
pub mod decode;
mod devices;
mod document;
mod export;
mod import;
mod init;
mod labels;
mod lot;
mod man;
mod replay;
mod run;
mod stock;
mod sync;
mod trace;

/// scantrail: barcode scans become a lot- and serial-tracked stock journal.
#[derive(Debug, Parser)]
#[command(name = "scantrail", version, about, long_about = None)]
pub struct Cli {
    /// The config file (else $SCANTRAIL_CONFIG, /etc/scantrail/config.toml, ./config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The database file (else database.path from the config, else the platform default).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// What to do; without one, the kiosk (`run`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The kiosk screen: scans from scanners and the keyboard, outcomes large and in colour.
    Run(run::RunArgs),
    /// Create the database (or bring an existing one up to date); --demo fills a new one with
    /// the demo catalog and a short history.
    Init(init::InitArgs),
    /// Load products, locations or orders from a CSV file, all or nothing.
    Import(import::ImportArgs),
    /// Stock on hand by product, lot and location.
    Stock(stock::StockArgs),
    /// A serial's history, or a lot's recall view.
    #[command(subcommand)]
    Trace(trace::TraceCommand),
    /// Quarantine or release a lot.
    #[command(subcommand)]
    Lot(lot::LotCommand),
    /// Cycle counts booked: their differences, for the supervisor.
    #[command(subcommand)]
    Count(count::CountCommand),
    /// A purchase order, sales order or return as paper: pick list, packing slip, receipt,
    /// with its lots and serials; as text, JSON or PDF.
    Document(document::DocumentArgs),
    /// Write the journal, the stock or the scan log as CSV or JSON, for spreadsheets and other systems.
    Export(export::ExportArgs),
    /// Check or copy the database.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Feed a file of scans through the kiosk's own scan session, headless.
    Replay(replay::ReplayArgs),
    /// Administer the central PostgreSQL database that stations sync through.
    Central(central::CentralArgs),
    /// One sync round with the central database (push, then pull), or where it stands.
    Sync(sync::SyncArgs),
    /// What the centre found when it put every station's scans together.
    Conflicts(sync::ConflictsArgs),
    /// Check or show the configuration.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Printable labels: serials, lots, locations, products and the command sheet.
    Labels(labels::LabelsArgs),
    /// Say what scans mean, without recording anything; --image reads them from pictures.
    Decode(decode::DecodeArgs),
    /// List input devices and which are scanners; --watch prints scans as they are read.
    Devices(devices::DevicesArgs),
    /// Print the Tab completion script for bash, zsh or fish (the package installs them).
    Completions(completions::CompletionsArgs),
    /// Print the manual page, scantrail(1), in roff: `scantrail man | man -l -`.
    Man,
}

/// What every command starts from: the config in force and where the database is.
pub struct Context {
    pub config: Config,
    pub source: ConfigSource,
    pub db_path: PathBuf,
}

impl Context {
    pub fn load(cli: &Cli) -> anyhow::Result<Context> {
        let env = Env::from_process();
        let (config, source) = Config::discover(cli.config.as_deref(), &env)?;
        let db_path = config.database_path(cli.db.as_deref(), &env);
        Ok(Context {
            config,
            source,
            db_path,
        })
    }

    /// Opens the database, which must exist.
    pub fn open_store(&self) -> anyhow::Result<Store> {
        Ok(Store::open_existing(&self.db_path, &self.config.database)?)
    }

    /// Opens the database, creating it if need be.
    pub fn create_store(&self) -> anyhow::Result<Store> {
        Ok(Store::open(&self.db_path, &self.config.database)?)
    }

    /// The station name recorded on what this command writes.
    pub fn station(&self) -> String {
        self.config.station_name()
    }
}

/// Parses the process arguments, runs the command and turns its result into an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scantrail: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Output cut short by the reader (`scantrail export … | head`) is not a failure.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs one parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.command.as_ref().unwrap_or(&DEFAULT_COMMAND);
    match command {
        Command::Config(cmd) => config_cmd::run(&cli, cmd),
        // Made from the command line's own definition: no config, no database.
        Command::Completions(args) => completions::run(args),
        Command::Man => man::run(),
        // With --db the store answers which products and serials are known; without it,
        // nothing is, and no database is created or needed.
        Command::Decode(args) => match &cli.db {
            Some(_) => {
                let ctx = Context::load(&cli)?;
                decode::run(&cli, args, &ctx.open_store()?)
            }
            None => decode::run(&cli, args, &crate::barcode::classify::NoStore),
        },
        command => {
            let ctx = Context::load(&cli)?;
            match command {
                Command::Init(args) => init::run(&ctx, args),
                Command::Import(args) => import::run(&ctx, args),
                Command::Stock(args) => stock::run(&ctx, args),
                Command::Trace(cmd) => trace::run(&ctx, cmd),
                Command::Lot(cmd) => lot::run(&ctx, cmd),
                Command::Count(cmd) => count::run(&ctx, cmd),
                Command::Document(args) => document::run(&ctx, args),
                Command::Export(args) => export::run(&ctx, args),
                Command::Db(cmd) => db::run(&ctx, cmd),
                Command::Replay(args) => replay::run(&ctx, args),
                Command::Run(args) => run::run(&ctx, args),
                Command::Devices(args) => devices::run(&ctx, args),
                Command::Central(args) => central::run(&ctx, args),
                Command::Sync(args) => sync::run(&ctx, args),
                Command::Conflicts(args) => sync::conflicts(&ctx, args),
                Command::Labels(args) => labels::run(&ctx, args),
                Command::Config(_)
                | Command::Decode(_)
                | Command::Completions(_)
                | Command::Man => unreachable_config(),
            }
        }
    }
}

/// `scantrail` alone runs the kiosk.
const DEFAULT_COMMAND: Command = Command::Run(run::RunArgs {
    demo: false,
    headless: false,
});

fn unreachable_config() -> anyhow::Result<ExitCode> {
    anyhow::bail!("internal: config command dispatched twice")
}

/// Like `println!`, but a stdout closed by its reader (`scantrail export … | head`) is an
/// error the command returns (and `main` treats as a normal end), not a panic.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}
pub(crate) use outln;

/// Writes one JSON document and a newline to stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    json_to_writer(&mut out, value).context("cannot write JSON")?;
    writeln!(out)?;
    Ok(())
}

/// JSON that is safe to print on a terminal: serde_json escapes the C0 controls, and this
/// formatter also writes DEL, the C1 controls and the invisible format characters (see
/// `session::shown`) as `\u` escapes, so that a value read from a barcode or a file cannot
/// drive the terminal; any JSON reader still gets the exact value.
struct TerminalSafe;

impl serde_json::ser::Formatter for TerminalSafe {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if c == '\u{7f}'
                || ('\u{80}'..='\u{9f}').contains(&c)
                || crate::session::is_invisible_format(c)
            {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Writes `value` as JSON through [`TerminalSafe`].
pub fn json_to_writer<W: Write, T: serde::Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(writer, TerminalSafe);
    value.serialize(&mut serializer)
}

/// `value` as one line of JSON, through [`TerminalSafe`].
pub fn json_line<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    json_to_writer(&mut out, value)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A text table with aligned columns, the last column right-aligned (quantities).
pub fn print_table(header: &[&str], rows: &[Vec<String>]) -> anyhow::Result<()> {
    // Cells are stored texts: escaped, so none can drive the terminal.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| crate::session::shown(cell)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = std::io::stdout().lock();
    let line = |cells: Vec<&str>| -> String {
        let last = cells.len().saturating_sub(1);
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == last {
                    format!("{c:>w$}", w = widths[i])
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in &rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}
