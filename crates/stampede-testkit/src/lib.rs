//! Target servers for exercising Stampede, in process, on loopback.
//!
//! * [`TargetApp`]: a small Rails-style web application (users, sign-in, communities,
//!   submissions, comments, a JSON API) of the kind real Tsung scenarios were written
//!   against: CSRF tokens in hidden inputs that rotate per form, 302 redirects with absolute
//!   `Location` headers, a session cookie, chunked and `Content-Length` pages. It counts
//!   every request it serves ([`Counts`]) and misbehaves on demand ([`FaultControl`]).
//!   `stampede demo` runs `examples/demo.xml` against it.
//! * [`ScriptedServer`]: a raw TCP server that plays a script per connection (read a
//!   request, write bytes, pause, close, reset, stall), for HTTP client tests.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use stampede_testkit::{AppConfig, Fault, FaultRule, Outcome, TargetApp};
//! let app = TargetApp::start(AppConfig::default()).await?;
//! app.faults()
//!     .add(FaultRule::new(Fault::Status(503)).route("/health").next(1))
//!     .expect("valid rule");
//! // … drive traffic at app.base_url() …
//! assert_eq!(app.counts().get("/health", "GET", Outcome::Status(503)), 1);
//! app.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Routes
//!
//! | method | pattern | answers |
//! |---|---|---|
//! | GET | `/` | 200 home page with links |
//! | GET | `/health` | 200 `ok` |
//! | GET | `/static/100b.txt` | 200, exactly 100 bytes |
//! | GET | `/users/new` | 200 sign-up form (hidden `authenticity_token`, `<meta name="csrf-token">`, session cookie) |
//! | POST | `/users` | 302 → `/users/ID` + cookie; 422 bad token or invalid user |
//! | GET | `/users/{id}` | 200 profile (`Welcome, NAME!` for its owner); 404 |
//! | GET | `/login` | 200 sign-in form |
//! | POST | `/session` | 302 → `/` + cookie; 422 bad token or credentials; with `_method=delete`: sign out |
//! | DELETE | `/session` | 302 → `/` + cookie (signed out); 422 bad token |
//! | GET | `/communities` | 200 list (chunked) |
//! | POST | `/communities` | 302 → `/communities/ID`; 302 → `/login` when signed out; 422 |
//! | GET | `/communities/new` | 200 form |
//! | GET | `/communities/{id}` | 200 (chunked); 404 |
//! | GET | `/communities/{id}/submissions/new` | 200 form; 404 |
//! | POST | `/communities/{id}/submissions` | 302 → `/submissions/SID`; 302 → `/login`; 404; 422 |
//! | GET | `/submissions/{id}` | 200 (chunked) with comment and delete forms; 404 |
//! | DELETE | `/submissions/{id}` | 302 → `/communities/ID`; 403 not the author; 302 → `/login`; 404; 422 |
//! | POST | `/submissions/{id}` | with `_method=delete`: as DELETE; else 404 |
//! | POST | `/submissions/{id}/comments` | 302 → `/submissions/ID`; 302 → `/login`; 404; 422 |
//! | POST | `/api/login` | 200 `{"token":…,"user":{"id":…,"name":…}}`; 401 |
//! | GET | `/api/communities` | 200 JSON array |
//! | POST | `/api/submissions` | 201 JSON with `id` (needs `Authorization: Bearer`); 401; 422 |
//! | GET | `/api/submissions/{id}` | 200 JSON; 404 |
//! | POST | `/echo/verify` | 200 when form field `token` is a token issued to the session; 422 |
//! | any | anything else | 404 (counted under [`UNMATCHED_ROUTE`]); a known path with another method: 405 |
//!
//! Redirects are absolute, built from the request's `Host` header (as Rails does), or from
//! the listening address when there is none. Every HTML form page accepts `?tricky=1`,
//! which makes its tokens contain `+`, `/` and `=`.

mod app;
mod counts;
mod faults;
mod rng;
mod routes;
mod scripted;
mod server;
mod store;
mod target;

pub use counts::{CountKey, Counts, Outcome};
pub use faults::{Fault, FaultControl, FaultError, FaultRule};
pub use routes::{ROUTES, UNMATCHED_ROUTE};
pub use scripted::{ReceivedRequest, ScriptStep, ScriptedServer};
pub use store::SEED_PASSWORD;
pub use target::{AppConfig, TargetApp};
