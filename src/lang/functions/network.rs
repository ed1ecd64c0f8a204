//! Network functions: cidrhost cidrnetmask cidrsubnet cidrsubnets, for IPv4 and IPv6, with the
//! arithmetic of Terraform's go-cidr.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{
    arg_err, err, ret_list_string, ret_string, whole_number, Args, FuncError, Param, Spec, NUM, P,
    STR,
};
use crate::lang::Value;

pub(super) const SPECS: &[Spec] = &[
    Spec::new("cidrhost", &[STR, NUM], ret_string, cidrhost),
    Spec::new("cidrnetmask", &[STR], ret_string, cidrnetmask),
    Spec::new("cidrsubnet", &[STR, NUM, NUM], ret_string, cidrsubnet),
    Spec::new("cidrsubnets", &[STR], ret_list_string, cidrsubnets).variadic(Param::of(P::Number)),
];

/// A network: its (masked) address, prefix length, and address width (32 or 128).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Net {
    addr: u128,
    prefix: u32,
    bits: u32,
}

impl Net {
    fn host_mask(bits: u32, prefix: u32) -> u128 {
        let host_bits = bits - prefix.min(bits);
        if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        }
    }
    fn mask(bits: u32, prefix: u32) -> u128 {
        let all = if bits == 128 {
            u128::MAX
        } else {
            (1u128 << bits) - 1
        };
        all & !Net::host_mask(bits, prefix)
    }
    fn with_prefix(addr: u128, bits: u32, prefix: u32) -> Net {
        Net {
            addr: addr & Net::mask(bits, prefix),
            prefix,
            bits,
        }
    }
    fn last(&self) -> u128 {
        self.addr | Net::host_mask(self.bits, self.prefix)
    }
    fn contains(&self, addr: u128) -> bool {
        addr & Net::mask(self.bits, self.prefix) == self.addr
    }
    fn cidr(self) -> String {
        format!("{}/{}", ip_string(self.addr, self.bits), self.prefix)
    }
}

fn ip_string(addr: u128, bits: u32) -> String {
    if bits == 32 {
        Ipv4Addr::from(addr as u32).to_string()
    } else {
        Ipv6Addr::from(addr).to_string()
    }
}

/// Dotted IPv4 as Terraform's ipaddr package reads it (leading zeros allowed, decimal).
fn parse_ipv4(s: &str) -> Option<u32> {
    let mut out = 0u32;
    let mut parts = 0;
    for part in s.split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u32 = part.parse().ok()?;
        if v > 255 {
            return None;
        }
        out = (out << 8) | v;
        parts += 1;
    }
    (parts == 4).then_some(out)
}

/// Parses argument 0 as a CIDR prefix.
fn parse_cidr(a: &Args) -> Result<Net, FuncError> {
    let s = a.str(0);
    let shown = if a.sensitive { "(sensitive value)" } else { s };
    let invalid = || {
        err(format!(
            "invalid CIDR expression: invalid CIDR address: {shown}"
        ))
    };
    let (ip, len) = s.split_once('/').ok_or_else(invalid)?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 3 {
        return Err(invalid());
    }
    let prefix: u32 = len.parse().map_err(|_| invalid())?;
    let (addr, bits) = if let Some(v4) = parse_ipv4(ip) {
        (v4 as u128, 32)
    } else if let Ok(v6) = ip.parse::<Ipv6Addr>() {
        (u128::from(v6), 128)
    } else {
        return Err(invalid());
    };
    if prefix > bits {
        return Err(invalid());
    }
    Ok(Net::with_prefix(addr, bits, prefix))
}

/// A whole-number argument as i128 (host and network numbers may exceed 64 bits for IPv6).
fn big_int(a: &Args, i: usize) -> Result<i128, FuncError> {
    let n = a.num(i);
    if n.fract() != 0.0 || !n.is_finite() || n.abs() >= 1.7e38 {
        return Err(arg_err(i, "value must be a whole number"));
    }
    Ok(n as i128)
}

fn cidrhost(a: Args) -> Result<Value, FuncError> {
    let host = big_int(&a, 1)?;
    let net = parse_cidr(&a)?;
    let max = Net::host_mask(net.bits, net.prefix);
    // Negative host numbers count back from the end of the range.
    let (num, magnitude): (i128, u128) = if host < 0 {
        let from_end = host.unsigned_abs() - 1;
        (max as i128 - from_end as i128, from_end)
    } else {
        (host, host as u128)
    };
    if magnitude > max || num < 0 {
        return Err(err(format!(
            "prefix of {} does not accommodate a host numbered {num}",
            net.prefix
        )));
    }
    Ok(Value::string(ip_string(net.addr | num as u128, net.bits)))
}

