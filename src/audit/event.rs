//! What an audited request was, after Keystone's CADF notifications: its event type
//! (`identity.group.created`), CADF action, target type and outcome, read off the method, the
//! route template it matched and its status. One rule for every route of both faces, so a new
//! route is audited without being listed anywhere.

/// An audited kind of request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventKind {
    /// Keystone's notification name: `identity.<target_type>.<created|updated|deleted>`, or
    /// `identity.authenticate`.
    pub event_type: String,
    /// CADF's action: `create`, `update`, `delete` or `authenticate`.
    pub action: &'static str,
    /// What was acted on, `group` or, for a relation, `group.user` (a membership),
    /// `project.group.role` (a grant), `user.accesskey`.
    pub target_type: String,
    pub outcome: Outcome,
    /// The request created its target, whose id is in the response body.
    pub creates: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// Path prefixes that name an API, not a resource.
const API_PREFIXES: &[&str] = &["v1", "v3", "v3.0", "OS-INHERIT", "OS-CREDENTIAL", "auth"];

/// A resource's name in an event: the path's plural made singular.
fn singular(segment: &str) -> String {
    match segment {
        "implies" => "implied_role".to_string(),
        "inherited_to_projects" => "inherited_to_project".to_string(),
        s => s.strip_suffix('s').unwrap_or(s).to_string(),
    }
}

/// Routes whose 401 is a failed proof of a password, audited like a refused change: a login,
/// and a self-service password change with a wrong original password (which counts towards
/// the lockout as a failed login does).
const PASSWORD_PROOFS: &[&str] = &["/v3/auth/tokens", "/v3/users/{user_id}/password"];

/// The event of a request, or `None` when it is not audited: reads; failures other than a
/// refused password proof (401) or a refused change (403); anything that matched no route.
pub fn classify(method: &str, template: &str, status: u16) -> Option<EventKind> {
    let outcome = match status {
        200..=299 => Outcome::Success,
        401 if method == "POST" && PASSWORD_PROOFS.contains(&template) => Outcome::Failure,
        403 => Outcome::Failure,
        _ => return None,
    };
    match (method, template) {
        ("GET" | "HEAD" | "OPTIONS", _) => return None,
        ("POST", "/v3/auth/tokens") => {
            return Some(EventKind {
                event_type: "identity.authenticate".into(),
                action: "authenticate",
                target_type: "user".into(),
                outcome,
                creates: false,
            })
        }
        (_, t) if !t.starts_with('/') => return None,
        _ => {}
    }
    let mut kinds = Vec::new();
    let mut params = 0;
    for segment in template.split('/').filter(|s| !s.is_empty()) {
        if segment.starts_with('{') {
            params += 1;
        } else if !API_PREFIXES.contains(&segment) {
            kinds.push(singular(segment));
        }
    }
    if kinds.is_empty() {
        return None;
    }
    let target_type = kinds.join(".");
    // PUT naming two things makes a relation (a membership, a grant); PUT on one resource,
    // or on a key's `?disable`, changes it.
    let relates = params >= 2 && target_type != "user.accesskey";
    let (action, done) = match method {
        "POST" if target_type.ends_with(".password") => ("update", "updated"),
        "POST" => ("create", "created"),
        "PUT" if relates => ("create", "created"),
        "PUT" | "PATCH" => ("update", "updated"),
        "DELETE" => ("delete", "deleted"),
        _ => return None,
    };
    Some(EventKind {
        event_type: format!("identity.{target_type}.{done}"),
        action,
        creates: method == "POST" && action == "create",
        target_type,
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(method: &str, template: &str) -> Option<String> {
        classify(method, template, 200).map(|k| k.event_type)
    }

    #[test]
    fn every_kind_of_change_has_its_event() {
        for (method, template, expected) in [
            ("POST", "/v3/groups", "identity.group.created"),
            ("PATCH", "/v3/groups/{group_id}", "identity.group.updated"),
            ("DELETE", "/v3/groups/{group_id}", "identity.group.deleted"),
            (
                "PUT",
                "/v3/groups/{group_id}/users/{user_id}",
                "identity.group.user.created",
            ),
            (
                "DELETE",
                "/v3/groups/{group_id}/users/{user_id}",
                "identity.group.user.deleted",
            ),
            (
                "POST",
                "/v3/users/{user_id}/password",
                "identity.user.password.updated",
            ),
            (
                "PUT",
                "/v3/projects/{target_id}/groups/{actor_id}/roles/{role_id}",
                "identity.project.group.role.created",
            ),
            (
                "PUT",
                "/v3/OS-INHERIT/domains/{target_id}/users/{actor_id}/roles/{role_id}/inherited_to_projects",
                "identity.domain.user.role.inherited_to_project.created",
            ),
            (
                "DELETE",
                "/v3/system/users/{actor_id}/roles/{role_id}",
                "identity.system.user.role.deleted",
            ),
            (
                "PUT",
                "/v3/roles/{prior_role_id}/implies/{implied_role_id}",
                "identity.role.implied_role.created",
            ),
            ("PUT", "/v3/regions/{region_id}", "identity.region.updated"),
            ("DELETE", "/v3/auth/tokens", "identity.token.deleted"),
            (
                "POST",
                "/v3.0/OS-CREDENTIAL/credentials",
                "identity.credential.created",
            ),
            ("POST", "/v1/group", "identity.group.created"),
            ("PUT", "/v1/group/{group_name}", "identity.group.updated"),
            (
                "PUT",
                "/v1/group/{group_name}/user/{user_name}",
                "identity.group.user.created",
            ),
            (
                "POST",
                "/v1/user/{user_name}/accesskey",
                "identity.user.accesskey.created",
            ),
            (
                "PUT",
                "/v1/user/{user_name}/accesskey/{access_key}",
                "identity.user.accesskey.updated",
            ),
            ("POST", "/v3/auth/tokens", "identity.authenticate"),
        ] {
            assert_eq!(
                event(method, template).as_deref(),
                Some(expected),
                "{method} {template}"
            );
        }
    }

    #[test]
    fn reads_and_plain_failures_are_not_events() {
        assert_eq!(event("GET", "/v3/groups"), None);
        assert_eq!(event("HEAD", "/v3/groups/{group_id}/users/{user_id}"), None);
        for status in [400, 404, 409, 413, 500, 503] {
            assert_eq!(classify("POST", "/v3/groups", status), None, "{status}");
        }
        // A 401 is an event only for a login; an unauthenticated change is not anyone's.
        assert_eq!(classify("POST", "/v3/groups", 401), None);
        let login = classify("POST", "/v3/auth/tokens", 401).unwrap();
        assert_eq!(login.outcome, Outcome::Failure);
        let change = classify("POST", "/v3/users/{user_id}/password", 401).unwrap();
        assert_eq!(change.outcome, Outcome::Failure);
        assert_eq!(change.event_type, "identity.user.password.updated");
        let refused = classify("DELETE", "/v3/groups/{group_id}", 403).unwrap();
        assert_eq!(refused.outcome, Outcome::Failure);
        assert_eq!(refused.event_type, "identity.group.deleted");
        // Nothing matched: no template.
        assert_eq!(classify("POST", "unmatched", 200), None);
    }

    #[test]
    fn creates_are_marked_so_the_new_id_is_read_from_the_answer() {
        assert!(classify("POST", "/v3/groups", 201).unwrap().creates);
        assert!(
            !classify("PUT", "/v1/group/{group_name}/user/{user_name}", 204)
                .unwrap()
                .creates
        );
        assert!(
            !classify("POST", "/v3/users/{user_id}/password", 204)
                .unwrap()
                .creates
        );
    }
}
