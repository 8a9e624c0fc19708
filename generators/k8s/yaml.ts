/**
 * A deterministic block-style YAML writer for the plain, JSON-like objects the manifests are built as,
 * so the scaffolder ships no YAML library. Every string is double-quoted with JSON's escapes (valid YAML,
 * and what prettier keeps), so no value can be read back as a number, a boolean or a null.
 */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | YamlMapping;
export interface YamlMapping {
  readonly [key: string]: YamlValue | undefined;
}

/** Keys YAML 1.1 readers (kubectl's) would take for booleans or null, and anything not a plain word. */
const PLAIN_KEY = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
const AMBIGUOUS_KEY = /^(y|yes|n|no|true|false|on|off|null)$/i;

/**
 * One document; `comment` lines go first, each as `# line`. Keys keep their insertion order. Takes any
 * object because the manifests' types (kubernetes-types interfaces) have no index signature.
 */
export function toYaml(value: object, comment: readonly string[] = []): string {
  const header = comment.map((line) => (line === '' ? '#' : `# ${line}`));
  return [...header, ...mappingLines(value as YamlMapping, '')].join('\n') + '\n';
}

function mappingLines(mapping: YamlMapping, indent: string): string[] {
  const entries = Object.entries(mapping).filter((entry): entry is [string, YamlValue] => entry[1] !== undefined);
  if (entries.length === 0) throw new Error('toYaml: an empty mapping must be written as a value ({})');
  return entries.flatMap(([key, value]) => {
    const name = PLAIN_KEY.test(key) && !AMBIGUOUS_KEY.test(key) ? key : JSON.stringify(key);
    if (isNested(value)) {
      const nested = Array.isArray(value) ? sequenceLines(value, `${indent}  `) : mappingLines(value as YamlMapping, `${indent}  `);
      return [`${indent}${name}:`, ...nested];
    }
    return [`${indent}${name}: ${scalar(value)}`];
  });
}

function sequenceLines(items: readonly YamlValue[], indent: string): string[] {
  return items.flatMap((item) => {
    if (Array.isArray(item) && item.length > 0) throw new Error('toYaml: a sequence directly inside a sequence is not supported');
    if (!isNested(item)) return [`${indent}- ${scalar(item)}`];
    // The first key goes on the dash's line; the rest line up under it.
    const [first = '', ...rest] = mappingLines(item as YamlMapping, `${indent}  `);
    return [`${indent}- ${first.slice(indent.length + 2)}`, ...rest];
  });
}

/** Non-empty mappings and sequences go on lines of their own; empty ones are written inline. */
function isNested(value: YamlValue): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === 'object' && value !== null && Object.values(value).some((v) => v !== undefined);
}

function scalar(value: YamlValue): string {
  if (Array.isArray(value)) return '[]';
  if (value === null) return 'null';
  if (typeof value === 'object') return '{}';
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`toYaml: ${String(value)} is not a YAML number`);
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
