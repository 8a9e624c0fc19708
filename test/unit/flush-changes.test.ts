import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FileChange } from 'nx/src/generators/tree.js';
import { describe, expect, it } from 'vitest';
import { flushChanges } from '../../bin/flush-changes.js';

const change = (type: FileChange['type'], file: string, content?: string, mode?: number): FileChange =>
  ({ path: file, type, content: content === undefined ? null : Buffer.from(content), options: mode ? { mode } : undefined }) as FileChange;

describe('flushChanges (create writes the rendered tree)', () => {
  it('makes every folder and writes every file of a deep tree, with modes, and applies deletes', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'csb-flush-'));
    mkdirSync(path.join(root, 'old'));
    writeFileSync(path.join(root, 'old/stale.txt'), 'x');
    const files = Array.from({ length: 120 }, (_, i) => `services/s${i % 7}/src/deep/${i % 3}/file-${i}.ts`);
    await flushChanges(root, [
      ...files.map((file) => change('CREATE', file, `// ${file}\n`)),
      change('CREATE', 'scripts/run.sh', '#!/bin/sh\n', 0o755),
      change('DELETE', 'old'),
    ]);
    for (const file of files) expect(readFileSync(path.join(root, file), 'utf8')).toBe(`// ${file}\n`);
    expect(statSync(path.join(root, 'scripts/run.sh')).mode & 0o777).toBe(0o755);
    expect(readdirSync(root).sort()).toEqual(['scripts', 'services']);
  });

  it('rejects when a file cannot be written, once every other write has ended', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'csb-flush-'));
    writeFileSync(path.join(root, 'blocker'), 'a file where a folder should be');
    const files = Array.from({ length: 40 }, (_, i) => `ok/file-${i}.txt`);
    await expect(flushChanges(root, [change('CREATE', 'blocker/inside.txt', 'x'), ...files.map((file) => change('CREATE', file, 'y'))])).rejects.toThrow(
      /ENOTDIR|EEXIST/,
    );
    // Nothing still writing after the rejection: the count is final when it arrives.
    expect(readdirSync(path.join(root, 'ok')).length).toBe(40);
  });
});
