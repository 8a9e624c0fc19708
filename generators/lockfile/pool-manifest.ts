import { FsTree } from 'nx/src/generators/tree.js';
import { nextService, type ProjectAnswers } from '../shared/answers.js';
import { CHOICES, type StackChoices } from '../shared/choices.js';
import { TEMPLATE_VERSION } from '../shared/paths.js';
import { workspaceGenerator } from '../workspace/generator.js';
import { importersOf } from './generator.js';
import type { PackageManifest } from './npm-lockfile.js';
import { SCAFFOLDER, scaffolderDependencies } from './scaffolder-package.js';

/** Every combination a user can choose. */
export function allCombinations(): StackChoices[] {
  return CHOICES.reduce<Array<Partial<StackChoices>>>(
    (partials, choice) => partials.flatMap((partial) => choice.available.map((value) => ({ ...partial, [choice.key]: value }))),
    [{}],
  ) as StackChoices[];
}

/**
 * One manifest that depends on everything any combination's root or service depends on: installed
 * by npm, its lockfile is the pool every generated lockfile is cut from. The scaffolder itself cannot be
 * in it (its tarball holds the pool): its own dependencies are, where npm hoists them in a generated repo.
 * Two packages asking for different versions of one package would make the pool ambiguous: an error.
 */
export function poolManifest(): PackageManifest & { private: true } {
  const union: Record<string, string> = { ...scaffolderDependencies() };
  for (const choices of allCombinations()) {
    const answers: ProjectAnswers = {
      templateVersion: TEMPLATE_VERSION, projectName: 'pool', ...choices, services: [nextService('api', [])],
    };
    const tree = new FsTree('/nonexistent-lockfile-pool', false);
    workspaceGenerator(tree, answers, { lockfile: false });
    for (const { manifest } of importersOf(tree, answers)) {
      for (const [name, spec] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
        if (name.startsWith('@pool/') || name === SCAFFOLDER) continue;
        if (union[name] !== undefined && union[name] !== spec) {
          throw new Error(`lockfile pool: ${name} is pinned to both ${union[name]} and ${spec}`);
        }
        union[name] = spec;
      }
    }
  }
  const devDependencies = Object.fromEntries(Object.entries(union).sort(([a], [b]) => a.localeCompare(b)));
  return { name: 'create-startup-backend-lockfile-pool', version: '0.0.0', private: true, devDependencies };
}
