import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../cli/run-cli.js';
import { node24Env } from './node24.js';

/**
 * No Docker engine runs here, so a Dockerfile's install is replayed without one: the stage's COPY
 * lines (from the build context) into an empty folder, then its RUN lines up to and including the
 * install, as written, with Node 24 standing in for the image's Node and a scratch npm prefix for its
 * global folder (so `npm install --global pnpm@…` installs for real, into that prefix only). What
 * the install sees is exactly what the image would: the files the COPY lines name, nothing else.
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
      commands.push(run[1]!);
      if (/\b(npm ci|pnpm install)\b/.test(run[1]!)) break;
    }
  }
  if (!commands.some((command) => /\b(npm ci|pnpm install)\b/.test(command))) throw new Error(`${dockerfile} ${stage}: no install`);
  const prefix = tempDir('csb-docker-global-');
  const env = node24Env();
  env.PATH = `${path.join(prefix, 'bin')}${path.delimiter}${env.PATH}`;
  const result = spawnSync('sh', ['-ec', commands.join('\n')], {
    cwd: workdir,
    env: { ...env, npm_config_prefix: prefix, npm_config_fund: 'false' },
    encoding: 'utf8',
  });
  return { context, commands, status: result.status, output: `${result.stdout}\n${result.stderr}` };
}
