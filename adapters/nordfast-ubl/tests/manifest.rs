//! The manifest shipped in the component parses, and names the supplier `describe` answers.

#[test]
fn the_manifest_is_valid_and_matches_describe() {
    let manifest = mercato_sdk::testing::check_manifest::<nordfast_ubl_adapter::NordfastAdapter>(
        include_str!("../mercato.toml"),
    )
    .expect("mercato.toml is valid");
    assert!(!manifest.adapter.publisher.is_empty());
}
