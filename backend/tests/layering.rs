//! The backend's layering, read from its `use` lines and inline paths (`crate::`, `super::`, `self::`): the
//! modules import one another without a circle; nothing below the HTTP edge (`services/`, `live/`,
//! `notify/`, `auth/`, `persistence/`, `views`) imports from `routes/`; and `services/` speaks no HTTP: it
//! imports neither `views` (the API's shapes) nor actix. A module is a file: `src/services/rounds/update.rs`
//! is `services::rounds::update`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every module of `src/` with the modules it imports.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = code_of(file);
        let text = text.as_str();
        let mut imports = BTreeSet::new();
        for path in use_paths(text) {
            if let Some(target) = resolve(&module, &path, &modules)
                && target != module
            {
                imports.insert(target);
            }
        }
        graph.insert(module, imports);
    }
    graph
}

/// A file's code as the layering sees it: without its unit tests (which may import anything of it) and
/// without comments (which may name anything).
fn code_of(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module of `src/` with the outside crates its code names (`actix_web::…`, `sea_orm::…`).
fn crates_named() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    files
        .iter()
        .map(|file| (module_of(&src, file), outside_crates(&code_of(file))))
        .collect()
}

/// The first segment of every path in `text` that names a crate of the `actix` family.
fn outside_crates(text: &str) -> BTreeSet<String> {
    text.match_indices("actix")
        .filter(|(index, _)| {
            let preceded = text[..*index].chars().next_back();
            !preceded.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
        })
        .map(|(index, _)| {
            text[index..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| text.contains(&format!("{name}::")))
        .collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// `src/services/rounds/update.rs` → `services::rounds::update`; `src/services/rounds/mod.rs` →
/// `services::rounds`; `src/lib.rs` → `crate`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib" || p == "main") {
        parts.pop();
    }
    if parts.is_empty() {
        "crate".into()
    } else {
        parts.join("::")
    }
}

/// The paths of every `use` item (`crate::a::{b, c::D}` gives `crate::a::b` and `crate::a::c::D`), and
/// of inline `crate::a::b::f(...)` references.
fn use_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("use ") {
        let before = &rest[..start];
        let at_line_start =
            before.is_empty() || before.ends_with('\n') || before.ends_with(' ') || before.ends_with('{');
        let after = &rest[start + 4..];
        let Some(end) = after.find(';') else { break };
        if at_line_start && !before.trim_end().ends_with("//") {
            expand("", &after[..end].split_whitespace().collect::<String>(), &mut paths);
        }
        rest = &after[end..];
    }
    // Inline paths too (`crate::a::f(…)`, `super::b::g(…)`): a circle hides as well in a call as in a `use`.
    for prefix in ["crate::", "super::", "self::"] {
        for (index, _) in text.match_indices(prefix) {
            // `super::super::x` is read once, from its first `super`; a path inside another is not a new one.
            let preceded = text[..index].chars().next_back();
            if preceded.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let tail: String = text[index..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            paths.push(tail.trim_end_matches(':').to_owned());
        }
    }
    paths
}

fn expand(prefix: &str, tree: &str, paths: &mut Vec<String>) {
    match tree.find('{') {
        None => paths.push(format!("{prefix}{tree}")),
        Some(open) => {
            let head = &tree[..open];
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut piece = String::new();
            for c in inner.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&format!("{prefix}{head}"), &piece, paths);
                        piece.clear();
                        continue;
                    }
                    _ => {}
                }
                piece.push(c);
            }
            if !piece.is_empty() {
                expand(&format!("{prefix}{head}"), &piece, paths);
            }
        }
    }
}

/// The deepest module of the crate that `path` names, seen from `module` (in `file`).
fn resolve(module: &str, path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let path = path.split(" as ").next()?;
    let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    // `crate::a::{self, b}` names `crate::a`: a trailing `self` is the module before it.
    if segments.len() > 1 && segments.last() == Some(&"self") {
        segments.pop();
    }
    let mut absolute: Vec<String> = match *segments.first()? {
        "crate" => Vec::new(),
        // `self::x` in `services/rounds/mod.rs` is `services::rounds::x`.
        "self" => module.split("::").map(str::to_owned).collect(),
        "super" => module.split("::").map(str::to_owned).collect(),
        _ => return None,
    };
    // Each leading `super` goes up one: of `services::rounds` it is `services`; of `auth`, the crate.
    let ups = segments.iter().take_while(|s| **s == "super").count();
    for _ in 0..ups {
        absolute.pop()?;
    }
    let skip = if segments[0] == "super" { ups } else { 1 };
    absolute.extend(segments[skip..].iter().map(|s| (*s).to_owned()));
    while !absolute.is_empty() {
        let candidate = absolute.join("::");
        if modules.contains(&candidate) {
            return Some(candidate);
        }
        absolute.pop();
    }
    None
}

/// Every circle of imports, each as the modules along it.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Tarjan's strongly connected components: a component of more than one module holds a circle.
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.graph.contains_key(w) {
                continue;
            }
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found
}

