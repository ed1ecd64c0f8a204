//! Templates: quoted strings with interpolations, heredocs, `templatefile` content.
//!
//! HCL processes a template as a flat sequence of tokens before building its tree: strip
//! markers (`${~`, `~}`) trim whitespace of the *adjacent* literal token, then `<<-` heredocs
//! drop the common leading whitespace of their lines, then adjacent literals are joined. In
//! heredocs and template files each line is its own literal token, so a strip marker there
//! only reaches to the end of its line. hcl-edit keeps the tree and the strip flags but
//! applies neither rule the same way, so we rebuild HCL's token sequence from its tree (and,
//! for `<<-`, from the source text, since hcl-edit has already dedented the literals by a
//! different rule) and follow HCL from there.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use hcl_edit::expr::Expression;
use hcl_edit::template::{Directive, Element, ForDirective, IfDirective, Strip, Template};
use hcl_edit::Span;

use super::call::template_failure;
use super::{hcl_range, Arms, Evaluator, ForBody, ForSpec, Frame, Res, Roots};
use crate::diagnostics::{Diagnostics, SourceFile};
use crate::lang::convert::convert;
use crate::lang::functions::{self, FuncContext, FuncError};
use crate::lang::refs::walk_template_traversals;
use crate::lang::value::is_identifier;
use crate::lang::{Type, Value, ValueKind};
use std::cell::Cell;

/// Where a template comes from, which decides how its literals are tokenized.
#[derive(Clone, Copy)]
pub(super) enum Source {
    /// A quoted string: one literal token between interpolations and directives.
    Quoted,
    /// A heredoc: one literal token per line; `flush` for `<<-`.
    Heredoc { flush: bool },
    /// A template file: one literal token per line.
    Bare,
}

/// A template part after HCL's token processing.
pub(super) enum Part<'e> {
    Lit(String),
    Interp(&'e Expression),
    If {
        dir: &'e IfDirective,
        then: Vec<Part<'e>>,
        els: Vec<Part<'e>>,
    },
    For {
        dir: &'e ForDirective,
        body: Vec<Part<'e>>,
    },
}

enum Tok<'e> {
    Lit(String),
    Interp(&'e Expression, Strip),
    If(&'e IfDirective),
    Else(Strip),
    EndIf(Strip),
    For(&'e ForDirective),
    EndFor(Strip),
}

impl Tok<'_> {
    fn strip(&self) -> Strip {
        match self {
            Tok::Lit(_) => Strip::None,
            Tok::Interp(_, s) | Tok::Else(s) | Tok::EndIf(s) | Tok::EndFor(s) => *s,
            Tok::If(d) => d.if_expr.strip,
            Tok::For(d) => d.for_expr.strip,
        }
    }
}

/// A template ready to evaluate.
enum Prepared<'e> {
    /// `"${expr}"` alone: the expression's value as it is, not converted to a string.
    Passthrough(&'e Expression),
    Parts(Vec<Part<'e>>),
}

fn prepare<'e>(template: &'e Template, source: Source, file: &SourceFile) -> Prepared<'e> {
    let (split_lines, mut flush) = match source {
        Source::Quoted => (false, false),
        Source::Heredoc { flush } => (true, flush),
        Source::Bare => (true, false),
    };
    let mut toks = Vec::new();
    if flush && !flatten(template, split_lines, Some(&file.text), &mut toks) {
        // Without the source text, keep hcl-edit's own dedent.
        toks.clear();
        flush = false;
    }
    if toks.is_empty() {
        flatten(template, split_lines, None, &mut toks);
    }
    apply_strip_markers(&mut toks);
    if flush {
        flush_heredoc(&mut toks);
    }
    let toks = meld_literals(toks);
    if let [Tok::Interp(expr, _)] = toks.as_slice() {
        return Prepared::Passthrough(expr);
    }
    Prepared::Parts(build(toks))
}

