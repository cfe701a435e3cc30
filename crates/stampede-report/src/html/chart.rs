//! Inline SVG line charts over the run's time axis, with arrival phases marked.

use crate::html::esc;
use std::fmt::Write as _;

/// What the y values are, for ticks and tooltips.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Milliseconds.
    Ms,
    /// Events per second.
    PerSecond,
    /// A plain level (users, connections).
    Count,
    /// Kilobits per second.
    KbitPerSecond,
}

impl Unit {
    fn code(self) -> &'static str {
        match self {
            Unit::Ms => "ms",
            Unit::PerSecond => "/s",
            Unit::Count => "",
            Unit::KbitPerSecond => "kbit/s",
        }
    }
}

/// One line of a chart.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// CSS colour.
    pub color: &'static str,
    /// One value per x; `None` leaves a gap.
    pub values: Vec<Option<f64>>,
    /// Drawn dashed.
    pub dashed: bool,
}

/// A chart to draw.
#[derive(Clone, Debug)]
pub struct Chart<'a> {
    /// Unique id (for the tooltip data).
    pub id: String,
    /// Title above the chart.
    pub title: String,
    /// The y unit.
    pub unit: Unit,
    /// X values: seconds since the start of the run.
    pub x: &'a [f64],
    /// Lines.
    pub series: Vec<Series>,
    /// Arrival phases: (start in seconds, label).
    pub phases: &'a [(f64, String)],
    /// Right end of the x axis (seconds).
    pub x_max: f64,
}

const W: f64 = 920.0;
const H: f64 = 250.0;
const LEFT: f64 = 62.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;

