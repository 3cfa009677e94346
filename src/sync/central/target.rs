//! Where the central database is and how to reach it safely: a `postgresql://` URL read into
//! a tokio-postgres config plus the TLS that the URL asks for, with the rules of SPEC §7.
//!
//! tokio-postgres knows only `disable`, `prefer` and `require`, and with `prefer` it falls
//! back to plaintext without a word. So scantrail reads `sslmode` and `sslrootcert` itself:
//! `verify-full` (the certificate chains to the root certificate and names the host),
//! `verify-ca` (it chains), `require` (encrypted, not verified), `disable`; without an
//! `sslmode`, a loopback host or a Unix socket is reached as libpq's `prefer` would, and any
//! other host is refused before a byte is sent, unless the URL says `sslmode=disable`.

use super::CentralError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use tokio_postgres::config::{Host, SslMode};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// `sslmode=disable`, said explicitly (or a loopback host that does not offer TLS).
    Disable,
    /// Loopback or a Unix socket without `sslmode`: TLS if the server offers it.
    Prefer,
    /// Encrypted; the certificate is not checked.
    Require,
    /// Encrypted; the certificate chains to `sslrootcert`.
    VerifyCa,
    /// Encrypted; the certificate chains to `sslrootcert` and names the host.
    VerifyFull,
}

impl TlsMode {
    fn parse(value: &str) -> Result<TlsMode, CentralError> {
        match value {
            "disable" => Ok(TlsMode::Disable),
            "prefer" => Ok(TlsMode::Prefer),
            "require" => Ok(TlsMode::Require),
            "verify-ca" => Ok(TlsMode::VerifyCa),
            "verify-full" => Ok(TlsMode::VerifyFull),
            other => Err(CentralError::BadUrl {
                reason: format!(
                    "sslmode={other} is not one of disable, require, verify-ca, verify-full"
                ),
            }),
        }
    }
}

/// A parsed central URL: what tokio-postgres is given, and what scantrail keeps for itself.
#[derive(Debug, Clone)]
pub struct Target {
    pub(super) pg: tokio_postgres::Config,
    pub(super) tls: TlsMode,
    root_cert: Option<PathBuf>,
    /// `host[:port]` as the URL writes it, for a station's URL and for messages.
    pub(super) authority: String,
    /// `/dbname`, or empty.
    path: String,
    /// The URL's `sslmode` and `sslrootcert`, as written, for a station's URL.
    tls_params: Vec<String>,
    /// Every host is this machine (loopback or a Unix socket).
    local: bool,
}

