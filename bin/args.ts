import { parseArgs } from 'node:util';
import { CHOICES, UserInputError, type ChoiceKey } from '../generators/shared/choices.js';
import { PACKAGE_MANAGERS } from '../generators/shared/package-managers.js';

export interface CreateArgs {
  directory?: string;
  choices: Partial<Record<ChoiceKey, string>>;
  service?: string;
  packageManager?: string;
  yes: boolean;
  install: boolean;
  git: boolean;
  dryRun: boolean;
  help: boolean;
  version: boolean;
}

const STRING_FLAGS = [...CHOICES.map((c) => c.key), 'service', 'package-manager'];
const BOOLEAN_FLAGS = ['yes', 'install', 'git', 'dry-run', 'help', 'version'];
const ALIASES: Record<string, string[]> = { yes: ['y'], help: ['h'], version: ['v'] };

export function helpText(bin: string): string {
  const choiceLines = CHOICES.map(
    (c) => `  --${c.key.padEnd(10)} ${c.values.join('|').padEnd(16)} default: ${c.default}`,
  );
  return `Usage: ${bin} [directory] [options]

Create a backend monorepo: services, CI pipeline, lint rules, answers file.
The directory's last segment is the project name (a valid npm package name);
"." is the current directory (empty, or holding only .git), named after it.

Stack:
${choiceLines.join('\n')}
  --service    <name>           first service, kebab-case (default: api)

Options:
      --package-manager ${PACKAGE_MANAGERS.join('|')}
                     install with and write the repo for it (default: the one
                     that ran create, e.g. pnpm for \`pnpm create\`; else npm)
  -y, --yes          take the defaults for every unanswered question; never prompt
      --no-install   do not install dependencies
      --no-git       do not create a git repository and first commit
      --dry-run      print the files that would be written, write nothing
  -h, --help         show this help
  -v, --version      show the version

Each option is given once: a repeated value option, or a switch given both
ways (--git --no-git), is an error.

Example:
  ${bin} my-app --rpc grpc --discovery etcd --db mysql --ci gitlab --service orders
`;
}

export interface FlagSpec {
  string: readonly string[];
  boolean: readonly string[];
  aliases: Record<string, string[]>;
  defaults?: Record<string, boolean>;
}

const CREATE_FLAGS: FlagSpec = { string: STRING_FLAGS, boolean: BOOLEAN_FLAGS, aliases: ALIASES, defaults: { install: true, git: true } };

/** The flags given, by name and by camelCase name (`dry-run`, `dryRun`), and the positionals (`_`). */
export interface ParsedFlags {
  _: string[];
  [flag: string]: unknown;
}

/**
 * Node's own parser (util.parseArgs, part of Node's start) with what both bins need: unknown options refused,
 * values kept as typed (strings), no switch given both ways, `--switch=false` read as `--no-switch`.
 */
export function parseStrict(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const shortOf = (flag: string) => spec.aliases[flag]?.find((alias) => alias.length === 1);
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string; default?: boolean }> = {};
  for (const flag of spec.string) options[flag] = { type: 'string', multiple: true };
  for (const flag of spec.boolean) {
    const [short, fallback] = [shortOf(flag), spec.defaults?.[flag]];
    options[flag] = { type: 'boolean', ...(short && { short }), ...(fallback !== undefined && { default: fallback }) };
  }
  const { values, positionals, tokens } = parseArgs({
    args: withSwitchValuesAsNegation(argv, spec.boolean), options, allowPositionals: true, allowNegative: true, strict: false, tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = options[token.name];
    // Only a switch has a --no- form.
    if (!option || (option.type === 'string' && token.rawName === `--no-${token.name}`)) throw new UserInputError(`Unknown option ${token.rawName}. Run with --help to see the options.`);
    if (option.type === 'string' && (typeof token.value !== 'string' || (!token.inlineValue && token.value.startsWith('-')))) {
      throw new UserInputError(`${token.rawName} needs a value: pass ${token.rawName} <value> (or ${token.rawName}=<value>).`);
    }
  }
  assertNoConflictingSwitches(argv, spec);
  const parsed: ParsedFlags = { _: positionals };
  for (const [flag, value] of Object.entries(values)) {
    const given = Array.isArray(value) && value.length === 1 ? value[0] : value;
    parsed[flag] = given;
    parsed[camelCase(flag)] = given;
  }
  return parsed;
}

