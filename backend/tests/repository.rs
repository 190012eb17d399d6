//! The repository stands alone: the rules the code cites are written down in `docs/`, and nothing points
//! to a file a clone does not have.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The project's own text files under `dirs` (build output, dependencies and generated types left out).
fn files(dirs: &[&str]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(
                    name.as_str(),
                    "node_modules" | "target" | "build" | ".svelte-kit" | "test-results"
                ) {
                    walk(&path, out);
                }
            } else if ["rs", "ts", "svelte", "mjs", "md", "sh", "toml"]
                .iter()
                .any(|e| name.ends_with(&format!(".{e}")))
                && name != "schema.d.ts"
            {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for dir in dirs {
        let path = root().join(dir);
        if path.is_file() {
            out.push(path);
        } else {
            walk(&path, &mut out);
        }
    }
    out
}

#[test]
fn every_rule_the_code_cites_is_in_docs_rules() {
    let rules = std::fs::read_to_string(root().join("docs/rules.md")).expect("docs/rules.md");
    let documented: BTreeSet<String> = rules
        .lines()
        .filter_map(|line| line.strip_prefix("| R"))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(|number| format!("R{number}"))
        .collect();
    let mut cited = BTreeSet::new();
    for file in files(&["backend/src", "backend/core/src", "frontend/src"]) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (index, _) in text.match_indices('R') {
            let before = text[..index].chars().next_back();
            let digits: String = text[index + 1..].chars().take_while(char::is_ascii_digit).collect();
            let after = text[index + 1 + digits.len()..].chars().next();
            let standalone = !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_');
            if (1..=2).contains(&digits.len()) && standalone {
                cited.insert(format!("R{digits}"));
            }
        }
    }
    assert!(cited.len() > 20, "the code's citations were read: {cited:?}");
    let missing: Vec<&String> = cited.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "rules cited in the code but not in docs/rules.md: {missing:?}"
    );
}

#[test]
fn nothing_points_outside_the_repository() {
    let outside = [
        "../shared",
        "domain-rules.md",
        "api-contract.md",
        "ui-contract.md",
        "house-style.md",
    ];
    let mut found = Vec::new();
    for file in files(&[
        "backend/src",
        "backend/core/src",
        "backend/tests",
        "backend/fapai.defaults.toml",
        "migrations/src",
        "load-tests",
        "frontend/src",
        "frontend/browser-tests",
        "scripts",
        "docs",
        "README.md",
        ".ci/run",
    ]) {
        if file.ends_with("backend/tests/repository.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for name in outside {
            if text.contains(name) {
                found.push(format!("{} mentions {name}", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// Stored statuses are spelled once, in their types (`auction-core`'s enums, `persistence::vocabulary`):
/// elsewhere a status is a variant, so a misspelt one does not compile and an unknown stored one is an
/// error rather than a guess.
#[test]
fn stored_statuses_are_spelled_only_in_their_types() {
    let statuses = [
        "pending",
        "paid",
        "rejected",
        "awaiting_balance",
        "defaulted",
        "pricing",
        "priced",
        "in_auction",
        "unsold",
        "agreed",
        "sent",
        "draft",
        "announced",
        "bidding",
        "suspended",
        "frozen",
        "released",
        "applied",
        "forfeited",
        "unpaid",
        "sold",
        "failed",
        "withdrawn",
        "open",
    ];
    // The same words where they are not a stored status.
    let elsewhere = [
        ("src/gateway/sandbox.rs", "paid"),      // the sandbox protocol's own word
        ("src/views/rounds.rs", "defaulted"),    // the public timeline's event name
        ("src/notify/messages.rs", "withdrawn"), // English words of an email
        ("src/notify/messages.rs", "suspended"),
    ];
    let backend = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for file in files(&["backend/src"]) {
        let relative = file.strip_prefix(backend).unwrap().to_string_lossy().into_owned();
        if relative == "src/persistence/vocabulary.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (number, line) in code.lines().enumerate() {
            let line = line.trim();
            if line.starts_with("//")
                || line.contains("name = \"")
                || line.contains("tag = \"")
                || line.contains("#[schema")
            {
                continue;
            }
            for status in statuses {
                if line.contains(&format!("\"{status}\"")) && !elsewhere.contains(&(relative.as_str(), status)) {
                    found.push(format!("{relative}:{}: \"{status}\"", number + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
