import parse from 'yargs-parser';
import { CHOICES, UserInputError, type ChoiceKey } from '../generators/shared/choices.js';

export interface CreateArgs {
  directory?: string;
  choices: Partial<Record<ChoiceKey, string>>;
  service?: string;
  yes: boolean;
  install: boolean;
  git: boolean;
  dryRun: boolean;
  help: boolean;
  version: boolean;
}

const STRING_FLAGS = [...CHOICES.map((c) => c.key), 'service'];
const BOOLEAN_FLAGS = ['yes', 'install', 'git', 'dry-run', 'help', 'version'];
const ALIASES: Record<string, string[]> = { yes: ['y'], help: ['h'], version: ['v'] };
const KNOWN = new Set([...STRING_FLAGS, ...BOOLEAN_FLAGS, ...Object.values(ALIASES).flat(), 'dryRun', '_', '--']);

export function helpText(bin: string): string {
  const choiceLines = CHOICES.map(
    (c) => `  --${c.key.padEnd(10)} ${c.values.join('|').padEnd(16)} default: ${c.default}`,
  );
  return `Usage: ${bin} [directory] [options]

Create a backend monorepo: services, CI pipeline, lint rules, answers file.
The directory's last segment is the project name (a valid npm package name).

Stack:
${choiceLines.join('\n')}
  --service    <name>           first service, kebab-case (default: api)

Options:
  -y, --yes          take the defaults for every unanswered question; never prompt
      --no-install   do not install dependencies
      --no-git       do not create a git repository and first commit
      --dry-run      print the files that would be written, write nothing
  -h, --help         show this help
  -v, --version      show the version

Example:
  ${bin} my-app --rpc grpc --discovery etcd --db mysql --ci gitlab --service orders
`;
}

export function parseCreateArgs(argv: readonly string[]): CreateArgs {
  const parsed = parse([...argv], {
    string: STRING_FLAGS,
    boolean: BOOLEAN_FLAGS,
    alias: ALIASES,
    default: { install: true, git: true },
    configuration: { 'strip-aliased': false, 'camel-case-expansion': true },
  });
  const unknown = Object.keys(parsed).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) {
    const flag = unknown[0]!.length === 1 ? `-${unknown[0]}` : `--${unknown[0]}`;
    throw new UserInputError(`Unknown option ${flag}. Run with --help to see the options.`);
  }
  const positionals = parsed._.map(String);
  if (positionals.length > 1) {
    throw new UserInputError(
      `Expected one directory, got ${positionals.length} (${positionals.join(', ')}). Quote a path that contains spaces.`,
    );
  }
  const choices: CreateArgs['choices'] = {};
  for (const { key } of CHOICES) {
    const value: unknown = parsed[key];
    if (value !== undefined) choices[key] = lastIfRepeated(value);
  }
  return {
    directory: positionals[0],
    choices,
    service: parsed.service === undefined ? undefined : lastIfRepeated(parsed.service),
    yes: Boolean(parsed.yes),
    install: Boolean(parsed.install),
    git: Boolean(parsed.git),
    dryRun: Boolean(parsed['dry-run']),
    help: Boolean(parsed.help),
    version: Boolean(parsed.version),
  };
}

function lastIfRepeated(value: unknown): string {
  return String(Array.isArray(value) ? value[value.length - 1] : value).trim();
}
