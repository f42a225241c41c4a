//! The kinds of per-account quota Huawei's `GET /v3.0/OS-QUOTA/domains/{domain_id}` reports
//! (its `type` query), as far as this service counts them.

/// A quota `type` of Huawei's API that this service counts and enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaType {
    /// Users in the account (`quota.users_per_domain`).
    User,
    /// Groups in the account (`quota.groups_per_domain`).
    Group,
    /// Identity providers of the account (counted; no limit is set here).
    Idp,
}

impl QuotaType {
    pub const ALL: [QuotaType; 3] = [QuotaType::User, QuotaType::Group, QuotaType::Idp];

    pub fn as_str(self) -> &'static str {
        match self {
            QuotaType::User => "user",
            QuotaType::Group => "group",
            QuotaType::Idp => "idp",
        }
    }

    /// Huawei's spelling; `None` for a type this service does not count.
    pub fn parse(s: &str) -> Option<QuotaType> {
        QuotaType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_reads_back_and_others_are_refused() {
        for t in QuotaType::ALL {
            assert_eq!(QuotaType::parse(t.as_str()), Some(t));
        }
        assert_eq!(QuotaType::parse("agency"), None);
        assert_eq!(
            QuotaType::parse("User"),
            None,
            "Huawei's spelling is lower case"
        );
    }
}
