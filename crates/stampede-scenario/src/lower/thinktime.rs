//! `<thinktime>` and the global `thinktime` option, with Tsung's rules: an empty thinktime
//! takes the global default, a value without `random` inherits the option's `random`, and
//! `override="true"` replaces every thinktime.

use super::Lower;
use super::text::{Mode, Place};
use crate::xml::Element;
use stampede_model::{Thinktime, ThinktimeDefault};
use std::time::Duration;

/// How the global option randomises.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum DefaultRandom {
    Fixed,
    Exponential,
    /// `min`/`max` on the option (seconds).
    Range(i64, i64),
}

/// The global `<option name="thinktime">`, as Tsung stores it.
#[derive(Clone, Debug, Default)]
pub(crate) struct GlobalThinktime {
    /// `None` when there is no option at all.
    pub option: Option<OptionThinktime>,
}

#[derive(Clone, Debug)]
pub(crate) struct OptionThinktime {
    /// `value` in seconds, if given.
    pub value: Option<f64>,
    pub random: DefaultRandom,
    pub override_all: bool,
}

/// Tsung's built-in default value when no option is given (its code then fails; Stampede
/// applies the documented 5 s).
const BUILTIN_DEFAULT_SECS: f64 = 5.0;

fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX)
}

fn ms_round(s: f64) -> Duration {
    Duration::from_millis((s * 1000.0).round().max(0.0) as u64)
}

fn make(value: f64, random: DefaultRandom) -> Thinktime {
    match random {
        DefaultRandom::Fixed => Thinktime::Fixed(ms_round(value)),
        DefaultRandom::Exponential => Thinktime::Exponential { mean: secs(value) },
        DefaultRandom::Range(min, max) => Thinktime::Uniform {
            min: Duration::from_secs(min as u64),
            max: Duration::from_secs(max as u64),
        },
    }
}

