//! Paging in Keystone's style: `limit` and `marker` (the id of the last entry seen).

/// A validated page request. `limit` is already capped by configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: Option<i64>,
    pub marker: Option<String>,
}

/// One page of a list ordered by id.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// More entries follow this page.
    pub truncated: bool,
    /// The marker of the next page, when truncated.
    pub next_marker: Option<String>,
    /// `None`: this is the first page. `Some(None)`: the previous page is the first page.
    /// `Some(Some(m))`: the previous page starts after `m`.
    pub previous_marker: Option<Option<String>>,
}

impl<T> Page<T> {
    /// The same page with each item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            truncated: self.truncated,
            next_marker: self.next_marker,
            previous_marker: self.previous_marker,
        }
    }
}
