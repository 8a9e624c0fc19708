import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from '../../generators/k8s/yaml.js';

describe('toYaml (the manifests\' own serializer)', () => {
  it('writes block YAML with every string double-quoted, and reads back as the same object', () => {
    const value = {
      kind: 'Deployment',
      replicas: 2,
      paused: false,
      metadata: { labels: { 'app.kubernetes.io/name': 'orders' }, annotations: {} },
      list: [{ name: 'a', ports: [1, 2] }, 'plain', []],
      tricky: ['true', '0755', 'yes', 'a: b', '#not a comment', '', 'line\nbreak', 'caf\u00e9'],
      'yes': 'key a YAML 1.1 reader would take for a boolean',
      absent: undefined,
    };
    const text = toYaml(value, ['first line', '', 'third']);
    expect(text).toBe(
      [
        '# first line', '#', '# third',
        'kind: "Deployment"', 'replicas: 2', 'paused: false',
        'metadata:', '  labels:', '    app.kubernetes.io/name: "orders"', '  annotations: {}',
        'list:', '  - name: "a"', '    ports:', '      - 1', '      - 2', '  - "plain"', '  - []',
        'tricky:', '  - "true"', '  - "0755"', '  - "yes"', '  - "a: b"', '  - "#not a comment"', '  - ""', '  - "line\\nbreak"', '  - "café"',
        '"yes": "key a YAML 1.1 reader would take for a boolean"',
        '',
      ].join('\n'),
    );
    const { absent: _absent, ...defined } = value;
    expect(parse(text)).toEqual(defined);
  });

  it('refuses what it cannot write faithfully', () => {
    expect(() => toYaml({ n: Number.NaN })).toThrow(/not a YAML number/);
    expect(() => toYaml({ nested: [[1]] })).toThrow(/sequence directly inside a sequence/);
    expect(() => toYaml({})).toThrow(/empty mapping/);
  });
});
