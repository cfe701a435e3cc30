//! `<monitor type="munin">`: a munin-node client (TCP text protocol) polled on its own thread,
//! mapped to Tsung's metrics as Tsung's munin monitor does:
//!
//! * `cpu`: the increase of every `fetch cpu` field but `idle` (jiffies, 100 per second and
//!   core) per second, divided by the number of cores (`--upper-limit` of `config cpu` / 100):
//!   percent of all cores, between two fetches;
//! * `freemem`: `free + buffers + cached` of `fetch memory`, in MB;
//! * `load`: the sum of `fetch load`'s values (one field, the load average).
//!
//! Samples are named after the host the node announces (`# munin node at NAME`).

use stampede_metrics::HostSample;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a connect or an answer may take.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Longest answer accepted (lines), against a peer that never ends one.
const MAX_LINES: usize = 10_000;

/// `name.value N` pairs of one `fetch`/`config` answer.
pub(crate) type Fields = Vec<(String, f64)>;

/// Parses one answer's lines (without the closing `.`): `key value` pairs with a numeric
/// value; other lines are skipped.
pub(crate) fn parse_fields<'a>(lines: impl IntoIterator<Item = &'a str>) -> Fields {
    lines
        .into_iter()
        .filter_map(|l| {
            let mut t = l.split_whitespace();
            let (key, value, rest) = (t.next()?, t.next()?, t.next());
            if rest.is_some() {
                return None;
            }
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(|v| (key.to_owned(), v))
        })
        .collect()
}

/// Cores of the node from its `config cpu` answer: `graph_args … --upper-limit N` (or
/// `user.max N`) is `100 × cores`; 1 when absent.
pub(crate) fn cores_from_config<'a>(lines: impl IntoIterator<Item = &'a str>) -> f64 {
    let mut from_max = None;
    for line in lines {
        if let Some(args) = line.strip_prefix("graph_args ") {
            let mut t = args.split_whitespace();
            while let Some(word) = t.next() {
                if word == "--upper-limit"
                    && let Some(n) = t.next().and_then(|n| n.parse::<f64>().ok())
                    && n > 0.0
                {
                    return n / 100.0;
                }
            }
        } else if let Some(v) = line.strip_prefix("user.max ") {
            from_max = v.trim().parse::<f64>().ok().filter(|n| *n > 0.0);
        }
    }
    from_max.map_or(1.0, |n| n / 100.0)
}

/// Busy jiffies: the sum of every cpu field but `idle`.
pub(crate) fn cpu_busy(cpu: &Fields) -> f64 {
    cpu.iter()
        .filter(|(k, _)| k != "idle.value")
        .map(|(_, v)| *v)
        .sum()
}

/// Free memory in MB: `free + buffers + cached` (bytes).
pub(crate) fn free_mb(memory: &Fields) -> Option<f64> {
    let mut found = false;
    let mut sum = 0.0;
    for (k, v) in memory {
        if matches!(k.as_str(), "free.value" | "buffers.value" | "cached.value") {
            found = true;
            sum += v;
        }
    }
    found.then_some(sum / 1_048_576.0)
}

/// Percent of all cores busy between two cpu readings `elapsed` apart.
pub(crate) fn cpu_percent(before: f64, after: f64, elapsed: Duration, cores: f64) -> Option<f64> {
    let secs = elapsed.as_secs_f64();
    (after >= before && secs > 0.0 && cores > 0.0).then(|| (after - before) / secs / cores)
}

/// A connection to a munin-node.
#[derive(Debug)]
pub(crate) struct MuninClient {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    /// The host the node announced.
    pub(crate) node: String,
    pub(crate) cores: f64,
}

impl MuninClient {
    /// Connects, reads the banner and the cpu configuration.
    pub(crate) fn connect(addr: SocketAddr) -> std::io::Result<Self> {
        let stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        let writer = stream.try_clone()?;
        let mut client = Self {
            reader: BufReader::new(stream),
            writer,
            node: String::new(),
            cores: 1.0,
        };
        let banner = client.line()?;
        let Some(name) = banner.strip_prefix("# munin node at ") else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not a munin-node banner: {banner:?}"),
            ));
        };
        client.node = name.trim().to_owned();
        let config = client.command("config cpu")?;
        client.cores = cores_from_config(config.iter().map(String::as_str));
        Ok(client)
    }

    fn line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }

    /// Sends a command and reads its answer up to the `.` line.
    fn command(&mut self, command: &str) -> std::io::Result<Vec<String>> {
        self.writer.write_all(format!("{command}\n").as_bytes())?;
        let mut lines = Vec::new();
        loop {
            let line = self.line()?;
            if line == "." {
                return Ok(lines);
            }
            if lines.len() >= MAX_LINES {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "munin answer too long",
                ));
            }
            lines.push(line);
        }
    }

    /// `fetch NAME` as fields.
    pub(crate) fn fetch(&mut self, plugin: &str) -> std::io::Result<Fields> {
        let lines = self.command(&format!("fetch {plugin}"))?;
        Ok(parse_fields(lines.iter().map(String::as_str)))
    }
}

