//! Keeps a hand-written list of test names in step with the test functions: the suites
//! (the storage conformance suite, the HTTP suite) are generic async functions that a
//! macro instantiates per backend from a list of names, and a function left off the list
//! would never run.

use std::collections::BTreeSet;

/// Compares the top-level `pub fn` / `pub async fn` items of `source` (the tests) with the
/// comma-separated names that follow `list_opening` up to the next `);`. `Err` names the
/// functions not listed and the names without a function.
pub fn check(source: &str, list_opening: &str) -> Result<(), String> {
    let defined: BTreeSet<&str> = source
        .lines()
        .filter_map(|l| {
            l.strip_prefix("pub async fn ")
                .or_else(|| l.strip_prefix("pub fn "))
        })
        .filter_map(|rest| rest.split(['<', '(']).next())
        .collect();
    let Some((_, rest)) = source.split_once(list_opening) else {
        return Err(format!("no list opening with {list_opening:?}"));
    };
    let list = rest.split_once(");").map_or(rest, |(list, _)| list);
    let listed: BTreeSet<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if defined.is_empty() {
        return Err("no test functions found".into());
    }
    let unlisted: Vec<_> = defined.difference(&listed).collect();
    let undefined: Vec<_> = listed.difference(&defined).collect();
    if unlisted.is_empty() && undefined.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "not listed: {unlisted:?}; listed without a function: {undefined:?}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    const SOURCE: &str = "
macro_rules! suite {
    ($fresh:path) => {
        run!(@each $fresh;
            first,
            second
        );
    };
}

fn helper() {}

pub async fn first<S: Storage>(s: &S) {}

pub fn second(s: &S) {}

impl X {
    pub fn not_a_test(&self) {}
}
";

    #[test]
    fn a_list_in_step_passes() {
        assert_eq!(check(SOURCE, "run!(@each $fresh;"), Ok(()));
    }

    #[test]
    fn an_unlisted_function_and_a_name_without_function_are_named() {
        let source = SOURCE
            .replace("            second\n", "            third\n")
            .replace("pub fn second", "pub fn second_renamed");
        let err = check(&source, "run!(@each $fresh;").unwrap_err();
        assert!(err.contains("\"second_renamed\""), "{err}");
        assert!(err.contains("\"third\""), "{err}");
    }

    #[test]
    fn a_missing_list_fails() {
        assert!(check(SOURCE, "nowhere!(").is_err());
    }
}