impl Target {
    /// Reads a `postgresql://USER@HOST:PORT/DB?sslmode=…` URL and applies the TLS rules.
    pub fn parse(url: &str) -> Result<Target, CentralError> {
        let bad = |reason: &str| CentralError::BadUrl {
            reason: reason.to_owned(),
        };
        let rest = url
            .strip_prefix("postgresql://")
            .or_else(|| url.strip_prefix("postgres://"))
            .ok_or_else(|| bad("write it as postgresql://USER@HOST:PORT/DATABASE?sslmode=…"))?;
        let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = match before_query.find('/') {
            Some(i) => before_query.split_at(i),
            None => (before_query, ""),
        };
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let mut tls = None;
        let mut root_cert = None;
        let mut passed = Vec::new();
        let mut tls_params = Vec::new();
        for param in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            match key {
                "sslmode" => {
                    tls = Some(TlsMode::parse(&percent_decode(value))?);
                    tls_params.push(param.to_owned());
                }
                "sslrootcert" => {
                    root_cert = Some(PathBuf::from(percent_decode(value)));
                    tls_params.push(param.to_owned());
                }
                _ => passed.push(param),
            }
        }
        let mut pg_url = format!("postgresql://{before_query}");
        if !passed.is_empty() {
            pg_url.push('?');
            pg_url.push_str(&passed.join("&"));
        }
        let mut pg =
            tokio_postgres::Config::from_str(&pg_url).map_err(|e| CentralError::BadUrl {
                reason: e.to_string(),
            })?;
        if pg.get_hosts().is_empty() {
            return Err(bad("it names no host"));
        }
        let local = pg.get_hosts().iter().all(is_local);
        let tls = match tls {
            Some(TlsMode::Prefer) if !local => {
                return Err(CentralError::PlaintextRefused {
                    host: host_port.to_owned(),
                });
            }
            Some(mode) => mode,
            None if local => TlsMode::Prefer,
            None => {
                return Err(CentralError::PlaintextRefused {
                    host: host_port.to_owned(),
                });
            }
        };
        if matches!(tls, TlsMode::VerifyCa | TlsMode::VerifyFull) && root_cert.is_none() {
            return Err(bad(
                "sslmode=verify-full (or verify-ca) needs sslrootcert=FILE, the root certificate that signed the server's",
            ));
        }
        pg.ssl_mode(match tls {
            TlsMode::Disable => SslMode::Disable,
            TlsMode::Prefer => SslMode::Prefer,
            TlsMode::Require | TlsMode::VerifyCa | TlsMode::VerifyFull => SslMode::Require,
        });
        if pg.get_connect_timeout().is_none() {
            pg.connect_timeout(std::time::Duration::from_secs(10));
        }
        Ok(Target {
            pg,
            tls,
            root_cert,
            authority: host_port.to_owned(),
            path: path.to_owned(),
            tls_params,
            local,
        })
    }

    /// Whether every host is this machine: a station elsewhere cannot use this URL's host.
    pub fn is_local(&self) -> bool {
        self.local
    }

    /// The host as the URL names it, for messages.
    pub fn host(&self) -> &str {
        &self.authority
    }

    /// The URL a station uses: this target's host, database and TLS, another role.
    pub fn station_url(&self, role: &str, password: &str) -> String {
        let mut url = format!(
            "postgresql://{}:{}@{}{}",
            percent_encode(role),
            percent_encode(password),
            self.authority,
            self.path
        );
        if !self.tls_params.is_empty() {
            url.push('?');
            url.push_str(&self.tls_params.join("&"));
        }
        url
    }

    /// The rustls config for this target's mode, or `None` for plaintext.
    pub(super) fn rustls(&self) -> Result<Option<ClientConfig>, CentralError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls_error = |e: rustls::Error| CentralError::BadUrl {
            reason: format!("TLS cannot be set up: {e}"),
        };
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?;
        let config = match self.tls {
            TlsMode::Disable => return Ok(None),
            TlsMode::Prefer | TlsMode::Require => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
                .with_no_client_auth(),
            TlsMode::VerifyCa | TlsMode::VerifyFull => {
                let roots = Arc::new(self.roots()?);
                let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
                    roots.clone(),
                    provider.clone(),
                )
                .build()
                .map_err(|e| CentralError::RootCert {
                    file: self.root_file(),
                    reason: e.to_string(),
                })?;
                if self.tls == TlsMode::VerifyFull {
                    builder.with_root_certificates(roots).with_no_client_auth()
                } else {
                    builder
                        .dangerous()
                        .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)))
                        .with_no_client_auth()
                }
            }
        };
        Ok(Some(config))
    }

    fn root_file(&self) -> PathBuf {
        self.root_cert.clone().unwrap_or_default()
    }

    fn roots(&self) -> Result<RootCertStore, CentralError> {
        let file = self.root_file();
        let err = |reason: String| CentralError::RootCert {
            file: file.clone(),
            reason,
        };
        let mut roots = RootCertStore::empty();
        let certs = CertificateDer::pem_file_iter(&file).map_err(|e| err(e.to_string()))?;
        for cert in certs {
            let cert = cert.map_err(|e| err(e.to_string()))?;
            roots.add(cert).map_err(|e| err(e.to_string()))?;
        }
        if roots.is_empty() {
            return Err(err("it holds no PEM certificate".into()));
        }
        Ok(roots)
    }
}

