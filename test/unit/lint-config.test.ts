import { describe, expect, it } from 'vitest';
import { DEPENDENCY_VERSIONS } from '../../generators/shared/versions.js';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { answersFor, emptyTree } from './fixtures.js';

/**
 * The generated repo's ESLint setup, read from the rendered text: ESLint is not installed here, so
 * whether the rules pass on the templates is proven by the matrix test (`npm run lint` in all 16
 * combinations) and a misordered import failing lint by the end-to-end test.
 */
function rendered() {
  const tree = emptyTree();
  workspaceGenerator(tree, answersFor());
  return {
    config: tree.read('eslint.config.js', 'utf-8') ?? '',
    pkg: JSON.parse(tree.read('package.json', 'utf-8') ?? '{}') as {
      scripts: Record<string, string>;
      devDependencies: Record<string, string>;
    },
  };
}

/** The `importGroups` array literal of the config, comments and trailing commas stripped, as regexes. */
function importGroups(config: string): RegExp[][] {
  const literal = /const importGroups = (\[[\s\S]*?\n\]);/.exec(config)?.[1];
  expect(literal, 'eslint.config.js declares const importGroups = [...]').toBeDefined();
  const json = literal!.replace(/\s\/\/.*$/gm, '').replace(/,(\s*\])/g, '$1');
  return (JSON.parse(json) as string[][]).map((group) => group.map((source) => new RegExp(source, 'u')));
}

describe("the generated repo's lint setup", () => {
  it('pins eslint-plugin-simple-import-sort as an exact devDependency', () => {
    const { pkg } = rendered();
    const version = pkg.devDependencies['eslint-plugin-simple-import-sort'];
    expect(version).toBe(DEPENDENCY_VERSIONS['eslint-plugin-simple-import-sort']);
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('enables import and export sorting as errors, the plugin registered', () => {
    const { config } = rendered();
    expect(config).toContain('import simpleImportSort from "eslint-plugin-simple-import-sort";');
    expect(config).toContain('plugins: { "simple-import-sort": simpleImportSort }');
    expect(config).toContain('"simple-import-sort/imports": ["error", { groups: importGroups }]');
    expect(config).toContain('"simple-import-sort/exports": "error"');
    // Type imports stay inline (`import { type A, b }`), so they sort with their module, not in a group of their own.
    expect(config).toContain('"@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }]');
  });

  it('groups imports as node: builtins, then packages, then relative imports', () => {
    const groups = importGroups(rendered().config);
    // simple-import-sort puts an import in the group whose regex matches the longest part of its path.
    const groupOf = (source: string) => {
      let best = { index: -1, length: -1 };
      groups.forEach((group, index) =>
        group.forEach((regex) => {
          const length = regex.exec(source)?.[0].length ?? -1;
          if (length > best.length) best = { index, length };
        }),
      );
      return best.index;
    };
    const order = ['node:fs', 'zod', '@grpc/grpc-js', '../src/app.js', './config.js'].map(groupOf);
    expect(order.every((index) => index >= 0)).toBe(true);
    expect(order[0]).toBeLessThan(order[1]!);
    expect(order[1]).toBe(order[2]);
    expect(order[2]).toBeLessThan(order[3]!);
    expect(order[3]).toBe(order[4]);
  });

  it('keeps the team choices in one block at the top, every rule an error or off, and fails lint on warnings', () => {
    const { config, pkg } = rendered();
    const block = config.slice(config.indexOf('Team choices'), config.indexOf('defineConfig('));
    for (const name of ['importGroups', 'teamRules', 'rulesOff']) expect(block).toContain(`const ${name} =`);
    expect(block).not.toMatch(/:\s*\[?\s*("warn"|1)\b/);
    // Presets' and plugins' warnings are raised to errors for the whole config.
    expect(config).toMatch(/export default config\.map\(/);
    expect(pkg.scripts.lint).toMatch(/eslint \. --max-warnings=0$/);
  });
});