fn cidrnetmask(a: Args) -> Result<Value, FuncError> {
    let net = parse_cidr(&a)?;
    if net.bits != 32 {
        let shown = if a.sensitive {
            "(sensitive value)"
        } else {
            a.str(0)
        };
        return Err(err(format!(
            "IPv6 addresses cannot have a netmask: {}",
            shown
        )));
    }
    Ok(Value::string(ip_string(Net::mask(32, net.prefix), 32)))
}

fn cidrsubnet(a: Args) -> Result<Value, FuncError> {
    let net = parse_cidr(&a)?;
    let newbits = whole_number(a.num(1)).map_err(|m| arg_err(1, m))?;
    let netnum = big_int(&a, 2)?;
    if newbits > 32 {
        return Err(err("may not extend prefix by more than 32 bits"));
    }
    if newbits < 0 {
        return Err(err("may not extend prefix by a negative number of bits"));
    }
    let new_prefix = net.prefix + newbits as u32;
    if new_prefix > net.bits {
        return Err(err(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.prefix
        )));
    }
    let max = (1u128 << newbits) - 1;
    if netnum < 0 || netnum as u128 > max {
        return Err(err(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
        )));
    }
    let addr = net.addr | ((netnum as u128) << (net.bits - new_prefix));
    Ok(Value::string(
        Net::with_prefix(addr, net.bits, new_prefix).cidr(),
    ))
}

fn cidrsubnets(a: Args) -> Result<Value, FuncError> {
    let net = parse_cidr(&a)?;
    let lengths = &a.args[1..];
    if lengths.is_empty() {
        return Ok(Value::list(vec![]));
    }
    let first = whole_number(a.num(1)).map_err(|m| arg_err(1, m))?;
    let first_prefix = (net.prefix as i64 + first).clamp(0, net.bits as i64) as u32;
    // Start just before the network, so the first allocation lands at its beginning.
    let mut current = Net::with_prefix(
        net.addr.wrapping_sub(1) & all_bits(net.bits),
        net.bits,
        first_prefix,
    );
    let mut out = Vec::with_capacity(lengths.len());
    for i in 0..lengths.len() {
        let arg = i + 1;
        let newbits = whole_number(a.num(arg)).map_err(|m| arg_err(arg, m))?;
        if newbits < 1 {
            return Err(arg_err(arg, "must extend prefix by at least one bit"));
        }
        if newbits > 32 {
            return Err(arg_err(arg, "may not extend prefix by more than 32 bits"));
        }
        let length = net.prefix + newbits as u32;
        if length > net.bits {
            let protocol = if net.bits == 32 { "IPv4" } else { "IPv6" };
            return Err(arg_err(
                arg,
                format!("would extend prefix to {length} bits, which is too long for an {protocol} address"),
            ));
        }
        let next = next_subnet(current, length);
        match next {
            Some(next) if net.contains(next.addr) => {
                out.push(Value::string(next.cidr()));
                current = next;
            }
            _ => {
                return Err(arg_err(
                    arg,
                    format!(
                        "not enough remaining address space for a subnet with a prefix of {length} bits after {}",
                        current.cidr()
                    ),
                ))
            }
        }
    }
    Ok(Value::list(out))
}

