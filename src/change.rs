//! What an operation changed, said by the manager that made the change rather than guessed
//! afterwards from the URL or the answer: the cache entries it invalidates
//! ([`AppState::changed`](crate::state::AppState::changed)) and the audit event it is
//! ([`audit`]). Both are recorded for the request running in this task; `api::http`'s
//! middleware opens the record around each request ([`scope`]) and the audit middleware
//! writes the event with the request's facts (caller, address, request id, status).

use std::cell::RefCell;
use std::future::Future;

/// What was done to the target, after CADF's actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    Authenticate,
}

/// One audited operation: Keystone's notification `identity.<target_type>.<created|...>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub action: Action,
    /// What was acted on: `group`, or for a relation `group.user` (a membership),
    /// `project.group.role` (a grant), `user.accesskey`.
    pub target_type: String,
    pub target_id: Option<String>,
    /// For a failed login naming no existing user: the name and domain as given.
    pub target_name: Option<String>,
    pub target_domain: Option<String>,
    /// A refused proof of a password (a login, a password change with a wrong original
    /// password) is audited on 401 as a refused change is on 403.
    pub proves_password: bool,
}

impl Event {
    pub fn new(action: Action, target_type: impl Into<String>, target_id: Option<String>) -> Event {
        Event {
            action,
            target_type: target_type.into(),
            target_id,
            target_name: None,
            target_domain: None,
            proves_password: false,
        }
    }
    pub fn created(target_type: &str, id: impl Into<String>) -> Event {
        Event::new(Action::Create, target_type, Some(id.into()))
    }
    pub fn updated(target_type: &str, id: impl Into<String>) -> Event {
        Event::new(Action::Update, target_type, Some(id.into()))
    }
    pub fn deleted(target_type: &str, id: impl Into<String>) -> Event {
        Event::new(Action::Delete, target_type, Some(id.into()))
    }
    /// A login, its target the user it named (by id once known).
    pub fn authenticate(user_id: Option<String>) -> Event {
        Event {
            proves_password: true,
            ..Event::new(Action::Authenticate, "user", user_id)
        }
    }
    /// Keystone's notification name.
    pub fn event_type(&self) -> String {
        let done = match self.action {
            Action::Create => "created",
            Action::Update => "updated",
            Action::Delete => "deleted",
            Action::Authenticate => return "identity.authenticate".into(),
        };
        format!("identity.{}.{done}", self.target_type)
    }
    /// CADF's action word.
    pub fn action_name(&self) -> &'static str {
        match self.action {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Authenticate => "authenticate",
        }
    }
}

/// What the running request's operations said.
#[derive(Debug, Default)]
pub struct Record {
    /// The request named what its write changed (possibly nothing).
    pub declared: bool,
    /// The operation's audit event; the last one said wins (an operation that calls
    /// another, such as a create that also grants, names the outer one last).
    pub event: Option<Event>,
}

tokio::task_local! {
    static RECORD: RefCell<Record>;
}

/// Runs a request with an empty record, and returns what it recorded.
pub async fn scope<F: Future>(request: F) -> (F::Output, Record) {
    RECORD
        .scope(RefCell::new(Record::default()), async {
            let out = request.await;
            let record = RECORD.with(|r| std::mem::take(&mut *r.borrow_mut()));
            (out, record)
        })
        .await
}

/// Records that the running request said what it changed. Outside a request (a test, an
/// operator command) there is nothing to record.
pub fn declare() {
    let _ = RECORD.try_with(|r| r.borrow_mut().declared = true);
}

/// Records the running request's audit event: written when the request is answered, with
/// its outcome. Outside a request nothing is recorded.
pub fn audit(event: Event) {
    let _ = RECORD.try_with(|r| r.borrow_mut().event = Some(event));
}

/// Adds what only became known later (a login's user once found, a create's new id).
pub fn amend(edit: impl FnOnce(&mut Event)) {
    let _ = RECORD.try_with(|r| {
        if let Some(event) = r.borrow_mut().event.as_mut() {
            edit(event);
        }
    });
}

/// The event recorded so far, for the audit middleware (which runs inside the scope).
pub fn recorded_event() -> Option<Event> {
    RECORD.try_with(|r| r.borrow().event.clone()).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_are_keystones() {
        assert_eq!(
            Event::created("group.user", "g").event_type(),
            "identity.group.user.created"
        );
        assert_eq!(
            Event::authenticate(None).event_type(),
            "identity.authenticate"
        );
        assert_eq!(Event::deleted("group", "g").action_name(), "delete");
    }

    #[actix_web::test]
    async fn a_request_records_its_own_event_and_declaration() {
        let ((), record) = scope(async {
            audit(Event::updated("group", "g1"));
            amend(|e| e.target_name = Some("n".into()));
            declare();
        })
        .await;
        assert!(record.declared);
        let event = record.event.unwrap();
        assert_eq!(event.target_id.as_deref(), Some("g1"));
        assert_eq!(event.target_name.as_deref(), Some("n"));
        // Outside a scope nothing is recorded and nothing fails.
        audit(Event::deleted("group", "g"));
        assert_eq!(recorded_event(), None);
    }
}
