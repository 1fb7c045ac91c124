//! Pages of a list: which page (from 1) and how many entries on it,
//! bounded so that no request asks for the whole table; and where a page
//! is read from ([`Window`]).

use portunus_shared::api::{Listed, Page};
use sea_orm::sea_query::SelectStatement;
use sea_orm::{ConnectionTrait, DbErr};

use crate::error::{Error, Result};

/// Page number (from 1) and size, bounded.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: u64,
    pub per_page: u64,
}

impl Paging {
    pub const MAX_PER_PAGE: u64 = 500;
    /// Beyond any list Portunus keeps; larger numbers would overflow offsets.
    pub const MAX_PAGE: u64 = 1_000_000;

    /// `items`, this page of `total` entries, as the API answers it.
    pub fn page_of<T: Listed>(self, items: Vec<T>, total: u64) -> Page<T> {
        Page {
            items,
            total,
            page: self.page,
            per_page: self.per_page,
        }
    }

    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Result<Paging> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(50);
        if !(1..=Self::MAX_PAGE).contains(&page) || per_page == 0 || per_page > Self::MAX_PER_PAGE {
            return Err(Error::InvalidInput(format!(
                "page is 1 to {} and per_page is 1 to {}",
                Self::MAX_PAGE,
                Self::MAX_PER_PAGE
            )));
        }
        Ok(Paging { page, per_page })
    }
}

/// Which rows a page is, counted from the nearer end of the list: the last
/// pages of a long list cost what the first ones do, as the database walks
/// the reversed order a short way instead of skipping almost every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Read in the reversed order (and reverse the rows read).
    pub reversed: bool,
    pub offset: u64,
    pub limit: u64,
}

impl Paging {
    /// Where this page of `total` rows is read from.
    pub fn window(self, total: u64) -> Window {
        let start = (self.page - 1).saturating_mul(self.per_page);
        let end = start.saturating_add(self.per_page).min(total);
        let from_end = total.saturating_sub(end);
        if start < total && from_end < start {
            Window {
                reversed: true,
                offset: from_end,
                limit: end - start,
            }
        } else {
            Window {
                reversed: false,
                offset: start,
                limit: self.per_page,
            }
        }
    }
}

impl Window {
    /// `rows` as read through this window, in the list's own order.
    pub fn in_order<T>(self, mut rows: Vec<T>) -> Vec<T> {
        if self.reversed {
            rows.reverse();
        }
        rows
    }
}

/// The number a `SELECT COUNT(*) ...` answers.
pub async fn count(db: &impl ConnectionTrait, query: &SelectStatement) -> Result<u64, DbErr> {
    let total: i64 = db
        .query_one(query)
        .await?
        .map(|row| row.try_get_by_index(0))
        .transpose()?
        .unwrap_or(0);
    Ok(u64::try_from(total).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(page: u64, per_page: u64, total: u64) -> (bool, u64, u64) {
        let w = Paging { page, per_page }.window(total);
        (w.reversed, w.offset, w.limit)
    }

    #[test]
    fn early_pages_read_forwards_and_late_ones_backwards() {
        assert_eq!(window(1, 50, 1000), (false, 0, 50));
        assert_eq!(window(10, 50, 1000), (false, 450, 50));
        assert_eq!(window(11, 50, 1000), (true, 450, 50));
        assert_eq!(window(20, 50, 1000), (true, 0, 50));
        // A short last page: only the rows that are left.
        assert_eq!(window(21, 50, 1020), (true, 0, 20));
        assert_eq!(window(20, 50, 1020), (true, 20, 50));
    }

    #[test]
    fn pages_past_the_end_and_empty_lists_read_nothing_backwards() {
        assert_eq!(window(3, 50, 100), (false, 100, 50));
        assert_eq!(window(1, 50, 0), (false, 0, 50));
        assert_eq!(window(1, 50, 30), (false, 0, 50));
    }
}