fn all_bits(bits: u32) -> u128 {
    if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// go-cidr's `NextSubnet`: the subnet of `prefix` bits right after the one containing the end
/// of `current`; `None` when it rolls over the end of the address space.
fn next_subnet(current: Net, prefix: u32) -> Option<Net> {
    let containing = Net::with_prefix(current.last(), current.bits, prefix);
    let next = containing.last().wrapping_add(1) & all_bits(current.bits);
    (next != 0).then(|| Net::with_prefix(next, current.bits, prefix))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn hosts() {
        assert_eq!(
            show("cidrhost", vec![s("10.12.112.0/20"), n(16.0)]),
            r#""10.12.112.16""#
        );
        assert_eq!(
            show("cidrhost", vec![s("10.12.112.0/20"), n(268.0)]),
            r#""10.12.113.12""#
        );
        assert_eq!(
            show(
                "cidrhost",
                vec![s("fd00:fd12:3456:7890:00a2::/72"), n(34.0)]
            ),
            r#""fd00:fd12:3456:7890::22""#
        );
        assert_eq!(
            show("cidrhost", vec![s("10.0.0.0/24"), n(-1.0)]),
            r#""10.0.0.255""#
        );
        assert_eq!(
            show("cidrhost", vec![s("10.0.0.0/24"), n(256.0)]),
            "error: prefix of 24 does not accommodate a host numbered 256"
        );
        assert_eq!(
            show("cidrhost", vec![s("10.0.0.0/33"), n(1.0)]),
            "error: invalid CIDR expression: invalid CIDR address: 10.0.0.0/33"
        );
        assert_eq!(
            show("cidrhost", vec![s("010.0.0.0/8"), n(1.0)]),
            r#""10.0.0.1""#
        );
        assert_eq!(
            show("cidrhost", vec![s("10.0.0.0/24"), n(1.5)]),
            "error: Invalid value for argument 2: value must be a whole number"
        );
    }

    #[test]
    fn netmasks() {
        assert_eq!(
            show("cidrnetmask", vec![s("172.16.0.0/12")]),
            r#""255.240.0.0""#
        );
        assert_eq!(show("cidrnetmask", vec![s("10.0.0.0/0")]), r#""0.0.0.0""#);
        assert_eq!(
            show("cidrnetmask", vec![s("fd00::/64")]),
            "error: IPv6 addresses cannot have a netmask: fd00::/64"
        );
    }

    #[test]
    fn subnets() {
        assert_eq!(
            show("cidrsubnet", vec![s("172.16.0.0/12"), n(4.0), n(2.0)]),
            r#""172.18.0.0/16""#
        );
        assert_eq!(
            show("cidrsubnet", vec![s("10.1.2.0/24"), n(4.0), n(15.0)]),
            r#""10.1.2.240/28""#
        );
        assert_eq!(
            show(
                "cidrsubnet",
                vec![s("fd00:fd12:3456:7890::/56"), n(16.0), n(162.0)]
            ),
            r#""fd00:fd12:3456:7800:a200::/72""#
        );
        assert_eq!(
            show("cidrsubnet", vec![s("10.0.0.0/24"), n(4.0), n(16.0)]),
            "error: prefix extension of 4 does not accommodate a subnet numbered 16"
        );
        assert_eq!(
            show("cidrsubnet", vec![s("10.0.0.0/30"), n(4.0), n(0.0)]),
            "error: insufficient address space to extend prefix of 30 by 4"
        );
        assert_eq!(
            show("cidrsubnet", vec![s("10.0.0.0/8"), n(33.0), n(0.0)]),
            "error: may not extend prefix by more than 32 bits"
        );
        assert_eq!(
            show("cidrsubnet", vec![s("10.0.0.0/8"), n(0.0), n(0.0)]),
            r#""10.0.0.0/8""#
        );
    }

    #[test]
    fn subnets_list() {
        assert_eq!(
            show(
                "cidrsubnets",
                vec![s("10.1.0.0/16"), n(4.0), n(4.0), n(8.0), n(4.0)]
            ),
            r#"["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]"#
        );
        assert_eq!(
            show(
                "cidrsubnets",
                vec![
                    s("fd00:fd12:3456:7890::/56"),
                    n(16.0),
                    n(16.0),
                    n(16.0),
                    n(32.0)
                ]
            ),
            r#"["fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72", "fd00:fd12:3456:7800:300::/88"]"#
        );
        assert_eq!(show("cidrsubnets", vec![s("10.0.0.0/8")]), "[]");
        assert_eq!(
            show("cidrsubnets", vec![s("10.0.0.0/30"), n(1.0), n(1.0), n(1.0)]),
            "error: Invalid value for argument 4: not enough remaining address space for a subnet with a prefix of 31 bits after 10.0.0.2/31"
        );
        assert_eq!(
            show("cidrsubnets", vec![s("10.0.0.0/8"), n(0.0)]),
            "error: Invalid value for argument 2: must extend prefix by at least one bit"
        );
        assert_eq!(
            show("cidrsubnets", vec![s("10.0.0.0/30"), n(3.0)]),
            "error: Invalid value for argument 2: would extend prefix to 33 bits, which is too long for an IPv4 address"
        );
        // go-cidr reports the wrap past the last address as running out of space, even for /0.
        assert_eq!(
            show("cidrsubnets", vec![s("0.0.0.0/0"), n(1.0), n(1.0)]),
            "error: Invalid value for argument 2: not enough remaining address space for a subnet with a prefix of 1 bits after 128.0.0.0/1"
        );
    }
}
