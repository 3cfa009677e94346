//! systemd's notify protocol, spoken directly: `READY=1` once the kiosk shows its first frame,
//! and `WATCHDOG=1` from the UI loop, so systemd restarts a kiosk whose screen has frozen. One
//! datagram to `$NOTIFY_SOCKET`; without that variable (not under systemd) nothing is sent.

use std::ffi::OsStr;
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

/// Sends one state line to systemd. `Ok(false)` when not running under a notify socket.
pub fn notify(state: &str) -> std::io::Result<bool> {
    match std::env::var_os("NOTIFY_SOCKET") {
        Some(socket) => notify_to(&socket, state).map(|()| true),
        None => Ok(false),
    }
}

/// Sends one state line to a notify socket: a path, or an abstract name written `@name`.
pub fn notify_to(socket: &OsStr, state: &str) -> std::io::Result<()> {
    let out = UnixDatagram::unbound()?;
    let bytes = socket.as_encoded_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
        out.send_to_addr(state.as_bytes(), &addr)?;
    } else {
        out.send_to(state.as_bytes(), std::path::Path::new(socket))?;
    }
    Ok(())
}

/// How often to ping the watchdog: half of `WatchdogSec=`, if systemd set one for this process.
pub fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Ok(pid) = std::env::var("WATCHDOG_PID")
        && pid.parse::<u32>().ok() != Some(std::process::id())
    {
        return None;
    }
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_one_datagram_to_a_path_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.sock");
        let listener = UnixDatagram::bind(&path).unwrap();
        notify_to(path.as_os_str(), "READY=1").unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap_or(0);
        assert_eq!(&buf[..n], b"READY=1");
    }

    #[test]
    fn sends_to_an_abstract_socket() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("scantrail-test-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let listener = UnixDatagram::bind_addr(&addr).unwrap();
        notify_to(OsStr::new(&format!("@{name}")), "WATCHDOG=1").unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap_or(0);
        assert_eq!(&buf[..n], b"WATCHDOG=1");
    }

    #[test]
    fn a_missing_socket_is_an_error_not_a_hang() {
        assert!(notify_to(OsStr::new("/nonexistent/notify.sock"), "READY=1").is_err());
    }
}
