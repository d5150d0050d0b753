//! The module layering of ARCHITECTURE.md, enforced: a module of `src/` may use only the
//! modules below it. Read from the source text: every `crate::name` a file mentions (in `use`
//! lines and in paths) names a module it depends on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The modules from the ground floor up; each may use those of a lower floor. Modules on one
/// floor do not use each other.
const FLOORS: &[&[&str]] = &[
    &["text", "clock", "metrics", "secret"],
    &["model"],
    &["geo"],
    &["parse"],
    &["normalise"],
    &["dedup"],
    &["config"],
    &["politeness"],
    &["fetch"],
    &["store"],
    &["publish"],
    &["pipeline", "purge", "registry"],
    &["scheduler"],
    &["validate"],
    &["web"],
    &["export"],
];

fn floor(module: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file of `src/` belongs to: `src/store/keys.rs` -> `store`.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

/// The modules `text` names as `crate::name` (comments included: a doc link across floors is
/// a dependency of the reader too), and the names inside `use crate::{a, b::c}`.
fn used_modules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in text.match_indices("crate::") {
        let before = text[..i].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            for part in inner.split(',') {
                let name = ident(part.trim());
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn no_module_uses_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 20, "src/ not found at {}", src.display());
    let mut wrong = Vec::new();
    let mut unplaced = BTreeSet::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        // The binary and the crate root sit above everything.
        if matches!(module.as_str(), "main" | "lib" | "cli") {
            continue;
        }
        let Some(own) = floor(&module) else {
            unplaced.insert(module);
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for used in used_modules(&text) {
            if used == module {
                continue;
            }
            match floor(&used) {
                Some(f) if f < own => {}
                Some(_) => wrong.push(format!(
                    "{} (module {module}) uses crate::{used}, which is not below it",
                    file.strip_prefix(&src).unwrap_or(file).display()
                )),
                None => {
                    unplaced.insert(used);
                }
            }
        }
    }
    assert!(
        unplaced.is_empty(),
        "modules missing from the floors of tests/layering.rs (and of ARCHITECTURE.md): {unplaced:?}"
    );
    assert!(
        wrong.is_empty(),
        "upward dependencies:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_reader_sees_every_form_of_path() {
    let text = "use crate::model::Offer;\nuse crate::{geo, text::fold};\nlet x = crate::store::Store::open();\n// see [`crate::web`]\nlet y = my_crate::web::x;";
    let got: Vec<String> = used_modules(text).into_iter().collect();
    assert_eq!(got, ["geo", "model", "store", "text", "web"]);
}
