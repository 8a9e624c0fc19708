// Fake `docker-compose` and `docker` executables for running scripts/deploy.sh without a Docker engine.
// They record every call (arguments, and the content of any extra compose file, which deploy.sh deletes on
// exit) and keep just enough state to answer deploy.sh's questions: `up` stores the labels of the override
// file per service, `ps -q <service>` names a container when one was "started", `docker inspect --format
// '{{ index .Config.Labels "x" }}'` answers from the stored labels. They prove which commands deploy.sh
// runs, in which order and with which files, not that Docker accepts them.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { installFakeTools } from './fake-tool.js';

export interface FakeCall {
  tool: 'docker-compose' | 'docker';
  args: string[];
  /** Content of the compose files named with -f after the first (deploy.sh's override). */
  overrides: string[];
  /** DOCKER_HOST as the tool saw it. */
  dockerHost: string | undefined;
}

export interface FakeDocker {
  /** Put first on PATH. */
  bin: string;
  calls(): FakeCall[];
  /** Make `docker-compose <subcommand>` exit 1. */
  failOn(subcommand: string | undefined): void;
  /** Overwrite the stored labels of a service's container. */
  setLabels(service: string, labels: Record<string, string>): void;
}

const SCRIPT = String.raw`#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const state = process.env.FAKE_DOCKER_STATE || path.join(__dirname, '..', 'state');
const tool = path.basename(process.argv[1]);
const args = process.argv.slice(2);
const read = (file, fallback) => { try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return fallback; } };
const labelsFile = path.join(state, 'labels.json');
const labels = read(labelsFile, {});
const files = [];
for (let i = 0; i < args.length; i += 1) if (args[i] === '-f') files.push(args[i + 1]);
const overrides = files.slice(1).map((f) => fs.readFileSync(f, 'utf8'));
fs.appendFileSync(path.join(state, 'calls.jsonl'), JSON.stringify({ tool, args, overrides, dockerHost: process.env.DOCKER_HOST }) + '\n');
if (tool === 'docker') {
  if (args[0] === 'inspect') {
    const key = /"([^"]+)"/.exec(args[2])[1];
    const service = args[3].replace(/^cid-/, '');
    process.stdout.write((labels[service] || {})[key] ?? '<no value>');
    process.stdout.write('\n');
  }
  process.exit(0);
}
const sub = args.find((a, i) => !a.startsWith('-') && !['-f', '-p', '--env-file'].includes(args[i - 1]));
if (fs.existsSync(path.join(state, 'fail-' + sub))) { console.error('fake docker-compose: ' + sub + ' failed'); process.exit(1); }
const rest = args.slice(args.indexOf(sub) + 1);
if (sub === 'ps') {
  const service = rest[rest.length - 1];
  if (labels[service]) console.log('cid-' + service);
}
if (sub === 'up') {
  // Services are the arguments after the options; their labels come from the override file.
  const services = rest.filter((a) => !a.startsWith('-'));
  for (const service of services) {
    const block = overrides.join('\n').split('\n  ' + service + ':\n')[1]?.split(/\n  [^ ]/)[0] ?? '';
    const found = {};
    for (const m of block.matchAll(/^      ([\w.-]+): "(.*)"$/gm)) found[m[1]] = m[2];
    labels[service] = found;
  }
  fs.writeFileSync(labelsFile, JSON.stringify(labels));
}
`;

export function installFakeDocker(dir: string): FakeDocker {
  const { bin, state, calls, failOn } = installFakeTools<FakeCall>(dir, ['docker-compose', 'docker'], SCRIPT);
  return {
    bin,
    calls,
    failOn,
    setLabels(service, labels) {
      const file = path.join(state, 'labels.json');
      let all: Record<string, Record<string, string>> = {};
      try {
        all = JSON.parse(readFileSync(file, 'utf8')) as typeof all;
      } catch {
        // no container yet
      }
      all[service] = labels;
      writeFileSync(file, JSON.stringify(all));
    },
  };
}

