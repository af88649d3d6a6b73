//! The manifest shipped in the component parses, and names the supplier `describe` answers.

#[test]
fn the_manifest_is_valid_and_matches_describe() {
    let manifest = mercato_sdk::testing::check_manifest::<keystone_x12_adapter::KeystoneAdapter>(
        include_str!("../mercato.toml"),
    )
    .expect("mercato.toml is valid");
    assert_eq!(manifest.adapter.publisher, "Keystone Industrial");
    let secrets: Vec<&str> = manifest.secrets.keys().map(String::as_str).collect();
    assert!(secrets.contains(&"partner-key") && secrets.contains(&"push-secret"));
}
