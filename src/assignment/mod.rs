//! The assignment manager (Keystone's `assignment/core.py`): roles and the rules by which
//! one implies another, grants of roles to users and groups on projects, domains and the
//! system (inherited or not), the role assignments they add up to, and the scopes a caller
//! may ask for. Each operation loads its target, enforces Keystone's rule against caller
//! and target (for grants, `rule:domain_managed_target_role` is the ceiling a manager may
//! not pass), acts, and says what it changed ([`crate::change`]). Nothing here knows HTTP.

pub mod ceiling;
pub mod grants;
pub mod role_assignments;
pub mod roles;
pub mod scopes;
