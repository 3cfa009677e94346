//! Sending ZPL to the label printer of `[labels] printer`: a device file (a USB printer's
//! `/dev/usb/lp0`, or any file) written in one go, or `host:port` of a network printer, whose
//! raw port (9100) takes the bytes over TCP. The only I/O of `labels`.

use std::io::Write as _;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

/// Where labels are printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printer {
    Device(PathBuf),
    Network(String),
}

/// A printer that could not take the labels; the message names it.
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    #[error(
        "no label printer is set: add printer = \"/dev/usb/lp0\" or \"HOST:9100\" to [labels] in the config"
    )]
    NotSet,
    #[error(
        "the label printer {path} is not there: {cause}; check that it is plugged in and \
         switched on, and that this user may write to it (docs/labels.md, Printers)"
    )]
    Device {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(
        "the label printer {address} cannot be reached: {cause}; check that it is switched on \
         and on the network, and its address in [labels] printer"
    )]
    Network {
        address: String,
        cause: std::io::Error,
    },
    #[error(
        "the label printer {name} did not take the label within {seconds} s: check that it is \
         switched on, has paper and ribbon, and is not paused"
    )]
    Stuck { name: String, seconds: u64 },
}

impl Printer {
    /// Reads `[labels] printer`: `host:port` when it has no `/` and ends in a port number,
    /// else a device file.
    pub fn from_config(setting: Option<&str>) -> Result<Printer, PrinterError> {
        let setting = setting.ok_or(PrinterError::NotSet)?;
        let is_address = !setting.contains('/')
            && setting
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        Ok(if is_address {
            Printer::Network(setting.to_owned())
        } else {
            Printer::Device(PathBuf::from(setting))
        })
    }

    /// The printer's name for messages.
    pub fn name(&self) -> String {
        match self {
            Printer::Device(path) => path.display().to_string(),
            Printer::Network(address) => address.clone(),
        }
    }

    /// Sends `zpl` as [`Printer::send`] does, but waits at most `wait`: a printer that takes
    /// no data (a USB printer out of paper blocks its writer, a device that nobody reads
    /// blocks the open, a host name can take long to resolve) is an error that names it, and
    /// the caller goes on. The send itself goes on in its own thread until the device lets
    /// it go.
    pub fn send_within(&self, zpl: &[u8], wait: Duration) -> Result<(), PrinterError> {
        let (done, outcome) = std::sync::mpsc::channel();
        let printer = self.clone();
        let zpl = zpl.to_vec();
        std::thread::Builder::new()
            .name("printer".into())
            .spawn(move || {
                // The receiver may have given up waiting: nobody to tell, then.
                let _ = done.send(printer.send(&zpl));
            })
            .map_err(|cause| PrinterError::Device {
                path: PathBuf::from(self.name()),
                cause,
            })?;
        outcome
            .recv_timeout(wait)
            .unwrap_or(Err(PrinterError::Stuck {
                name: self.name(),
                seconds: wait.as_secs().max(1),
            }))
    }

    /// Sends `zpl` and waits until it has been handed over. A device file must exist
    /// already: a missing `/dev/usb/lp0` means the printer is off, not a file to create.
    pub fn send(&self, zpl: &[u8]) -> Result<(), PrinterError> {
        match self {
            Printer::Device(path) => {
                let failed = |cause| PrinterError::Device {
                    path: path.clone(),
                    cause,
                };
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(failed)?;
                file.write_all(zpl).map_err(failed)?;
                file.flush().map_err(failed)
            }
            Printer::Network(address) => {
                let failed = |cause| PrinterError::Network {
                    address: address.clone(),
                    cause,
                };
                let timeout = Duration::from_secs(5);
                let addrs: Vec<_> = address.to_socket_addrs().map_err(failed)?.collect();
                let mut last =
                    std::io::Error::new(std::io::ErrorKind::NotFound, "the name has no address");
                for addr in addrs {
                    match TcpStream::connect_timeout(&addr, timeout) {
                        Ok(mut stream) => {
                            stream.set_write_timeout(Some(timeout)).map_err(failed)?;
                            stream.write_all(zpl).map_err(failed)?;
                            stream.flush().map_err(failed)?;
                            return stream.shutdown(std::net::Shutdown::Write).map_err(failed);
                        }
                        Err(e) => last = e,
                    }
                }
                Err(failed(last))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printer_that_takes_nothing_is_an_error_naming_it_not_a_hang() {
        // A named pipe that nobody reads: opening it for writing blocks for ever, as a
        // USB printer's device can when the printer is stuck.
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("lp0");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let printer = Printer::Device(fifo.clone());
        let err = printer
            .send_within(b"^XA^XZ", Duration::from_millis(300))
            .expect_err("nobody reads the pipe");
        assert!(matches!(err, PrinterError::Stuck { .. }), "{err}");
        assert!(
            err.to_string().contains(&fifo.display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn a_printer_that_takes_the_label_in_time_is_ok() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("printed.zpl");
        std::fs::write(&file, b"").expect("create");
        let printer = Printer::Device(file.clone());
        printer
            .send_within(b"^XA^XZ", Duration::from_secs(30))
            .expect("a file takes it");
        assert_eq!(std::fs::read(&file).expect("read"), b"^XA^XZ");
    }
}
