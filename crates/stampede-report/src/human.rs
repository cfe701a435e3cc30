//! Numbers for people: durations, counts, rates, sizes.

/// A duration given in milliseconds: `850 µs`, `12.3 ms`, `1.25 s`, `2m 05s`, `1h 02m`.
pub fn ms(v: f64) -> String {
    if !v.is_finite() {
        return "–".to_owned();
    }
    if v < 0.9995 {
        format!("{:.0} µs", v * 1000.0)
    } else if v < 10.0 {
        format!("{v:.2} ms")
    } else if v < 1000.0 {
        format!("{v:.1} ms")
    } else if v < 60_000.0 {
        format!("{:.2} s", v / 1000.0)
    } else if v < 3_600_000.0 {
        let s = (v / 1000.0).round() as u64;
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        let m = (v / 60_000.0).round() as u64;
        format!("{}h {:02}m", m / 60, m % 60)
    }
}

/// An optional duration in milliseconds, `–` when absent.
pub fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), ms)
}

/// A length of time in seconds: `45 s`, `10m 02s`, `1h 00m 05s`.
pub fn seconds(s: f64) -> String {
    let total = s.max(0.0).round() as u64;
    let (h, m, sec) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}h {m:02}m {sec:02}s")
    } else if m > 0 {
        format!("{m}m {sec:02}s")
    } else if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// An integer with thin thousands separators: `1 234 567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202F}');
        }
        out.push(c);
    }
    out
}

/// A rate per second: `1 234.5/s`, `0.25/s`.
pub fn rate(v: f64) -> String {
    if !v.is_finite() {
        "–".to_owned()
    } else if v >= 100.0 {
        format!("{}/s", count(v.round() as u64))
    } else {
        format!("{v:.2}/s")
    }
}

/// Bytes: `512 B`, `1.50 KiB`, `3.20 MiB`, `1.10 GiB`.
pub fn bytes(n: u64) -> String {
    let v = n as f64;
    if v < 1024.0 {
        format!("{n} B")
    } else if v < 1024.0 * 1024.0 {
        format!("{:.2} KiB", v / 1024.0)
    } else if v < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} MiB", v / 1024.0 / 1024.0)
    } else {
        format!("{:.2} GiB", v / 1024.0 / 1024.0 / 1024.0)
    }
}

/// Bits per second: `800 bit/s`, `1.50 Mbit/s`.
pub fn bits_per_second(v: f64) -> String {
    if !v.is_finite() {
        "–".to_owned()
    } else if v < 1e3 {
        format!("{v:.0} bit/s")
    } else if v < 1e6 {
        format!("{:.2} kbit/s", v / 1e3)
    } else if v < 1e9 {
        format!("{:.2} Mbit/s", v / 1e6)
    } else {
        format!("{:.2} Gbit/s", v / 1e9)
    }
}

/// A percentage with one decimal: `99.5 %`.
pub fn percent(fraction: f64) -> String {
    if fraction.is_finite() {
        format!("{:.1} %", fraction * 100.0)
    } else {
        "–".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(ms(0.25), "250 µs");
        assert_eq!(ms(3.24159), "3.24 ms");
        assert_eq!(ms(123.45), "123.5 ms");
        assert_eq!(ms(1250.0), "1.25 s");
        assert_eq!(ms(125_000.0), "2m 05s");
        assert_eq!(ms(3_720_000.0), "1h 02m");
        assert_eq!(count(1_234_567), "1\u{202F}234\u{202F}567");
        assert_eq!(count(12), "12");
        assert_eq!(rate(1234.4), "1\u{202F}234/s");
        assert_eq!(rate(0.25), "0.25/s");
        assert_eq!(bytes(1536), "1.50 KiB");
        assert_eq!(seconds(602.0), "10m 02s");
        assert_eq!(seconds(4.0), "4 s");
        assert_eq!(seconds(2.5), "2.5 s");
        assert_eq!(percent(0.995), "99.5 %");
    }
}
