import parse from 'yargs-parser';
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

/** yargs-parser with what both bins need: unknown options refused, values kept as typed, no switch given both ways. */
export function parseStrict(argv: readonly string[], spec: FlagSpec): parse.Arguments {
  const parsed = parse([...argv], {
    string: [...spec.string],
    boolean: [...spec.boolean],
    alias: spec.aliases,
    default: spec.defaults ?? {},
    // What the user typed stays a string: `1e3` is not the number 1000.
    configuration: {
      'strip-aliased': false,
      'camel-case-expansion': true,
      'parse-numbers': false,
      'parse-positional-numbers': false,
    },
  });
  const known = new Set([
    ...spec.string, ...spec.boolean, ...Object.values(spec.aliases).flat(),
    ...[...spec.string, ...spec.boolean].map(camelCase), '_', '--',
  ]);
  const unknown = Object.keys(parsed).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    const flag = unknown[0]!.length === 1 ? `-${unknown[0]}` : `--${unknown[0]}`;
    throw new UserInputError(`Unknown option ${flag}. Run with --help to see the options.`);
  }
  assertNoConflictingSwitches(argv, spec);
  return parsed;
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
 * yargs-parser keeps the last of `--git --no-git`; a switch given both ways is an error instead.
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
    const match = /^--?(no-)?([a-z][a-z-]*)(?:=(.*))?$/i.exec(token);
    if (!match) continue;
    const [, negated, name, explicit] = match;
    const flag = switchNames.get(name!);
    if (!flag || (token.startsWith('--') ? name!.length === 1 : name!.length > 1 || negated)) continue;
    const value = explicit === undefined ? !negated : (explicit !== 'false') !== Boolean(negated);
    const entry = given.get(flag) ?? { spellings: [], values: new Set<boolean>() };
    entry.spellings.push(token);
    entry.values.add(value);
    given.set(flag, entry);
  }
  for (const [flag, { spellings, values }] of given) {
    if (values.size > 1) {
      throw new UserInputError(`--${flag} was given ${times(spellings.length)} (${spellings.join(', ')}): pass it once.`);
    }
  }
}

const times = (count: number) => (count === 2 ? 'twice' : `${count} times`);
