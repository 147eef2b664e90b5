//! Cargo.toml (read by cargo-leptos at build time) and Leptos.toml (embedded
//! in the server binary) must describe the same site.

fn leptos_section(path: &str) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: toml::Table = text.parse().unwrap_or_else(|e| panic!("{path}: {e}"));
    doc["package"]["metadata"]["leptos"].as_table().expect("[package.metadata.leptos]").clone()
}

#[test]
fn leptos_toml_agrees_with_cargo_toml() {
    let cargo = leptos_section(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
    let runtime = leptos_section(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"));
    assert!(!runtime.is_empty());
    for (key, value) in &runtime {
        assert_eq!(cargo.get(key), Some(value), "Leptos.toml's {key} differs from Cargo.toml's");
    }
    for key in ["output-name", "site-root", "site-pkg-dir", "site-addr"] {
        assert!(runtime.contains_key(key), "Leptos.toml lacks {key}");
    }
}

#[test]
fn the_wasm_profile_is_size_optimised() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let profile = &doc["profile"]["wasm-release"];
    assert_eq!(profile["opt-level"].as_str(), Some("z"));
    assert_eq!(profile["lto"].as_bool(), Some(true));
    assert_eq!(doc["package"]["metadata"]["leptos"]["lib-profile-release"].as_str(), Some("wasm-release"));
}
