//! The query string of a list: its filters in Keystone's spellings, `limit` and `marker`.

use actix_web::HttpRequest;

use crate::config::Settings;
use crate::domain::filter::{StringMatch, TimeMatch};
use crate::domain::page::PageRequest;
use crate::domain::values::NameFilter;
use crate::error::ApiError;

/// The longest `marker` a list takes.
pub const MARKER_MAX_CHARS: usize = 2048;

/// The query string of a list request: filters plus `limit` and `marker`.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pairs: Vec<(String, String)>,
}

impl ListQuery {
    pub fn from_request(req: &HttpRequest) -> Result<ListQuery, ApiError> {
        ListQuery::parse(req.query_string())
    }

    /// A query string as sent (without the `?`).
    pub fn parse(query_string: &str) -> Result<ListQuery, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string)
            .map_err(|e| ApiError::Validation(format!("The query string is malformed: {e}")))?;
        Ok(ListQuery { pairs })
    }

    /// The last value given for a parameter.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean filter in Keystone's spelling (`true`/`false`, `1`/`0`, any case).
    pub fn get_bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" | "" => Ok(Some(true)),
                "false" | "0" | "no" | "off" => Ok(Some(false)),
                _ => Err(ApiError::invalid_field(
                    key,
                    format!("'{v}' is not a boolean"),
                )),
            },
        }
    }

    /// Keystone's string comparators on `field`: `name__contains=x`, `name__istartswith=x`,
    /// and the rest. Unknown comparators are ignored, as Keystone ignores unknown filters.
    pub fn string_matches(&self, field: &str) -> Result<Vec<StringMatch>, ApiError> {
        let prefix = format!("{field}__");
        let mut found = Vec::new();
        for (key, value) in &self.pairs {
            let Some(suffix) = key.strip_prefix(&prefix) else {
                continue;
            };
            let Some((op, case_sensitive)) = StringMatch::comparator(suffix) else {
                continue;
            };
            let value = NameFilter::parse(key, value)?;
            found.push(StringMatch {
                op,
                case_sensitive,
                value: value.as_str().to_owned(),
            });
        }
        Ok(found)
    }

    /// Keystone's time filters on `field`: every `field=[op:]timestamp` given, all of which
    /// must hold (`password_expires_at=gt:...&password_expires_at=lt:...` is a range).
    pub fn time_matches(&self, field: &str) -> Result<Vec<TimeMatch>, ApiError> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == field)
            .map(|(_, v)| TimeMatch::parse(v).map_err(|why| ApiError::invalid_field(field, why)))
            .collect()
    }

    /// `limit` and `marker`, with `limit` capped by `identity.list_limit`.
    pub fn page(&self, settings: &Settings) -> Result<PageRequest, ApiError> {
        let cap = settings.identity.list_limit;
        let limit = match self.get("limit") {
            None => None,
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    return Err(ApiError::invalid_field(
                        "limit",
                        format!("'{raw}' is not a positive integer"),
                    ))
                }
            },
        };
        let limit = match (limit, cap) {
            (Some(n), c) if c > 0 => Some(n.min(c)),
            (None, c) if c > 0 => Some(c),
            (n, _) => n,
        };
        let marker = match self.get("marker") {
            None => None,
            Some("") => {
                return Err(ApiError::invalid_field("marker", "'' is too short"));
            }
            // No marker is longer (a role assignment's, the longest, encodes its whole key);
            // the document says the same bound.
            Some(m) if m.chars().count() > MARKER_MAX_CHARS => {
                return Err(ApiError::invalid_field("marker", "is too long"));
            }
            Some(m) => Some(m.to_string()),
        };
        Ok(PageRequest { limit, marker })
    }

    /// This query with `marker` replaced (or removed) and `limit` set, for page links.
    pub(crate) fn with_marker(&self, marker: Option<&str>, limit: Option<i64>) -> String {
        let mut pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != "marker" && k != "limit")
            .cloned()
            .collect();
        if let Some(limit) = limit {
            pairs.push(("limit".into(), limit.to_string()));
        }
        if let Some(marker) = marker {
            pairs.push(("marker".into(), marker.to_string()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}
