//! Parsing addresses from their text form (command-line `--target`, `state mv`, ...).

use std::str::FromStr;

use super::*;

/// A tiny scanner over address text: identifiers, `.`, and `[int]`/`["str"]` keys.
struct Scanner<'a> {
    input: &'a str,
    rest: &'a str,
}

impl<'a> Scanner<'a> {
    fn new(input: &'a str) -> Self {
        Scanner { input, rest: input }
    }
    fn err(&self, reason: impl Into<String>) -> ParseAddrError {
        ParseAddrError {
            input: self.input.to_string(),
            reason: reason.into(),
        }
    }
    fn at_end(&self) -> bool {
        self.rest.is_empty()
    }
    fn ident(&mut self) -> Result<&'a str, ParseAddrError> {
        let end = self
            .rest
            .char_indices()
            .find(|&(i, c)| !(c.is_alphanumeric() || c == '_' || (c == '-' && i > 0)))
            .map(|(i, _)| i)
            .unwrap_or(self.rest.len());
        if end == 0 || self.rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(self.err("expected a name"));
        }
        let (id, rest) = self.rest.split_at(end);
        self.rest = rest;
        Ok(id)
    }
    fn dot(&mut self) -> Result<(), ParseAddrError> {
        self.rest = self
            .rest
            .strip_prefix('.')
            .ok_or_else(|| self.err("expected \".\""))?;
        Ok(())
    }
    fn peek_is(&self, s: &str) -> bool {
        self.rest.starts_with(s)
    }
    fn key(&mut self) -> Result<InstanceKey, ParseAddrError> {
        let Some(inner) = self.rest.strip_prefix('[') else {
            return Ok(InstanceKey::None);
        };
        if let Some(body) = inner.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = body.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        let after = &body[i + 1..];
                        self.rest = after
                            .strip_prefix(']')
                            .ok_or_else(|| self.err("expected \"]\""))?;
                        return Ok(InstanceKey::Str(out));
                    }
                    '\\' => match chars.next() {
                        Some((_, 'n')) => out.push('\n'),
                        Some((_, 't')) => out.push('\t'),
                        Some((_, c)) => out.push(c),
                        None => break,
                    },
                    c => out.push(c),
                }
            }
            Err(self.err("unterminated string key"))
        } else {
            let end = inner.find(']').ok_or_else(|| self.err("expected \"]\""))?;
            let n: i64 = inner[..end]
                .trim()
                .parse()
                .map_err(|_| self.err("instance key must be a number or a quoted string"))?;
            if n < 0 {
                return Err(self.err("instance key must not be negative"));
            }
            self.rest = &inner[end + 1..];
            Ok(InstanceKey::Int(n))
        }
    }
}

fn parse_module_prefix(s: &mut Scanner<'_>) -> Result<ModuleInstance, ParseAddrError> {
    let mut steps = Vec::new();
    while s.peek_is("module.") {
        s.rest = &s.rest["module.".len()..];
        let name = s.ident()?.to_string();
        let key = s.key()?;
        steps.push(ModuleInstanceStep { name, key });
        if s.at_end() {
            break;
        }
        s.dot()?;
    }
    Ok(ModuleInstance(steps))
}

fn parse_resource(s: &mut Scanner<'_>) -> Result<Resource, ParseAddrError> {
    let first = s.ident()?;
    let (mode, type_name) = if first == "data" {
        s.dot()?;
        (ResourceMode::Data, s.ident()?)
    } else {
        (ResourceMode::Managed, first)
    };
    s.dot()?;
    let name = s.ident()?;
    Ok(Resource {
        mode,
        type_name: type_name.to_string(),
        name: name.to_string(),
    })
}

impl FromStr for ModuleInstance {
    type Err = ParseAddrError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let mut s = Scanner::new(input);
        let m = parse_module_prefix(&mut s)?;
        if !s.at_end() {
            return Err(s.err("unexpected text after module address"));
        }
        Ok(m)
    }
}

impl FromStr for AbsResourceInstance {
    type Err = ParseAddrError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let mut s = Scanner::new(input);
        let module = parse_module_prefix(&mut s)?;
        if s.at_end() {
            return Err(s.err("a module address is not a resource address"));
        }
        let resource = parse_resource(&mut s)?;
        let key = s.key()?;
        if !s.at_end() {
            return Err(s.err("unexpected text after resource address"));
        }
        Ok(AbsResourceInstance {
            resource: AbsResource { module, resource },
            key,
        })
    }
}

