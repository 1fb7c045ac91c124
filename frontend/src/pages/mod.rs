//! One module per page.

mod home;
mod sign_in;

pub use home::Home;
pub use sign_in::SignInPage;