/// Flattens the template into tokens. With `raw` (the source text), literals are read from
/// their source spans rather than hcl-edit's values; returns false if one cannot be.
fn flatten<'e>(
    template: &'e Template,
    split_lines: bool,
    raw: Option<&str>,
    out: &mut Vec<Tok<'e>>,
) -> bool {
    for element in template.iter() {
        match element {
            Element::Literal(lit) => {
                let text = match raw {
                    Some(text) => match lit.span().and_then(|s| text.get(s)) {
                        Some(source) => unescape_heredoc(source),
                        None => return false,
                    },
                    None => lit.value().clone(),
                };
                if split_lines {
                    out.extend(
                        text.split_inclusive('\n')
                            .map(|line| Tok::Lit(line.to_string())),
                    );
                } else {
                    out.push(Tok::Lit(text));
                }
            }
            Element::Interpolation(i) => out.push(Tok::Interp(&i.expr, i.strip)),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    out.push(Tok::If(d));
                    if !flatten(&d.if_expr.template, split_lines, raw, out) {
                        return false;
                    }
                    if let Some(e) = &d.else_expr {
                        out.push(Tok::Else(e.strip));
                        if !flatten(&e.template, split_lines, raw, out) {
                            return false;
                        }
                    }
                    out.push(Tok::EndIf(d.endif_expr.strip));
                }
                Directive::For(d) => {
                    out.push(Tok::For(d));
                    if !flatten(&d.for_expr.template, split_lines, raw, out) {
                        return false;
                    }
                    out.push(Tok::EndFor(d.endfor_expr.strip));
                }
            },
        }
    }
    true
}

/// Heredoc source text as a literal value: only `$${` and `%%{` are escapes there.
fn unescape_heredoc(source: &str) -> String {
    source.replace("$${", "${").replace("%%{", "%{")
}

/// `${~` / `%{~` trim trailing whitespace off the literal token just before; `~}` trims
/// leading whitespace off the literal token just after.
fn apply_strip_markers(toks: &mut [Tok<'_>]) {
    let mut trim_next = false;
    let mut prev_is_literal = false;
    for i in 0..toks.len() {
        let trim_this = std::mem::take(&mut trim_next);
        let can_trim_prev = std::mem::take(&mut prev_is_literal);
        let strip = toks[i].strip();
        if let Tok::Lit(s) = &mut toks[i] {
            if trim_this {
                *s = s.trim_start().to_string();
            }
            prev_is_literal = true;
            continue;
        }
        if can_trim_prev && strip.strip_start() {
            if let Some(Tok::Lit(prev)) = i.checked_sub(1).and_then(|p| toks.get_mut(p)) {
                prev.truncate(prev.trim_end().len());
            }
        }
        trim_next = strip.strip_end();
    }
}

/// The `<<-` rule: remove from each line-leading literal the smallest count of leading
/// whitespace characters over all lines, not counting blank lines (which are left alone). A
/// line starting with an interpolation or directive counts as zero.
fn flush_heredoc(toks: &mut [Tok<'_>]) {
    let mut min = usize::MAX;
    let mut at_line_start = true;
    let mut adjust = Vec::new();
    for (i, tok) in toks.iter().enumerate() {
        if at_line_start {
            at_line_start = false;
            let spaces = match tok {
                Tok::Lit(s) => {
                    let rest = s.trim_start();
                    if rest.is_empty() && s.ends_with('\n') {
                        usize::MAX
                    } else {
                        adjust.push(i);
                        s[..s.len() - rest.len()].chars().count()
                    }
                }
                _ => 0,
            };
            min = min.min(spaces);
        }
        if let Tok::Lit(s) = tok {
            at_line_start = s.ends_with('\n');
        }
    }
    if min == 0 || min == usize::MAX {
        return;
    }
    for i in adjust {
        if let Some(Tok::Lit(s)) = toks.get_mut(i) {
            let cut = s.char_indices().nth(min).map(|(b, _)| b).unwrap_or(s.len());
            s.drain(..cut);
        }
    }
}

fn meld_literals(toks: Vec<Tok<'_>>) -> Vec<Tok<'_>> {
    let mut out: Vec<Tok<'_>> = Vec::with_capacity(toks.len());
    for tok in toks {
        match (out.last_mut(), tok) {
            (Some(Tok::Lit(prev)), Tok::Lit(s)) => prev.push_str(&s),
            (_, tok) => out.push(tok),
        }
    }
    out
}

/// Builds the tree of parts from balanced tokens.
fn build(toks: Vec<Tok<'_>>) -> Vec<Part<'_>> {
    enum Open<'e> {
        If {
            dir: &'e IfDirective,
            then: Vec<Part<'e>>,
            els: Option<Vec<Part<'e>>>,
        },
        For {
            dir: &'e ForDirective,
            body: Vec<Part<'e>>,
        },
    }
    fn current<'a, 'e>(
        stack: &'a mut [Open<'e>],
        root: &'a mut Vec<Part<'e>>,
    ) -> &'a mut Vec<Part<'e>> {
        match stack.last_mut() {
            Some(Open::If { els: Some(els), .. }) => els,
            Some(Open::If { then, .. }) => then,
            Some(Open::For { body, .. }) => body,
            None => root,
        }
    }
    fn close<'e>(open: Open<'e>) -> Part<'e> {
        match open {
            Open::If { dir, then, els } => Part::If {
                dir,
                then,
                els: els.unwrap_or_default(),
            },
            Open::For { dir, body } => Part::For { dir, body },
        }
    }
    let mut root = Vec::new();
    let mut stack: Vec<Open<'_>> = Vec::new();
    for tok in toks {
        match tok {
            Tok::Lit(s) => current(&mut stack, &mut root).push(Part::Lit(s)),
            Tok::Interp(e, _) => current(&mut stack, &mut root).push(Part::Interp(e)),
            Tok::If(dir) => stack.push(Open::If {
                dir,
                then: Vec::new(),
                els: None,
            }),
            Tok::Else(_) => {
                if let Some(Open::If { els, .. }) = stack.last_mut() {
                    *els = Some(Vec::new());
                }
            }
            Tok::For(dir) => stack.push(Open::For {
                dir,
                body: Vec::new(),
            }),
            Tok::EndIf(_) | Tok::EndFor(_) => {
                if let Some(open) = stack.pop() {
                    let part = close(open);
                    current(&mut stack, &mut root).push(part);
                }
            }
        }
    }
    // hcl-edit's tree is balanced, so nothing is left open; close defensively anyway.
    while let Some(open) = stack.pop() {
        let part = close(open);
        current(&mut stack, &mut root).push(part);
    }
    root
}