impl Lower<'_> {
    /// Reads `<option name="thinktime" …>`.
    pub(crate) fn thinktime_option(&mut self, el: &Element) {
        let Ok(value) = self.number(el, "value") else {
            return;
        };
        let (Ok(min), Ok(max)) = (self.int(el, "min"), self.int(el, "max")) else {
            return;
        };
        let random = match (min, max) {
            (Some(min), Some(max)) if max > 0 && max >= min => DefaultRandom::Range(min, max),
            (None, None) => match self.flag(el, "random") {
                Some(true) => DefaultRandom::Exponential,
                _ => DefaultRandom::Fixed,
            },
            _ => {
                self.diags
                    .error(
                        "bad-thinktime",
                        el.name_span,
                        "the thinktime option needs both `min` and `max`, with 0 < max and \
                         min <= max",
                    )
                    .help("or give a single `value`");
                return;
            }
        };
        if value.is_none() && !matches!(random, DefaultRandom::Range(..)) {
            self.diags
                .warning(
                    "bad-thinktime",
                    el.name_span,
                    "the thinktime option has no `value`: empty `<thinktime/>` elements cannot use it",
                )
                .help("add `value=\"…\"` (seconds)");
        }
        let override_all = self.flag(el, "override") == Some(true);
        self.thinktime.option = Some(OptionThinktime {
            value,
            random,
            override_all,
        });
        let model = match (value, random) {
            (_, DefaultRandom::Range(..)) => Some(make(0.0, random)),
            (Some(v), r) => Some(make(v, r)),
            (None, _) => None,
        };
        self.options.thinktime = model.map(|thinktime| ThinktimeDefault {
            thinktime,
            random: random == DefaultRandom::Exponential,
            override_all,
        });
    }

    /// Lowers a `<thinktime>` element.
    pub(crate) fn thinktime(&mut self, el: &Element) -> Option<Thinktime> {
        let value = el.value("value");
        match value {
            Some("wait_global") => return Some(Thinktime::WaitGlobal),
            Some("wait_bidi") => {
                self.diags
                    .error(
                        "unsupported",
                        el.value_span("value"),
                        "`wait_bidi` is not supported in HTTP sessions",
                    )
                    .note(
                        "Tsung waits for a push from a bidirectional protocol here; an HTTP \
                         user would wait forever",
                    );
                return None;
            }
            Some(v) if v.starts_with("%%") => {
                let attr = el.attr("value")?;
                if el.attr("random").is_some() || el.attr("min").is_some() {
                    self.diags.warning(
                        "ignored-attribute",
                        el.attr_span(if el.attr("random").is_some() {
                            "random"
                        } else {
                            "min"
                        }),
                        "a thinktime read from a variable is always fixed: Tsung ignores \
                         `random`, `min` and `max` here",
                    );
                }
                let value = self.template_in(
                    &attr.value,
                    &Place::Attr(attr),
                    Mode::Subst,
                    "thinktime value",
                );
                return Some(Thinktime::Dynamic {
                    value,
                    random: false,
                });
            }
            _ => {}
        }
        let option = self.thinktime.option.clone();
        if let Some(opt) = option.as_ref().filter(|o| o.override_all) {
            return match (opt.value, opt.random) {
                (_, DefaultRandom::Range(..)) => Some(make(0.0, opt.random)),
                (Some(v), r) => Some(make(v, r)),
                (None, _) => {
                    self.diags
                        .error(
                            "bad-thinktime",
                            el.name_span,
                            "this thinktime is replaced by the global thinktime option \
                             (override=\"true\"), which has no value",
                        )
                        .help("give the option a `value`");
                    None
                }
            };
        }
        let min = self.int(el, "min").ok()?;
        let max = self.int(el, "max").ok()?;
        let value = self.number(el, "value").ok()?;
        let def_random = option
            .as_ref()
            .map(|o| o.random)
            .unwrap_or(DefaultRandom::Fixed);
        let random = match self.flag(el, "random") {
            Some(true) => DefaultRandom::Exponential,
            Some(false) => DefaultRandom::Fixed,
            None => def_random,
        };
        match (min, max, value) {
            (Some(min), Some(max), None) => {
                if min > 0 && max > min {
                    Some(make(0.0, DefaultRandom::Range(min, max)))
                } else {
                    let why = if min == 0 {
                        "`min` must be at least 1"
                    } else if max == min {
                        "`max` must be larger than `min`"
                    } else {
                        "`min` must be smaller than `max`"
                    };
                    self.diags
                        .error(
                            "bad-thinktime",
                            el.attr_span("min"),
                            format!("invalid thinktime range min={min} max={max}: {why}"),
                        )
                        .note("Tsung refuses the scenario with `bad_thinktime`");
                    None
                }
            }
            (None, None, None) => {
                let Some(opt) = option else {
                    self.diags
                        .warning(
                            "default-thinktime",
                            el.name_span,
                            "empty `<thinktime/>` without a global thinktime option: Stampede \
                             waits 5 s, Tsung's documented default",
                        )
                        .help(
                            "write the pause, e.g. `<thinktime value=\"5\"/>`, or declare \
                             `<option name=\"thinktime\" value=\"5\"/>`",
                        )
                        .note("Tsung 1.7 and 1.8 stop with an arithmetic error on this element");
                    return Some(make(BUILTIN_DEFAULT_SECS, random_no_range(random)));
                };
                match (opt.value, random) {
                    (_, DefaultRandom::Range(..)) => Some(make(0.0, random)),
                    (Some(v), r) => Some(make(v, r)),
                    (None, _) => {
                        self.diags
                            .error(
                                "bad-thinktime",
                                el.name_span,
                                "this empty thinktime takes the global thinktime option, which \
                                 has no value",
                            )
                            .help("give the option a `value`, or this thinktime a `value`");
                        None
                    }
                }
            }
            (None, None, Some(v)) if v > 0.0 => Some(make(v, random)),
            (None, None, Some(v)) => {
                self.diags
                    .error(
                        "bad-thinktime",
                        el.value_span("value"),
                        format!("thinktime `value` must be greater than 0 (found {v})"),
                    )
                    .help("remove the thinktime to send the next request at once")
                    .note("Tsung refuses the scenario with `bad_thinktime`");
                None
            }
            _ => {
                self.diags
                    .error(
                        "bad-thinktime",
                        el.name_span,
                        "a thinktime takes either `value` or both `min` and `max`",
                    )
                    .note("Tsung refuses the scenario with `bad_thinktime`");
                None
            }
        }
    }
}

fn random_no_range(r: DefaultRandom) -> DefaultRandom {
    match r {
        DefaultRandom::Range(..) => DefaultRandom::Fixed,
        other => other,
    }
}
