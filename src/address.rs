//! The words of Azure addressing that blueprints, plans and reports share: IPv4 CIDR blocks
//! and Azure resource ids, with their parsers. Nothing here knows a blueprint or a plan.

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

/// Parse an address space: `a.b.c.d/n` with n from 8 to 24 and no host bits set.
pub fn parse_cidr(text: &str) -> Result<Cidr, String> {
    parse_cidr_within(text, 8, 24)
}

/// Parse `a.b.c.d/n` with n from `shortest` to `longest` and no host bits set.
pub fn parse_cidr_within(text: &str, shortest: u8, longest: u8) -> Result<Cidr, String> {
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
    if !(shortest..=longest).contains(&prefix) {
        return Err(format!("/{prefix} is outside /{shortest} to /{longest}"));
    }
    let host_mask = u32::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
    if base & host_mask != 0 {
        let network = Cidr {
            base: base & !host_mask,
            prefix,
        };
        return Err(format!("host bits are set; the block starts at {network}"));
    }
    Ok(Cidr { base, prefix })
}

/// The parts of an Azure resource id bulwark needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceId {
    pub id: String,
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
}

/// Parse `/subscriptions/<guid>/resourceGroups/<group>/providers/<type>/<name>` for one
/// resource type (compared without case, as Azure does).
pub fn parse_resource_id(text: &str, resource_type: &str) -> Result<ResourceId, String> {
    let expected = format!(
        "/subscriptions/<subscription id>/resourceGroups/<group>/providers/{resource_type}/<name>"
    );
    let parts: Vec<&str> = text.split('/').collect();
    let type_parts: Vec<&str> = resource_type.split('/').collect();
    let shape_ok = parts.len() == 7 + type_parts.len()
        && parts[0].is_empty()
        && parts[1].eq_ignore_ascii_case("subscriptions")
        && parts[3].eq_ignore_ascii_case("resourceGroups")
        && parts[5].eq_ignore_ascii_case("providers")
        && parts[6..6 + type_parts.len()]
            .iter()
            .zip(&type_parts)
            .all(|(a, b)| a.eq_ignore_ascii_case(b));
    if !shape_ok {
        return Err(format!("it is not shaped like {expected}"));
    }
    let subscription = parts[2];
    let is_guid = subscription.len() == 36
        && subscription.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if !is_guid {
        return Err(format!(
            "`{subscription}` is not a subscription id (a GUID)"
        ));
    }
    let resource_group = parts[4];
    let name = parts[parts.len() - 1];
    let plain = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'))
    };
    if !plain(resource_group) || !plain(name) {
        return Err(format!(
            "the group or resource name is empty or has characters Azure does not allow; expected {expected}"
        ));
    }
    Ok(ResourceId {
        id: text.to_string(),
        subscription: subscription.to_string(),
        resource_group: resource_group.to_string(),
        name: name.to_string(),
    })
}
