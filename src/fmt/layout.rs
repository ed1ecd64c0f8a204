//! Line-based layout of a token stream, as hclwrite's `format.go` does it: indent each line by
//! bracket nesting, normalise the spaces between tokens within a line, then align the `=` of
//! consecutive attribute lines and the trailing comments of consecutive lines.

use super::lexer::{Kind, Token};

struct Placed<'a> {
    token: Token<'a>,
    /// Spaces written before the token (the indentation, for a line's first token).
    spaces: usize,
}

/// One line: its tokens without the line ending, split into hclwrite's three cells:
/// `lead`, then (from `assign`) an `=` with the whole expression it assigns, then (from
/// `comment`) a trailing line comment.
struct Line<'a> {
    tokens: Vec<Placed<'a>>,
    assign: Option<usize>,
    comment: Option<usize>,
}

impl Line<'_> {
    fn code_end(&self) -> usize {
        self.comment.unwrap_or(self.tokens.len())
    }
    fn lead_end(&self) -> usize {
        self.assign.unwrap_or_else(|| self.code_end())
    }
}

/// Lays out `tokens` (which include the newlines) as canonical source text.
pub(crate) fn layout(tokens: &[Token<'_>]) -> String {
    let mut lines = split_lines(tokens);
    indent(&mut lines);
    space(&mut lines);
    align(&mut lines);
    render(&lines)
}

fn split_lines<'a>(tokens: &[Token<'a>]) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let mut current: Vec<Placed<'a>> = Vec::new();
    // Brackets open across lines, to know whether a line starts directly inside braces.
    let mut open: Vec<Kind> = Vec::new();
    let mut in_braces = false;
    for token in tokens {
        if token.kind == Kind::Newline {
            lines.push(classify(std::mem::take(&mut current), in_braces));
            in_braces = open.last() == Some(&Kind::OBrace);
            continue;
        }
        match token.kind.bracket_change() {
            1 => open.push(token.kind),
            -1 => {
                open.pop();
            }
            _ => {}
        }
        current.push(Placed {
            token: *token,
            spaces: 0,
        });
    }
    if !current.is_empty() {
        lines.push(classify(current, in_braces));
    }
    lines
}

