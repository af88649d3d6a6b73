//! Connecting to an upstream on an adapter's behalf: the host resolves the name itself, checks
//! every resolved address, and connects to exactly the address it checked.
//!
//! Resolving and connecting in one place closes the DNS-rebinding gap a check-then-connect
//! design leaves open (the name resolves to a public address for the check and to 127.0.0.1
//! for the connection). Loopback, private, link-local, shared and unspecified addresses are
//! refused unless the destination's grant allows a private network; cloud metadata addresses
//! are refused always.

use super::HostGrant;
use bytes::Bytes;
use http::uri::Scheme;
use http_body::Body;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::net::TcpStream;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody};

/// Why an address may not be connected to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// A public unicast address.
    Public,
    /// Loopback, private, link-local, shared, unspecified, multicast or otherwise internal.
    Internal,
    /// A cloud provider's instance metadata service.
    Metadata,
}

/// Classify an address. An IPv6 address that carries an IPv4 address (mapped, compatible,
/// translated, NAT64, 6to4, Teredo, ISATAP) is judged by the IPv4 address it carries as well:
/// a gateway on the path may deliver it there.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => embedded_v4(v6)
            .into_iter()
            .map(classify_v4)
            .fold(classify_v6(v6), worse),
    }
}

/// The more restricted of two classes.
fn worse(a: AddressClass, b: AddressClass) -> AddressClass {
    use AddressClass::*;
    match (a, b) {
        (Metadata, _) | (_, Metadata) => Metadata,
        (Internal, _) | (_, Internal) => Internal,
        _ => Public,
    }
}

/// The IPv4 addresses an IPv6 address carries, by the standard embeddings.
fn embedded_v4(ip: Ipv6Addr) -> Vec<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    let mut found = Vec::new();
    if let Some(mapped) = ip.to_ipv4_mapped() {
        found.push(mapped); // ::ffff:a.b.c.d
    }
    if s[..6] == [0; 6] && (s[6] != 0 || s[7] > 1) {
        found.push(v4(s[6], s[7])); // ::a.b.c.d, IPv4-compatible (deprecated)
    }
    if s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0 {
        found.push(v4(s[6], s[7])); // ::ffff:0:a.b.c.d, IPv4-translated
    }
    if s[0] == 0x64 && s[1] == 0xff9b {
        found.push(v4(s[6], s[7])); // 64:ff9b::/96 and 64:ff9b:1::/48, NAT64
    }
    if s[0] == 0x2002 {
        found.push(v4(s[1], s[2])); // 2002::/16, 6to4
    }
    if s[0] == 0x2001 && s[1] == 0 {
        found.push(v4(s[2], s[3])); // 2001::/32, Teredo: the server
        found.push(v4(!s[6], !s[7])); // and the client, obfuscated
    }
    if (s[4] & 0xfdff) == 0 && s[5] == 0x5efe {
        found.push(v4(s[6], s[7])); // ISATAP interface identifier
    }
    found
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let o = ip.octets();
    if o == [169, 254, 169, 254] || o == [100, 100, 100, 200] {
        return AddressClass::Metadata;
    }
    let internal = ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10 shared address space
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24 protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15 benchmarking
        || o[0] >= 240; // reserved
    if internal {
        AddressClass::Internal
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let s = ip.segments();
    if s == [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254] {
        return AddressClass::Metadata;
    }
    let internal = ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // 64:ff9b:1::/48, local-use NAT64
        || (s[0] == 0x2001 && s[1] == 0x0db8); // documentation
    if internal {
        AddressClass::Internal
    } else {
        AddressClass::Public
    }
}

