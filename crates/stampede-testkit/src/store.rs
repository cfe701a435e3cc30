//! The app's in-memory data: users, browser sessions with their CSRF tokens, communities,
//! submissions, comments and API tokens. Plain data, no I/O; the web layer locks it briefly.

use std::collections::{BTreeMap, HashMap, VecDeque};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::rng::SplitMix64;

/// Sessions kept at most; the oldest are forgotten first (a long benchmark of a form page
/// creates one session per cookie-less request).
const MAX_SESSIONS: usize = 100_000;
/// CSRF tokens remembered per session; older ones stop verifying.
const TOKENS_PER_SESSION: usize = 32;

/// Password of every seeded user (`user1`, `user2`, …).
pub const SEED_PASSWORD: &str = "password";

pub(crate) type UserId = u64;
pub(crate) type CommunityId = u64;
pub(crate) type SubmissionId = u64;

#[derive(Debug)]
pub(crate) struct User {
    pub(crate) name: String,
    password: String,
}

#[derive(Debug, Default)]
struct Session {
    user: Option<UserId>,
    tokens: VecDeque<String>,
}

#[derive(Debug)]
pub(crate) struct Community {
    pub(crate) name: String,
    pub(crate) owner: UserId,
    pub(crate) submissions: Vec<SubmissionId>,
}

#[derive(Debug)]
pub(crate) struct Submission {
    pub(crate) community: CommunityId,
    pub(crate) author: UserId,
    pub(crate) title: String,
    pub(crate) url: String,
    pub(crate) comments: Vec<Comment>,
}

#[derive(Debug)]
pub(crate) struct Comment {
    pub(crate) author: UserId,
    pub(crate) message: String,
}

/// Why a sign-up was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignUpError {
    NameBlank,
    PasswordBlank,
    NameTaken,
}

impl SignUpError {
    pub(crate) fn message(self) -> &'static str {
        match self {
            SignUpError::NameBlank => "Name can't be blank",
            SignUpError::PasswordBlank => "Password can't be blank",
            SignUpError::NameTaken => "Name has already been taken",
        }
    }
}

/// Why a submission could not be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeleteError {
    NotFound,
    Forbidden,
}

#[derive(Debug, Clone, Copy)]
enum Table {
    Users = 0,
    Communities = 1,
    Submissions = 2,
}

/// What to seed the store with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seeds {
    pub(crate) users: u32,
    pub(crate) communities: u32,
    pub(crate) submissions_per_community: u32,
}

#[derive(Debug)]
pub(crate) struct Store {
    rng: SplitMix64,
    /// One id sequence per table, as a database would have.
    last_ids: [u64; 3],
    users: BTreeMap<UserId, User>,
    user_ids: HashMap<String, UserId>,
    sessions: HashMap<String, Session>,
    session_order: VecDeque<String>,
    communities: BTreeMap<CommunityId, Community>,
    submissions: BTreeMap<SubmissionId, Submission>,
    api_tokens: HashMap<String, UserId>,
}

impl Store {
    pub(crate) fn new(seed: u64, seeds: Seeds) -> Self {
        let mut store = Store {
            rng: SplitMix64::new(seed),
            last_ids: [0; 3],
            users: BTreeMap::new(),
            user_ids: HashMap::new(),
            sessions: HashMap::new(),
            session_order: VecDeque::new(),
            communities: BTreeMap::new(),
            submissions: BTreeMap::new(),
            api_tokens: HashMap::new(),
        };
        store.seed(seeds);
        store
    }

    /// Users `user1..=userN` (password [`SEED_PASSWORD`]) get ids 1..=N; communities
    /// `community1..=communityM` owned by user 1 get ids 1..=M, each with a few submissions
    /// (ids in community order).
    fn seed(&mut self, seeds: Seeds) {
        let mut owner = None;
        for i in 1..=seeds.users {
            let id = self.sign_up(&format!("user{i}"), SEED_PASSWORD);
            owner = owner.or(id.ok());
        }
        let Some(owner) = owner else { return };
        let mut community_ids = Vec::new();
        for i in 1..=seeds.communities {
            community_ids.push(self.create_community(owner, &format!("community{i}")));
        }
        for cid in community_ids {
            for j in 1..=seeds.submissions_per_community {
                let title = format!("Seeded story {j} of community {cid}");
                let url = format!("http://localhost/stories/{cid}/{j}");
                let _ = self.create_submission(cid, owner, &title, &url);
            }
        }
    }

    fn next_id(&mut self, table: Table) -> u64 {
        let last = &mut self.last_ids[table as usize];
        *last += 1;
        *last
    }

