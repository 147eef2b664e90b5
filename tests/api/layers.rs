//! The server's modules form layers, each importing only the layers below
//! it (`../shared/DESIGN.md` section 1; `ARCHITECTURE.md`), and the UI's pages
//! never import one another. Read from the source: a `use` (or a path) that
//! reaches up, across a page, or around a cycle fails here with the file
//! that made it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The server's layers, lowest first. A module may import modules of its
/// own layer or of any layer below; never above, and never around a cycle.
const SERVER_LAYERS: &[(&str, &[&str])] = &[
    ("foundations", &["config", "db", "crypto", "error", "phone", "metrics", "breaker", "markup"]),
    ("infrastructure", &["ai", "realtime", "journal", "jobs", "telephony", "audit", "rate_limit", "seal"]),
    ("state", &["state"]),
    (
        "services",
        &["accounts", "settings", "contacts", "notifications", "tasks", "calls", "search", "calendar", "usage", "insights"],
    ),
    ("engine", &["engine"]),
    ("http", &["http"]),
    ("entry points", &["cli", "bench", ROOT]),
];

/// `src/server/mod.rs` itself: the start-up that wires every layer.
const ROOT: &str = "(server)";

fn source_dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file below `root` (`calls/start.rs` → `[calls,
/// start]`, `calls/mod.rs` → `[calls]`, `mod.rs` → `[]`).
fn module_path(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).expect("below root");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().expect("file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

/// Identifiers and the punctuation paths are made of, with comments,
/// string and character literals removed.
fn tokens(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || (next == Some('#') && chars.get(i + 2).is_some_and(|c| *c == '#' || *c == '"')))
        {
            // Raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            j += 1;
            while j < chars.len() {
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), else a lifetime.
            if next == Some('\\') {
                let mut j = i + 3;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c == ':' && next == Some(':') {
            out.push("::".into());
            i += 2;
        } else if matches!(c, '{' | '}' | ',') {
            out.push(c.to_string());
            i += 1;
        } else {
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
            i += 1;
        }
    }
    out
}

/// The module each token is in: the file's module, deeper inside inline
/// `mod name { ... }` blocks.
fn token_modules(t: &[String], file_module: &[String]) -> Vec<Vec<String>> {
    let mut here = file_module.to_vec();
    // (brace depth at which an inline module closes).
    let mut open: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut out = Vec::with_capacity(t.len());
    for (i, tok) in t.iter().enumerate() {
        out.push(here.clone());
        match tok.as_str() {
            "{" => {
                depth += 1;
                if i >= 2 && t[i - 2] == "mod" {
                    here.push(t[i - 1].clone());
                    open.push(depth);
                }
            }
            "}" => {
                if open.last() == Some(&depth) {
                    open.pop();
                    here.pop();
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    out
}

fn is_ident(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// The path `a::b::c` that starts at token `at`.
fn chain(t: &[String], at: usize) -> Vec<String> {
    let mut out = vec![t[at].clone()];
    let mut k = at;
    while t.get(k + 1).is_some_and(|s| s == "::") && t.get(k + 2).is_some_and(|s| is_ident(s) && s != "self") {
        out.push(t[k + 2].clone());
        k += 2;
    }
    out
}

/// Every absolute module path (below `crate::<root>`) that `source`, the
/// file of module `file_module`, names.
fn referenced_paths(source: &str, root: &str, file_module: &[String]) -> Vec<Vec<String>> {
    let t = tokens(source);
    let modules = token_modules(&t, file_module);
    let mut found = Vec::new();
    let mut i = 0;
    while i < t.len() {
        // Where a path starts, and the module it starts from.
        if i > 0 && t[i - 1] == "::" {
            i += 1;
            continue;
        }
        let mut base: Option<Vec<String>> = None;
        let mut j = i;
        if t[i] == "crate" && t.get(i + 1).is_some_and(|s| s == "::") && t.get(i + 2).is_some_and(|s| s == root) {
            base = Some(Vec::new());
            j = i + 3;
        } else if t[i] == "super" || t[i] == "self" {
            let mut module = modules[i].clone();
            let mut k = i;
            loop {
                if t[k] == "super" {
                    module.pop();
                }
                if t.get(k + 1).is_some_and(|s| s == "::") && t.get(k + 2).is_some_and(|s| s == "super") {
                    k += 2;
                } else {
                    break;
                }
            }
            base = Some(module);
            j = k + 1;
        }
        let Some(base) = base else {
            i += 1;
            continue;
        };
        // After the base: `::name...` or `::{a, b::c, ...}`.
        if t.get(j).is_some_and(|s| s == "::") {
            match t.get(j + 1).map(String::as_str) {
                Some("{") => {
                    let mut depth = 0;
                    let mut k = j + 1;
                    let mut expect_item = true;
                    while k < t.len() {
                        match t[k].as_str() {
                            "{" => {
                                depth += 1;
                                expect_item = depth == 1;
                            }
                            "}" => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            "," if depth == 1 => expect_item = true,
                            word if expect_item && depth == 1 => {
                                if word != "self" && is_ident(word) {
                                    let mut p = base.clone();
                                    p.extend(chain(&t, k));
                                    found.push(p);
                                }
                                expect_item = false;
                            }
                            _ => {}
                        }
                        k += 1;
                    }
                    i = k;
                    continue;
                }
                Some(name) if is_ident(name) => {
                    let mut p = base.clone();
                    p.extend(chain(&t, j + 1));
                    found.push(p);
                }
                _ => {}
            }
        } else if !base.is_empty() {
            found.push(base);
        }
        i = j;
    }
    found
}

/// The graph between the first-level modules of `src/<root>/`: for each
/// module (`ROOT` for `<root>/mod.rs`), the modules it names, with the file
/// that names each.
fn module_graph(root: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let dir = source_dir(&format!("src/{root}"));
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_path(&dir, f).first().cloned()).collect();
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in &files {
        let here = module_path(&dir, file);
        let from = here.first().cloned().unwrap_or_else(|| ROOT.to_owned());
        let entry = graph.entry(from.clone()).or_default();
        let source = std::fs::read_to_string(file).expect("read source");
        for path in referenced_paths(&source, root, &here) {
            let Some(first) = path.first() else { continue };
            let to = if modules.contains(first) { first.clone() } else { ROOT.to_owned() };
            if to != from {
                let rel = file.strip_prefix(source_dir("")).unwrap_or(file).display().to_string();
                entry.entry(to).or_insert(rel);
            }
        }
    }
    graph
}

/// A cycle through the graph, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flat_map(|m| m.keys()) {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|n| n == next).expect("on stack");
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(node, graph, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn server_modules_import_only_their_own_layer_and_those_below_without_cycles() {
    let graph = module_graph("server");
    let layer_of = |m: &str| SERVER_LAYERS.iter().position(|(_, mods)| mods.contains(&m));
    let mut problems = Vec::new();
    for module in graph.keys() {
        if layer_of(module).is_none() {
            problems.push(format!("src/server/{module} is in no layer: add it to SERVER_LAYERS (and ARCHITECTURE.md)"));
        }
    }
    for (from, targets) in &graph {
        for (to, file) in targets {
            if let (Some(a), Some(b)) = (layer_of(from), layer_of(to))
                && b > a
            {
                problems.push(format!(
                    "{file}: `{from}` ({}) imports `{to}` ({}), a layer above it",
                    SERVER_LAYERS[a].0, SERVER_LAYERS[b].0
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        let steps: Vec<String> = cycle.windows(2).map(|w| format!("{} -> {} ({})", w[0], w[1], graph[&w[0]][&w[1]])).collect();
        problems.push(format!("import cycle: {}", steps.join(", ")));
    }
    assert!(problems.is_empty(), "layering broken:\n{}", problems.join("\n"));
}

#[test]
fn the_path_reader_sees_every_form_of_import() {
    let here = vec!["calls".to_owned(), "start".to_owned()];
    let source = r#"
        use super::repo::SessionRow;          // calls::repo
        use super::super::jobs;               // jobs
        use crate::server::{tasks, ai::rules}; // tasks, ai
        use crate::server::realtime::{publish, Hub};
        // use crate::server::engine; (a comment)
        let s = "crate::server::http"; // a string
        let c = '{'; fn f<'a>(x: &'a str) {}
        crate::server::notifications::create(x);
        mod tests { use super::*; use super::helper; }
    "#;
    let firsts: Vec<String> = referenced_paths(source, "server", &here).into_iter().map(|p| p.join("::")).collect();
    assert_eq!(
        firsts,
        ["calls::repo::SessionRow", "jobs", "tasks", "ai::rules", "realtime", "notifications::create", "calls::start::helper",]
            .map(String::from)
            .to_vec()
    );
}

#[test]
fn ui_pages_never_import_one_another_and_nothing_imports_a_page() {
    let dir = source_dir("src/ui");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let here = module_path(&dir, file);
        let source = std::fs::read_to_string(file).expect("read source");
        let rel = file.strip_prefix(source_dir("")).unwrap_or(file).display().to_string();
        for path in referenced_paths(&source, "ui", &here) {
            if path.first().map(String::as_str) != Some("pages") {
                continue;
            }
            let page = path.get(1).map_or("(pages)", String::as_str);
            let own_page = here.len() >= 2 && here[0] == "pages" && here[1] == page;
            if !own_page {
                problems.push(format!("{rel} imports the page `{page}`: move what it needs into ui/components"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
