//! One module per page.

mod home;
mod sign_in;
mod sign_up;

pub use home::Home;
pub use sign_in::SignInPage;
pub use sign_up::SignUpPage;
