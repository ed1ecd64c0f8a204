//! Checks of Azure arguments made at validate and plan time, before any call to Azure:
//! naming rules, enumerations, CIDR prefixes, and overlapping subnets of one virtual network.
//!
//! Overlaps need knowledge across resources, since subnets are resources of their own. The
//! provider keeps a [`NetworkRegistry`] of the virtual networks and subnets it has validated in
//! this run, keyed by resource group and virtual network name (both case-insensitive, as in
//! Azure): a subnet whose prefixes overlap those of another subnet of the same virtual network
//! is an error on its `address_prefixes`, and so is a prefix outside the network's
//! `address_space`. The walk validates resources in dependency order, and a subnet refers to
//! its network, so the network is known first; of two overlapping subnets, the one validated
//! second carries the diagnostic. Values not yet known are not checked.

use std::collections::HashMap;
use std::sync::Mutex;

use regex::Regex;

use crate::diagnostics::did_you_mean;
use crate::lang::Value;
use crate::providers::{AttrPath, ProviderError};

/// A known string attribute, or `None` (absent, null or unknown).
pub fn known_str<'v>(config: &'v Value, name: &str) -> Option<&'v str> {
    config.get_attr(name).and_then(Value::as_str)
}

/// The value shown in a message: quoted, or "(sensitive value)".
fn shown(v: &Value, s: &str) -> String {
    if v.is_sensitive() {
        "(sensitive value)".to_string()
    } else {
        crate::lang::value::quote_string(s)
    }
}

/// Checks that attribute `name` of `config` (at `path`), when a known string, matches
/// `pattern`; `rule` says in words what is allowed.
pub fn check_pattern(
    config: &Value,
    path: AttrPath,
    name: &str,
    pattern: &Regex,
    rule: &str,
    out: &mut Vec<ProviderError>,
) {
    let Some(v) = config.get_attr(name) else {
        return;
    };
    let Some(s) = v.as_str() else {
        return;
    };
    if !pattern.is_match(s) {
        out.push(ProviderError::invalid(
            path,
            format!("Invalid {}", name.replace('_', " ")),
            format!("{} is not a valid {name}: {rule}", shown(v, s)),
        ));
    }
}

/// Checks that attribute `name`, when a known string, is one of `allowed` (exactly, or
/// ignoring case when `ignore_case`, as Azure accepts for some enumerations).
pub fn check_enum(
    config: &Value,
    path: AttrPath,
    name: &str,
    allowed: &[&str],
    ignore_case: bool,
    out: &mut Vec<ProviderError>,
) {
    let Some(v) = config.get_attr(name) else {
        return;
    };
    let Some(s) = v.as_str() else {
        return;
    };
    let ok = allowed
        .iter()
        .any(|a| *a == s || (ignore_case && a.eq_ignore_ascii_case(s)));
    if !ok {
        let list = allowed
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(ProviderError::invalid(
            path,
            format!("Invalid {}", name.replace('_', " ")),
            format!(
                "{} is not one of {list}.{}",
                shown(v, s),
                did_you_mean(s, allowed.iter().copied())
            ),
        ));
    }
}

/// `value` as `allowed` spells it: Azure accepts other casings of some enumerations, and
/// flinkform sends the documented spelling.
pub fn canonical<'a>(value: &'a str, allowed: &'a [&'a str]) -> &'a str {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value))
        .copied()
        .unwrap_or(value)
}

/// Checks that attribute `name`, when a known number, is a whole number in `min..=max`.
pub fn check_range(
    config: &Value,
    path: AttrPath,
    name: &str,
    min: f64,
    max: f64,
    out: &mut Vec<ProviderError>,
) {
    let Some(n) = config.get_attr(name).and_then(Value::as_number) else {
        return;
    };
    if n.fract() != 0.0 || n < min || n > max {
        out.push(ProviderError::invalid(
            path,
            format!("Invalid {}", name.replace('_', " ")),
            format!(
                "{} must be a whole number from {} to {}; this is {}.",
                name,
                crate::lang::value::format_number(min),
                crate::lang::value::format_number(max),
                crate::lang::value::format_number(n)
            ),
        ));
    }
}

/// Compiled naming rules (compiled once per provider).
pub struct Patterns {
    pub resource_group: Regex,
    pub generic_name: Regex,
    pub registry: Regex,
    pub cluster: Regex,
    pub dns_prefix: Regex,
    pub agent_pool: Regex,
    pub workspace: Regex,
    pub guid: Regex,
}

