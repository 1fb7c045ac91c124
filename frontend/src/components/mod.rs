//! The web UI's component kit: what pages are built from. Feedback on
//! requests (`ErrorNote`, `Loaded`, `submit`), labelled fields, menus of closed sets,
//! paging, times, activities in words, and the repository and image
//! tables.

mod activity;
mod choices;
mod feedback;
mod field;
mod paging;
mod tables;
mod time;

pub use activity::activity_words;
pub use choices::{SortChoice, choices};
pub use feedback::{ErrorNote, Loaded, settle, submit};
pub use field::Field;
pub use paging::{Pager, first_page_when};
pub use tables::{
    CopyButton, FilteredRepositories, ImageTable, PagedRepositories, RepositoryTable,
};
pub use time::When;
