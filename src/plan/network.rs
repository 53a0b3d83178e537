//! The address plan: subnets carved from the VNet's address space.

use std::fmt;

/// An IPv4 CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cidr {
    pub base: u32,
    pub prefix: u8,
}

impl Cidr {
    pub fn size(self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }

    pub fn end(self) -> u64 {
        u64::from(self.base) + self.size()
    }

    pub fn contains(self, other: Cidr) -> bool {
        other.prefix >= self.prefix
            && u64::from(other.base) >= u64::from(self.base)
            && other.end() <= self.end()
    }

    pub fn overlaps(self, other: Cidr) -> bool {
        u64::from(self.base) < other.end() && u64::from(other.base) < self.end()
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.base.to_be_bytes();
        write!(f, "{a}.{b}.{c}.{d}/{}", self.prefix)
    }
}

/// Parse `a.b.c.d/n` with n from 8 to 24 and no host bits set.
pub fn parse_cidr(text: &str) -> Result<Cidr, String> {
    let (address, prefix) = text.split_once('/').ok_or("it has no `/prefix`")?;
    let octets: Vec<&str> = address.split('.').collect();
    if octets.len() != 4 {
        return Err("an IPv4 address has four dot-separated numbers".into());
    }
    let mut base = 0u32;
    for octet in octets {
        let value: u8 = octet
            .parse()
            .map_err(|_| format!("`{octet}` is not a number from 0 to 255"))?;
        base = (base << 8) | u32::from(value);
    }
    let prefix: u8 = prefix
        .parse()
        .map_err(|_| format!("`{prefix}` is not a prefix length"))?;
    if !(8..=24).contains(&prefix) {
        return Err(format!("/{prefix} is outside /8 to /24"));
    }
    let host_mask = u32::MAX >> prefix;
    if base & host_mask != 0 {
        let network = Cidr {
            base: base & !host_mask,
            prefix,
        };
        return Err(format!("host bits are set; the block starts at {network}"));
    }
    Ok(Cidr { base, prefix })
}

/// A subnet request: its name and its prefix length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub name: String,
    pub prefix: u8,
}

/// Lay the requested subnets out in order, each aligned to its size. Fails with the smallest
/// address space that would fit them.
pub fn allocate(space: Cidr, requests: &[Request]) -> Result<Vec<(String, Cidr)>, u8> {
    layout(space, requests).ok_or_else(|| smallest_fitting_prefix(requests))
}

fn layout(space: Cidr, requests: &[Request]) -> Option<Vec<(String, Cidr)>> {
    let mut next = u64::from(space.base);
    let mut out = Vec::with_capacity(requests.len());
    for request in requests {
        let size = 1u64 << (32 - u32::from(request.prefix));
        let start = next.div_ceil(size) * size;
        if request.prefix < space.prefix || start + size > space.end() {
            return None;
        }
        let block = Cidr {
            base: start as u32,
            prefix: request.prefix,
        };
        out.push((request.name.clone(), block));
        next = block.end();
    }
    Some(out)
}

fn smallest_fitting_prefix(requests: &[Request]) -> u8 {
    (8..=24u8)
        .rev()
        .find(|prefix| {
            layout(
                Cidr {
                    base: 0,
                    prefix: *prefix,
                },
                requests,
            )
            .is_some()
        })
        .unwrap_or(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            parse_cidr("10.0.0.0/16").unwrap().to_string(),
            "10.0.0.0/16"
        );
        assert!(
            parse_cidr("10.0.0.1/16")
                .unwrap_err()
                .contains("10.0.0.0/16")
        );
        assert!(parse_cidr("10.0.0.0/30").is_err());
        assert!(parse_cidr("10.0.0/16").is_err());
        assert!(parse_cidr("10.0.0.256/24").is_err());
        assert!(parse_cidr("nonsense").is_err());
    }

    #[test]
    fn allocates_aligned_blocks_in_order() {
        let space = parse_cidr("10.1.0.0/16").unwrap();
        let requests = [
            Request {
                name: "pe".into(),
                prefix: 24,
            },
            Request {
                name: "a".into(),
                prefix: 26,
            },
            Request {
                name: "b".into(),
                prefix: 26,
            },
        ];
        let plan = allocate(space, &requests).unwrap();
        let shown: Vec<String> = plan.iter().map(|(n, c)| format!("{n}={c}")).collect();
        assert_eq!(shown, ["pe=10.1.0.0/24", "a=10.1.1.0/26", "b=10.1.1.64/26"]);
    }

    #[test]
    fn says_what_would_fit() {
        let space = parse_cidr("10.1.0.0/24").unwrap();
        let requests = [
            Request {
                name: "pe".into(),
                prefix: 24,
            },
            Request {
                name: "a".into(),
                prefix: 26,
            },
        ];
        assert_eq!(allocate(space, &requests), Err(23));
    }
}
