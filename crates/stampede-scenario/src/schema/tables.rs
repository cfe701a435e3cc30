//! The grammar of Tsung scenarios: which elements exist, their attributes and what they may
//! contain. It states the same rules as Tsung's `tsung-1.0.dtd` (which Tsung checks before
//! anything else), written as Rust data.

use super::content::Particle::{self, Choice, Elem, Opt, Plus, Seq, Star};

/// The type of an attribute value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum AttrType {
    /// Free text.
    Cdata,
    /// A name token (letters, digits, `.`, `-`, `_`, `:`); surrounding spaces are dropped.
    Nmtoken,
    /// One of a fixed list.
    Enum(&'static [&'static str]),
}

/// An attribute an element may carry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AttrDef {
    pub name: &'static str,
    pub ty: AttrType,
    pub required: bool,
}

/// What an element may contain.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Content {
    /// Nothing (white space is tolerated).
    Empty,
    /// Text only.
    Text,
    /// Child elements following a content model (white space between them is fine).
    Model(&'static Particle),
    /// Anything, not checked: elements of protocols Stampede does not run.
    Foreign,
}

/// One element of the grammar.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ElementDef {
    pub name: &'static str,
    pub attrs: &'static [AttrDef],
    pub content: Content,
}

const fn a(name: &'static str, ty: AttrType) -> AttrDef {
    AttrDef {
        name,
        ty,
        required: false,
    }
}

const fn req(name: &'static str, ty: AttrType) -> AttrDef {
    AttrDef {
        name,
        ty,
        required: true,
    }
}

use AttrType::{Cdata, Enum, Nmtoken};

const BOOL: AttrType = Enum(&["true", "false"]);
const UNIT_HMS: AttrType = Enum(&["hour", "minute", "second"]);
const UNIT_HMSM: AttrType = Enum(&["hour", "minute", "second", "millisecond"]);
/// Every session type Tsung knows (the DTD's list).
pub(crate) const SESSION_TYPES: &[&str] = &[
    "ts_jabber",
    "ts_http",
    "ts_raw",
    "ts_pgsql",
    "ts_ldap",
    "ts_webdav",
    "ts_mysql",
    "ts_fs",
    "ts_shell",
    "ts_job",
    "ts_websocket",
    "ts_amqp",
    "ts_mqtt",
];
/// Protocol elements of a `<request>`.
pub(crate) const PROTOCOL_ELEMENTS: &[&str] = &[
    "http",
    "jabber",
    "raw",
    "pgsql",
    "ldap",
    "mysql",
    "fs",
    "shell",
    "job",
    "websocket",
    "amqp",
    "mqtt",
];
const COMPARISONS: [AttrDef; 7] = [
    req("var", Cdata),
    a("eq", Cdata),
    a("neq", Cdata),
    a("gt", Cdata),
    a("gte", Cdata),
    a("lt", Cdata),
    a("lte", Cdata),
];

const SESSION_ITEMS: Particle = Star(&Choice(&[
    Elem("request"),
    Elem("thinktime"),
    Elem("transaction"),
    Elem("setdynvars"),
    Elem("for"),
    Elem("repeat"),
    Elem("if"),
    Elem("change_type"),
    Elem("foreach"),
    Elem("set_option"),
    Elem("interaction"),
    Elem("abort"),
]));
const TRANSACTION_ITEMS: Particle = Plus(&Choice(&[
    Elem("request"),
    Elem("setdynvars"),
    Elem("thinktime"),
    Elem("for"),
    Elem("repeat"),
    Elem("if"),
    Elem("foreach"),
    Elem("interaction"),
    Elem("abort"),
]));
const LOOP_ITEMS: Particle = Plus(&Choice(&[
    Elem("request"),
    Elem("thinktime"),
    Elem("transaction"),
    Elem("setdynvars"),
    Elem("for"),
    Elem("if"),
    Elem("repeat"),
    Elem("change_type"),
    Elem("foreach"),
    Elem("interaction"),
    Elem("abort"),
]));
const CONDITIONAL_ITEMS: Particle = Plus(&Choice(&[
    Elem("request"),
    Elem("thinktime"),
    Elem("transaction"),
    Elem("setdynvars"),
    Elem("for"),
    Elem("repeat"),
    Elem("while"),
    Elem("if"),
    Elem("until"),
    Elem("change_type"),
    Elem("foreach"),
    Elem("interaction"),
    Elem("abort"),
]));

