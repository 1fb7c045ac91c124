//! Name filters as people type them: a case-insensitive "contains" that
//! matches `%`, `_` and `\` literally.

use sea_orm::sea_query::{Expr, ExprTrait, Func, IntoColumnRef, LikeExpr};

/// A `LIKE` pattern for names containing `q` as typed (`%`, `_` and `\`
/// escaped), in lower case: compare it with a lower-cased column.
pub fn contains(q: &str) -> LikeExpr {
    let escaped: String = q
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// `column` contains `q`, whatever the case of either.
pub fn name_contains(column: impl IntoColumnRef, q: &str) -> Expr {
    Expr::expr(Func::lower(Expr::col(column))).like(contains(q))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{Query, SqliteQueryBuilder};

    #[test]
    fn filters_match_what_was_typed() {
        let like = contains("a_b%c\\d");
        let sql = Query::select()
            .expr(Expr::cust("x").like(like))
            .to_string(SqliteQueryBuilder);
        assert!(sql.contains(r"'%a\_b\%c\\d%' ESCAPE '\'"), "{sql}");
    }
}
