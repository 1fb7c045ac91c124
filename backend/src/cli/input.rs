//! Reading passwords: prompted for on a terminal, one line of standard
//! input otherwise (for scripts).

use std::io::{BufRead, IsTerminal};

/// Prompts once on a terminal; otherwise reads one line from standard input.
pub fn read_password_once() -> std::io::Result<String> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ")
    } else {
        read_line()
    }
}

fn read_line() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// Prompts twice on a terminal; otherwise reads one line from standard input.
pub fn read_password() -> std::io::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        if first != second {
            return Err(std::io::Error::other("the two passwords differ"));
        }
        Ok(first)
    } else {
        read_line()
    }
}