impl Patterns {
    pub fn new() -> Patterns {
        let re = |p: &str| Regex::new(p).unwrap_or_else(|_| Regex::new("^$").expect("empty regex"));
        Patterns {
            // Microsoft.Resources: 1-90 of letters, digits, _ - . ( ), not ending in a period.
            resource_group: re(r"^[-\w\.\(\)]{0,89}[-\w\(\)]$"),
            // Microsoft.Network names: 1-80, start alphanumeric, end alphanumeric or _.
            generic_name: re(r"^[a-zA-Z0-9]$|^[a-zA-Z0-9][-\w\.]{0,78}[\w]$"),
            registry: re(r"^[a-zA-Z0-9]{5,50}$"),
            // The managedClusters resourceName pattern of the 2025-10-01 specification.
            cluster: re(r"^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$"),
            dns_prefix: re(r"^[a-zA-Z0-9]$|^[a-zA-Z0-9][-a-zA-Z0-9]{0,52}[a-zA-Z0-9]$"),
            // The agentPoolName pattern of the 2025-10-01 specification.
            agent_pool: re(r"^[a-z][a-z0-9]{0,11}$"),
            workspace: re(r"^[a-zA-Z0-9][-a-zA-Z0-9]{2,61}[a-zA-Z0-9]$"),
            guid: re(
                r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
            ),
        }
    }
}

impl Default for Patterns {
    fn default() -> Self {
        Self::new()
    }
}

/// Rules in words, for the messages.
pub const RESOURCE_GROUP_RULE: &str = "1 to 90 letters, digits, underscores, hyphens, periods and parentheses, not ending in a period.";
pub const GENERIC_NAME_RULE: &str = "1 to 80 letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore.";
pub const REGISTRY_RULE: &str = "5 to 50 letters and digits only (no hyphens); it becomes <name>.azurecr.io and must be unique across Azure.";
pub const CLUSTER_RULE: &str =
    "1 to 63 letters, digits, underscores and hyphens, starting and ending with a letter or digit.";
pub const DNS_PREFIX_RULE: &str =
    "1 to 54 letters, digits and hyphens, starting and ending with a letter or digit.";
pub const AGENT_POOL_RULE: &str = "1 to 12 lowercase letters and digits, starting with a letter.";
pub const WORKSPACE_RULE: &str =
    "4 to 63 letters, digits and hyphens, starting and ending with a letter or digit.";

/// An IPv4 or IPv6 prefix: the network address as a 128-bit number (IPv4 mapped into the low
/// 32 bits) and the prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub v6: bool,
    pub addr: u128,
    pub len: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let (ip, len) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?} is not in CIDR notation (address/length)"))?;
        let ip: std::net::IpAddr = ip
            .parse()
            .map_err(|_| format!("{ip:?} is not an IP address"))?;
        let (v6, bits, addr) = match ip {
            std::net::IpAddr::V4(a) => (false, 32u8, u128::from(u32::from(a))),
            std::net::IpAddr::V6(a) => (true, 128u8, u128::from(a)),
        };
        let len: u8 = len
            .parse()
            .ok()
            .filter(|l| *l <= bits)
            .ok_or_else(|| format!("{len:?} is not a prefix length from 0 to {bits}"))?;
        let host_bits = u32::from(bits - len);
        let mask = if host_bits >= 128 {
            0
        } else {
            !((1u128 << host_bits) - 1)
        };
        if addr & !mask != 0 && host_bits < 128 {
            return Err(format!(
                "{text:?} has host bits set: the network address of a /{len} is {}",
                Cidr {
                    v6,
                    addr: addr & mask,
                    len
                }
                .network_text()
            ));
        }
        Ok(Cidr {
            v6,
            addr: addr & mask,
            len,
        })
    }

    fn bits(&self) -> u8 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    /// The first and last address.
    fn range(&self) -> (u128, u128) {
        let host_bits = u32::from(self.bits() - self.len);
        let size_minus_one = if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        (self.addr, self.addr | size_minus_one)
    }

    pub fn overlaps(&self, other: &Cidr) -> bool {
        if self.v6 != other.v6 {
            return false;
        }
        let (a0, a1) = self.range();
        let (b0, b1) = other.range();
        a0 <= b1 && b0 <= a1
    }

    pub fn contains(&self, other: &Cidr) -> bool {
        if self.v6 != other.v6 {
            return false;
        }
        let (a0, a1) = self.range();
        let (b0, b1) = other.range();
        a0 <= b0 && b1 <= a1
    }

    /// Whether `ip` (an address without length) is inside this prefix.
    pub fn contains_ip(&self, ip: &str) -> bool {
        let bits = if self.v6 { 128 } else { 32 };
        Cidr::parse(&format!("{ip}/{bits}")).is_ok_and(|c| self.contains(&c))
    }

    fn network_text(&self) -> String {
        if self.v6 {
            format!("{}/{}", std::net::Ipv6Addr::from(self.addr), self.len)
        } else {
            format!(
                "{}/{}",
                std::net::Ipv4Addr::from(u32::try_from(self.addr).unwrap_or(0)),
                self.len
            )
        }
    }
}

