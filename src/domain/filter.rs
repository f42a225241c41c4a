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

/// How a time filter compares (`password_expires_at=lt:2026-12-01T00:00:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeOp {
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
    Neq,
}

/// One comparison of a time column with an instant, in milliseconds since the epoch (the
/// unit the column is stored in). A row whose column is empty never passes, as in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeMatch {
    pub op: TimeOp,
    pub at_ms: i64,
}

impl TimeMatch {
    /// Keystone's `{operator}:{timestamp}`, or a bare timestamp for `eq`. The timestamp is
    /// ISO 8601 (`2026-12-01T10:00:00Z`, an offset, or no zone for UTC). `Err` says why.
    pub fn parse(raw: &str) -> Result<TimeMatch, String> {
        let (op, stamp) = match raw.split_once(':') {
            Some((op, rest)) if op.chars().all(|c| c.is_ascii_alphabetic()) => {
                let op = match op.to_ascii_lowercase().as_str() {
                    "lt" => TimeOp::Lt,
                    "lte" => TimeOp::Lte,
                    "gt" => TimeOp::Gt,
                    "gte" => TimeOp::Gte,
                    "eq" => TimeOp::Eq,
                    "neq" => TimeOp::Neq,
                    other => {
                        return Err(format!(
                            "'{other}' is not an operator: use lt, lte, gt, gte, eq or neq"
                        ))
                    }
                };
                (op, rest)
            }
            _ => (TimeOp::Eq, raw),
        };
        let at = chrono::DateTime::parse_from_rfc3339(stamp)
            .map(|t| t.with_timezone(&chrono::Utc))
            .or_else(|_| {
                chrono::NaiveDateTime::parse_from_str(stamp, "%Y-%m-%dT%H:%M:%S%.f")
                    .map(|t| t.and_utc())
            })
            .map_err(|_| format!("'{stamp}' is not an ISO 8601 timestamp"))?;
        Ok(TimeMatch {
            op,
            at_ms: at.timestamp_millis(),
        })
    }

    /// True if a row whose column holds `value` passes, with the semantics the SQL applies.
    pub fn matches(&self, value: Option<i64>) -> bool {
        let Some(v) = value else {
            return false;
        };
        match self.op {
            TimeOp::Lt => v < self.at_ms,
            TimeOp::Lte => v <= self.at_ms,
            TimeOp::Gt => v > self.at_ms,
            TimeOp::Gte => v >= self.at_ms,
            TimeOp::Eq => v == self.at_ms,
            TimeOp::Neq => v != self.at_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_filters_take_an_operator_or_mean_equal() {
        let t = TimeMatch::parse("lt:2026-12-01T10:00:00Z").unwrap();
        assert_eq!(t.op, TimeOp::Lt);
        assert_eq!(t.at_ms, 1_796_119_200_000);
        let bare = TimeMatch::parse("2026-12-01T10:00:00Z").unwrap();
        assert_eq!(bare.op, TimeOp::Eq);
        assert_eq!(bare.at_ms, t.at_ms);
        let offset = TimeMatch::parse("GTE:2026-12-01T12:00:00+02:00").unwrap();
        assert_eq!((offset.op, offset.at_ms), (TimeOp::Gte, t.at_ms));
        let naive = TimeMatch::parse("neq:2026-12-01T10:00:00.5").unwrap();
        assert_eq!((naive.op, naive.at_ms), (TimeOp::Neq, t.at_ms + 500));
        assert!(TimeMatch::parse("before:2026-12-01T10:00:00Z").is_err());
        assert!(TimeMatch::parse("lt:00:00:00T2026-12-01").is_err());
        assert!(TimeMatch::parse("").is_err());
        assert!(t.matches(Some(t.at_ms - 1)) && !t.matches(Some(t.at_ms)));
        assert!(!t.matches(None), "an empty column never passes");
    }

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
