import path from 'node:path';
import type { FileChange, Tree, TreeWriteOptions } from 'nx/src/generators/tree.js';

/**
 * A devkit Tree with nothing under it: every file is one the generators wrote. Nx's FsTree answers
 * `exists` by scanning every recorded file and then the disk, which makes rendering a repo of n services
 * grow as n²; here each question is a map look-up.
 */
export class MemoryTree implements Tree {
  private readonly files = new Map<string, { content: Buffer; options?: TreeWriteOptions }>();
  /** How many files are under each folder, so folders exist exactly while they hold files. */
  private readonly folders = new Map<string, number>();

  constructor(readonly root: string) {}

  read(filePath: string): Buffer | null;
  read(filePath: string, encoding: BufferEncoding): string | null;
  read(filePath: string, encoding?: BufferEncoding): Buffer | string | null {
    const content = this.files.get(normalize(filePath))?.content;
    if (content === undefined) return null;
    return encoding ? content.toString(encoding) : Buffer.from(content);
  }

  write(filePath: string, content: Buffer | string, options?: TreeWriteOptions): void {
    const file = normalize(filePath);
    if (!this.files.has(file)) for (const folder of parents(file)) this.folders.set(folder, (this.folders.get(folder) ?? 0) + 1);
    this.files.set(file, { content: Buffer.from(content), options });
  }

  exists(filePath: string): boolean {
    const file = normalize(filePath);
    return this.files.has(file) || this.folders.has(file);
  }

  delete(filePath: string): void {
    const file = normalize(filePath);
    if (this.folders.has(file)) {
      for (const inside of [...this.files.keys()].filter((f) => f.startsWith(`${file}/`))) this.delete(inside);
      return;
    }
    if (!this.files.delete(file)) return;
    for (const folder of parents(file)) {
      const count = this.folders.get(folder)! - 1;
      if (count === 0) this.folders.delete(folder);
      else this.folders.set(folder, count);
    }
  }

  rename(from: string, to: string): void {
    const entry = this.files.get(normalize(from));
    if (!entry) throw new Error(`Cannot rename ${from}: no such file`);
    this.delete(from);
    this.write(to, entry.content, entry.options);
  }

  isFile(filePath: string): boolean {
    return this.files.has(normalize(filePath));
  }

  children(dirPath: string): string[] {
    const folder = normalize(dirPath);
    const prefix = folder === '' ? '' : `${folder}/`;
    const names = new Set<string>();
    for (const file of this.files.keys()) if (file.startsWith(prefix)) names.add(file.slice(prefix.length).split('/')[0]!);
    return [...names];
  }

  listChanges(): FileChange[] {
    return [...this.files].map(([file, { content, options }]) => ({ path: file, type: 'CREATE', content: Buffer.from(content), options }));
  }

  changePermissions(filePath: string, mode: TreeWriteOptions['mode']): void {
    const entry = this.files.get(normalize(filePath));
    if (entry) entry.options = { ...entry.options, mode };
  }
}

function normalize(filePath: string): string {
  const normal = path.posix.normalize(filePath.split(path.sep).join('/')).replace(/^(\.\/|\/)+/, '');
  return normal === '.' ? '' : normal.replace(/\/$/, '');
}

function parents(file: string): string[] {
  const result: string[] = [];
  for (let folder = path.posix.dirname(file); folder !== '.' && folder !== ''; folder = path.posix.dirname(folder)) result.push(folder);
  return result;
}