/// Resolve `host:port` and check every address against `grant`. The checked addresses.
async fn resolve(
    host: &str,
    port: u16,
    grant: &HostGrant,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, HttpError> {
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match literal.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::time::timeout(timeout, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| HttpError::DnsTimeout)?
            .map_err(|e| HttpError::DnsError {
                rcode: Some(e.to_string()),
                info_code: None,
            })?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(HttpError::DestinationNotFound);
    }
    // One bad address spoils the name: a name that resolves to both a public and an internal
    // address is how rebinding attacks look.
    for a in &addrs {
        match classify(a.ip()) {
            AddressClass::Public => {}
            AddressClass::Internal if grant.private_network => {}
            // Recorded by the gate as a denial of the call, reported under the adapter's
            // log quota.
            _ => return Err(HttpError::DestinationIpProhibited),
        }
    }
    Ok(addrs)
}

fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.into(),
            };
            Arc::new(
                rustls::ClientConfig::builder()
                    .with_root_certificates(roots)
                    .with_no_client_auth(),
            )
        })
        .clone()
}

type IoFuture = Pin<Box<dyn Future<Output = Result<(), HttpError>> + Send>>;

/// Send `request` to its (already granted) destination: resolve, check, connect, TLS when
/// https, HTTP/1.1, with the clamped timeouts.
pub async fn send(
    mut request: http::Request<WasiBody>,
    options: RequestOptions,
    grant: HostGrant,
) -> Result<(http::Response<TimedBody>, IoFuture), HttpError> {
    let connect_timeout = options.connect_timeout.unwrap_or(Duration::from_secs(2));
    let first_byte_timeout = options.first_byte_timeout.unwrap_or(Duration::from_secs(5));
    let between_bytes = options
        .between_bytes_timeout
        .unwrap_or(Duration::from_secs(5));

    let uri = request.uri().clone();
    let use_tls = uri.scheme() == Some(&Scheme::HTTPS);
    let host = uri
        .host()
        .ok_or(HttpError::HttpRequestUriInvalid)?
        .to_string();
    let port = uri.port_u16().unwrap_or(if use_tls { 443 } else { 80 });
    let addrs = resolve(&host, port, &grant, connect_timeout).await?;

    let mut last = HttpError::ConnectionRefused;
    let mut stream = None;
    for addr in addrs {
        match tokio::time::timeout(connect_timeout, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                stream = Some(s);
                break;
            }
            Ok(Err(e)) => last = HttpError::Connect(e),
            Err(_) => last = HttpError::ConnectionTimeout,
        }
    }
    let stream = stream.ok_or(last)?;

    // Origin-form request line: the authority travels in the Host header.
    *request.uri_mut() = http::Uri::builder()
        .path_and_query(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
        .build()
        .map_err(|_| HttpError::HttpRequestUriInvalid)?;

    let (mut sender, conn): (_, IoFuture) = if use_tls {
        let name = rustls::pki_types::ServerName::try_from(
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
        )
        .map_err(|_| HttpError::TlsProtocolError)?;
        let tls = tokio::time::timeout(
            connect_timeout,
            tokio_rustls::TlsConnector::from(tls_config()).connect(name, stream),
        )
        .await
        .map_err(|_| HttpError::ConnectionTimeout)?
        .map_err(HttpError::Tls)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(HttpError::from)?;
        (
            sender,
            Box::pin(async move { conn.await.map_err(HttpError::from) }),
        )
    } else {
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(HttpError::from)?;
        (
            sender,
            Box::pin(async move { conn.await.map_err(HttpError::from) }),
        )
    };

    // Drive the connection while waiting for the response head.
    let mut conn = Some(conn);
    let mut response = std::pin::pin!(tokio::time::timeout(
        first_byte_timeout,
        sender.send_request(request)
    ));
    let response = std::future::poll_fn(|cx| {
        if let Poll::Ready(r) = response.as_mut().poll(cx) {
            return Poll::Ready(r.map(|sent| sent.map_err(HttpError::from)));
        }
        if let Some(c) = conn.as_mut()
            && let Poll::Ready(result) = c.as_mut().poll(cx)
        {
            conn = None;
            if let Err(e) = result {
                return Poll::Ready(Ok(Err(e)));
            }
        }
        Poll::Pending
    })
    .await;
    let response = match response {
        Err(_) => return Err(HttpError::ConnectionReadTimeout),
        Ok(Err(e)) => return Err(e),
        Ok(Ok(r)) => r,
    };
    let io: IoFuture = match conn {
        Some(c) => c,
        None => Box::pin(async { Ok(()) }),
    };
    Ok((
        response.map(|incoming| TimedBody::new(incoming, between_bytes)),
        io,
    ))
}

