//! What an auth request names: a domain, a user, the scope wanted. Plain values, resolved
//! against the database by the auth context (context.rs).

/// A domain named in an auth request, by id or by name.
#[derive(Debug, Clone)]
pub enum DomainRef {
    Id(String),
    Name(String),
}

/// The scope an auth request asks for.
#[derive(Debug, Clone)]
pub enum ScopeRequest {
    /// No scope given: the user's default project, if usable, else unscoped.
    Default,
    /// `"scope": "unscoped"`, Keystone's explicit request for no scope.
    Unscoped,
    ProjectId(String),
    ProjectName {
        name: String,
        domain: DomainRef,
    },
    Domain(DomainRef),
    System,
    /// `{"OS-TRUST:trust": {"id": ...}}`: the project and roles a trust delegates, to its
    /// trustee.
    Trust(String),
}

/// A user, as named in a password auth request.
#[derive(Debug, Clone)]
pub enum UserRef {
    Id(String),
    Name { name: String, domain: DomainRef },
}

/// How a `POST /v3/auth/tokens` caller proves who they are.
#[derive(Debug, Clone)]
pub enum AuthMethod {
    /// `"password"`: a user and their password.
    Password { user: UserRef, password: String },
    /// `"token"`: a valid token, rescoped.
    Token { token: String },
    /// `"application_credential"`: a credential and its secret.
    ApplicationCredential {
        credential: AppCredRef,
        secret: String,
    },
}

/// An application credential, as an auth request names it: by id, or by name with its
/// user.
#[derive(Debug, Clone)]
pub enum AppCredRef {
    Id(String),
    Named { name: String, user: UserRef },
}
