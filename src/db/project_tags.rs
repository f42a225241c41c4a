//! Project tags, after Keystone's `project_tag` table. A project's `extra` keeps its tags as
//! responses show them; `project_tag` holds the same set as an index, rewritten in the same
//! transaction as `extra` by [`set_tags`], so that the tag filters of a project list
//! ([`tag_match`]) read the index instead of every project's JSON.

use diesel::prelude::*;

use super::error::StoreError;
use super::schema::project_tag;
use super::{Backend, DbConn, MatchSql};

/// Replaces the indexed tags of a project (call it inside the transaction that writes the
/// project's `extra`).
pub fn set_tags(conn: &mut DbConn, project_id: &str, tags: &[String]) -> Result<(), StoreError> {
    diesel::delete(project_tag::table.filter(project_tag::project_id.eq(project_id)))
        .execute(conn)?;
    let mut seen: Vec<&str> = Vec::with_capacity(tags.len());
    for tag in tags {
        if seen.contains(&tag.as_str()) {
            continue;
        }
        seen.push(tag);
        diesel::insert_into(project_tag::table)
            .values((
                project_tag::project_id.eq(project_id),
                project_tag::name.eq(tag),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The indexed tags of a project, in name order.
pub fn tags_of(conn: &mut DbConn, project_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(project_tag::table
        .filter(project_tag::project_id.eq(project_id))
        .select(project_tag::name)
        .order(project_tag::name.asc())
        .load(conn)?)
}

/// Drops the indexed tags of projects about to be deleted.
pub fn delete_tags_of(conn: &mut DbConn, project_ids: &[String]) -> Result<(), StoreError> {
    diesel::delete(project_tag::table.filter(project_tag::project_id.eq_any(project_ids)))
        .execute(conn)?;
    Ok(())
}

/// How a tag filter compares a project's tags with the ones asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagTest {
    /// `tags`: every one of them.
    All,
    /// `tags-any`: at least one.
    Any,
    /// `not-tags`: not every one of them.
    NotAll,
    /// `not-tags-any`: none of them.
    None,
}

/// One of Keystone's tag filters on `projects`, answered from `project_tag`'s name index:
/// the projects holding any asked-for tag, or (for `All`) holding as many distinct asked-for
/// tags as were asked. The asked-for tags are bound as one JSON array, so the statement is
/// the same whatever their number; only their count is written into it.
pub fn tag_match(backend: Backend, test: TagTest, tags: &[String]) -> MatchSql {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let mut asked: Vec<&str> = tags.iter().map(String::as_str).collect();
    asked.sort_unstable();
    asked.dedup();
    let array = match backend {
        Backend::Sqlite => "SELECT value FROM json_each(",
        Backend::Postgres => "SELECT jsonb_array_elements_text(CAST(",
    };
    let array_end = match backend {
        Backend::Sqlite => ")",
        Backend::Postgres => " AS jsonb))",
    };
    let negate = matches!(test, TagTest::NotAll | TagTest::None);
    let every = matches!(test, TagTest::All | TagTest::NotAll);
    let open = format!(
        r#"{}"projects"."id" IN (SELECT t.project_id FROM project_tag t WHERE t.name IN ({array}"#,
        if negate { "NOT " } else { "" },
    );
    let close = if every {
        format!(
            "{array_end}) GROUP BY t.project_id HAVING COUNT(*) = {})",
            asked.len()
        )
    } else {
        format!("{array_end}))")
    };
    let bound = serde_json::Value::from(asked).to_string();
    sql::<Bool>(&open).bind::<Text, _>(bound).sql(&close)
}