/// Known CIDR prefixes in list attribute `name`; invalid ones reported at `path[i]`.
pub fn cidr_list(
    config: &Value,
    path: &AttrPath,
    name: &str,
    out: &mut Vec<ProviderError>,
) -> Option<Vec<(String, Cidr)>> {
    let list = config.get_attr(name)?;
    if !list.is_wholly_known() {
        return None;
    }
    let mut prefixes = Vec::new();
    for (i, v) in list.as_seq().unwrap_or_default().iter().enumerate() {
        let Some(s) = v.as_str() else { continue };
        match Cidr::parse(s) {
            Ok(c) => prefixes.push((s.to_string(), c)),
            Err(e) => out.push(ProviderError::invalid(
                path.child_index(i as i64),
                "Invalid address prefix",
                format!("{e}."),
            )),
        }
    }
    Some(prefixes)
}

/// One CIDR attribute (`service_cidr`), when a known string.
pub fn cidr_attr(
    config: &Value,
    path: AttrPath,
    name: &str,
    out: &mut Vec<ProviderError>,
) -> Option<Cidr> {
    let s = known_str(config, name)?;
    match Cidr::parse(s) {
        Ok(c) => Some(c),
        Err(e) => {
            out.push(ProviderError::invalid(
                path,
                "Invalid CIDR",
                format!("{e}."),
            ));
            None
        }
    }
}

/// The virtual networks and subnets validated in this run (see the module documentation).
#[derive(Default)]
pub struct NetworkRegistry {
    inner: Mutex<Registry>,
}

/// A subnet's prefixes, by subnet name (lower case).
type Subnets = HashMap<String, Vec<(String, Cidr)>>;

#[derive(Default)]
struct Registry {
    /// (resource group, network) in lower case -> address space.
    networks: HashMap<(String, String), Vec<(String, Cidr)>>,
    /// (resource group, network) in lower case -> subnet name (lower case) -> prefixes.
    subnets: HashMap<(String, String), Subnets>,
}

impl NetworkRegistry {
    pub fn network(&self, resource_group: &str, name: &str, space: Vec<(String, Cidr)>) {
        if let Ok(mut r) = self.inner.lock() {
            r.networks
                .insert((resource_group.to_lowercase(), name.to_lowercase()), space);
        }
    }

