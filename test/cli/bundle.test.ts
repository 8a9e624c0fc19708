import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderRepository } from '../../generators/engine/render.js';
import { PRECOMPILED_TEMPLATES_FILE, renderableTemplates, templateBody } from '../../generators/shared/compiled-templates.js';
import { allCombinations } from '../../generators/lockfile/pool-manifest.js';
import { answersFor, renderToDisk } from '../unit/fixtures.js';
import { runCreate, tempDir } from './run-cli.js';

/**
 * The CLI runs a bundle (bin/bundle.mjs) that carries the few nx modules the generators use, so that
 * `npm create` installs neither nx nor @nx/devkit. It renders exactly what the generators render
 * unbundled, for every combination; and it loads no nx package at run time, nor any package at all:
 * the packed package runs with no node_modules.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE_FILES = ['dist/create-startup-backend.js', 'dist/startup-backend.js', 'dist/render.js', ...readdirSync(path.join(ROOT, 'dist/chunks')).map((chunk) => `dist/chunks/${chunk}`)];

function files(dir: string): Map<string, string> {
  const all = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return new Map(
    all
      .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
      // .env holds fresh random secrets on every run.
      .filter((file) => path.basename(file) !== '.env')
      .sort()
      .map((file) => [file, readFileSync(path.join(dir, file), 'utf8')]),
  );
}

describe('the bundled CLIs', () => {
  it('imports no nx package at run time, and the package does not depend on one', () => {
    const bundle = BUNDLE_FILES.map((file) => readFileSync(path.join(ROOT, file), 'utf8')).join('\n');
    expect(bundle).not.toMatch(/(?:from\s*|require\()\s*["'](?:nx|@nx\/[\w-]+)(?:\/[^"']*)?["']/);
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('nx');
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('@nx/devkit');
    for (const licence of ['nx', 'nx-devkit', 'tslib']) expect(readFileSync(path.join(ROOT, 'dist/licenses', `${licence}.txt`), 'utf8')).toMatch(/\S/);
  });

  it('imports only Node built-ins, and ships the licence of every package it was built from', () => {
    const bundle = BUNDLE_FILES.map((file) => readFileSync(path.join(ROOT, file), 'utf8')).join('\n');
    const specifiers = [...bundle.matchAll(/(?:\bfrom\s*|\bimport\(\s*|\brequire\(\s*)["'](?<specifier>[^"'.\s][^"'\s]*)["']/g)].map((match) => match.groups!.specifier!);
    expect(specifiers.length).toBeGreaterThan(0);
    expect([...new Set(specifiers.filter((specifier) => !builtinModules.includes(specifier.replace(/^node:/, ''))))]).toEqual([]);
    const licences = readdirSync(path.join(ROOT, 'dist/licenses'));
    for (const name of ['ejs', 'execa', 'ora', 'picocolors', 'prompts', 'validate-npm-package-name', 'kleur', 'cross-spawn']) {
      expect(licences).toContain(`${name}.txt`);
    }
  });

  it('renders from the templates precompiled at build, and they are those of templates/ as they are now', () => {
    const bundle = BUNDLE_FILES.map((file) => readFileSync(path.join(ROOT, file), 'utf8')).join('\n');
    expect(bundle).toMatch(/\busePrecompiled = true;/);
    const { templates } = createRequire(import.meta.url)(path.join(ROOT, PRECOMPILED_TEMPLATES_FILE)) as { templates: Record<string, () => string> };
    const sources = renderableTemplates();
    expect(Object.keys(templates).sort()).toEqual(sources);
    for (const file of sources) {
      const body = templates[file]!.toString();
      expect(body.slice(body.indexOf('{\n') + 2, body.lastIndexOf('}')), `${file}: stale, run npm run build`).toBe(templateBody(file));
    }
  });

  // With the test above (the bundle imports only Node built-ins) and the one below (the packed package runs
  // with no node_modules), this is what makes `npm create startup-backend` a cold install of one package.
  it('the packed package declares no package to install beside it', () => {
    // Runtime dependencies allowed in the published manifest: none (issue 14). Add one only with a reason.
    const ALLOWED_RUNTIME_DEPENDENCIES: string[] = [];
    const packDir = tempDir('csb-pack-manifest-');
    const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: ROOT, encoding: 'utf8' });
    expect(packed.status, packed.stderr).toBe(0);
    const { filename, files: packedFiles, bundled } = (JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }>; bundled: string[] }>)[0]!;
    expect(bundled).toEqual([]);
    expect(packedFiles.map((file) => file.path).filter((file) => file.includes('node_modules/'))).toEqual([]);
    // The manifest npm publishes, as it is in the tarball.
    const shown = spawnSync('tar', ['-xOzf', path.join(packDir, filename), 'package/package.json'], { encoding: 'utf8' });
    expect(shown.status, shown.stderr).toBe(0);
    const published = JSON.parse(shown.stdout) as Record<string, unknown>;
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
      expect(Object.keys((published[field] ?? {}) as Record<string, string>), field).toEqual(ALLOWED_RUNTIME_DEPENDENCIES);
    }
    expect(published).not.toHaveProperty('bundleDependencies');
    expect(published).not.toHaveProperty('bundledDependencies');
    // No install scripts either: installing it runs nothing.
    for (const script of ['preinstall', 'install', 'postinstall']) expect((published.scripts ?? {}) as object).not.toHaveProperty(script);
  });

  it('the packed package, unpacked without node_modules, creates a repo and serves dist/render.js', async () => {
    const packDir = tempDir('csb-pack-');
    const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: ROOT, encoding: 'utf8' });
    expect(packed.status, packed.stderr).toBe(0);
    const { filename } = (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!;
    const unpacked = spawnSync('tar', ['-xzf', path.join(packDir, filename), '-C', packDir], { encoding: 'utf8' });
    expect(unpacked.status, unpacked.stderr).toBe(0);
    const packageDir = path.join(packDir, 'package');
    const cwd = tempDir('csb-unpacked-');
    const help = spawnSync(process.execPath, [path.join(packageDir, 'bin/create-startup-backend.js'), '--help'], { cwd, encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    const created = spawnSync(process.execPath, [path.join(packageDir, 'bin/create-startup-backend.js'), 'app', '--yes', '--no-install', '--no-git'], { cwd, encoding: 'utf8' });
    expect(created.status, created.stderr).toBe(0);
    expect(readFileSync(path.join(cwd, 'app/package.json'), 'utf8')).toMatch(/"name": "app"/);
    const api = (await import(path.join(packageDir, 'dist/render.js'))) as { render(answers: object, options?: object): Map<string, Buffer> };
    const answers = { ...answersFor({ rpc: 'grpc', db: 'mysql' }, ['orders']), packageManager: 'npm' as const };
    expect([...api.render(answers, {}).keys()].sort()).toEqual([...renderRepository(answers, {}).keys()].sort());
  });

  // Node's built-ins that a command does not run, each ~3-8 ms of a start that takes ~30 ms on Node 24:
  // fs/promises (with readline) and util's diff are what an ESM import of node:fs or node:util loads.
  it.each([
    ['--help', ['--help'], ['crypto', 'child_process', 'internal/fs/promises', 'internal/readline/interface', 'internal/util/diff']],
    ['create without install or git', ['app', '--yes', '--no-install', '--no-git'], ['crypto', 'child_process']],
  ])('%s loads none of the built-ins it does not run', (_label, args, unwanted) => {
    const cwd = tempDir('csb-builtins-');
    const preload = path.join(cwd, 'record-builtins.cjs');
    writeFileSync(preload, "process.on('exit', () => require('node:fs').writeFileSync(process.env.BUILTINS_FILE, process.moduleLoadList.join('\\n')));\n");
    const builtinsFile = path.join(cwd, 'builtins.txt');
    const run = spawnSync(process.execPath, ['--require', preload, path.join(ROOT, 'bin/create-startup-backend.js'), ...args], {
      cwd, encoding: 'utf8', env: { ...process.env, BUILTINS_FILE: builtinsFile },
    });
    expect(run.status, run.stderr).toBe(0);
    const builtins = readFileSync(builtinsFile, 'utf8').split('\n').filter((entry) => entry.startsWith('NativeModule ')).map((entry) => entry.slice('NativeModule '.length));
    expect(builtins).toContain('fs');
    expect(builtins.filter((name) => unwanted.includes(name))).toEqual([]);
  });

  it.each(allCombinations().map((c) => [`${c.rpc}-${c.discovery}-${c.db}-${c.ci}`, c] as const))(
    '%s: renders byte for byte what the unbundled generators render',
    (_label, choices) => {
      const cwd = tempDir('csb-bundle-');
      const created = runCreate(
        ['app', '--yes', '--no-install', '--no-git', '--rpc', choices.rpc, '--discovery', choices.discovery, '--db', choices.db, '--ci', choices.ci, '--service', 'order-book'],
        { cwd },
      );
      expect(created.status, created.stderr).toBe(0);
      const unbundled = renderToDisk(path.join(tempDir('csb-unbundled-'), 'app'), {
        ...answersFor(choices, ['order-book']), projectName: 'app', packageManager: 'npm',
      });
      expect(files(path.join(cwd, 'app'))).toEqual(files(unbundled));
    },
  );

  it('dist/render.js, the entry later releases render this one with, renders what the generators render', async () => {
    const api = (await import(path.join(ROOT, 'dist/render.js'))) as {
      RENDER_API_VERSION: number;
      TEMPLATE_VERSION: string;
      render(answers: object, options?: object): Map<string, Buffer>;
    };
    expect(api.RENDER_API_VERSION).toBe(1);
    expect(api.TEMPLATE_VERSION).toBe((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    const answers = { ...answersFor({ rpc: 'thrift', db: 'tidb' }, ['orders', 'billing:grpc', 'ledger']), packageManager: 'pnpm' as const };
    const options = { scaffolderIntegrity: 'sha512-test' };
    const bundled = api.render(answers, options);
    const unbundled = renderRepository(answers, options);
    expect([...bundled.keys()].sort()).toEqual([...unbundled.keys()].sort());
    for (const [file, content] of unbundled) expect(bundled.get(file)?.equals(content), file).toBe(true);
  });
});