/// What the polling thread leaves for the controller.
#[derive(Debug, Default)]
struct Mailbox {
    latest: Option<HostSample>,
    /// A failure not reported yet.
    error: Option<String>,
}

/// A munin-node polled every interval on its own thread; the thread ends when this is
/// dropped.
#[derive(Debug)]
pub(crate) struct MuninMonitor {
    mailbox: Arc<Mutex<Mailbox>>,
    /// Dropping it stops the thread.
    _stop: mpsc::Sender<()>,
}

impl MuninMonitor {
    /// Starts polling `host:port` every `interval`.
    pub(crate) fn start(host: &str, port: u16, interval: Duration) -> Self {
        let mailbox = Arc::new(Mutex::new(Mailbox::default()));
        let (stop, stopped) = mpsc::channel();
        let target = format!("{host}:{port}");
        let shared = Arc::clone(&mailbox);
        let spawned = std::thread::Builder::new()
            .name("stampede-munin".into())
            .spawn(move || poll(&target, interval, &shared, &stopped));
        if let Err(e) = spawned {
            lock(&mailbox).error = Some(format!("munin monitor of {host}:{port}: {e}"));
        }
        Self {
            mailbox,
            _stop: stop,
        }
    }

    /// The reading since the last call (if any) and a failure to report (if any).
    pub(crate) fn take(&self) -> (Option<HostSample>, Option<String>) {
        let mut m = lock(&self.mailbox);
        (m.latest.take(), m.error.take())
    }
}

