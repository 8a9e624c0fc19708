import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { changesFiles, type FilePlan } from './plan.js';

/**
 * Unified diffs of every file a plan changes, from one `git diff --no-index` over two scratch trees
 * (before and after).
 */
export function unifiedDiff(plans: readonly FilePlan[], { color = false } = {}): string {
  const changes = plans.filter(changesFiles);
  if (changes.length === 0) return '';
  const scratch = mkdtempSync(path.join(tmpdir(), 'startup-backend-diff-'));
  try {
    const write = (side: 'a' | 'b', file: string, content: Buffer | undefined) => {
      const target = path.join(scratch, side, ...file.split('/'));
      mkdirSync(path.dirname(target), { recursive: true });
      if (content !== undefined) writeFileSync(target, content);
    };
    for (const plan of changes) {
      write('a', plan.path, plan.ours);
      write('b', plan.path, plan.content);
    }
    mkdirSync(path.join(scratch, 'a'), { recursive: true });
    mkdirSync(path.join(scratch, 'b'), { recursive: true });
    const result = spawnSync('git', ['diff', '--no-index', '--no-prefix', `--color=${color ? 'always' : 'never'}`, 'a', 'b'], {
      cwd: scratch,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    // 1 means "there are differences".
    if (result.status !== 0 && result.status !== 1) throw new Error(`git diff failed: ${result.stderr.trim()}`);
    // The scratch trees are named a and b, so without git's own prefixes the paths read a/<file>, b/<file>.
    return result.stdout;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
