//! Machine-client authentication over HTTP: every request runs as a configured client.
//!
//! A client presents its API key as `Authorization: Bearer <key>` or `X-Api-Key: <key>`; the
//! key is looked up by its digest among the [`Clients`].

use crate::clients::{Client, Clients};
use std::sync::Arc;

/// The client whose key is presented in `headers`.
pub fn authenticate(clients: &Clients, headers: &http::HeaderMap) -> Result<Arc<Client>, String> {
    let key = presented_key(headers)?;
    clients
        .by_key(key)
        .ok_or_else(|| "the API key is not valid for any client of this host".to_string())
}

fn presented_key(headers: &http::HeaderMap) -> Result<&str, String> {
    if let Some(v) = headers.get(http::header::AUTHORIZATION) {
        let v = v
            .to_str()
            .map_err(|_| "the Authorization header is not ASCII".to_string())?;
        return match v.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => {
                Ok(token.trim())
            }
            _ => Err("the Authorization header must be `Bearer <api key>`".to_string()),
        };
    }
    if let Some(v) = headers.get("x-api-key") {
        return v
            .to_str()
            .map_err(|_| "the X-Api-Key header is not ASCII".to_string())
            .map(str::trim);
    }
    Err("send an API key as `Authorization: Bearer <key>` or `X-Api-Key: <key>`".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::{Client, ClientId};

    fn client(id: &str, key: &str) -> Client {
        Client::bare(ClientId::parse(id).unwrap(), key)
    }

    fn headers(name: &'static str, value: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(name, value.parse().unwrap());
        h
    }

    #[test]
    fn bearer_and_api_key_headers_identify_the_client() {
        let clients = Clients::new(vec![client("bot", "k1"), client("agent", "k2")]).unwrap();
        let by_bearer = authenticate(&clients, &headers("authorization", "Bearer k1")).unwrap();
        assert_eq!(by_bearer.id.as_str(), "bot");
        let by_header = authenticate(&clients, &headers("x-api-key", "k2")).unwrap();
        assert_eq!(by_header.id.as_str(), "agent");
        assert!(authenticate(&clients, &headers("x-api-key", "k3")).is_err());
        assert!(authenticate(&clients, &headers("authorization", "Basic azE=")).is_err());
        assert!(authenticate(&clients, &http::HeaderMap::new()).is_err());
    }
}
