import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PACKAGE_MANAGER, type PackageManager } from './package-managers.js';
import { templateDir } from './paths.js';
import { DEPENDENCY_VERSIONS } from './versions.js';

/** `choice.json` of templates/package-manager/<name>/: the commands every template writes. */
interface PackageManagerManifest {
  label: string;
  rationale: string;
  lockfile: string;
  /** `{pm}` in the commands: on a developer's machine, and in CI images that may lack it. */
  executable: string;
  ciExecutable: string;
  /** Where CI keeps its download cache, and the variable that points the package manager at it. */
  cache: { dir: string; env: string };
  commands: { install: string; run: string; runAll: string; exec: string };
}

/** How the generated repo's files say "install", "run a script", "run it in every service". */
export interface PackageManagerCommands {
  name: PackageManager;
  label: string;
  rationale: string;
  lockfile: string;
  /** Installs exactly the lockfile. */
  install: string;
  run(script: string): string;
  runAll(script: string): string;
  exec(bin: string): string;
  /** The same commands for CI jobs and images, where only Node and npm can be assumed. */
  ci: { install: string; run(script: string): string; cache: { dir: string; env: string } };
}

export const packageManagerFolder = (name: PackageManager) => ['package-manager', name];

const manifests = new Map<PackageManager, PackageManagerManifest>();

export function packageManagerCommands(name: PackageManager = DEFAULT_PACKAGE_MANAGER): PackageManagerCommands {
  let manifest = manifests.get(name);
  if (!manifest) {
    const file = path.join(templateDir(...packageManagerFolder(name)), 'choice.json');
    manifest = JSON.parse(readFileSync(file, 'utf8')) as PackageManagerManifest;
    manifests.set(name, manifest);
  }
  const { commands } = manifest;
  const local = manifest.executable;
  const ci = manifest.ciExecutable.replace('{version}', DEPENDENCY_VERSIONS[name]);
  const command = (template: string, pm: string, values: Record<string, string> = {}) =>
    Object.entries({ pm, ...values }).reduce((text, [key, value]) => text.replace(`{${key}}`, value), template);
  return {
    name,
    label: manifest.label,
    rationale: manifest.rationale,
    lockfile: manifest.lockfile,
    install: command(commands.install, local),
    run: (script) => command(commands.run, local, { script }),
    runAll: (script) => command(commands.runAll, local, { script }),
    exec: (bin) => command(commands.exec, local, { bin }),
    ci: { install: command(commands.install, ci), run: (script) => command(commands.run, ci, { script }), cache: manifest.cache },
  };
}
