//! The manifest shipped in the component parses, and names the supplier `describe` answers.

#[test]
fn the_manifest_is_valid_and_matches_describe() {
    let manifest = mercato_sdk::testing::check_manifest::<ostara_cxml_adapter::OstaraAdapter>(
        include_str!("../mercato.toml"),
    )
    .expect("mercato.toml is valid");
    assert_eq!(manifest.adapter.publisher, "Ostara Supply");
    let secret = manifest
        .secrets
        .get("shared-secret")
        .expect("the shared secret is declared");
    assert!(
        secret.attach.is_some(),
        "the host attaches the shared secret"
    );
}
