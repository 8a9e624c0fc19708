import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PACKAGE_MANAGER, type PackageManager } from './package-managers.js';
import { templateDir } from './paths.js';

/** `choice.json` of templates/package-manager/<name>/: the commands every template writes. */
interface PackageManagerManifest {
  label: string;
  rationale: string;
  lockfile: string;
  commands: { install: string; run: string; runAll: string; exec: string };
}

/** How the generated repo's files say "install", "run a script", "run it in every service". */
export interface PackageManagerCommands {
  name: PackageManager;
  label: string;
  rationale: string;
  lockfile: string;
  /** Installs exactly the lockfile (CI, Dockerfiles). */
  install: string;
  run(script: string): string;
  runAll(script: string): string;
  exec(bin: string): string;
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
  return {
    name,
    label: manifest.label,
    rationale: manifest.rationale,
    lockfile: manifest.lockfile,
    install: commands.install,
    run: (script) => commands.run.replace('{script}', script),
    runAll: (script) => commands.runAll.replace('{script}', script),
    exec: (bin) => commands.exec.replace('{bin}', bin),
  };
}
