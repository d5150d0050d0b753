//! The server: one single-threaded runtime per core accepting on the same socket, each
//! connection served by hyper's HTTP/1 within [`Limits`], and the poll of the database's
//! `data_version` that keeps the answer cache in step with other processes' writes.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

use super::answer::harden;
use super::{router, AppState};

/// What the server allows its clients, so that idle, slow or numerous connections cannot shut
/// the others out (a slowloris, or a thousand idle sockets against a file limit of 1,024).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once, all server threads together, kept well below the
    /// process's file limit; further clients wait in the kernel's accept queue, holding no
    /// file of the process, until one closes.
    pub max_connections: usize,
    /// Longest wait for a complete request head (line and headers), counted from the
    /// connection's opening or from the end of the previous answer: a client that sends its
    /// head byte by byte, or keeps an idle connection open, is closed after it.
    pub header_timeout: Duration,
    /// Longest time a connection may go without a byte read or written (a client that stops
    /// reading its answer).
    pub idle_timeout: Duration,
}

impl Limits {
    /// Three quarters of the process's limit of open files (`RLIMIT_NOFILE`, read from
    /// `/proc/self/limits`), leaving the rest to the database, partner fetches and the
    /// runtime: 768 under the usual 1,024, 3,072 under the systemd unit's 4,096. 512 where
    /// the limit cannot be read; at most 65,536.
    pub fn connections_for_file_limit() -> usize {
        std::fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|text| {
                let line = text.lines().find(|l| l.starts_with("Max open files"))?;
                let soft = line
                    .trim_start_matches("Max open files")
                    .split_whitespace()
                    .next()?;
                Some(match soft {
                    "unlimited" => 65_536,
                    n => n.parse::<usize>().ok()?.saturating_mul(3) / 4,
                })
            })
            .map_or(512, |n| n.clamp(16, 65_536))
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// Seconds without a change of the data after which the store gives back its page caches.
const QUIET_SECONDS: u32 = 30;

/// Counts the seconds the data has not changed: true once per quiet spell, when it reaches
/// [`QUIET_SECONDS`].
#[derive(Default)]
struct Quiet {
    generation: (u64, i64),
    seconds: u32,
}

impl Quiet {
    /// One more second, the data at `generation`: true when the data just became quiet.
    fn second(&mut self, generation: (u64, i64)) -> bool {
        if generation != self.generation {
            self.generation = generation;
            self.seconds = 0;
            return false;
        }
        self.seconds = self.seconds.saturating_add(1);
        self.seconds == QUIET_SECONDS
    }
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Another process (`essaim fetch` from cron) may write the database: notice it within a
    // second so the cached outputs follow.
    // And once the data has not changed for `QUIET_SECONDS`, SQLite's page caches are given
    // back (`Store::release_memory`): the answers are in the answer cache by then.
    let poll_state = state.clone();
    let poller = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut quiet = Quiet::default();
        loop {
            tick.tick().await;
            let store = Arc::clone(&poll_state.store);
            if let Ok(Ok(v)) = tokio::task::spawn_blocking(move || store.data_version()).await {
                poll_state.external.store(v, Ordering::Relaxed);
            }
            if quiet.second(poll_state.generation()) {
                let store = Arc::clone(&poll_state.store);
                let _ = tokio::task::spawn_blocking(move || store.release_memory()).await;
            }
        }
    });
    // One single-threaded runtime per core, all accepting on the same socket (nginx's model:
    // a worker per core): a request is parsed, answered and written on one thread, with no
    // hand-over between threads. Queries still run off these threads (`spawn_blocking`).
    let listener = listener.into_std()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let limits = state.limits;
    // One count of connections for every thread: the cap holds for the process.
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let mut servers = Vec::new();
    for i in 0..web_threads() {
        let listener = listener.try_clone()?;
        let state = state.clone();
        let stopped = stopped.clone();
        let permits = Arc::clone(&permits);
        let (done, finished) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name(format!("essaim-web-{i}"))
            .spawn(move || {
                let serve = || -> std::io::Result<()> {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    runtime.block_on(async move {
                        let listener = TcpListener::from_std(listener)?;
                        accept_loop(listener, router(state), limits, permits, stopped).await;
                        Ok(())
                    })
                };
                let _ = done.send(serve());
            })?;
        servers.push(finished);
    }
    drop(listener);
    // Until the shutdown signal, or until a server stops by itself (an error).
    let first = tokio::select! {
        _ = shutdown => None,
        (result, index, _) = futures_util::future::select_all(servers.iter_mut()) => {
            Some((index, result))
        }
    };
    let _ = stop.send(true);
    let stopped_thread = || std::io::Error::other("a web server thread stopped");
    let mut result = Ok(());
    if let Some((index, r)) = first {
        servers.remove(index);
        result = r.unwrap_or_else(|_| Err(stopped_thread()));
    }
    for finished in servers {
        let r = finished.await.unwrap_or_else(|_| Err(stopped_thread()));
        if result.is_ok() {
            result = r;
        }
    }
    poller.abort();
    result
}