fn net_brackets(tokens: &[Placed<'_>]) -> i32 {
    tokens.iter().map(|t| t.token.kind.bracket_change()).sum()
}

/// Finds the line's trailing comment and assignment cells. `in_braces` says the line starts
/// directly inside `{`: there (object constructors) a `key: value` item is aligned like `=`.
fn classify(tokens: Vec<Placed<'_>>, in_braces: bool) -> Line<'_> {
    let mut line = Line {
        tokens,
        assign: None,
        comment: None,
    };
    let len = line.tokens.len();
    if len > 1 && line.tokens[len - 1].token.kind == Kind::LineComment {
        line.comment = Some(len - 1);
    }
    let code = &line.tokens[..line.code_end()];
    // A `for` expression's `:` and a conditional's `:` are not item separators.
    let colon_items = in_braces
        && code
            .first()
            .is_some_and(|t| !(t.token.kind == Kind::Ident && t.token.text == "for"));
    let mut depth = 0;
    let mut conditional = false;
    for (i, placed) in code.iter().enumerate() {
        let kind = placed.token.kind;
        let separator = kind == Kind::Equal
            || (kind == Kind::Colon && colon_items && depth == 0 && !conditional);
        if i > 0 && separator {
            // Only a complete expression after the `=` makes an assignment cell; an opening
            // bracket left unclosed starts a multi-line expression instead.
            if net_brackets(&code[i..]) == 0 {
                line.assign = Some(i);
            }
            break;
        }
        depth += kind.bracket_change();
        conditional |= kind == Kind::Question && depth == 0;
    }
    line
}

/// Indents each line two spaces per level, a level being a line that opened brackets
/// (however many) and left them open.
fn indent(lines: &mut [Line<'_>]) {
    let mut levels: Vec<i32> = Vec::new();
    for line in lines.iter_mut() {
        if line.tokens.is_empty() {
            continue;
        }
        let net = net_brackets(&line.tokens[..line.code_end()]);
        if net < 0 {
            let mut closed = -net;
            while closed > 0 {
                let Some(last) = levels.last_mut() else { break };
                if closed < *last {
                    *last -= closed;
                    closed = 0;
                } else {
                    closed -= *last;
                    levels.pop();
                }
            }
        }
        line.tokens[0].spaces = 2 * levels.len();
        if net > 0 {
            levels.push(net);
        }
    }
}

/// Sets the spaces between neighbouring tokens within the lead cell and within the assign cell.
fn space(lines: &mut [Line<'_>]) {
    for line in lines.iter_mut() {
        let (lead_end, code_end) = (line.lead_end(), line.code_end());
        for cell in [0..lead_end, lead_end..code_end] {
            for i in cell.start + 1..cell.end {
                let before = (i >= cell.start + 2).then(|| line.tokens[i - 2].token);
                let spaced = space_after(
                    &line.tokens[i - 1].token,
                    before.as_ref(),
                    &line.tokens[i].token,
                );
                line.tokens[i].spaces = usize::from(spaced);
            }
        }
        if let Some(assign) = line.assign {
            line.tokens[assign].spaces = 1;
        }
    }
}

/// Whether `subject` is followed by a space when `after` comes next; `before` precedes
/// `subject` in the same cell. This is hclwrite's `spaceAfterToken`.
fn space_after(subject: &Token<'_>, before: Option<&Token<'_>>, after: &Token<'_>) -> bool {
    use Kind::*;
    let (s, a) = (subject.kind, after.kind);
    match () {
        _ if a == Newline => false,
        _ if s == Ident && a == OParen => false,
        _ if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) => false,
        _ if s == Dot || a == Dot => false,
        _ if a == Comma || a == Ellipsis => false,
        _ if s == Comma => true,
        _ if matches!(s, QuotedLit | OQuote) || matches!(a, QuotedLit | CQuote) => false,
        // `for x in [a, b]`: `in` is the keyword here, not a reference being indexed.
        _ if s == Ident && subject.text == "in" && before.is_some_and(|b| b.kind == Ident) => true,
        _ if a == OBrack && (s == Ident || s == Number || s.bracket_change() < 0) => false,
        _ if s == Bang => false,
        // A minus after something that cannot end an operand is a negation.
        _ if s == Minus => !matches!(
            before.map(|b| b.kind),
            None | Some(
                OParen
                    | OBrace
                    | OBrack
                    | Equal
                    | Colon
                    | Comma
                    | Question
                    | Plus
                    | Star
                    | Slash
                    | Percent
                    | Minus
                    | EqualOp
                    | NotEqual
                    | Gt
                    | Gte
                    | Lt
                    | Lte
                    | And
                    | Or
                    | Bang
                    | FatArrow
                    | TemplateInterp
                    | TemplateControl
            )
        ),
        // Braces have spaces inside, `{}` excepted.
        _ if s == OBrace || a == CBrace => !(s == OBrace && a == CBrace),
        _ if matches!(s, TemplateInterp | TemplateControl) && a == OBrace => true,
        _ if s == CBrace && a == TemplateSeqEnd => true,
        _ if s == TemplateSeqEnd && matches!(a, TemplateInterp | TemplateControl) => false,
        _ if s.bracket_change() > 0 => false,
        _ if a.bracket_change() < 0 => false,
        _ => true,
    }
}

/// Display width of a run of placed tokens, counted from the last line break within them.
fn columns(tokens: &[Placed<'_>]) -> usize {
    tokens
        .iter()
        .fold(0, |col, placed| match placed.token.text.rfind('\n') {
            Some(nl) => placed.token.text[nl + 1..].chars().count(),
            None => col + placed.spaces + placed.token.text.chars().count(),
        })
}

/// Aligns the assign cells, then the comment cells, of each run of consecutive lines having one.
fn align(lines: &mut [Line<'_>]) {
    let mut start = 0;
    while start < lines.len() {
        let run = lines[start..]
            .iter()
            .take_while(|l| l.assign.is_some())
            .count();
        if run == 0 {
            start += 1;
            continue;
        }
        let chain = &mut lines[start..start + run];
        let widest = chain
            .iter()
            .map(|l| columns(&l.tokens[..l.lead_end()]))
            .max()
            .unwrap_or(0);
        for line in chain.iter_mut() {
            let width = columns(&line.tokens[..line.lead_end()]);
            if let Some(assign) = line.assign {
                line.tokens[assign].spaces = widest - width + 1;
            }
        }
        start += run;
    }
    let mut start = 0;
    while start < lines.len() {
        let run = lines[start..]
            .iter()
            .take_while(|l| l.comment.is_some())
            .count();
        if run == 0 {
            start += 1;
            continue;
        }
        let chain = &mut lines[start..start + run];
        let widest = chain
            .iter()
            .map(|l| columns(&l.tokens[..l.code_end()]))
            .max()
            .unwrap_or(0);
        for line in chain.iter_mut() {
            let width = columns(&line.tokens[..line.code_end()]);
            if let Some(comment) = line.comment {
                line.tokens[comment].spaces = widest - width + 1;
            }
        }
        start += run;
    }
}

/// Writes the lines out: one blank line at most between lines, none at the start or end,
/// one newline after the last line.
fn render(lines: &[Line<'_>]) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        if line.tokens.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
            blank = false;
        }
        for placed in &line.tokens {
            out.extend(std::iter::repeat_n(' ', placed.spaces));
            out.push_str(placed.token.text);
        }
        out.push('\n');
    }
    out
}