fn lock(m: &Mutex<Mailbox>) -> std::sync::MutexGuard<'_, Mailbox> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The polling loop: (re)connects, fetches, computes, waits an interval.
fn poll(target: &str, interval: Duration, mailbox: &Mutex<Mailbox>, stop: &mpsc::Receiver<()>) {
    let mut client: Option<MuninClient> = None;
    let mut previous: Option<(f64, Instant)> = None;
    let mut failing = false;
    loop {
        match poll_once(target, &mut client, &mut previous) {
            Ok(sample) => {
                failing = false;
                lock(mailbox).latest = Some(sample);
            }
            Err(e) => {
                client = None;
                previous = None;
                if !failing {
                    failing = true;
                    lock(mailbox).error = Some(format!("munin monitor of {target}: {e}; retrying"));
                }
            }
        }
        match stop.recv_timeout(interval) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

fn poll_once(
    target: &str,
    client: &mut Option<MuninClient>,
    previous: &mut Option<(f64, Instant)>,
) -> std::io::Result<HostSample> {
    if client.is_none() {
        let addr = target.to_socket_addrs()?.next().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no address for the host")
        })?;
        *client = Some(MuninClient::connect(addr)?);
    }
    let Some(c) = client.as_mut() else {
        return Err(std::io::ErrorKind::NotConnected.into());
    };
    let cpu = c.fetch("cpu")?;
    let memory = c.fetch("memory")?;
    let load = c.fetch("load")?;
    let now = Instant::now();
    let busy = cpu_busy(&cpu);
    let cpu_pct = previous.and_then(|(before, at)| {
        cpu_percent(before, busy, now.saturating_duration_since(at), c.cores)
    });
    *previous = Some((busy, now));
    Ok(HostSample {
        node: c.node.clone(),
        cpu: cpu_pct,
        freemem: free_mb(&memory),
        load: (!load.is_empty()).then(|| load.iter().map(|(_, v)| v).sum()),
        recvpackets: None,
        sentpackets: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn fields_keep_numeric_pairs() {
        let f = parse_fields([
            "user.value 1200",
            "idle.value 5e3",
            "iowait.value U",
            "# comment here",
            "graph_title CPU usage",
        ]);
        assert_eq!(
            f,
            vec![("user.value".into(), 1200.0), ("idle.value".into(), 5000.0)]
        );
        assert_eq!(cpu_busy(&f), 1200.0);
    }

    #[test]
    fn cores_come_from_the_upper_limit() {
        let config = [
            "graph_title CPU usage",
            "graph_args --base 1000 -r --lower-limit 0 --upper-limit 400",
            "user.max 5000",
        ];
        assert_eq!(cores_from_config(config), 4.0);
        assert_eq!(cores_from_config(["user.max 200"]), 2.0);
        assert_eq!(cores_from_config(["graph_title CPU"]), 1.0);
    }

    #[test]
    fn memory_and_cpu_follow_tsung() {
        let mem = parse_fields([
            "free.value 1048576",
            "buffers.value 2097152",
            "cached.value 1048576",
            "used.value 999999999",
        ]);
        assert_eq!(free_mb(&mem), Some(4.0));
        assert_eq!(free_mb(&parse_fields(["used.value 1"])), None);
        // 2 cores, 150 busy jiffies in one second: 75 % of the machine.
        assert_eq!(
            cpu_percent(1000.0, 1150.0, Duration::from_secs(1), 2.0),
            Some(75.0)
        );
        assert_eq!(
            cpu_percent(1000.0, 900.0, Duration::from_secs(1), 2.0),
            None
        );
        assert_eq!(cpu_percent(1.0, 2.0, Duration::ZERO, 2.0), None);
    }

    /// A munin-node on 127.0.0.1:0 answering `connections` sessions; each `fetch cpu` adds
    /// 100 busy jiffies.
    fn fake_node(connections: usize) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut busy = 1000;
            for stream in listener.incoming().take(connections) {
                let stream = stream.unwrap();
                let mut out = stream.try_clone().unwrap();
                out.write_all(b"# munin node at fake.node\n").unwrap();
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    let answer = match line.trim() {
                        "config cpu" => "graph_title CPU usage\ngraph_args --base 1000 -r --lower-limit 0 --upper-limit 200\nuser.label user\n.\n".to_owned(),
                        "fetch cpu" => {
                            busy += 100;
                            format!("user.value {busy}\nsystem.value 0\nidle.value 99999\n.\n")
                        }
                        "fetch memory" => "free.value 10485760\nbuffers.value 0\ncached.value 10485760\nused.value 1\n.\n".to_owned(),
                        "fetch load" => "load.value 0.42\n.\n".to_owned(),
                        "quit" => break,
                        _ => "# Unknown service\n.\n".to_owned(),
                    };
                    if out.write_all(answer.as_bytes()).is_err() {
                        break;
                    }
                }
            }
        });
        addr
    }

    #[test]
    fn the_client_speaks_munin() {
        let addr = fake_node(1);
        let mut c = MuninClient::connect(addr).unwrap();
        assert_eq!(c.node, "fake.node");
        assert_eq!(c.cores, 2.0);
        let cpu = c.fetch("cpu").unwrap();
        assert_eq!(cpu_busy(&cpu), 1100.0);
        assert_eq!(free_mb(&c.fetch("memory").unwrap()), Some(20.0));
        assert_eq!(c.fetch("load").unwrap(), vec![("load.value".into(), 0.42)]);
        assert_eq!(cpu_busy(&c.fetch("cpu").unwrap()), 1200.0);
        assert!(c.fetch("nothing").unwrap().is_empty());
    }

    #[test]
    fn a_non_munin_peer_is_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        });
        let e = MuninClient::connect(addr).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    }

    #[test]
    fn the_monitor_polls_in_the_background() {
        let addr = fake_node(1);
        let m = MuninMonitor::start("127.0.0.1", addr.port(), Duration::from_millis(20));
        // Wait (bounded) for a reading with a cpu value: it needs two fetches.
        let deadline = Instant::now() + Duration::from_secs(10);
        let sample = loop {
            let (sample, error) = m.take();
            assert_eq!(error, None);
            if let Some(s) = sample.filter(|s| s.cpu.is_some()) {
                break s;
            }
            assert!(Instant::now() < deadline, "no reading");
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(sample.node, "fake.node");
        assert_eq!(sample.freemem, Some(20.0));
        assert_eq!(sample.load, Some(0.42));
        assert!(sample.cpu.unwrap() > 0.0);
        assert_eq!(sample.recvpackets, None);
    }

    #[test]
    fn an_unreachable_node_is_reported_once() {
        // A port nobody listens on: bind, read the port, close.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let m = MuninMonitor::start("127.0.0.1", port, Duration::from_millis(10));
        let deadline = Instant::now() + Duration::from_secs(10);
        let error = loop {
            if let (_, Some(e)) = m.take() {
                break e;
            }
            assert!(Instant::now() < deadline, "no error reported");
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(m.take(), (None, None));
    }
}
