//! The per-user interpreter: runs a session of a Tsung scenario exactly as Tsung does, without
//! doing any I/O itself.
//!
//! * [`Program`] compiles a [`stampede_model::Scenario`] once: every session becomes a flat
//!   list of instructions numbered like Tsung's actions, every request is pre-rendered (request
//!   line and constant headers as bytes, holes for the per-user parts).
//! * [`User`] is one virtual user: a state machine fed with the time and with what the network
//!   did, answering with a [`Step`] (send this request, wait until, finished…). It keeps its
//!   variables, cookies, open transactions and loop counters — a few hundred bytes.
//! * [`Host`] is implemented by the engine: metric events, run-wide shared state (file
//!   cursors, the wall clock, interactions) and the Erlang evaluator.
//!
//! A typical driver, one task per user (the network and the sleeping are the engine's):
//!
//! ```
//! use stampede_session::{ErrorClass, Host, Nanos, Program, RequestBuf, ResponseView, Step, User};
//! # use std::sync::Arc;
//! # enum Net<'a> { Response(ResponseView<'a>), Failed(ErrorClass) }
//! # fn send(_: &stampede_session::SendRequest<'_>) -> Net<'static> { Net::Response(ResponseView::empty()) }
//! # fn sleep_until(t: Nanos) -> Nanos { t }
//! # fn wait_global() -> Nanos { Nanos::ZERO }
//! fn run_user<H: Host>(program: Arc<Program>, host: &mut H, user_id: u64, seed: u64) {
//!     let mut buf = RequestBuf::new(); // one per worker in a real engine
//!     let mut user = User::new(program, stampede_model::SessionId(0), user_id, seed);
//!     let Step::Wait(deadline) = user.start(Nanos::ZERO) else { return };
//!     let mut now = sleep_until(deadline);
//!     let mut step = user.on_timer(now, host, &mut buf);
//!     loop {
//!         step = match step {
//!             Step::Send(request) => match send(&request) {
//!                 // `now` when the response is complete; the engine records the `request`
//!                 // sample (from the `now` that produced the Send) and the status code.
//!                 Net::Response(response) => user.on_response(now, &response, host, &mut buf),
//!                 Net::Failed(error) => user.on_error(now, error, host, &mut buf),
//!             },
//!             Step::Wait(until) => {
//!                 now = sleep_until(until);
//!                 user.on_timer(now, host, &mut buf)
//!             }
//!             Step::WaitGlobal => {
//!                 now = wait_global();
//!                 user.on_timer(now, host, &mut buf)
//!             }
//!             Step::Finished(_) | Step::StopTest => break,
//!         };
//!     }
//! }
//! ```
//!
//! The engine times requests and connections itself (a `request` sample runs from the `now` of
//! the call that returned [`Step::Send`] to the `now` given to [`User::on_response`]); the user
//! reports pages, transactions, sessions, match and control-flow counters and the errors it is
//! told about or raises, through [`Host`].

mod auth;
mod cookies;
mod extract;
mod host;
mod program;
mod response;
mod rng;
mod step;
mod target;
mod text;
mod time;
mod user;
mod value;
mod vars;

pub use host::{AbortReason, CallArgs, EvalContext, EvalError, Host, MatchEvent, Outcome};
pub use program::{DEFAULT_USER_AGENT, Program};
pub use response::{HeaderSpan, ResponseView};
/// Re-exported for [`User::on_error`].
pub use stampede_model::ErrorClass;
pub use step::{ClientCertificate, ConnectionId, ConnectionOptions, SendRequest, Step};
pub use target::{Target, TargetRef};
pub use time::Nanos;
pub use user::{RequestBuf, User};
pub use value::Value;

#[cfg(test)]
mod tests {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}

    #[test]
    fn program_is_shareable_and_users_movable() {
        send_sync::<crate::Program>();
        send::<crate::User>();
        send::<crate::RequestBuf>();
        send_sync::<crate::Target>();
    }
}