/// After the server is told to stop, how long a connection may take to finish its request
/// in flight (at most the idle timeout): a half-sent head does not hold the shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How long a thread waits before accepting again after `accept` failed (EMFILE: the file
/// limit is reached; the connections being served free files as they close).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Accepts connections on one server thread and serves each on its own task, while a
/// connection permit is free; after `stopped`, accepts no more and lets the connections
/// finish their requests in flight (idle ones are closed at once, slow ones within the
/// limits).
async fn accept_loop(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    permits: Arc<tokio::sync::Semaphore>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut connections = tokio::task::JoinSet::new();
    let told = stopped.clone();
    let accept = || async {
        // The permit first: beyond the cap, clients wait in the kernel's queue.
        let permit = Arc::clone(&permits).acquire_owned().await;
        (permit, listener.accept().await)
    };
    loop {
        tokio::select! {
            biased;
            _ = stopped.wait_for(|stop| *stop) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            (permit, accepted) = accept() => {
                let Ok(permit) = permit else { break };
                match accepted {
                    Ok((stream, _)) => {
                        connections.spawn(serve_connection(
                            stream,
                            http.clone(),
                            app.clone(),
                            limits.idle_timeout,
                            told.clone(),
                            permit,
                        ));
                    }
                    Err(e) => {
                        tracing::warn!(message = "Accepting a connection failed; retrying shortly.", error = %e);
                        drop(permit);
                        tokio::time::sleep(ACCEPT_RETRY).await;
                    }
                }
            }
        }
    }
    while connections.join_next().await.is_some() {}
}

/// When a connection last read or wrote a byte.
struct Activity {
    start: tokio::time::Instant,
    /// Milliseconds from `start`.
    last: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: tokio::time::Instant::now(),
            last: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> tokio::time::Instant {
        self.start + Duration::from_millis(self.last.load(Ordering::Relaxed))
    }
}

/// A socket that notes in its [`Activity`] every read or write that moved bytes.
struct Watched {
    stream: tokio::net::TcpStream,
    activity: Arc<Activity>,
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = std::pin::Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let result = std::pin::Pin::new(&mut self.stream).poll_write(cx, data);
        if matches!(result, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let result = std::pin::Pin::new(&mut self.stream).poll_write_vectored(cx, data);
        if matches!(result, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Serves one connection (HTTP/1.1, keep-alive) until the client closes it, its head is
/// late ([`Limits::header_timeout`]), it stays quiet for `idle`, or the server stops. Every
/// answer gets the headers of [`harden`]. The permit is returned when it ends.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    http: hyper::server::conn::http1::Builder,
    app: Router,
    idle: Duration,
    mut stopped: tokio::sync::watch::Receiver<bool>,
    _permit: tokio::sync::OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity::new());
    // The client's address, for the handlers that decide by it (`/metrics`).
    let peer = stream.peer_addr().ok();
    let io = hyper_util::rt::TokioIo::new(Watched {
        stream,
        activity: Arc::clone(&activity),
    });
    let app = hyper_util::service::TowerToHyperService::new(app);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
        if let Some(peer) = peer {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        let answer = hyper::service::Service::call(&app, request);
        async move {
            let mut response = answer.await?;
            harden(response.headers_mut());
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let connection = http.serve_connection(io, service);
    tokio::pin!(connection);
    // Once the server stops: the request in flight may finish, for a bounded time.
    let mut closing: Option<tokio::time::Instant> = None;
    loop {
        let quiet_until = activity.last() + idle;
        let give_up = closing.unwrap_or_else(|| quiet_until + idle);
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(message = "A connection ended with an error.", error = %e);
                }
                break;
            }
            _ = stopped.wait_for(|stop| *stop), if closing.is_none() => {
                closing = Some(tokio::time::Instant::now() + idle.min(SHUTDOWN_GRACE));
                connection.as_mut().graceful_shutdown();
            }
            _ = tokio::time::sleep_until(give_up), if closing.is_some() => {
                tracing::debug!(message = "Closed a connection still busy after the shutdown's grace.");
                break;
            }
            _ = tokio::time::sleep_until(quiet_until) => {
                if activity.last() + idle <= tokio::time::Instant::now() {
                    tracing::debug!(message = "Closed a connection idle for too long.");
                    break;
                }
            }
        }
    }
}

/// Web server threads: one per core, at most 8.
fn web_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_page_caches_are_given_back_once_per_quiet_spell() {
        let mut quiet = Quiet::default();
        let ticks = |quiet: &mut Quiet, generation, seconds| {
            (0..seconds).filter(|_| quiet.second(generation)).count()
        };
        assert_eq!(ticks(&mut quiet, (0, 0), QUIET_SECONDS - 1), 0, "too soon");
        assert_eq!(ticks(&mut quiet, (0, 0), 1), 1, "quiet for the whole spell");
        assert_eq!(
            ticks(&mut quiet, (0, 0), 10 * QUIET_SECONDS),
            0,
            "once only"
        );
        // A write (or another process's) starts a new spell.
        assert_eq!(ticks(&mut quiet, (1, 0), QUIET_SECONDS), 0);
        assert_eq!(ticks(&mut quiet, (1, 0), 1), 1);
        assert_eq!(ticks(&mut quiet, (1, 5), QUIET_SECONDS + 1), 1);
        // Writes every few seconds: never quiet.
        for g in 2..100 {
            assert_eq!(ticks(&mut quiet, (g, 5), QUIET_SECONDS / 2), 0);
        }
    }

    #[test]
    fn the_connection_cap_stays_below_the_file_limit() {
        let cap = Limits::connections_for_file_limit();
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
        let soft: Option<usize> = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .and_then(|l| l.split_whitespace().nth(3))
            .and_then(|n| n.parse().ok());
        match soft {
            Some(soft) => assert_eq!(cap, (soft * 3 / 4).clamp(16, 65_536), "{limits}"),
            None => assert!((16..=65_536).contains(&cap), "{cap}"),
        }
    }
}