    fn random_token(&mut self, tricky: bool) -> String {
        let mut bytes = [0u8; 32];
        self.rng.fill(&mut bytes);
        if tricky {
            // 0xFB 0xFF 0xBF encodes as "+/+/"; 32 bytes end with one "=" of padding.
            bytes[..3].copy_from_slice(&[0xFB, 0xFF, 0xBF]);
            STANDARD.encode(bytes)
        } else {
            URL_SAFE_NO_PAD.encode(bytes)
        }
    }

    // ---- browser sessions and CSRF tokens ----

    /// The session named by the cookie, or a new one. Returns its id and whether it is new.
    pub(crate) fn ensure_session(&mut self, cookie: Option<&str>) -> (String, bool) {
        if let Some(id) = cookie
            && self.sessions.contains_key(id)
        {
            return (id.to_owned(), false);
        }
        let id = self.random_token(false);
        self.sessions.insert(id.clone(), Session::default());
        self.session_order.push_back(id.clone());
        while self.session_order.len() > MAX_SESSIONS {
            if let Some(old) = self.session_order.pop_front() {
                self.sessions.remove(&old);
            }
        }
        (id, true)
    }

    /// A fresh CSRF token for this session (each rendered form gets its own).
    pub(crate) fn issue_token(&mut self, session: &str, tricky: bool) -> String {
        let token = self.random_token(tricky);
        if let Some(s) = self.sessions.get_mut(session) {
            s.tokens.push_back(token.clone());
            while s.tokens.len() > TOKENS_PER_SESSION {
                s.tokens.pop_front();
            }
        }
        token
    }

    /// Whether `token` was issued to this session (byte for byte).
    pub(crate) fn verify_token(&self, session: Option<&str>, token: &str) -> bool {
        session
            .and_then(|id| self.sessions.get(id))
            .is_some_and(|s| s.tokens.iter().any(|t| t == token))
    }

    pub(crate) fn session_user(&self, session: Option<&str>) -> Option<UserId> {
        session.and_then(|id| self.sessions.get(id))?.user
    }

    pub(crate) fn set_session_user(&mut self, session: &str, user: Option<UserId>) {
        if let Some(s) = self.sessions.get_mut(session) {
            s.user = user;
        }
    }

    // ---- users ----

