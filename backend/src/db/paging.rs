//! Pages of a list: which page (from 1) and how many entries on it,
//! bounded so that no request asks for the whole table.

use crate::error::{Error, Result};

/// Page number (from 1) and size, bounded.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: u64,
    pub per_page: u64,
}

impl Paging {
    pub const MAX_PER_PAGE: u64 = 500;

    /// This page of `items`, and how many there are in all.
    pub fn slice<T>(&self, items: Vec<T>) -> (Vec<T>, u64) {
        let total = items.len() as u64;
        let skip =
            usize::try_from((self.page - 1).saturating_mul(self.per_page)).unwrap_or(usize::MAX);
        let take = usize::try_from(self.per_page).unwrap_or(usize::MAX);
        (items.into_iter().skip(skip).take(take).collect(), total)
    }

    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Result<Paging> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(50);
        if page == 0 || per_page == 0 || per_page > Self::MAX_PER_PAGE {
            return Err(Error::InvalidInput(format!(
                "page starts at 1 and per_page is 1 to {}",
                Self::MAX_PER_PAGE
            )));
        }
        Ok(Paging { page, per_page })
    }
}
