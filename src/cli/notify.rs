//! systemd's service notifications (`sd_notify(3)`): `READY=1` once the daemon serves,
//! `WATCHDOG=1` while its scheduler turns, `STATUS=` after a reload and `STOPPING=1` at
//! shutdown, each a datagram to the socket named by `NOTIFY_SOCKET` (a path,
//! or `@name` for an abstract socket). Without `NOTIFY_SOCKET` (not run by systemd, or a
//! unit that is not `Type=notify`) nothing is sent.

use std::time::Duration;

/// Where notifications go; `None` when the process was not asked for them.
pub struct Notifier {
    #[cfg(unix)]
    target: Option<(
        std::os::unix::net::UnixDatagram,
        std::os::unix::net::SocketAddr,
    )>,
}

impl Notifier {
    /// The notifier `NOTIFY_SOCKET` asks for; a socket that cannot be used is logged once
    /// and notifications are then not sent.
    pub fn from_env() -> Notifier {
        #[cfg(unix)]
        {
            let Some(name) = std::env::var_os("NOTIFY_SOCKET") else {
                return Notifier { target: None };
            };
            match open(&name) {
                Ok(target) => Notifier {
                    target: Some(target),
                },
                Err(e) => {
                    tracing::warn!(
                        message = "Cannot use NOTIFY_SOCKET; systemd will not be notified.",
                        socket = %name.to_string_lossy(),
                        error = %e
                    );
                    Notifier { target: None }
                }
            }
        }
        #[cfg(not(unix))]
        Notifier {}
    }

    /// Whether notifications are sent.
    pub fn enabled(&self) -> bool {
        #[cfg(unix)]
        return self.target.is_some();
        #[cfg(not(unix))]
        false
    }

    /// Sends `state` (`KEY=value` lines); a failure is logged, never fatal.
    pub fn send(&self, state: &str) {
        #[cfg(unix)]
        if let Some((socket, addr)) = &self.target {
            if let Err(e) = socket.send_to_addr(state.as_bytes(), addr) {
                tracing::warn!(message = "Could not notify systemd.", state = %state, error = %e);
            }
        }
        #[cfg(not(unix))]
        let _ = state;
    }
}

#[cfg(unix)]
fn open(
    name: &std::ffi::OsStr,
) -> std::io::Result<(
    std::os::unix::net::UnixDatagram,
    std::os::unix::net::SocketAddr,
)> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let bytes = name.as_bytes();
    let addr = match bytes.strip_prefix(b"@") {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Some(abstract_name) => {
            #[cfg(target_os = "android")]
            use std::os::android::net::SocketAddrExt;
            #[cfg(target_os = "linux")]
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(abstract_name)?
        }
        _ if bytes.first() == Some(&b'/') => SocketAddr::from_pathname(name)?,
        _ => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "neither an absolute path nor @name",
            ))
        }
    };
    Ok((UnixDatagram::unbound()?, addr))
}

/// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, when it is set and
/// `WATCHDOG_PID` is unset or names this process.
pub fn watchdog_interval() -> Option<Duration> {
    if let Ok(pid) = std::env::var("WATCHDOG_PID") {
        if pid.trim().parse::<u32>().ok() != Some(std::process::id()) {
            return None;
        }
    }
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.trim().parse().ok()?;
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}
