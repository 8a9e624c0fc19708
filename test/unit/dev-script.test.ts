// scripts/dev.mjs of a generated repo (`npm run dev`), run on Node 24 over two stand-in services that only log
// their lifecycle: both start after their first compile, an edit restarts one, and Ctrl-C (SIGINT to the script's
// process group, twice, as npm forwards the terminal's) stops each service exactly once with SIGTERM, as in
// production, so the real services deregister and drain; nothing is left running.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { NODE24 } from '../support/node24.js';
import { answersFor, emptyTree, renderedFiles } from './fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'csb-dev-script-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const MAIN = `const name = process.env.SERVICE_LABEL;
const timer = setInterval(() => {}, 1_000);
console.log(\`ready \${name} \${process.pid}\`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.log(\`\${signal} \${name}\`);
    clearInterval(timer);
    console.log(\`stopped \${name}\`);
  });
}
`;

/** A repo with the rendered scripts/dev.mjs and two services that build like the real ones (codegen, tsc). */
function fakeRepo(): string {
  const repo = mkdtempSync(path.join(work, 'repo-'));
  const tree = emptyTree();
  workspaceGenerator(tree, answersFor());
  mkdirSync(path.join(repo, 'scripts'));
  writeFileSync(path.join(repo, 'scripts', 'dev.mjs'), renderedFiles(tree).get('scripts/dev.mjs')!);
  // typescript and @types/node from this repo, as the generated repo's root devDependencies.
  symlinkSync(path.join(root, 'node_modules'), path.join(repo, 'node_modules'));
  for (const name of ['alpha', 'beta']) {
    const dir = path.join(repo, 'services', name);
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    mkdirSync(path.join(dir, 'scripts'));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, type: 'module' }));
    writeFileSync(path.join(dir, 'scripts', 'codegen.mjs'), '// nothing to generate\n');
    writeFileSync(path.join(dir, '.env'), `SERVICE_LABEL=${name}\n`);
    writeFileSync(
      path.join(dir, 'tsconfig.build.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, rootDir: 'src', outDir: 'dist', types: ['node'] },
        include: ['src'],
      }),
    );
    writeFileSync(path.join(dir, 'src', 'main.ts'), MAIN);
  }
  return repo;
}

async function until(check: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('scripts/dev.mjs (npm run dev)', () => {
  it('runs every service in watch mode, restarts one on an edit, and stops each once on Ctrl-C', async () => {
    const repo = fakeRepo();
    // In a process group of its own, as in a terminal, whose Ctrl-C signals the whole foreground group.
    const dev = spawn(NODE24, ['scripts/dev.mjs'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    dev.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    dev.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => dev.on('exit', (code) => resolve(code)));
    const count = (line: string) => output.split('\n').filter((l) => l === line).length;
    const pids = () => [...output.matchAll(/^\[\w+\] ready \w+ (\d+)$/gm)].map((m) => Number(m[1]));
    try {
      await until(() => /^\[alpha\] ready alpha \d+$/m.test(output) && /^\[beta\] ready beta \d+$/m.test(output), 'both services');

      appendFileSync(path.join(repo, 'services', 'alpha', 'src', 'main.ts'), '// edited\n');
      await until(() => count('[alpha] stopped alpha') === 1 && pids().length === 3, 'alpha restarted');
      expect(count('[alpha] SIGTERM alpha')).toBe(1);
      expect(count('[beta] stopped beta')).toBe(0);

      process.kill(-dev.pid!, 'SIGINT');
      process.kill(-dev.pid!, 'SIGINT');
      expect(await exited).toBe(0);
    } finally {
      dev.kill('SIGKILL');
    }
    // Ctrl-C reaches the script only (its children run in groups of their own): each service hears one SIGTERM,
    // relayed by its watcher, not the terminal's SIGINT on top (a second signal makes a service exit at once).
    expect(count('[alpha] SIGTERM alpha')).toBe(2);
    expect(count('[beta] SIGTERM beta')).toBe(1);
    expect(output).not.toMatch(/SIGINT (alpha|beta)/);
    expect(count('[alpha] stopped alpha')).toBe(2);
    expect(count('[beta] stopped beta')).toBe(1);
    for (const pid of pids()) expect(alive(pid), `service process ${pid}`).toBe(false);
  }, 180_000);

  it('says which .env is missing, and runs nothing', async () => {
    const repo = fakeRepo();
    rmSync(path.join(repo, 'services', 'beta', '.env'));
    const dev = spawn(NODE24, ['scripts/dev.mjs', 'services/beta'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    dev.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => dev.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toBe('services/beta/.env is missing: copy services/beta/.env.example to it and set the database password there.\n');
  }, 30_000);
});