/// A response body that fails when no frame arrives for `between_bytes` (a slowloris
/// upstream cannot hold an adapter call open past its clamp).
pub struct TimedBody {
    inner: hyper::body::Incoming,
    between_bytes: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl TimedBody {
    fn new(inner: hyper::body::Incoming, between_bytes: Duration) -> Self {
        TimedBody {
            inner,
            between_bytes,
            deadline: Box::pin(tokio::time::sleep(between_bytes)),
        }
    }
}

impl Body for TimedBody {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, HttpError>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let next = tokio::time::Instant::now() + self.between_bytes;
                self.deadline.as_mut().reset(next);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(HttpError::from(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                ready!(self.deadline.as_mut().poll(cx));
                Poll::Ready(Some(Err(HttpError::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_and_metadata_addresses_are_recognised() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            let ip: IpAddr = internal.parse().expect("ip");
            assert_eq!(classify(ip), AddressClass::Internal, "{internal}");
        }
        for metadata in ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254"] {
            let ip: IpAddr = metadata.parse().expect("ip");
            assert_eq!(classify(ip), AddressClass::Metadata, "{metadata}");
        }
        for public in [
            "8.8.8.8",
            "93.184.216.34",
            "2606:4700::1111",
            "64:ff9b::8.8.8.8",
            "2002:0808:0808::1",
        ] {
            let ip: IpAddr = public.parse().expect("ip");
            assert_eq!(classify(ip), AddressClass::Public, "{public}");
        }
    }

    #[test]
    fn ipv6_addresses_that_carry_an_ipv4_address_are_judged_by_it() {
        for (embedded, class) in [
            ("::127.0.0.1", AddressClass::Internal),
            ("::ffff:0:10.0.0.1", AddressClass::Internal),
            ("::ffff:0:169.254.169.254", AddressClass::Metadata),
            ("64:ff9b::127.0.0.1", AddressClass::Internal),
            ("64:ff9b::169.254.169.254", AddressClass::Metadata),
            ("64:ff9b:1::a00:1", AddressClass::Internal),
            ("2002:7f00:0001::1", AddressClass::Internal),
            ("2002:a9fe:a9fe::1", AddressClass::Metadata),
            ("2001:0:a9fe:a9fe::1", AddressClass::Metadata),
            // Teredo client 127.0.0.1, obfuscated as !0x7f000001 = 0x80fffffe.
            ("2001:0:808:808::80ff:fffe", AddressClass::Internal),
            ("2606:4700::5efe:a00:1", AddressClass::Internal),
            ("2606:4700:0:0:200:5efe:7f00:1", AddressClass::Internal),
        ] {
            let ip: IpAddr = embedded.parse().expect("ip");
            assert_eq!(classify(ip), class, "{embedded}");
        }
    }

    #[tokio::test]
    async fn names_are_judged_by_what_they_resolve_to() {
        let strict = HostGrant::parse("https://localhost:443").expect("grant");
        assert!(matches!(
            resolve("localhost", 443, &strict, Duration::from_secs(2)).await,
            Err(HttpError::DestinationIpProhibited)
        ));
        let private = strict.clone().private_network();
        assert!(
            resolve("localhost", 443, &private, Duration::from_secs(2))
                .await
                .is_ok()
        );
        let metadata = HostGrant::parse("http://169.254.169.254")
            .expect("grant")
            .private_network();
        assert!(matches!(
            resolve("169.254.169.254", 80, &metadata, Duration::from_secs(2)).await,
            Err(HttpError::DestinationIpProhibited)
        ));
    }
}