impl Evaluator<'_> {
    pub(super) fn template(
        &self,
        template: &Template,
        source: Source,
        frames: Option<&Frame<'_>>,
    ) -> Res {
        match prepare(template, source, self.file) {
            Prepared::Passthrough(expr) => self.eval(expr, frames),
            Prepared::Parts(parts) => self.eval_parts(&parts, frames),
        }
    }

    /// Renders parts to a string, as HCL's `TemplateExpr`: null and non-string-convertible
    /// values are errors, an unknown part makes the result unknown, marks flow to the result.
    pub(super) fn eval_parts(&self, parts: &[Part<'_>], frames: Option<&Frame<'_>>) -> Res {
        let mut out = String::new();
        let mut known = true;
        let mut sensitive = false;
        let mut diags = Diagnostics::new();
        for part in parts {
            let (value, span) = match part {
                Part::Lit(s) => {
                    if known && diags.is_empty() {
                        out.push_str(s);
                    }
                    continue;
                }
                Part::Interp(e) => (self.eval(e, frames), e.span()),
                Part::If { dir, then, els } => {
                    let span = dir.span();
                    let value = self.nested(span.clone(), || {
                        let arms = Arms {
                            t: self.eval_parts(then, frames),
                            f: self.eval_parts(els, frames),
                            t_span: span.clone(),
                            f_span: span.clone(),
                        };
                        self.conditional(&dir.if_expr.cond_expr, arms, frames)
                    });
                    (value, span)
                }
                Part::For { dir, body } => {
                    let span = dir.span();
                    (
                        self.nested(span.clone(), || self.template_for(dir, body, frames)),
                        span,
                    )
                }
            };
            let Some(value) = diags.take(value) else {
                continue;
            };
            if value.is_null() {
                diags.extend(self.error(
                    "Invalid template interpolation value",
                    "The expression result is null. Cannot include a null value in a string template.",
                    span,
                ));
                continue;
            }
            let (value, marked) = value.unmark();
            sensitive |= marked;
            if !value.is_known() {
                known = false;
                continue;
            }
            match convert(value, &Type::String) {
                Ok(s) => {
                    if known && diags.is_empty() {
                        out.push_str(s.as_str().unwrap_or_default());
                    }
                }
                Err(e) => diags.extend(self.error(
                    "Invalid template interpolation value",
                    format!(
                        "Cannot include the given value in a string template: {}.",
                        e.message
                    ),
                    span,
                )),
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let result = if known {
            Value::string(out)
        } else {
            Value::unknown(Type::String)
        };
        Ok(result.mark_sensitive_if(sensitive))
    }

    /// `%{ for k, v in coll }body%{ endfor }`: the body rendered for each element, joined.
    fn template_for(
        &self,
        dir: &ForDirective,
        body: &[Part<'_>],
        frames: Option<&Frame<'_>>,
    ) -> Res {
        let f = &dir.for_expr;
        let spec = ForSpec {
            key_var: f.key_var.as_ref().map(|k| k.as_str()),
            value_var: f.value_var.as_str(),
            coll: &f.collection_expr,
            key: None,
            value: ForBody::Template(body),
            cond: None,
            grouping: false,
        };
        let tuple = self.for_expr(&spec, frames)?;
        // As HCL's TemplateJoinExpr, an unknown collection gives an unknown string.
        if !tuple.is_known() {
            return Ok(Value::unknown(Type::String));
        }
        let (tuple, mut sensitive) = tuple.unmark();
        let mut out = String::new();
        let mut diags = Diagnostics::new();
        for item in tuple.as_seq().unwrap_or_default() {
            if item.is_null() {
                diags.extend(self.error(
                    "Invalid template interpolation value",
                    "An iteration result is null. Cannot include a null value in a string template.",
                    dir.span(),
                ));
                continue;
            }
            if !item.is_known() {
                return Ok(Value::unknown(Type::String).mark_sensitive_if(sensitive));
            }
            sensitive |= item.is_sensitive();
            out.push_str(item.as_str().unwrap_or_default());
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        Ok(Value::string(out).mark_sensitive_if(sensitive))
    }
}

/// `templatefile(path, vars)`: renders the template file at `path` (relative to the working
/// directory) with only `vars` in scope.
pub fn templatefile(args: Vec<Value>, ctx: &FuncContext) -> Result<Value, FuncError> {
    let got = args.len();
    let [path, vars]: [Value; 2] = args.try_into().map_err(|_| FuncError::Arity {
        name: "templatefile".into(),
        expected: "2".into(),
        got,
    })?;
    if !path.is_known() || !vars.is_known() {
        return Ok(Value::unknown(Type::Dynamic));
    }
    // Read through `file`, for the same path rules and errors (its argument 0 is ours too).
    let text = functions::call("file", vec![path.clone()], ctx)?;
    let (path, path_sensitive) = path.unmark();
    let path = path.as_str().unwrap_or_default().to_string();
    let text = text.unmark().0.as_str().unwrap_or_default().to_string();

    if vars.is_null() {
        return Err(FuncError::Arg {
            arg: 1,
            message: "argument must not be null".into(),
        });
    }
    let (vars, vars_sensitive) = vars.unmark();
    let vars = match vars.into_kind() {
        ValueKind::Map(m) | ValueKind::Object(m) => m,
        _ => {
            return Err(FuncError::Arg {
                arg: 1,
                message: "invalid vars value: must be a map".into(),
            })
        }
    };
    if let Some(bad) = vars.keys().find(|k| !is_identifier(k)) {
        return Err(FuncError::Arg {
            arg: 1,
            message: format!(
                "invalid template variable name \"{bad}\": must start with a letter, followed by zero or more \
                 letters, digits, and underscores"
            ),
        });
    }

    let template = hcl_edit::parser::parse_template(&text).map_err(|e| {
        let loc = e.location();
        FuncError::Other(format!(
            "{path}:{},{}-{}: Invalid template; {}",
            loc.line(),
            loc.column(),
            loc.column() + 1,
            e.message()
        ))
    })?;
    let file = SourceFile::new(path.as_str(), text.clone());
    check_template_vars(&template, &vars, &file)?;

    let evaluator = Evaluator {
        file: &file,
        roots: Roots::Vars(&vars),
        ctx,
        depth: Cell::new(0),
    };
    let value = evaluator
        .template(&template, Source::Bare, None)
        .map_err(|d| template_failure(&d))?;
    Ok(value.mark_sensitive_if(path_sensitive || vars_sensitive))
}

/// Every variable the template refers to must be in `vars`, reported as Terraform does.
fn check_template_vars(
    template: &Template,
    vars: &BTreeMap<String, Value>,
    file: &Arc<SourceFile>,
) -> Result<(), FuncError> {
    let mut missing: Option<(String, Range<usize>)> = None;
    walk_template_traversals(template, &mut Vec::new(), &mut |root, _| {
        if missing.is_none() && !vars.contains_key(root.as_str()) {
            missing = Some((root.as_str().to_string(), root.span().unwrap_or(0..0)));
        }
    });
    match missing {
        None => Ok(()),
        Some((name, span)) => Err(FuncError::Arg {
            arg: 1,
            message: format!(
                "vars map does not contain key \"{name}\", referenced at {}",
                hcl_range(&file.range(span))
            ),
        }),
    }
}
