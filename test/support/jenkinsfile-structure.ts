// A structural reading of a declarative Jenkinsfile, for tests: nothing validates one offline (only a
// Jenkins server's pipeline-model-converter does), so this checks what can be checked here. It is NOT
// a Groovy parser: it knows comments, the four string forms ('..', "..", '''..''', """..""" with
// ${..} inside), brackets, and statements `name(args) { ... }` / `name args`, one per line (or `;`),
// continued across lines inside brackets, after a trailing operator or comma, or before a line
// starting with `.`. Slashy strings (/re/) and dollar-slashy strings are not recognised.

export class JenkinsfileStructureError extends Error {
  override name = 'JenkinsfileStructureError';
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
  }
}

type TokenType = 'ident' | 'string' | 'open' | 'close' | 'newline' | 'semicolon' | 'other';

interface Token {
  type: TokenType;
  /** Source text; for strings, the decoded value is in `value`. */
  raw: string;
  value: string;
  line: number;
  start: number;
  end: number;
}

export interface JenkinsNode {
  /** Leading dotted identifier (`pipeline`, `stage`, `sh`, `docker.image`), or the raw head when there is none. */
  name: string;
  /** Raw text inside the parentheses right after the name; else the rest of the statement head. */
  args: string;
  /** Decoded values of the string literals in the statement head (not in its block), in order. */
  strings: string[];
  /** The statements of its `{ ... }` block; undefined for a statement without one. */
  children?: JenkinsNode[];
  /** 1-based line of the statement's first token. */
  line: number;
  /** Raw source of the whole statement, block included. */
  source: string;
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const push = (type: TokenType, start: number, value: string, startLine: number) =>
    tokens.push({ type, raw: text.slice(start, i), value, line: startLine, start, end: i });

  // Reads a string starting at i (at its opening quote); returns the decoded value.
  const readString = (): string => {
    const startLine = line;
    const quote = text.startsWith("'''", i) ? "'''" : text.startsWith('"""', i) ? '"""' : text[i]!;
    const interpolating = quote.startsWith('"');
    const multiline = quote.length === 3;
    i += quote.length;
    let value = '';
    for (;;) {
      if (i >= text.length) throw new JenkinsfileStructureError(`unterminated string ${quote}`, startLine);
      if (text.startsWith(quote, i)) {
        i += quote.length;
        return value;
      }
      const ch = text[i]!;
      if (ch === '\n') {
        if (!multiline) throw new JenkinsfileStructureError(`string ${quote} not closed on its line`, startLine);
        line += 1;
      }
      if (ch === '\\') {
        const next = text[i + 1];
        if (next === undefined) throw new JenkinsfileStructureError('unterminated string', startLine);
        if (next === '\n') line += 1; // a line continuation: the newline is dropped
        else if (next === 'u') {
          value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        } else value += SIMPLE_ESCAPES[next] ?? next;
        i += 2;
        continue;
      }
      if (interpolating && ch === '$' && text[i + 1] === '{') {
        const start = i;
        i += 2;
        let depth = 1;
        while (depth > 0) {
          if (i >= text.length) throw new JenkinsfileStructureError('unterminated ${...} in a string', startLine);
          const c = text[i]!;
          if (c === "'" || c === '"') {
            readString();
            continue;
          }
          if (c === '{') depth += 1;
          else if (c === '}') depth -= 1;
          else if (c === '\n') line += 1;
          i += 1;
        }
        value += text.slice(start, i);
        continue;
      }
      value += ch;
      i += 1;
    }
  };

  while (i < text.length) {
    const ch = text[i]!;
    const start = i;
    const startLine = line;
    if (ch === '\n') {
      i += 1;
      push('newline', start, '\n', startLine);
      line += 1;
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      i += 1;
    } else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new JenkinsfileStructureError('unterminated /* comment', startLine);
      for (let j = i; j < end; j += 1) if (text[j] === '\n') line += 1;
      i = end + 2;
    } else if (ch === '\\' && text[i + 1] === '\n') {
      i += 2; // explicit line continuation
      line += 1;
    } else if (ch === "'" || ch === '"') {
      const value = readString();
      push('string', start, value, startLine);
    } else if (/[A-Za-z_$]/.test(ch)) {
      while (i < text.length && /[\w$]/.test(text[i]!)) i += 1;
      push('ident', start, text.slice(start, i), startLine);
    } else if (ch in OPEN) {
      i += 1;
      push('open', start, ch, startLine);
    } else if (ch === ')' || ch === ']' || ch === '}') {
      i += 1;
      push('close', start, ch, startLine);
    } else if (ch === ';') {
      i += 1;
      push('semicolon', start, ch, startLine);
    } else {
      i += 1;
      push('other', start, ch, startLine);
    }
  }
  return tokens;
}