/// A "nice" step (1, 2, 2.5 or 5 × 10^k) splitting `range` in about `parts`.
pub fn nice_step(range: f64, parts: f64) -> f64 {
    if !(range.is_finite() && range > 0.0) {
        return 1.0;
    }
    let raw = range / parts;
    let mag = 10f64.powf(raw.log10().floor());
    if !(mag.is_finite() && mag > 0.0) {
        return 1.0;
    }
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// A tick label for a y value.
pub fn y_label(v: f64, unit: Unit) -> String {
    let s = if v == 0.0 {
        "0".to_owned()
    } else if v.abs() >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if v.abs() >= 1e4 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    };
    match unit {
        Unit::Ms if v >= 1000.0 => format!("{} s", trim(v / 1000.0)),
        Unit::Ms => format!("{s} ms"),
        _ => s,
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A tick label for an x value (seconds since start).
pub fn x_label(s: f64, x_max: f64) -> String {
    let t = s.round() as u64;
    if x_max >= 3600.0 {
        format!("{}:{:02}", t / 3600, t / 60 % 60)
    } else if x_max >= 120.0 {
        format!("{}:{:02}", t / 60, t % 60)
    } else {
        format!("{t}s")
    }
}

fn px(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// The chart's `<figure>` (SVG inline). Tooltip data is registered in `data`
/// (`id → {x, unit, series}`) for the page's script.
pub fn render(chart: &Chart<'_>, data: &mut serde_json::Map<String, serde_json::Value>) -> String {
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x_max = if chart.x_max > 0.0 { chart.x_max } else { 1.0 };
    let y_top = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0f64, |m, v| if v.is_finite() { m.max(*v) } else { m });
    let y_step = nice_step(if y_top > 0.0 { y_top } else { 1.0 }, 4.0);
    let y_max = ((y_top / y_step).ceil().max(1.0)) * y_step;
    let sx = |x: f64| LEFT + x.clamp(0.0, x_max) / x_max * plot_w;
    let sy = |y: f64| TOP + plot_h - (y / y_max).clamp(0.0, 1.05) * plot_h;

    let mut svg = String::with_capacity(4096);
    let _ = write!(
        svg,
        r#"<svg viewBox="0 0 {W} {H}" role="img" aria-label="{}" preserveAspectRatio="xMidYMid meet">"#,
        esc(&chart.title)
    );
    // Grid and y ticks.
    let mut y = 0.0;
    let mut ticks = 0;
    while y <= y_max * 1.0001 && ticks < 20 {
        ticks += 1;
        let py = px(sy(y));
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{py}" y2="{py}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
            W - RIGHT,
            LEFT - 6.0,
            px(sy(y) + 4.0),
            esc(&y_label(y, chart.unit))
        );
        y += y_step;
    }
    // X ticks.
    let x_step = nice_time_step(x_max);
    let mut x = 0.0;
    let mut ticks = 0;
    while x <= x_max * 1.0001 && ticks < 40 {
        ticks += 1;
        let _ = write!(
            svg,
            r#"<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>"#,
            px(sx(x)),
            H - 10.0,
            esc(&x_label(x, x_max))
        );
        x += x_step;
    }
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{LEFT}" x2="{}" y1="{}" y2="{}"/>"#,
        W - RIGHT,
        px(TOP + plot_h),
        px(TOP + plot_h)
    );
    // Phases.
    for (start, label) in chart.phases {
        let p = px(sx(*start));
        let _ = write!(
            svg,
            r#"<line class="phase" x1="{p}" x2="{p}" y1="{TOP}" y2="{}"/><text class="phase-label" x="{}" y="{}">{}</text>"#,
            px(TOP + plot_h),
            px(sx(*start) + 3.0),
            TOP + 9.0,
            esc(label)
        );
    }
    // Lines.
    for s in &chart.series {
        let mut d = String::new();
        let mut pen_down = false;
        let mut lonely = Vec::new();
        for (i, v) in s.values.iter().enumerate() {
            match (v, chart.x.get(i)) {
                (Some(v), Some(x)) if v.is_finite() => {
                    let _ = write!(
                        d,
                        "{}{} {}",
                        if pen_down { "L" } else { "M" },
                        px(sx(*x)),
                        px(sy(*v))
                    );
                    let next_missing = !matches!(s.values.get(i + 1), Some(Some(_)));
                    if !pen_down && next_missing {
                        lonely.push((sx(*x), sy(*v)));
                    }
                    pen_down = true;
                }
                _ => pen_down = false,
            }
        }
        if !d.is_empty() {
            let _ = write!(
                svg,
                r#"<path class="line{}" d="{d}" stroke="{}"/>"#,
                if s.dashed { " dashed" } else { "" },
                s.color
            );
        }
        for (x, y) in lonely {
            let _ = write!(
                svg,
                r#"<circle cx="{}" cy="{}" r="2.5" fill="{}"/>"#,
                px(x),
                px(y),
                s.color
            );
        }
    }
    let _ = write!(
        svg,
        r#"<line class="guide" x1="0" x2="0" y1="{TOP}" y2="{}" visibility="hidden"/></svg>"#,
        px(TOP + plot_h)
    );

    let mut legend = String::new();
    for s in &chart.series {
        let _ = write!(
            legend,
            r#"<span class="key{}"><i style="background:{}"></i>{}</span>"#,
            if s.dashed { " dashed" } else { "" },
            s.color,
            esc(&s.name)
        );
    }
    data.insert(
        chart.id.clone(),
        serde_json::json!({
            "x": chart.x,
            "unit": chart.unit.code(),
            "geom": [LEFT, plot_w, x_max, W],
            "series": chart.series.iter().map(|s| serde_json::json!({
                "name": s.name,
                "color": s.color,
                "values": s.values.iter().map(|v| v.filter(|v| v.is_finite()).map(|v| (v * 1000.0).round() / 1000.0)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }),
    );
    format!(
        r#"<figure class="chart" data-chart="{}"><figcaption>{}</figcaption>{svg}<div class="legend">{legend}</div><div class="tip" hidden></div></figure>"#,
        esc(&chart.id),
        esc(&chart.title)
    )
}

/// A step for time ticks: 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h.
fn nice_time_step(x_max: f64) -> f64 {
    const STEPS: [f64; 17] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
        10800.0, 21600.0, 43200.0,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| x_max / s <= 10.0)
        .unwrap_or(86400.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(100.0, 4.0), 25.0);
        assert_eq!(nice_step(7.0, 4.0), 2.0);
        assert_eq!(nice_step(0.03, 4.0), 0.01);
        assert_eq!(nice_step(5e-324, 4.0), 1.0);
        assert_eq!(nice_step(f64::NAN, 4.0), 1.0);
        assert_eq!(nice_time_step(60.0), 10.0);
        assert_eq!(nice_time_step(3600.0), 600.0);
        assert_eq!(x_label(125.0, 600.0), "2:05");
        assert_eq!(x_label(7260.0, 7200.0), "2:01");
        assert_eq!(y_label(1500.0, Unit::Ms), "1.5 s");
        assert_eq!(y_label(25000.0, Unit::PerSecond), "25k");
    }

    #[test]
    fn gaps_break_lines_and_lonely_points_show() {
        let x = [10.0, 20.0, 30.0, 40.0];
        let chart = Chart {
            id: "c".into(),
            title: "t".into(),
            unit: Unit::Ms,
            x: &x,
            series: vec![Series {
                name: "s".into(),
                color: "#000",
                values: vec![Some(1.0), None, Some(2.0), Some(3.0)],
                dashed: false,
            }],
            phases: &[],
            x_max: 40.0,
        };
        let mut data = serde_json::Map::new();
        let svg = render(&chart, &mut data);
        let path = svg.split(" d=\"").nth(1).unwrap();
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert_eq!(svg.matches("<circle").count(), 1);
        assert!(data.contains_key("c"));
    }
}
