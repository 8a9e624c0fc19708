import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsTree } from 'nx/src/generators/tree.js';
import type { ProjectAnswers } from '../shared/answers.js';
import { workspaceGenerator } from '../workspace/generator.js';

/** A repository as the templates render it: path (POSIX, from the root) to bytes. */
export type RenderedRepo = ReadonlyMap<string, Buffer>;

/**
 * The whole repository for these answers, in memory. The tree is rooted at a directory that does not
 * exist, so nothing already on disk (the team's files) can leak into the render; the local `.env`
 * files are not part of it (they hold secrets and are never committed).
 */
export function renderRepository(answers: ProjectAnswers): RenderedRepo {
  const tree = new FsTree(path.join(tmpdir(), `startup-backend-render-${randomBytes(6).toString('hex')}`), false);
  workspaceGenerator(tree, answers);
  const files = new Map<string, Buffer>();
  for (const change of tree.listChanges()) {
    if (change.type !== 'DELETE' && change.content) files.set(change.path, Buffer.from(change.content));
  }
  return files;
}
