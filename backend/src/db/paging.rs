//! Pages of a list: which page (from 1) and how many entries on it,
//! bounded so that no request asks for the whole table.

use portunus_shared::api::{Listed, Page};

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