/// Every element of the scenario language.
pub(crate) static ELEMENTS: &[ElementDef] = &[
    ElementDef {
        name: "tsung",
        attrs: &[
            a(
                "dumptraffic",
                Enum(&["true", "false", "light", "protocol", "protocol_local"]),
            ),
            a("backend", Enum(&["text", "json", "rrdtool", "fullstats"])),
            a(
                "loglevel",
                Enum(&[
                    "emergency",
                    "critical",
                    "error",
                    "warning",
                    "notice",
                    "info",
                    "debug",
                ]),
            ),
            a("version", Nmtoken),
        ],
        content: Content::Model(&Seq(&[
            Opt(&Elem("information")),
            Elem("clients"),
            Elem("servers"),
            Opt(&Elem("monitoring")),
            Elem("load"),
            Opt(&Elem("options")),
            Elem("sessions"),
        ])),
    },
    ElementDef {
        name: "information",
        attrs: &[],
        content: Content::Model(&Star(&Choice(&[
            Elem("name"),
            Elem("description"),
            Elem("username"),
            Elem("organisation"),
        ]))),
    },
    ElementDef {
        name: "name",
        attrs: &[],
        content: Content::Text,
    },
    ElementDef {
        name: "description",
        attrs: &[],
        content: Content::Text,
    },
    ElementDef {
        name: "username",
        attrs: &[],
        content: Content::Text,
    },
    ElementDef {
        name: "organisation",
        attrs: &[],
        content: Content::Text,
    },
    ElementDef {
        name: "servers",
        attrs: &[],
        content: Content::Model(&Plus(&Elem("server"))),
    },
    ElementDef {
        name: "server",
        attrs: &[
            req("host", Nmtoken),
            req("port", Nmtoken),
            a("weight", Nmtoken),
            req(
                "type",
                Enum(&[
                    "ssl",
                    "tcp",
                    "udp",
                    "erlang",
                    "ssl6",
                    "tcp6",
                    "udp6",
                    "bosh",
                    "bosh_ssl",
                    "websocket",
                    "websocket_ssl",
                ]),
            ),
        ],
        content: Content::Empty,
    },
    ElementDef {
        name: "clients",
        attrs: &[],
        content: Content::Model(&Plus(&Elem("client"))),
    },
    ElementDef {
        name: "client",
        attrs: &[
            a("cpu", Nmtoken),
            a("type", Enum(&["machine", "batch"])),
            a("host", Nmtoken),
            a("batch", Enum(&["torque", "pbs", "lsf", "oar"])),
            a("scan_intf", Nmtoken),
            a("maxusers", Nmtoken),
            a("use_controller_vm", BOOL),
            a("weight", Nmtoken),
        ],
        content: Content::Model(&Choice(&[Star(&Elem("ip")), Elem("iprange")])),
    },
    ElementDef {
        name: "ip",
        attrs: &[req("value", Nmtoken), a("scan", BOOL)],
        content: Content::Empty,
    },
    ElementDef {
        name: "iprange",
        attrs: &[req("value", Nmtoken), a("version", Nmtoken)],
        content: Content::Empty,
    },
    ElementDef {
        name: "monitoring",
        attrs: &[],
        content: Content::Model(&Plus(&Elem("monitor"))),
    },
    ElementDef {
        name: "monitor",
        attrs: &[
            req("host", Nmtoken),
            a("batch", BOOL),
            a("type", Enum(&["snmp", "erlang", "munin"])),
        ],
        content: Content::Model(&Choice(&[
            Opt(&Elem("snmp")),
            Opt(&Elem("munin")),
            Opt(&Elem("mysqladmin")),
        ])),
    },
    ElementDef {
        name: "mysqladmin",
        attrs: &[
            a("port", Nmtoken),
            a("username", Nmtoken),
            a("password", Nmtoken),
        ],
        content: Content::Empty,
    },
    ElementDef {
        name: "snmp",
        attrs: &[
            a("version", Enum(&["v1", "v2"])),
            a("community", Nmtoken),
            a("port", Nmtoken),
        ],
        content: Content::Model(&Star(&Elem("oid"))),
    },
    ElementDef {
        name: "oid",
        attrs: &[
            req("value", Nmtoken),
            req("name", Nmtoken),
            a("type", Nmtoken),
            a("eval", Cdata),
        ],
        content: Content::Empty,
    },
    ElementDef {
        name: "munin",
        attrs: &[a("port", Nmtoken)],
        content: Content::Empty,
    },
    ElementDef {
        name: "load",
        attrs: &[
            a("duration", Nmtoken),
            a("unit", UNIT_HMS),
            a("loop", Nmtoken),
        ],
        content: Content::Model(&Plus(&Choice(&[Elem("arrivalphase"), Elem("user")]))),
    },
    ElementDef {
        name: "arrivalphase",
        attrs: &[
            req("duration", Nmtoken),
            req("phase", Nmtoken),
            a("wait_all_sessions_end", Nmtoken),
            req("unit", UNIT_HMSM),
        ],
        content: Content::Model(&Plus(&Choice(&[Elem("users"), Elem("session_setup")]))),
    },
    ElementDef {
        name: "users",
        attrs: &[
            a("interarrival", Nmtoken),
            a("arrivalrate", Nmtoken),
            req("unit", UNIT_HMS),
            a("maxnumber", Nmtoken),
        ],
        content: Content::Empty,
    },
    ElementDef {
        name: "user",
        attrs: &[
            a("start_time", Nmtoken),
            a("unit", UNIT_HMSM),
            req("session", Cdata),
        ],
        content: Content::Empty,
    },
    ElementDef {
        name: "options",
        attrs: &[],
        content: Content::Model(&Star(&Elem("option"))),
    },
    ElementDef {
        name: "option",
        attrs: &[
            req("name", Nmtoken),
            a("override", BOOL),
            a("random", BOOL),
            a("id", Nmtoken),
            a("min", Nmtoken),
            a("max", Nmtoken),
            a(
                "type",
                Enum(&["ts_http", "ts_jabber", "ts_pgsql", "ts_amqp"]),
            ),
            a("value", Cdata),
        ],
        content: Content::Model(&Star(&Elem("user_agent"))),
    },
    ElementDef {
        name: "set_option",
        attrs: &[
            req("name", Nmtoken),
            a("id", Nmtoken),
            a("min", Nmtoken),
            a("max", Nmtoken),
            a("type", Enum(&["ts_http", "ts_jabber", "ts_pgsql"])),
            a("value", Cdata),
        ],
        content: Content::Model(&Choice(&[Star(&Elem("user_agent")), Elem("certificate")])),
    },
    ElementDef {
        name: "certificate",
        attrs: &[
            a("cacertfile", Cdata),
            a("keyfile", Cdata),
            a("keypass", Cdata),
            a("certfile", Cdata),
        ],
        content: Content::Empty,
    },
    ElementDef {
        name: "sessions",
        attrs: &[],
        content: Content::Model(&Plus(&Elem("session"))),
    },
    ElementDef {
        name: "session",
        attrs: &[
            req("name", Cdata),
            a("bidi", Cdata),
            a("persistent", BOOL),
            a("probability", Nmtoken),
            a("weight", Nmtoken),
            req("type", Enum(SESSION_TYPES)),
        ],
        content: Content::Model(&SESSION_ITEMS),
    },
    ElementDef {
        name: "session_setup",
        attrs: &[
            req("name", Cdata),
            a("probability", Nmtoken),
            a("weight", Nmtoken),
        ],
        content: Content::Empty,
    },
    ElementDef {
        name: "abort",
        attrs: &[a("type", Enum(&["session", "all"]))],
        content: Content::Empty,
    },
    ElementDef {
        name: "interaction",
        attrs: &[req("action", Enum(&["send", "receive"])), req("id", Cdata)],
        content: Content::Empty,
    },
    ElementDef {
        name: "change_type",
        attrs: &[
            req("new_type", Enum(SESSION_TYPES)),
            req("host", Cdata),
            req("port", Cdata),
            req("server_type", Nmtoken),
            a("store", BOOL),
            a("restore", BOOL),
            a("bidi", BOOL),
        ],
        content: Content::Empty,
    },
    ElementDef {
        name: "request",
        attrs: &[
            a("subst", Enum(&["true", "false", "all_except_body"])),
            a("tag", Nmtoken),
        ],
        content: Content::Model(&Seq(&[
            Star(&Elem("match")),
            Star(&Elem("dyn_variable")),
            Choice(&[
                Elem("http"),
                Elem("jabber"),
                Elem("raw"),
                Elem("pgsql"),
                Elem("ldap"),
                Elem("mysql"),
                Elem("fs"),
                Elem("shell"),
                Elem("job"),
                Elem("websocket"),
                Elem("amqp"),
                Elem("mqtt"),
            ]),
        ])),
    },
    ElementDef {
        name: "match",
        attrs: &[
            a(
                "do",
                Enum(&[
                    "continue",
                    "loop",
                    "abort",
                    "restart",
                    "log",
                    "dump",
                    "abort_test",
                ]),
            ),
            a("when", Enum(&["match", "nomatch"])),
            a("subst", BOOL),
            a("loop_back", Nmtoken),
            a("name", Nmtoken),
            a("max_loop", Nmtoken),
            a("max_restart", Nmtoken),
            a("sleep_loop", Nmtoken),
            a("apply_to_content", Nmtoken),
            a("skip_headers", Nmtoken),
        ],
        content: Content::Text,
    },
    ElementDef {
        name: "thinktime",
        attrs: &[
            a("random", BOOL),
            a("value", Cdata),
            a("min", Nmtoken),
            a("max", Nmtoken),
        ],
        content: Content::Empty,
    },
    ElementDef {
        name: "user_agent",
        attrs: &[req("probability", Nmtoken)],
        content: Content::Text,
    },
    ElementDef {
        name: "transaction",
        attrs: &[req("name", Nmtoken)],
        content: Content::Model(&TRANSACTION_ITEMS),
    },
    ElementDef {
        name: "http",
        attrs: &[
            a("contents", Cdata),
            a("contents_from_file", Cdata),
            a("content_type", Cdata),
            a("if_modified_since", Cdata),
            a(
                "method",
                Enum(&[
                    "GET",
                    "POST",
                    "PUT",
                    "PATCH",
                    "PURGE",
                    "DELETE",
                    "HEAD",
                    "PROPFIND",
                    "PROPPATCH",
                    "COPY",
                    "MOVE",
                    "LOCK",
                    "UNLOCK",
                    "MKCOL",
                    "MKACTIVITY",
                    "OPTIONS",
                    "REPORT",
                    "VERSION-CONTROL",
                    "MERGE",
                    "CHECKOUT",
                ]),
            ),
            req("url", Cdata),
            a("version", Enum(&["1.0", "1.1"])),
        ],
        content: Content::Model(&Seq(&[
            Opt(&Elem("oauth")),
            Opt(&Elem("www_authenticate")),
            Opt(&Elem("soap")),
            Star(&Elem("http_header")),
            Star(&Elem("add_cookie")),
        ])),
    },
    ElementDef {
        name: "soap",
        attrs: &[req("action", Cdata)],
        content: Content::Empty,
    },
    ElementDef {
        name: "dyn_variable",
        attrs: &[
            req("name", Cdata),
            a("xpath", Cdata),
            a("re", Cdata),
            a("jsonpath", Cdata),
            a("pgsql_expr", Cdata),
            a("regexp", Cdata),
            a("header", Cdata),
            a("decode", Enum(&["html_entities", "false"])),
        ],
        content: Content::Empty,
    },
    ElementDef {
        name: "http_header",
        attrs: &[req("name", Cdata), a("encoding", Cdata), a("value", Cdata)],
        content: Content::Empty,
    },
    ElementDef {
        name: "add_cookie",
        attrs: &[
            req("key", Cdata),
            a("domain", Cdata),
            a("path", Cdata),
            req("value", Cdata),
        ],
        content: Content::Empty,
    },
    ElementDef {
        name: "www_authenticate",
        attrs: &[
            req("passwd", Cdata),
            req("userid", Cdata),
            a("nonce", Cdata),
            a("opaque", Cdata),
            a("cnonce", Cdata),
            a("nc", Cdata),
            a("realm", Cdata),
            a("qop", Cdata),
            a("type", Enum(&["basic", "digest"])),
        ],
        content: Content::Empty,
    },
    ElementDef {
        name: "oauth",
        attrs: &[
            req("consumer_key", Cdata),
            req("consumer_secret", Cdata),
            a("access_token", Cdata),
            a("access_token_secret", Cdata),
            a("method", Enum(&["HMAC-SHA1", "PLAINTEXT", "RSA-SHA1"])),
        ],
        content: Content::Empty,
    },
    ElementDef {
        name: "setdynvars",
        attrs: &[
            req(
                "sourcetype",
                Enum(&[
                    "random_string",
                    "urandom_string",
                    "random_number",
                    "local_file",
                    "file",
                    "erlang",
                    "eval",
                    "jsonpath",
                    "value",
                    "server",
                ]),
            ),
            a("callback", Cdata),
            a("code", Cdata),
            a("fileid", Cdata),
            a("order", Enum(&["iter", "random"])),
            a("delimiter", Cdata),
            a("length", Cdata),
            a("start", Cdata),
            a("end", Cdata),
            a("from", Cdata),
            a("jsonpath", Cdata),
            a("value", Cdata),
        ],
        content: Content::Model(&Star(&Elem("var"))),
    },
    ElementDef {
        name: "var",
        attrs: &[req("name", Cdata)],
        content: Content::Text,
    },
    ElementDef {
        name: "for",
        attrs: &[
            req("var", Cdata),
            req("from", Cdata),
            req("to", Cdata),
            a("incr", Nmtoken),
        ],
        content: Content::Model(&LOOP_ITEMS),
    },
    ElementDef {
        name: "foreach",
        attrs: &[
            req("name", Nmtoken),
            req("in", Nmtoken),
            a("include", Cdata),
            a("exclude", Cdata),
        ],
        content: Content::Model(&LOOP_ITEMS),
    },
    ElementDef {
        name: "repeat",
        attrs: &[req("name", Nmtoken), a("max_repeat", Nmtoken)],
        content: Content::Model(&CONDITIONAL_ITEMS),
    },
    ElementDef {
        name: "if",
        attrs: &COMPARISONS,
        content: Content::Model(&CONDITIONAL_ITEMS),
    },
    ElementDef {
        name: "while",
        attrs: &COMPARISONS,
        content: Content::Empty,
    },
    ElementDef {
        name: "until",
        attrs: &COMPARISONS,
        content: Content::Empty,
    },
    // Protocols Stampede does not run: recognised so that their sessions get one clear
    // diagnostic instead of a cascade; their insides are not checked.
    foreign("jabber"),
    foreign("xmpp_authenticate"),
    foreign("raw"),
    foreign("pgsql"),
    foreign("ldap"),
    foreign("attr"),
    foreign("value"),
    foreign("modification"),
    foreign("mysql"),
    foreign("fs"),
    foreign("shell"),
    foreign("job"),
    foreign("websocket"),
    foreign("amqp"),
    foreign("mqtt"),
];

const fn foreign(name: &'static str) -> ElementDef {
    ElementDef {
        name,
        attrs: &[],
        content: Content::Foreign,
    }
}

/// The definition of element `name`.
pub(crate) fn element(name: &str) -> Option<&'static ElementDef> {
    ELEMENTS.iter().find(|e| e.name == name)
}

/// Names of every element, for suggestions.
pub(crate) fn element_names() -> impl Iterator<Item = &'static str> {
    ELEMENTS.iter().map(|e| e.name)
}

impl ElementDef {
    /// The definition of attribute `name`.
    pub(crate) fn attr(&self, name: &str) -> Option<&'static AttrDef> {
        self.attrs.iter().find(|a| a.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_models_reference_known_elements() {
        let mut seen = std::collections::HashSet::new();
        for e in ELEMENTS {
            assert!(seen.insert(e.name), "duplicate {}", e.name);
        }
        for e in ELEMENTS {
            if let Content::Model(p) = e.content {
                for name in p.names() {
                    assert!(element(name).is_some(), "{} refers to {name}", e.name);
                }
            }
        }
    }
}
