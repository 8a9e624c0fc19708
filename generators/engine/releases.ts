import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ANSWERS_FILE, type ProjectAnswers } from '../shared/answers.js';
import { UserInputError } from '../shared/choices.js';
import { SCAFFOLDER } from '../lockfile/scaffolder-package.js';
import { TEMPLATE_VERSION } from '../shared/paths.js';
import { compareVersions } from './versions.js';
import { renderRepository, type RenderedRepo, type RenderOptions } from './render.js';

/** Renders the repository of some answers as one release of create-startup-backend does. */
export interface ReleaseRenderer {
  version: string;
  /** Where that release's package is (undefined: this running copy). */
  packageDir?: string;
  render(answers: ProjectAnswers, options: RenderOptions): RenderedRepo;
}

/** The entry of releases since 0.6.0 that renders in memory (generators/engine/render-api.ts). */
interface RenderApi {
  RENDER_API_VERSION: number;
  TEMPLATE_VERSION: string;
  render(answers: ProjectAnswers, options: RenderOptions): RenderedRepo;
}

/** Where fetched releases are kept: one folder per version, installed as npm installs a dependency. */
export function releaseCacheDir(): string {
  const base = process.env.STARTUP_BACKEND_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'create-startup-backend');
  return path.join(base, 'releases');
}

/**
 * The renderer of `version`: this copy when it is that release; else that release's package, from the
 * repository's own `node_modules` (its pinned devDependency), the cache, or the registry (installed into
 * the cache; not with `download: false`); else a one-line error saying how to get it. A merge never
 * runs against another release's base.
 */
export async function releaseRenderer(version: string, repoRoot?: string, { download = true } = {}): Promise<ReleaseRenderer> {
  if (version === TEMPLATE_VERSION) return { version, render: renderRepository };
  const packageDir = findInstalled(version, repoRoot) ?? (download ? installIntoCache(version) : notAtHand(version));
  const entry = path.join(packageDir, 'dist', 'render.js');
  if (existsSync(entry)) {
    const api = (await import(pathToFileURL(entry).href)) as RenderApi;
    if (api.RENDER_API_VERSION !== 1 || api.TEMPLATE_VERSION !== version) {
      throw new UserInputError(`${entry} is not the render entry of ${SCAFFOLDER} ${version}: remove ${packageDir} and run again.`);
    }
    return { version, packageDir, render: api.render };
  }
  return { version, packageDir, render: (answers) => replayRender(packageDir, version, answers) };
}

function packageVersion(dir: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
    return manifest.name === SCAFFOLDER ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

function findInstalled(version: string, repoRoot?: string): string | undefined {
  const candidates = [
    ...(repoRoot ? [path.join(repoRoot, 'node_modules', SCAFFOLDER)] : []),
    path.join(releaseCacheDir(), version, 'node_modules', SCAFFOLDER),
  ];
  return candidates.find((dir) => packageVersion(dir) === version);
}

function notAtHand(version: string): never {
  throw new UserInputError(
    `${SCAFFOLDER} ${version} is neither in the repository's node_modules nor in the cache (${releaseCacheDir()}): install the repository's dependencies (they pin it), then run again.`,
  );
}

/**
 * `npm install create-startup-backend@<version>` into a folder of the cache: its dependencies come with it,
 * and its lockfile records the tarball's integrity (which a pnpm repo's base needs). Installed beside the
 * cache folder and renamed into place, so a failed or concurrent install never leaves half a release.
 */
function installIntoCache(version: string): string {
  const cache = releaseCacheDir();
  const target = path.join(cache, version);
  mkdirSync(cache, { recursive: true });
  const staging = mkdtempSync(path.join(cache, `.${version}-`));
  try {
    writeFileSync(path.join(staging, 'package.json'), `${JSON.stringify({ private: true, name: 'startup-backend-release-cache' }, null, 2)}\n`);
    const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--save-exact', `${SCAFFOLDER}@${version}`], {
      cwd: staging,
      encoding: 'utf8',
      env: { ...process.env, npm_config_loglevel: 'error' },
    });
    if (npm.error || npm.status !== 0) {
      const reason = (npm.error?.message ?? npm.stderr).trim().split('\n').filter(Boolean).pop() ?? `exit ${npm.status}`;
      throw new UserInputError(
        `${SCAFFOLDER} ${version}, the release that made this repository, is needed to render its files as they were generated, and npm could not fetch it (${reason}): check the registry (npm config get registry), or install it in the repository (npm install) and run again.`,
      );
    }
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return path.join(target, 'node_modules', SCAFFOLDER);
}

/** The first release whose `create` has `--package-manager` (0.1.0 made npm repos only). */
const FIRST_WITH_PACKAGE_MANAGER = '0.2.0';

/**
 * Releases before 0.6.0 have no render entry: their own CLI makes the repository again in a scratch
 * folder, `create` with the first service then `add service` for each further one, with the answers
 * recorded. The answers file it writes must be the repository's, byte for byte (same answers, same
 * ports), or the base is not the one the repository was made from.
 */
function replayRender(packageDir: string, version: string, answers: ProjectAnswers): RenderedRepo {
  const scratch = mkdtempSync(path.join(tmpdir(), 'startup-backend-base-'));
  const repo = path.join(scratch, answers.projectName);
  try {
    const [first, ...rest] = answers.services;
    if (!first) throw new UserInputError(`${ANSWERS_FILE} lists no service: restore it from git.`);
    const node = (cwd: string, bin: string, args: string[]) => {
      const result = spawnSync(process.execPath, [path.join(packageDir, 'bin', bin), ...args], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      });
      if (result.status !== 0) {
        const reason = `${result.stderr}${result.stdout}`.trim().split('\n').filter(Boolean).pop() ?? `exit ${result.status}`;
        throw new UserInputError(`${SCAFFOLDER} ${version} could not render this repository's base (${bin} ${args.join(' ')}: ${reason}): the answers file may have been edited by hand; restore it from git.`);
      }
    };
    const packageManager = compareVersions(version, FIRST_WITH_PACKAGE_MANAGER) >= 0 ? ['--package-manager', answers.packageManager ?? 'npm'] : [];
    node(scratch, 'create-startup-backend.js', [
      answers.projectName, '--yes', '--no-install', '--no-git',
      '--rpc', answers.rpc, '--discovery', answers.discovery, '--db', answers.db, '--ci', answers.ci,
      '--service', first.name, ...packageManager,
    ]);
    for (const service of rest) {
      node(repo, 'startup-backend.js', ['add', 'service', service.name, '--no-install', '--allow-dirty', '--yes', ...(service.rpc ? ['--rpc', service.rpc] : [])]);
    }
    return readTree(repo);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Every file of a made repository but its local secrets (`.env`), which are never part of a render. */
function readTree(root: string): RenderedRepo {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === '.env') continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(root, full).split(path.sep).join('/'), readFileSync(full));
  }
  return files;
}
