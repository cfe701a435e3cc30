//! The route patterns the target app serves, as they appear in [`crate::Counts`] and in
//! fault rules.

/// Home page with links.
pub const HOME: &str = "/";
/// Liveness probe.
pub const HEALTH: &str = "/health";
/// A fixed 100-byte text file.
pub const STATIC_100B: &str = "/static/100b.txt";
/// Sign-up form.
pub const USERS_NEW: &str = "/users/new";
/// Sign-up.
pub const USERS: &str = "/users";
/// User profile.
pub const USER: &str = "/users/{id}";
/// Sign-in form.
pub const LOGIN: &str = "/login";
/// Sign in (`POST`) and sign out (`DELETE`, or `POST` with `_method=delete`).
pub const SESSION: &str = "/session";
/// Community list (`GET`) and creation (`POST`).
pub const COMMUNITIES: &str = "/communities";
/// New-community form.
pub const COMMUNITIES_NEW: &str = "/communities/new";
/// One community with its submissions.
pub const COMMUNITY: &str = "/communities/{id}";
/// New-submission form.
pub const SUBMISSIONS_NEW: &str = "/communities/{id}/submissions/new";
/// Post a submission to a community.
pub const COMMUNITY_SUBMISSIONS: &str = "/communities/{id}/submissions";
/// One submission (`GET`), its deletion (`DELETE`, or `POST` with `_method=delete`).
pub const SUBMISSION: &str = "/submissions/{id}";
/// Comment on a submission.
pub const SUBMISSION_COMMENTS: &str = "/submissions/{id}/comments";
/// JSON sign-in, returns a bearer token.
pub const API_LOGIN: &str = "/api/login";
/// JSON community list.
pub const API_COMMUNITIES: &str = "/api/communities";
/// JSON submission creation (bearer token).
pub const API_SUBMISSIONS: &str = "/api/submissions";
/// JSON submission.
pub const API_SUBMISSION: &str = "/api/submissions/{id}";
/// Checks a form field `token` against the tokens issued to the session.
pub const ECHO_VERIFY: &str = "/echo/verify";

/// The pattern recorded for requests whose path matches no route (they get a 404).
pub const UNMATCHED_ROUTE: &str = "(unmatched)";

/// Every route pattern of the app, in the syntax of the router (`{id}` for a path segment).
pub const ROUTES: &[&str] = &[
    HOME,
    HEALTH,
    STATIC_100B,
    USERS_NEW,
    USERS,
    USER,
    LOGIN,
    SESSION,
    COMMUNITIES,
    COMMUNITIES_NEW,
    COMMUNITY,
    SUBMISSIONS_NEW,
    COMMUNITY_SUBMISSIONS,
    SUBMISSION,
    SUBMISSION_COMMENTS,
    API_LOGIN,
    API_COMMUNITIES,
    API_SUBMISSIONS,
    API_SUBMISSION,
    ECHO_VERIFY,
];

/// The `'static` copy of a known pattern (including [`UNMATCHED_ROUTE`]).
pub(crate) fn intern(pattern: &str) -> Option<&'static str> {
    if pattern == UNMATCHED_ROUTE {
        return Some(UNMATCHED_ROUTE);
    }
    ROUTES.iter().copied().find(|r| *r == pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intern_knows_every_route_and_nothing_else() {
        for r in ROUTES {
            assert_eq!(intern(r), Some(*r));
        }
        assert_eq!(intern(UNMATCHED_ROUTE), Some(UNMATCHED_ROUTE));
        assert_eq!(intern("/communities/1"), None);
    }
}