/** Tokens that leave a statement open at the end of a line. */
const CONTINUES = new Set([',', '+', '-', '*', '=', '&', '|', '?', ':', '<', '>', '!', '.']);

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parseFile(): JenkinsNode[] {
    const nodes = this.parseStatements(undefined);
    return nodes;
  }

  /** Statements until the `}` closing `opener` (or the end of the file when there is no opener). */
  private parseStatements(opener: Token | undefined): JenkinsNode[] {
    const nodes: JenkinsNode[] = [];
    for (;;) {
      this.skipSeparators();
      const token = this.tokens[this.i];
      if (!token) {
        if (opener) throw new JenkinsfileStructureError('`{` never closed', opener.line);
        return nodes;
      }
      if (token.type === 'close') {
        if (token.raw !== '}' || !opener) throw new JenkinsfileStructureError(`unexpected \`${token.raw}\``, token.line);
        this.i += 1;
        return nodes;
      }
      nodes.push(this.parseStatement());
    }
  }

  private skipSeparators(): void {
    while (this.tokens[this.i]?.type === 'newline' || this.tokens[this.i]?.type === 'semicolon') this.i += 1;
  }

  private parseStatement(): JenkinsNode {
    const first = this.tokens[this.i]!;
    const head: Token[] = [];
    for (;;) {
      const token = this.tokens[this.i];
      if (!token || token.type === 'semicolon') break;
      if (token.type === 'close') break; // `}` ends the enclosing block; a stray `)` / `]` is reported there
      if (token.type === 'newline') {
        const last = head[head.length - 1];
        let j = this.i;
        while (this.tokens[j]?.type === 'newline') j += 1;
        const next = this.tokens[j];
        const arrow = last?.raw === '>' && head[head.length - 2]?.raw === '-'; // closure parameters `{ c ->`
        const continued = (last && !arrow && CONTINUES.has(last.raw)) || (next?.type === 'other' && next.raw === '.');
        if (!continued) break;
        this.i = j;
        continue;
      }
      if (token.type === 'open' && token.raw === '{') break;
      if (token.type === 'open') {
        head.push(...this.readBracketed());
        continue;
      }
      head.push(token);
      this.i += 1;
    }
    const node = this.describe(head, first);
    const brace = this.tokens[this.i];
    if (brace?.type === 'open' && brace.raw === '{') {
      this.i += 1;
      node.children = this.parseStatements(brace);
    }
    const endToken = this.tokens[this.i - 1] ?? first;
    node.source = this.text.slice(first.start, endToken.end);
    return node;
  }

  /** A bracketed group `( ... )` / `[ ... ]` (closures inside included), balanced, as flat tokens. */
  private readBracketed(): Token[] {
    const opener = this.tokens[this.i]!;
    const out: Token[] = [opener];
    const stack: Token[] = [opener];
    this.i += 1;
    while (stack.length > 0) {
      const token = this.tokens[this.i];
      if (!token) throw new JenkinsfileStructureError(`\`${stack[stack.length - 1]!.raw}\` never closed`, stack[stack.length - 1]!.line);
      if (token.type === 'open') stack.push(token);
      if (token.type === 'close') {
        const expected = OPEN[stack[stack.length - 1]!.raw];
        if (token.raw !== expected) {
          throw new JenkinsfileStructureError(`\`${token.raw}\` closes \`${stack[stack.length - 1]!.raw}\` of line ${stack[stack.length - 1]!.line}`, token.line);
        }
        stack.pop();
      }
      out.push(token);
      this.i += 1;
    }
    return out;
  }

  private describe(head: Token[], first: Token): JenkinsNode {
    let name = '';
    let k = 0;
    if (head[0]?.type === 'ident') {
      name = head[0].raw;
      k = 1;
      while (head[k]?.raw === '.' && head[k + 1]?.type === 'ident') {
        name += `.${head[k + 1]!.raw}`;
        k += 2;
      }
    }
    let args: string;
    const startOfArgs = head[k];
    if (name && startOfArgs?.type === 'open' && startOfArgs.raw === '(') {
      let depth = 0;
      let end = k;
      for (; end < head.length; end += 1) {
        if (head[end]!.type === 'open') depth += 1;
        if (head[end]!.type === 'close') depth -= 1;
        if (depth === 0) break;
      }
      args = this.text.slice(startOfArgs.end, head[end]!.start);
    } else {
      const rest = head.slice(k);
      args = rest.length ? this.text.slice(rest[0]!.start, rest[rest.length - 1]!.end) : '';
    }
    if (!name) name = head.length ? this.text.slice(head[0]!.start, head[head.length - 1]!.end) : '';
    return {
      name,
      args: args.trim(),
      strings: head.filter((t) => t.type === 'string').map((t) => t.value),
      line: first.line,
      source: '',
    };
  }
}

