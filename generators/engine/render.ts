import type { ProjectAnswers } from '../shared/answers.js';
import { workspaceGenerator, type WorkspaceOptions } from '../workspace/generator.js';
import { MemoryTree } from './memory-tree.js';

export type RenderOptions = Omit<WorkspaceOptions, 'lockfile'>;

/** A repository as the templates render it: path (POSIX, from the root) to bytes. */
export type RenderedRepo = ReadonlyMap<string, Buffer>;

/**
 * The whole repository for these answers, in memory: a tree with nothing under it, so nothing already
 * on disk (the team's files) can leak into the render. The local `.env` files are not part of it (they
 * hold secrets and are never committed).
 */
export function renderRepository(answers: ProjectAnswers, options: RenderOptions = {}): RenderedRepo {
  const tree = new MemoryTree('/startup-backend-render');
  workspaceGenerator(tree, answers, options);
  const files = new Map<string, Buffer>();
  for (const change of tree.listChanges()) {
    if (change.content) files.set(change.path, change.content);
  }
  return files;
}
