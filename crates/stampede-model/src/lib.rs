//! The typed vocabulary of a load-test scenario.
//!
//! A [`Scenario`] is produced by `stampede-scenario` (XML → lowered → validated) and is
//! **always valid**: every reference (session, variable, file, transaction) resolves, every
//! pattern compiled, every Tsung default applied. Everything downstream (scheduler, session
//! interpreter, engine, reports) consumes it without re-checking.
//!
//! This crate is pure: no I/O, no clock, no async runtime, no serialisation format.

mod actions;
mod counter;
mod error_class;
mod http;
mod ids;
mod infra;
mod load;
mod location;
mod options;
mod paths;
mod pattern;
mod scenario;
pub mod template;

pub use actions::{
    AbortScope, Action, ChangeType, CmpOp, Condition, DynVarSource, DynVariable, ErlCode,
    Extractor, FileOrder, ForBound, ForLoop, Foreach, ForeachFilter, If, Interaction,
    InteractionKind, JsonPathSource, LoopCondition, LoopKind, Match, MatchAction, MatchPattern,
    MatchWhen, Repeat, Request, SetDynVars, SetOption, Subst, Thinktime, Transaction, VarRef,
};
pub use counter::Counter;
pub use error_class::ErrorClass;
pub use http::{
    AddCookie, Authority, DigestParams, HttpHeader, HttpRequest, HttpVersion, Method, OAuth,
    OAuthMethod, Scheme, StaticUrl, Url, WwwAuthenticate,
};
pub use ids::{FileId, RequestId, SessionId, TransactionId, VarId};
pub use infra::{
    Client, ClientKind, IpRange, IpSource, Monitor, MonitorKind, MysqlAdmin, Server, ServerKind,
    SnmpOid, SnmpVersion,
};
pub use load::{ArrivalPhase, Arrivals, Load, RateSpec, Share, StaticUser, TimeUnit};
pub use location::{SourceFiles, SourceLocation};
pub use options::{
    FileServer, Options, PortRange, RateLimit, SocketOptions, SslOptions, ThinktimeDefault,
    UserAgent,
};
pub use paths::xpath;
pub use paths::{JsonPath, JsonStep, PathSyntaxError, XPath};
pub use pattern::{Pattern, PatternError};
pub use scenario::{
    Backend, DumpTraffic, Information, LogLevel, RequestInfo, RootOptions, Scenario, Session,
    SessionKind, VarTable,
};
pub use template::{ModFun, Segment, Template};
