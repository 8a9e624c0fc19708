import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../cli/run-cli.js';
import { node24Env } from './node24.js';

const BIN_DIR = fileURLToPath(new URL('../../node_modules/.bin', import.meta.url));

/**
 * No Docker engine runs here, so a Dockerfile's install is replayed without one: the stage's COPY
 * lines (from the build context) into an empty folder, then its RUN lines up to and including the
 * install, with Node 24 and this project's pnpm on PATH standing in for the image's (`corepack enable`
 * is the image's way to get that pnpm and is skipped). What the install sees is exactly what the
 * image would: the files the COPY lines name, nothing else.
 */
export function replayDockerfileInstall(repo: string, dockerfile: string, stage: 'build' | 'runtime') {
  const text = readFileSync(path.join(repo, dockerfile), 'utf8').replace(/\\\n\s*/g, ' ');
  const stageText = text.split(/^FROM /m).find((block) => new RegExp(`^\\S+ AS ${stage}\\n`).test(block));
  if (!stageText) throw new Error(`${dockerfile} has no stage ${stage}`);
  const context = path.join(tempDir(`csb-docker-${stage}-`), 'app');
  mkdirSync(context, { recursive: true });
  const commands: string[] = [];
  let workdir = context;
  for (const line of stageText.split('\n')) {
    const copy = /^COPY (?!--from)(.+) (\S+)$/.exec(line);
    const run = /^RUN (.+)$/.exec(line);
    if (/^WORKDIR /.test(line)) workdir = path.join(context, line.slice('WORKDIR /app'.length));
    if (copy) {
      for (const source of copy[1]!.split(' ')) {
        const destination = copy[2]!;
        const target = destination.endsWith('/') ? path.join(workdir, destination, path.basename(source)) : path.join(workdir, destination);
        mkdirSync(path.dirname(target), { recursive: true });
        copyFileSync(path.join(repo, source), target);
      }
    }
    if (run) {
      commands.push(run[1]!.replace(/^corepack enable && /, ''));
      if (/\b(npm ci|pnpm install)\b/.test(run[1]!)) break;
    }
  }
  if (!commands.some((command) => /\b(npm ci|pnpm install)\b/.test(command))) throw new Error(`${dockerfile} ${stage}: no install`);
  const env = node24Env();
  env.PATH = `${env.PATH!.split(path.delimiter)[0]}${path.delimiter}${BIN_DIR}${path.delimiter}${env.PATH!.split(path.delimiter).slice(1).join(path.delimiter)}`;
  const result = spawnSync('sh', ['-ec', commands.join('\n')], { cwd: workdir, env: { ...env, npm_config_fund: 'false' }, encoding: 'utf8' });
  return { context, commands, status: result.status, output: `${result.stdout}\n${result.stderr}` };
}
