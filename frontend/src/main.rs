//! Entry point of the Portunus web UI: install the panic hook, mount the app.

mod api;
mod app;
mod components;
mod fetch;
mod pages;
mod routes;
mod session;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
