//! Durations on the command line: `10s`, `500ms`, `1m`, `2h`, `1.5s`; a bare number is seconds.

use std::time::Duration;

/// Parses a duration.
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let seconds_per_unit = match unit.trim() {
        "" | "s" | "sec" => 1.0,
        "ms" => 0.001,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit (use ms, s, m or h: 500ms, 10s, 1m)"
            ));
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (examples: 500ms, 10s, 1m)"))?;
    let secs = value * seconds_per_unit;
    if !secs.is_finite() || secs > 1e9 {
        return Err(format!("`{text}` is too long"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A duration that must not be zero (`--interval`).
pub fn parse_positive(text: &str) -> Result<Duration, String> {
    let d = parse(text)?;
    if d < Duration::from_millis(1) {
        return Err(format!("`{text}` must be at least 1ms"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_refuses_garbage() {
        let ok: &[(&str, u64)] = &[
            ("10s", 10_000),
            ("500ms", 500),
            ("1m", 60_000),
            ("2h", 7_200_000),
            ("1.5s", 1_500),
            ("3", 3_000),
            ("0", 0),
            (" 7 s ", 7_000),
            ("2min", 120_000),
        ];
        for (text, ms) in ok {
            assert_eq!(parse(text).map(|d| d.as_millis() as u64), Ok(*ms), "{text}");
        }
        for bad in [
            "",
            "s",
            "10x",
            "-1s",
            "1e3s",
            "ten",
            "1..2s",
            "99999999999h",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse_positive("0s").is_err());
        assert!(parse_positive("1ms").is_ok());
    }
}