    /// Records a subnet and returns its problems: overlaps with the network's other subnets,
    /// prefixes outside the network's address space. Subnets are keyed by name, so validating
    /// the same subnet again (another walk of the same run) replaces its entry.
    pub fn subnet(
        &self,
        resource_group: &str,
        network: &str,
        name: &str,
        prefixes: Vec<(String, Cidr)>,
        path: &AttrPath,
    ) -> Vec<ProviderError> {
        let Ok(mut r) = self.inner.lock() else {
            return Vec::new();
        };
        let key = (resource_group.to_lowercase(), network.to_lowercase());
        let mut problems = Vec::new();
        if let Some(space) = r.networks.get(&key) {
            for (i, (text, c)) in prefixes.iter().enumerate() {
                if !space.iter().any(|(_, s)| s.contains(c)) {
                    let spaces = space
                        .iter()
                        .map(|(t, _)| t.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    problems.push(ProviderError::invalid(
                        path.child_index(i as i64),
                        "Subnet outside its virtual network",
                        format!(
                            "The prefix {text} of subnet \"{name}\" is not inside the address space of virtual network \"{network}\" ({spaces})."
                        ),
                    ));
                }
            }
        }
        let siblings = r.subnets.entry(key).or_default();
        let mut others: Vec<(&String, &Vec<(String, Cidr)>)> = siblings
            .iter()
            .filter(|(other, _)| !other.eq_ignore_ascii_case(name))
            .collect();
        others.sort_by(|a, b| a.0.cmp(b.0));
        for (i, (text, c)) in prefixes.iter().enumerate() {
            for (other, their) in &others {
                if let Some((their_text, _)) = their.iter().find(|(_, t)| t.overlaps(c)) {
                    problems.push(ProviderError::invalid(
                        path.child_index(i as i64),
                        "Overlapping subnets",
                        format!(
                            "The prefix {text} of subnet \"{name}\" overlaps {their_text} of subnet \"{other}\" in virtual network \"{network}\": Azure refuses subnets of one virtual network whose address ranges overlap."
                        ),
                    ));
                }
            }
        }
        siblings.insert(name.to_lowercase(), prefixes);
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        let a = Cidr::parse("10.1.0.0/16").unwrap();
        let b = Cidr::parse("10.1.4.0/22").unwrap();
        let c = Cidr::parse("10.2.0.0/16").unwrap();
        assert!(a.overlaps(&b) && b.overlaps(&a) && a.contains(&b) && !b.contains(&a));
        assert!(!a.overlaps(&c));
        assert!(a.contains_ip("10.1.200.3"));
        assert!(!a.contains_ip("10.3.0.1"));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(&c));
        assert!(Cidr::parse("fd00::/8")
            .unwrap()
            .overlaps(&Cidr::parse("fd12::/16").unwrap()));
        assert!(!Cidr::parse("fd00::/8").unwrap().overlaps(&a));
        let e = Cidr::parse("10.1.0.1/16").unwrap_err();
        assert!(e.contains("10.1.0.0/16"), "{e}");
        assert!(Cidr::parse("10.1.0.0").is_err());
        assert!(Cidr::parse("10.1.0.0/33").is_err());
        assert!(Cidr::parse("x/8").is_err());
    }

    #[test]
    fn registry_reports_overlaps_once_per_pair() {
        let r = NetworkRegistry::default();
        let p = |s: &str| vec![(s.to_string(), Cidr::parse(s).unwrap())];
        r.network("RG", "vnet", p("10.0.0.0/8"));
        let path = AttrPath::attr("address_prefixes");
        assert!(r
            .subnet("rg", "vnet", "a", p("10.1.0.0/16"), &path)
            .is_empty());
        // The same subnet again (another walk): no overlap with itself.
        assert!(r
            .subnet("rg", "VNET", "a", p("10.1.0.0/16"), &path)
            .is_empty());
        let e = r.subnet("rg", "vnet", "b", p("10.1.128.0/17"), &path);
        assert_eq!(e.len(), 1);
        assert!(
            e[0].to_string()
                .contains("overlaps 10.1.0.0/16 of subnet \"a\""),
            "{}",
            e[0]
        );
        assert_eq!(
            e[0].attribute_path().unwrap().to_string(),
            "address_prefixes[0]"
        );
        // Another network is another namespace.
        assert!(r
            .subnet("rg", "other", "c", p("10.1.0.0/16"), &path)
            .is_empty());
        let e = r.subnet("rg", "vnet", "d", p("192.168.0.0/24"), &path);
        assert!(
            e[0].to_string().contains("not inside the address space"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn patterns() {
        let p = Patterns::new();
        assert!(p.registry.is_match("flinkacr001"));
        assert!(!p.registry.is_match("acr"));
        assert!(!p.registry.is_match("flink-acr"));
        assert!(p.agent_pool.is_match("system"));
        assert!(!p.agent_pool.is_match("System"));
        assert!(!p.agent_pool.is_match("averyverylongname"));
        assert!(p.cluster.is_match("aks-flink_1"));
        assert!(!p.cluster.is_match("-aks"));
        assert!(p.dns_prefix.is_match("flink-aks"));
        assert!(!p.dns_prefix.is_match("flink_aks"));
        assert!(p.resource_group.is_match("rg-flink.prod(1)"));
        assert!(!p.resource_group.is_match("rg."));
        assert!(p.workspace.is_match("law-flink"));
        assert!(!p.workspace.is_match("la"));
    }
}
