import path from 'node:path';
import type ejs from 'ejs';
import { OverwriteStrategy, type Tree } from '@nx/devkit';
import { compiledTemplate, templateFilesIn } from './compiled-templates.js';

interface TemplateFile {
  /** POSIX path inside the folder, with its `__name__` segments still to substitute. */
  relativePath: string;
  render: ejs.TemplateFunction;
}

/**
 * A template folder, listed and compiled once per process. Nx's generateFiles, which this follows file for
 * file, reads and compiles every template again on every call; `add service` renders the repo twice, each
 * service once more, so that was most of its time at 50 services.
 */
const folders = new Map<string, TemplateFile[]>();

function templateFiles(folder: string): TemplateFile[] {
  let files = folders.get(folder);
  if (!files) {
    files = templateFilesIn(folder).map((file) => ({
      relativePath: path.relative(folder, file).split(path.sep).join('/'),
      render: compiledTemplate(file),
    }));
    if (files.length === 0) throw new Error(`No template files in ${folder}`);
    folders.set(folder, files);
  }
  return files;
}

/**
 * Renders every file of `folder` into `target` as Nx's generateFiles does: ejs contents, `__name__` path
 * segments replaced by the variable of that name, a `.template` suffix dropped.
 */
export function generateFromFolder(
  tree: Tree,
  folder: string,
  target: string,
  variables: Record<string, unknown>,
  overwriteStrategy: OverwriteStrategy,
): void {
  for (const { relativePath, render } of templateFiles(folder)) {
    const substituted = relativePath.replace(/__([A-Za-z0-9]+)__/g, (segment, name: string) => (name in variables ? String(variables[name]) : segment));
    const file = path.posix.join(target, substituted.replace(/\.template$/, ''));
    if (tree.exists(file)) {
      if (overwriteStrategy === OverwriteStrategy.KeepExisting) continue;
      if (overwriteStrategy === OverwriteStrategy.ThrowIfExisting) {
        throw new Error(`Generated file already exists, not allowed by overwrite strategy in generator (${file})`);
      }
    }
    tree.write(file, render(variables));
  }
}
