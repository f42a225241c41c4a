//! Keystone's string comparators on list filters (`name__contains=x` and friends).

/// How a `<field>__<comparator>` filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

/// One string comparison a list applies to a column, such as `name__icontains=ops`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringMatch {
    pub op: MatchOp,
    pub case_sensitive: bool,
    pub value: String,
}

impl StringMatch {
    /// Reads a comparator suffix as Keystone spells it (`contains`, `icontains`, ...).
    pub fn comparator(suffix: &str) -> Option<(MatchOp, bool)> {
        let (insensitive, op) = match suffix.strip_prefix('i') {
            Some(rest) => (true, rest),
            None => (false, suffix),
        };
        let op = match op {
            "equals" => MatchOp::Equals,
            "contains" => MatchOp::Contains,
            "startswith" => MatchOp::StartsWith,
            "endswith" => MatchOp::EndsWith,
            _ => return None,
        };
        Some((op, !insensitive))
    }

    /// True if `candidate` passes, with the semantics the SQL applies.
    pub fn matches(&self, candidate: &str) -> bool {
        let (c, v) = if self.case_sensitive {
            (candidate.to_string(), self.value.clone())
        } else {
            (candidate.to_lowercase(), self.value.to_lowercase())
        };
        match self.op {
            MatchOp::Equals => c == v,
            MatchOp::Contains => c.contains(&v),
            MatchOp::StartsWith => c.starts_with(&v),
            MatchOp::EndsWith => c.ends_with(&v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparators_parse_with_and_without_case() {
        assert_eq!(
            StringMatch::comparator("icontains"),
            Some((MatchOp::Contains, false))
        );
        assert_eq!(
            StringMatch::comparator("startswith"),
            Some((MatchOp::StartsWith, true))
        );
        assert_eq!(
            StringMatch::comparator("iequals"),
            Some((MatchOp::Equals, false))
        );
        assert_eq!(StringMatch::comparator("like"), None);
        assert_eq!(StringMatch::comparator("i"), None);
    }

    #[test]
    fn matching_follows_case_rules() {
        let m = StringMatch {
            op: MatchOp::EndsWith,
            case_sensitive: false,
            value: "OPS".into(),
        };
        assert!(m.matches("devops"));
        let m = StringMatch {
            case_sensitive: true,
            ..m
        };
        assert!(!m.matches("devops"));
    }
}