/** A token that may be a switch (`-y`, `--git`, `--no-git`, `--git=false`): its name and the value it gives. */
function switchToken(token: string): { name: string; long: boolean; negated: boolean; inline: boolean; value: boolean } | undefined {
  const match = /^(--?)(no-)?([a-z][a-z-]*)(?:=(.*))?$/i.exec(token);
  if (!match) return undefined;
  const [, dashes, negated, name, explicit] = match;
  return { name: name!, long: dashes === '--', negated: Boolean(negated), inline: explicit !== undefined, value: ((explicit ?? 'true') !== 'false') !== Boolean(negated) };
}

/** `--git=false` as `--no-git`, `--git=true` as `--git`: util.parseArgs takes no value for a switch. */
function withSwitchValuesAsNegation(argv: readonly string[], switches: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((token, index) => {
    const given = switchToken(token);
    if (!given?.long || !given.inline || (end !== -1 && index > end) || !switches.includes(given.name)) return token;
    return given.value ? `--${given.name}` : `--no-${given.name}`;
  });
}

const camelCase = (flag: string) => flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

export function parseCreateArgs(argv: readonly string[]): CreateArgs {
  const parsed = parseStrict(argv, CREATE_FLAGS);
  const positionals = parsed._.map(String);
  if (positionals.length > 1) {
    throw new UserInputError(
      `Expected one directory, got ${positionals.length} (${positionals.join(', ')}). Quote a path that contains spaces.`,
    );
  }
  const choices: CreateArgs['choices'] = {};
  for (const { key } of CHOICES) {
    const value = onlyValue(key, parsed[key]);
    if (value !== undefined) choices[key] = value;
  }
  return {
    directory: positionals[0],
    choices,
    service: onlyValue('service', parsed.service),
    packageManager: onlyValue('package-manager', parsed['package-manager']),
    yes: Boolean(parsed.yes),
    install: Boolean(parsed.install),
    git: Boolean(parsed.git),
    dryRun: Boolean(parsed['dry-run']),
    help: Boolean(parsed.help),
    version: Boolean(parsed.version),
  };
}

/** A value option given twice is an error, even with the same value: we never guess which one was meant. */
export function onlyValue(flag: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    throw new UserInputError(`--${flag} was given ${times(value.length)} (${value.map(String).join(', ')}): pass it once.`);
  }
  return String(value).trim();
}

/**
 * util.parseArgs keeps the last of `--git --no-git`; a switch given both ways is an error instead.
 * The same switch twice (`-y --yes`) means the same thing and is accepted.
 */
function assertNoConflictingSwitches(argv: readonly string[], spec: FlagSpec): void {
  const switchNames = new Map<string, string>([
    ...spec.boolean.map((flag) => [flag, flag] as const),
    ...Object.entries(spec.aliases).flatMap(([flag, aliases]) => aliases.map((alias) => [alias, flag] as const)),
  ]);
  const given = new Map<string, { spellings: string[]; values: Set<boolean> }>();
  const end = argv.indexOf('--');
  for (const token of end === -1 ? argv : argv.slice(0, end)) {
    const spelled = switchToken(token);
    if (!spelled) continue;
    const flag = switchNames.get(spelled.name);
    if (!flag || (spelled.long ? spelled.name.length === 1 : spelled.name.length > 1 || spelled.negated)) continue;
    const entry = given.get(flag) ?? { spellings: [], values: new Set<boolean>() };
    entry.spellings.push(token);
    entry.values.add(spelled.value);
    given.set(flag, entry);
  }
  for (const [flag, { spellings, values }] of given) {
    if (values.size > 1) {
      throw new UserInputError(`--${flag} was given ${times(spellings.length)} (${spellings.join(', ')}): pass it once.`);
    }
  }
}

const times = (count: number) => (count === 2 ? 'twice' : `${count} times`);
