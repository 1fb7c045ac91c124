//! Success answers shared by the operations that create or delete.

use poem_openapi::ApiResponse;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::types::{ParseFromJSON, ToJSON};
use portunus_shared::api::Accepted;

/// Something was created.
#[derive(ApiResponse)]
pub enum Created<T: ToJSON + ParseFromJSON + Send + Sync> {
    /// Created.
    #[oai(status = 201)]
    Created(Json<T>),
}

/// Done; nothing to return.
#[derive(ApiResponse)]
pub enum Done {
    /// Done.
    #[oai(status = 204)]
    Done,
}

/// Taken; the work (a mail, say) happens afterwards.
#[derive(ApiResponse)]
pub enum Taken {
    /// Taken; the message says what happens next.
    #[oai(status = 202)]
    Accepted(Json<Accepted>),
}

/// A CSV file, newest first, to save under the name it says.
#[derive(ApiResponse)]
pub enum Csv {
    /// The rows as CSV, newest first.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(
        PlainText<String>,
        #[oai(header = "Content-Disposition")] String,
    ),
}
