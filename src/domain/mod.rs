//! Identity rules that do not depend on HTTP or SQL: validated values, ids, times, paging.
//! Nothing here imports the layers above (configuration included); a refused value is a
//! [`error::ValueError`].

pub mod credentials;
pub mod error;
pub mod filter;
pub mod lockout;
pub mod mapping;
pub mod page;
pub mod proxies;
pub mod quota;
pub mod values;

/// A new resource id: a UUID4 as 32 lowercase hex characters, as Keystone makes them.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Milliseconds since the epoch, the unit of Huawei's `create_time`.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Keystone's timestamp format, `2026-11-22T10:00:00.000000Z`.
pub fn keystone_time_from_micros(micros: i64) -> String {
    match chrono::DateTime::from_timestamp_micros(micros) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        None => "1970-01-01T00:00:00.000000Z".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_lowercase_hex() {
        let id = new_id();
        assert_eq!(id.len(), 32);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(id, new_id());
    }

    #[test]
    fn keystone_times_have_six_fraction_digits() {
        assert_eq!(
            keystone_time_from_micros(1_795_860_000_123_456),
            "2026-11-28T10:00:00.123456Z"
        );
        assert_eq!(keystone_time_from_micros(0), "1970-01-01T00:00:00.000000Z");
    }
}