/// Whether a host is this machine: a Unix socket, `localhost` or a loopback address.
fn is_local(host: &Host) -> bool {
    match host {
        Host::Tcp(name) => {
            let name = name.trim_start_matches('[').trim_end_matches(']');
            name.eq_ignore_ascii_case("localhost")
                || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        Host::Unix(_) => true,
    }
}

/// Reads a password file, which must not be readable by anyone but its owner.
pub fn read_password_file(file: &Path) -> Result<String, CentralError> {
    use std::os::unix::fs::PermissionsExt as _;
    let unreadable = |e: std::io::Error| CentralError::PasswordFile {
        file: file.to_owned(),
        reason: e.to_string(),
    };
    let meta = std::fs::metadata(file).map_err(unreadable)?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CentralError::PasswordFileOpen {
            file: file.to_owned(),
            mode,
        });
    }
    let text = std::fs::read_to_string(file).map_err(unreadable)?;
    let password = text.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        return Err(CentralError::PasswordFile {
            file: file.to_owned(),
            reason: "it is empty".into(),
        });
    }
    Ok(password.to_owned())
}

/// `%XX` escapes undone (a `+` stays a `+`, as in libpq).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Everything but unreserved characters escaped, for a URL's user and password.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `sslmode=require` (and `prefer`): encrypted, the certificate not checked, as in libpq.
/// The handshake's signatures are still verified against the certificate's key.
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain must lead to the root certificate; the name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remote_host_without_sslmode_is_refused_before_connecting() {
        let err = Target::parse("postgresql://dock1@db.example.com/wh").unwrap_err();
        assert!(
            matches!(err, CentralError::PlaintextRefused { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("db.example.com"), "{err}");
        let err = Target::parse("postgresql://dock1@10.0.0.5/wh?sslmode=prefer").unwrap_err();
        assert!(
            matches!(err, CentralError::PlaintextRefused { .. }),
            "{err}"
        );
    }

    #[test]
    fn sslmode_rules() {
        let t = Target::parse("postgresql://u@db.example.com/wh?sslmode=disable").unwrap();
        assert_eq!(t.tls, TlsMode::Disable);
        let t = Target::parse("postgresql://u@db.example.com:6432/wh?sslmode=require").unwrap();
        assert_eq!(t.tls, TlsMode::Require);
        assert_eq!(t.host(), "db.example.com:6432");
        let t = Target::parse("postgres://u@localhost/wh").unwrap();
        assert_eq!(t.tls, TlsMode::Prefer);
        let t = Target::parse("postgres://u@[::1]:5433/wh").unwrap();
        assert_eq!(t.tls, TlsMode::Prefer);
        let err =
            Target::parse("postgresql://u@db.example.com/wh?sslmode=verify-full").unwrap_err();
        assert!(err.to_string().contains("sslrootcert"), "{err}");
        let err = Target::parse("postgresql://u@db/wh?sslmode=bogus").unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");
        assert!(Target::parse("host=db user=u").is_err());
    }

    #[test]
    fn a_station_url_keeps_host_database_and_tls() {
        let t = Target::parse(
            "postgresql://admin:secret@db.example.com:5432/wh?sslmode=verify-full&sslrootcert=%2Fetc%2Froot.crt&application_name=x",
        )
        .unwrap();
        assert_eq!(t.root_cert.as_deref(), Some(Path::new("/etc/root.crt")));
        assert_eq!(
            t.station_url("wh.dock 1", "p@ss"),
            "postgresql://wh.dock%201:p%40ss@db.example.com:5432/wh?sslmode=verify-full&sslrootcert=%2Fetc%2Froot.crt"
        );
    }

    #[test]
    fn a_password_file_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("central.pw");
        std::fs::write(&file, "s3cret\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = read_password_file(&file).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("central.pw") && text.contains("chmod 600"),
            "{text}"
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_password_file(&file).unwrap(), "s3cret");
    }
}