#[test]
fn the_modules_import_one_another_without_a_circle() {
    let graph = import_graph();
    assert!(graph.len() > 30, "the graph was read: {graph:?}");
    assert_eq!(circles(&graph), Vec::<Vec<String>>::new(), "import circles");
}

fn within(module: &str, area: &str) -> bool {
    module == area || module.starts_with(&format!("{area}::"))
}

/// Each import of a module within one of `lower` into one of `upper`, as "from → to".
fn upward_imports(graph: &BTreeMap<String, BTreeSet<String>>, lower: &[&str], upper: &[&str]) -> Vec<String> {
    graph
        .iter()
        .filter(|(module, _)| lower.iter().any(|l| within(module, l)))
        .flat_map(|(module, imports)| {
            imports
                .iter()
                .filter(|i| upper.iter().any(|u| within(i, u)))
                .map(move |i| format!("{module} → {i}"))
        })
        .collect()
}

#[test]
fn nothing_below_the_http_edge_imports_from_routes() {
    let below = ["services", "live", "notify", "auth", "persistence", "views", "state"];
    assert_eq!(
        upward_imports(&import_graph(), &below, &["routes"]),
        Vec::<String>::new()
    );
}

#[test]
fn the_services_speak_no_http() {
    // What a service decides and returns is the domain's: the API's shapes are made at the edge.
    assert_eq!(
        upward_imports(&import_graph(), &["services"], &["views", "routes"]),
        Vec::<String>::new()
    );
    let actix: Vec<String> = crates_named()
        .into_iter()
        .filter(|(module, crates)| within(module, "services") && !crates.is_empty())
        .map(|(module, crates)| format!("{module} → {crates:?}"))
        .collect();
    assert_eq!(actix, Vec::<String>::new(), "services naming actix");
}

#[test]
fn the_reader_understands_the_import_forms_in_use() {
    let mut paths = Vec::new();
    expand("", "crate::a::{b,c::{D,E},f::G}", &mut paths);
    assert_eq!(
        paths,
        ["crate::a::b", "crate::a::c::D", "crate::a::c::E", "crate::a::f::G"]
    );
    let graph = BTreeMap::from([
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
        ("d".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]);
    assert_eq!(circles(&graph), [["a", "b", "c"]]);

    // A circle through inline paths is found as one through `use` lines: a planted pair of calls.
    let modules = BTreeSet::from([
        "services::a".to_owned(),
        "services::b".to_owned(),
        "services".to_owned(),
    ]);
    let a_calls = use_paths("fn f() { super::b::g(); }");
    let b_calls = use_paths("fn g() { let x = crate::services::a::f(); other::super_like::h(); }");
    assert_eq!(a_calls, ["super::b::g"]);
    assert_eq!(
        b_calls,
        ["crate::services::a::f"],
        "a path inside another path is not read twice"
    );
    let planted = BTreeMap::from([
        (
            "services::a".to_owned(),
            a_calls
                .iter()
                .filter_map(|p| resolve("services::a", p, &modules))
                .collect::<BTreeSet<_>>(),
        ),
        (
            "services::b".to_owned(),
            b_calls
                .iter()
                .filter_map(|p| resolve("services::b", p, &modules))
                .collect::<BTreeSet<_>>(),
        ),
    ]);
    assert_eq!(circles(&planted), [["services::a", "services::b"]]);
}

#[test]
fn a_planted_upward_import_is_found_in_each_form() {
    let modules = BTreeSet::from([
        "services".to_owned(),
        "services::rounds".to_owned(),
        "services::rounds::update".to_owned(),
        "views".to_owned(),
        "views::rounds".to_owned(),
    ]);
    let texts = [
        ("services::rounds", "use crate::views::rounds::RoundView;"),
        ("services::rounds", "fn f() { let v = crate::views::rounds::of(); }"),
        (
            "services::rounds::update",
            "fn f() { super::super::super::views::x(); }",
        ),
        ("services", "mod rounds; fn f() { self::rounds::update::g(); }"),
    ];
    let graph: BTreeMap<String, BTreeSet<String>> = texts
        .iter()
        .map(|(module, text)| {
            let imports = use_paths(text)
                .iter()
                .filter_map(|p| resolve(module, p, &modules))
                .filter(|target| target != module)
                .collect();
            ((*module).to_owned(), imports)
        })
        .collect();
    assert_eq!(
        upward_imports(&graph, &["services"], &["views"]),
        ["services::rounds → views::rounds", "services::rounds::update → views"],
        "the `use` line, the inline path and `super::super::…`; `self::` resolves within services"
    );
    assert_eq!(
        graph["services"],
        BTreeSet::from(["services::rounds::update".to_owned()])
    );
    assert_eq!(
        outside_crates("use actix_web::web;\nfn f(s: actix_multipart::Field) {}\nlet not_actix_web = 1;"),
        BTreeSet::from(["actix_multipart".to_owned(), "actix_web".to_owned()])
    );
    assert!(outside_crates("let x = \"no actix here\";").is_empty());
}