/** The statements of a Jenkinsfile as a tree; throws JenkinsfileStructureError on unbalanced brackets or strings. */
export function parseJenkinsfile(text: string): JenkinsNode {
  const children = new Parser(text, tokenize(text)).parseFile();
  return { name: '<file>', args: '', strings: [], children, line: 1, source: text };
}

// ---- queries and assertions (they throw with what was found instead, so a failing test says why) ----

/** Direct child statements named `name`. */
export function childrenNamed(node: JenkinsNode, name: string): JenkinsNode[] {
  return (node.children ?? []).filter((c) => c.name === name);
}

/** The one block at `path` below `node` (each step: a direct child block with that name). */
export function block(node: JenkinsNode, ...path: string[]): JenkinsNode {
  let current = node;
  for (const [index, name] of path.entries()) {
    const found = childrenNamed(current, name).filter((c) => c.children !== undefined);
    if (found.length !== 1) {
      const where = [current.name, ...path.slice(0, index)].join(' > ');
      const names = (current.children ?? []).map((c) => c.name).join(', ') || 'nothing';
      throw new JenkinsfileStructureError(`expected one \`${name} { }\` in ${where}, found ${found.length} (has: ${names})`, current.line);
    }
    current = found[0]!;
  }
  return current;
}

/** Whether `node` has a direct child statement named `name` (with or without a block). */
export function has(node: JenkinsNode, name: string): boolean {
  return childrenNamed(node, name).length > 0;
}

/** Every statement below `node` (depth first, in source order) that matches. */
export function findAll(node: JenkinsNode, predicate: (n: JenkinsNode) => boolean): JenkinsNode[] {
  const out: JenkinsNode[] = [];
  const walk = (n: JenkinsNode) => {
    for (const c of n.children ?? []) {
      if (predicate(c)) out.push(c);
      walk(c);
    }
  };
  walk(node);
  return out;
}

/** `stage('x') { }` blocks below `node`, nested ones included, in source order. */
export function allStages(node: JenkinsNode): JenkinsNode[] {
  return findAll(node, (n) => n.name === 'stage' && n.children !== undefined);
}

export function stageName(stage: JenkinsNode): string {
  const name = stage.strings[0];
  if (name === undefined) throw new JenkinsfileStructureError('stage without a string name', stage.line);
  return name;
}

/** The stage named `name`, exactly once. */
export function stage(root: JenkinsNode, name: string): JenkinsNode {
  const found = allStages(root).filter((s) => stageName(s) === name);
  if (found.length !== 1) {
    const names = allStages(root).map(stageName).join(', ');
    throw new JenkinsfileStructureError(`expected one stage '${name}', found ${found.length} (stages: ${names})`, root.line);
  }
  return found[0]!;
}

/** Stages that run steps (not the parents of nested `stages`), in order. */
export function leafStageNames(root: JenkinsNode): string[] {
  return allStages(root).filter((s) => !has(s, 'stages')).map(stageName);
}

/** The string values of the `sh` steps below `node`. */
export function shellScripts(node: JenkinsNode): string[] {
  return findAll(node, (n) => n.name === 'sh').flatMap((n) => n.strings);
}

/** `key: value` in a statement's args (`timeout(time: 2, unit: 'HOURS')` -> time = "2", unit = "'HOURS'"). */
export function namedArg(node: JenkinsNode, key: string): string | undefined {
  return new RegExp(`(?:^|[(,\\s])${key}\\s*:\\s*([^,)]+)`).exec(node.args)?.[1]?.trim();
}
