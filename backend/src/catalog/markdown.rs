//! Markdown written by people (repository descriptions, comments) turned
//! into HTML that is safe to show: CommonMark with tables, strikethrough and
//! task lists, then an allow-list sanitizer that drops scripts, event
//! handlers, `javascript:` links, images (they could track readers) and
//! anything else not plainly text markup.

use pulldown_cmark::{Options, Parser, html};

/// Renders `markdown` as sanitized HTML.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        // Images from anywhere would let a comment watch who reads it.
        .rm_tags(["img"])
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_survives() {
        let html = render(
            "# Title\n\n*it* and **bold**, `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[docs](https://example.org)",
        );
        for part in [
            "<h1>Title</h1>",
            "<em>it</em>",
            "<strong>bold</strong>",
            "<code>code</code>",
            "<table>",
            "<a href=\"https://example.org\" rel=\"noopener noreferrer nofollow\">docs</a>",
        ] {
            assert!(html.contains(part), "{part} in {html}");
        }
    }

    #[test]
    fn scripts_and_handlers_do_not() {
        for attack in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
            "<svg onload=alert(1)>",
            "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
            "![pixel](https://tracker.example/p.gif)",
            "![pixel](https://tracker.example/p.gif)",
        ] {
            let html = render(attack).to_ascii_lowercase();
            for bad in [
                "<script",
                "onerror",
                "javascript:",
                "<iframe",
                "onload",
                "style=",
                "data:",
                "<img",
            ] {
                assert!(!html.contains(bad), "{attack} rendered as {html}");
            }
        }
    }
}