    pub(crate) fn sign_up(&mut self, name: &str, password: &str) -> Result<UserId, SignUpError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(SignUpError::NameBlank);
        }
        if password.is_empty() {
            return Err(SignUpError::PasswordBlank);
        }
        if self.user_ids.contains_key(name) {
            return Err(SignUpError::NameTaken);
        }
        let id = self.next_id(Table::Users);
        self.users.insert(
            id,
            User {
                name: name.to_owned(),
                password: password.to_owned(),
            },
        );
        self.user_ids.insert(name.to_owned(), id);
        Ok(id)
    }

    pub(crate) fn authenticate(&self, name: &str, password: &str) -> Option<UserId> {
        let id = *self.user_ids.get(name.trim())?;
        (self.users.get(&id)?.password == password).then_some(id)
    }

    pub(crate) fn user(&self, id: UserId) -> Option<&User> {
        self.users.get(&id)
    }

    pub(crate) fn user_name(&self, id: UserId) -> &str {
        self.users.get(&id).map_or("(deleted)", |u| u.name.as_str())
    }

    // ---- API tokens ----

    pub(crate) fn issue_api_token(&mut self, user: UserId) -> String {
        let token = self.random_token(false);
        self.api_tokens.insert(token.clone(), user);
        token
    }

    pub(crate) fn api_user(&self, token: &str) -> Option<UserId> {
        self.api_tokens.get(token).copied()
    }

    // ---- communities ----

    pub(crate) fn create_community(&mut self, owner: UserId, name: &str) -> CommunityId {
        let id = self.next_id(Table::Communities);
        self.communities.insert(
            id,
            Community {
                name: name.trim().to_owned(),
                owner,
                submissions: Vec::new(),
            },
        );
        id
    }

    pub(crate) fn community(&self, id: CommunityId) -> Option<&Community> {
        self.communities.get(&id)
    }

    /// Communities in id order, the newest `limit` of them.
    pub(crate) fn communities(
        &self,
        limit: usize,
    ) -> impl Iterator<Item = (CommunityId, &Community)> {
        let skip = self.communities.len().saturating_sub(limit);
        self.communities.iter().skip(skip).map(|(id, c)| (*id, c))
    }

    pub(crate) fn community_count(&self) -> usize {
        self.communities.len()
    }

    // ---- submissions ----

    /// `None` when the community does not exist.
    pub(crate) fn create_submission(
        &mut self,
        community: CommunityId,
        author: UserId,
        title: &str,
        url: &str,
    ) -> Option<SubmissionId> {
        if !self.communities.contains_key(&community) {
            return None;
        }
        let id = self.next_id(Table::Submissions);
        self.submissions.insert(
            id,
            Submission {
                community,
                author,
                title: title.trim().to_owned(),
                url: url.trim().to_owned(),
                comments: Vec::new(),
            },
        );
        if let Some(c) = self.communities.get_mut(&community) {
            c.submissions.push(id);
        }
        Some(id)
    }

    pub(crate) fn submission(&self, id: SubmissionId) -> Option<&Submission> {
        self.submissions.get(&id)
    }

    /// Deletes the submission if `user` wrote it; returns its community.
    pub(crate) fn delete_submission(
        &mut self,
        id: SubmissionId,
        user: UserId,
    ) -> Result<CommunityId, DeleteError> {
        let s = self.submissions.get(&id).ok_or(DeleteError::NotFound)?;
        if s.author != user {
            return Err(DeleteError::Forbidden);
        }
        let community = s.community;
        self.submissions.remove(&id);
        if let Some(c) = self.communities.get_mut(&community) {
            c.submissions.retain(|&x| x != id);
        }
        Ok(community)
    }

    /// `false` when the submission does not exist.
    pub(crate) fn add_comment(&mut self, id: SubmissionId, author: UserId, message: &str) -> bool {
        match self.submissions.get_mut(&id) {
            Some(s) => {
                s.comments.push(Comment {
                    author,
                    message: message.trim().to_owned(),
                });
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded() -> Store {
        Store::new(
            1,
            Seeds {
                users: 3,
                communities: 2,
                submissions_per_community: 2,
            },
        )
    }

    #[test]
    fn seeds_have_predictable_ids() {
        let s = seeded();
        assert_eq!(s.authenticate("user1", SEED_PASSWORD), Some(1));
        assert_eq!(s.authenticate("user3", SEED_PASSWORD), Some(3));
        assert_eq!(s.authenticate("user3", "wrong"), None);
        assert_eq!(s.community(1).map(|c| c.name.as_str()), Some("community1"));
        assert_eq!(
            s.community(2).map(|c| c.submissions.clone()),
            Some(vec![3, 4])
        );
        assert_eq!(s.submission(3).map(|x| x.community), Some(2));
    }

    #[test]
    fn tokens_rotate_and_verify_only_in_their_session() {
        let mut s = seeded();
        let (a, new) = s.ensure_session(None);
        assert!(new);
        assert_eq!(s.ensure_session(Some(&a)), (a.clone(), false));
        let (b, _) = s.ensure_session(Some("forged"));
        let t1 = s.issue_token(&a, false);
        let t2 = s.issue_token(&a, false);
        assert_ne!(t1, t2);
        assert!(s.verify_token(Some(&a), &t1) && s.verify_token(Some(&a), &t2));
        assert!(!s.verify_token(Some(&b), &t1));
        assert!(!s.verify_token(None, &t1));
        for c in ['+', '/', '='] {
            assert!(!t1.contains(c), "{t1}");
        }
    }

    #[test]
    fn tricky_tokens_contain_plus_slash_and_equals() {
        let mut s = seeded();
        let (a, _) = s.ensure_session(None);
        let t = s.issue_token(&a, true);
        for c in ['+', '/', '='] {
            assert!(t.contains(c), "{t}");
        }
        assert!(s.verify_token(Some(&a), &t));
        assert!(!s.verify_token(Some(&a), &t.replace('+', " ")));
    }

    #[test]
    fn old_tokens_expire() {
        let mut s = seeded();
        let (a, _) = s.ensure_session(None);
        let first = s.issue_token(&a, false);
        for _ in 0..TOKENS_PER_SESSION {
            s.issue_token(&a, false);
        }
        assert!(!s.verify_token(Some(&a), &first));
    }

    #[test]
    fn sign_up_rules() {
        let mut s = seeded();
        assert_eq!(s.sign_up(" ", "x"), Err(SignUpError::NameBlank));
        assert_eq!(s.sign_up("bob", ""), Err(SignUpError::PasswordBlank));
        assert_eq!(s.sign_up("user1", "x"), Err(SignUpError::NameTaken));
        let id = s.sign_up("bob", "pw").unwrap();
        assert_eq!(s.authenticate("bob", "pw"), Some(id));
    }

    #[test]
    fn only_the_author_deletes() {
        let mut s = seeded();
        let bob = s.sign_up("bob", "pw").unwrap();
        let sid = s.create_submission(1, bob, "t", "u").unwrap();
        assert_eq!(s.delete_submission(sid, 1), Err(DeleteError::Forbidden));
        assert_eq!(s.delete_submission(sid, bob), Ok(1));
        assert_eq!(s.delete_submission(sid, bob), Err(DeleteError::NotFound));
        assert!(!s.community(1).unwrap().submissions.contains(&sid));
        assert_eq!(s.create_submission(999, bob, "t", "u"), None);
    }
}
