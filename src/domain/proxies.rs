//! Which peers may speak for the client (`server.trusted_proxies`), and what a `Host` value
//! must look like before it goes into links, the catalog and `WWW-Authenticate`.

use std::net::IpAddr;

/// IP addresses and CIDR ranges whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    ranges: Vec<(IpAddr, u8)>,
}

impl TrustedProxies {
    /// Parses `"10.0.0.1, 192.168.0.0/16, ::1"`; empty trusts nobody.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let mut ranges = Vec::new();
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (addr, bits) = match item.split_once('/') {
                Some((addr, bits)) => (addr, Some(bits)),
                None => (item, None),
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("{item:?} is not an IP address or CIDR range"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("{item:?} has a bad prefix length"))?,
            };
            ranges.push((addr, bits));
        }
        Ok(TrustedProxies { ranges })
    }

    /// True if `peer` is one of the trusted proxies.
    pub fn contains(&self, peer: IpAddr) -> bool {
        let peer = canonical(peer);
        self.ranges
            .iter()
            .any(|(net, bits)| in_range(peer, canonical(*net), *bits))
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is the IPv4 address it maps.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn in_range(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    if bits == 0 {
        return true;
    }
    let shift = width - u32::from(bits);
    ip >> shift == net >> shift
}

/// True if `host` is a plain `host[:port]`: a DNS name or IPv4 address, or a bracketed IPv6
/// address, with an optional decimal port. Anything else (spaces, quotes, `/`, `@`, a
/// second `:`) could break out of a URL or a quoted header, so it is never echoed.
pub fn is_valid_host(host: &str) -> bool {
    if host.is_empty() || host.len() > 255 {
        return false;
    }
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return false;
        };
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("x", Some(port)),
                None => return false,
            },
        }
    } else {
        match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok());
    let name_ok = !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        // A trailing dot is a valid fully-qualified name.
        || name.ends_with('.') && is_valid_host(&name[..name.len() - 1]);
    port_ok && name_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_ranges_match() {
        let p = TrustedProxies::parse(" 10.0.0.0/8, 192.168.1.7 ,::1, 2001:db8::/32").unwrap();
        for yes in [
            "10.1.2.3",
            "192.168.1.7",
            "::1",
            "2001:db8::5",
            "::ffff:10.0.0.1",
        ] {
            assert!(p.contains(yes.parse().unwrap()), "{yes}");
        }
        for no in ["11.0.0.1", "192.168.1.8", "::2", "2001:db9::1", "127.0.0.1"] {
            assert!(!p.contains(no.parse().unwrap()), "{no}");
        }
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        for bad in ["localhost", "10.0.0.0/33", "10.0.0.1/x", "::1/129"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_plain_hosts_are_valid() {
        for good in [
            "localhost",
            "127.0.0.1:5000",
            "iam.example.test",
            "iam.example.test.",
            "[::1]:5000",
            "[::1]",
            "a-b_c.d:1",
        ] {
            assert!(is_valid_host(good), "{good}");
        }
        for bad in [
            "",
            "evil.test/x",
            "a b",
            "x\"y",
            "user@host",
            "host:port",
            "host:99999",
            "host:",
            "[::1",
            "[zz]:1",
            "a..b",
            "h:1:2",
        ] {
            assert!(!is_valid_host(bad), "{bad}");
        }
    }
}