/// What a `--target` or `state` command argument names: a module instance, a whole resource,
/// or one resource instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Targetable {
    Module(ModuleInstance),
    Resource(AbsResource),
    Instance(AbsResourceInstance),
}

impl FromStr for Targetable {
    type Err = ParseAddrError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let mut s = Scanner::new(input);
        let module = parse_module_prefix(&mut s)?;
        if s.at_end() {
            return Ok(Targetable::Module(module));
        }
        let resource = parse_resource(&mut s)?;
        let had_key = s.peek_is("[");
        let key = s.key()?;
        if !s.at_end() {
            return Err(s.err("unexpected text after resource address"));
        }
        let abs = AbsResource { module, resource };
        Ok(if had_key {
            Targetable::Instance(abs.instance(key))
        } else {
            Targetable::Resource(abs)
        })
    }
}

impl Targetable {
    /// Whether `inst` is (inside) what this target names.
    pub fn contains(&self, inst: &AbsResourceInstance) -> bool {
        match self {
            Targetable::Module(m) => module_contains(m, &inst.resource.module),
            Targetable::Resource(r) => &inst.resource == r,
            Targetable::Instance(i) => i == inst,
        }
    }
}

/// Whether module instance `inner` is `outer` or inside it; as Terraform's `TargetContains`, a
/// last step without a key (`module.a`) matches every instance of that call (`module.a[0]`).
fn module_contains(outer: &ModuleInstance, inner: &ModuleInstance) -> bool {
    if inner.0.len() < outer.0.len() {
        return false;
    }
    let last = outer.0.len().wrapping_sub(1);
    outer.0.iter().zip(&inner.0).enumerate().all(|(i, (o, n))| {
        o.name == n.name && (o.key == n.key || (i == last && o.key == InstanceKey::None))
    })
}

impl fmt::Display for Targetable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Targetable::Module(m) => write!(f, "{m}"),
            Targetable::Resource(r) => write!(f, "{r}"),
            Targetable::Instance(i) => write!(f, "{i}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for text in [
            "flink_job.etl",
            "flink_job.etl[0]",
            r#"flink_job.etl["orders"]"#,
            "data.flink_cluster.shared",
            "module.platform.azure_kubernetes_cluster.main",
            r#"module.a[1].module.b["x y"].azure_subnet.s[3]"#,
            r#"flink_job.etl["quo\"te"]"#,
        ] {
            let a: AbsResourceInstance = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
        let m: ModuleInstance = r#"module.a["k"].module.b"#.parse().unwrap();
        assert_eq!(m.to_string(), r#"module.a["k"].module.b"#);
    }

    #[test]
    fn rejects_bad_addresses() {
        for text in [
            "",
            "flink_job",
            "flink_job.",
            "1x.y",
            "a.b[",
            "a.b[-1]",
            "a.b[x]",
            "a.b.c",
            "module.",
            r#"a.b["x"#,
        ] {
            assert!(
                text.parse::<AbsResourceInstance>().is_err(),
                "{text:?} parsed"
            );
        }
    }

    #[test]
    fn targets_contain_instances() {
        let inst: AbsResourceInstance = r#"module.p.flink_job.etl["a"]"#.parse().unwrap();
        for (t, want) in [
            ("module.p", true),
            ("module.q", false),
            ("module.p.flink_job.etl", true),
            (r#"module.p.flink_job.etl["a"]"#, true),
            (r#"module.p.flink_job.etl["b"]"#, false),
            ("flink_job.etl", false),
        ] {
            assert_eq!(
                t.parse::<Targetable>().unwrap().contains(&inst),
                want,
                "{t}"
            );
        }
    }
}

#[cfg(test)]
mod module_target_tests {
    use super::*;

    #[test]
    fn keyless_module_targets_match_every_instance() {
        let inst: AbsResourceInstance = r#"module.a[1].module.b["x"].t.n"#.parse().unwrap();
        for (t, want) in [
            ("module.a", true),
            ("module.a[1]", true),
            ("module.a[0]", false),
            ("module.a[1].module.b", true),
            (r#"module.a[1].module.b["y"]"#, false),
            ("module.a.module.b", false),
        ] {
            assert_eq!(
                t.parse::<Targetable>().unwrap().contains(&inst),
                want,
                "{t}"
            );
        }
    }
}
