//! The guard of the architecture: imports run one way, from the faces down to the values
//! (`src/lib.rs` states the order). A `use crate::x` (or a `crate::x::` path) in a module
//! of a lower layer naming a higher one fails here, with the file and the line.

use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use modules of its own layer or below, never
/// above (managers call each other, as Keystone's do; nothing calls up).
const LAYERS: &[&[&str]] = &[
    // Validated values, ids, times, paging: depend on nothing of the service.
    &["domain"],
    // Settings, read once.
    &["config"],
    // Storage: rows, queries, the storage error.
    &["db"],
    // The error every face renders, mapped from storage's and the values' errors.
    &["error"],
    // What a write changed, the caches it invalidates, the counters.
    &["metrics", "change", "cache"],
    // Who calls and what they may do; the audit trail's events and sink.
    &["auth", "audit"],
    // What every handler and manager shares.
    &["state"],
    // The managers: the rules once, for every face.
    &[
        "identity",
        "resource",
        "assignment",
        "catalog",
        "credential",
        "token",
        "federation",
        "trust",
        "oauth1",
        "limit",
    ],
    // The faces, and what builds and starts the service.
    &["api", "bootstrap", "startup"],
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|modules| modules.contains(&module))
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/api/v3/groups.rs` -> `api`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

/// The modules a line of code names through `crate::`, comments left out.
fn named_modules(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices("crate::")
        .filter(|(at, _)| !code[..*at].ends_with('$'))
        .filter_map(|(at, m)| {
            let rest = &code[at + m.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

#[test]
fn imports_run_from_the_faces_down_to_the_values() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut against = Vec::new();
    let mut unplaced = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        if matches!(module.as_str(), "lib" | "main") {
            continue;
        }
        let Some(own) = rank(&module) else {
            unplaced.push(module);
            continue;
        };
        let text = std::fs::read_to_string(file).expect("readable source");
        // Unit tests may reach anything: they are not part of the layering.
        let code = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or(&text);
        for (n, line) in code.lines().enumerate() {
            for named in named_modules(line) {
                let Some(theirs) = rank(&named) else {
                    continue; // an exported macro, such as `crate::wire_body!`
                };
                if named != module && theirs > own {
                    against.push(format!(
                        "{}:{}: `{module}` uses `{named}`",
                        file.strip_prefix(&src).unwrap_or(file).display(),
                        n + 1
                    ));
                }
            }
        }
    }
    unplaced.sort();
    unplaced.dedup();
    assert!(
        unplaced.is_empty(),
        "modules of src/ with no layer in tests/api/architecture.rs: {unplaced:?}"
    );
    assert!(
        against.is_empty(),
        "imports against the layering (a lower layer using a higher one):\n{}",
        against.join("\n")
    );
}

#[test]
fn the_guard_reads_paths_as_the_compiler_does() {
    assert_eq!(named_modules("use crate::db::{self, groups};"), ["db"]);
    assert_eq!(
        named_modules("let x = crate::api::http::body::parse(); // crate::state"),
        ["api"]
    );
    assert!(named_modules("$crate::api::http::wire::Patch<$ty>").is_empty());
    assert!(rank("api") > rank("identity") && rank("identity") > rank("db"));
    assert_eq!(rank("cache"), rank("change"));
}
