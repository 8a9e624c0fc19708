// A fake `kubectl` for running scripts/deploy.sh's Kubernetes path without a cluster (none can run here). It
// records every call (arguments, the --context and --namespace given, and the manifests of `apply -f`) and keeps
// just enough state to answer deploy.sh's questions: `apply` creates the Deployments it is given, `annotate`
// stores annotations, `get deployment -o go-template={{... index . "key"}}` answers from them, and `get secret`
// succeeds for the Secrets the test says exist. kustomize is the real one (the pinned 4.5.4), so the manifests
// recorded are what the cluster would receive; what the fake proves is which kubectl commands run, in which
// order, not that an API server accepts them.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { installFakeTools } from './fake-tool.js';

export interface FakeKubectlCall {
  args: string[];
  context: string | undefined;
  namespace: string | undefined;
  /** The content of the file of `apply -f <file>` (deploy.sh deletes it on exit). */
  applied?: string;
}

export interface FakeKubectl {
  /** Put first on PATH. */
  bin: string;
  calls(): FakeKubectlCall[];
  /** Make `kubectl <verb>` (apply, wait, rollout, ...) exit 1. */
  failOn(verb: string | undefined): void;
  /** Secrets the namespace has. */
  setSecrets(names: string[]): void;
  annotations(deployment: string): Record<string, string> | undefined;
  setAnnotations(deployment: string, annotations: Record<string, string>): void;
}

const SCRIPT = String.raw`#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const state = path.join(__dirname, '..', 'state');
const read = (file, fallback) => { try { return JSON.parse(fs.readFileSync(path.join(state, file), 'utf8')); } catch { return fallback; } };
const write = (file, value) => fs.writeFileSync(path.join(state, file), JSON.stringify(value));
let context, namespace;
const args = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 1) {
  if (argv[i] === '--context') context = argv[(i += 1)];
  else if (argv[i] === '--namespace') namespace = argv[(i += 1)];
  else args.push(argv[i]);
}
const verb = args[0];
const fileArg = args.indexOf('-f');
const applied = verb === 'apply' && fileArg > 0 ? fs.readFileSync(args[fileArg + 1], 'utf8') : undefined;
fs.appendFileSync(path.join(state, 'calls.jsonl'), JSON.stringify({ args, context, namespace, applied }) + '\n');
if (fs.existsSync(path.join(state, 'fail-' + verb))) { console.error('fake kubectl: ' + verb + ' failed'); process.exit(1); }
const deployments = read('deployments.json', {});
if (verb === 'get' && args[1] === 'deployment') {
  const annotations = deployments[args[2]];
  if (annotations) {
    const template = args.find((a) => a.startsWith('go-template='));
    const key = /index \. "([^"]+)"/.exec(template)[1];
    process.stdout.write(Object.keys(annotations).length === 0 ? '' : (annotations[key] ?? '<no value>'));
  }
} else if (verb === 'get' && args[1] === 'secret') {
  if (!read('secrets.json', []).includes(args[2])) {
    console.error('Error from server (NotFound): secrets "' + args[2] + '" not found');
    process.exit(1);
  }
  console.log('secret/' + args[2]);
} else if (verb === 'apply' && !args.some((a) => a.startsWith('--dry-run'))) {
  for (const doc of applied.split(/^---$/m)) {
    if (!/^kind: "?Deployment"?$/m.test(doc)) continue;
    const name = /^metadata:\n(?:  .*\n)*?  name: "?([^"\n]+)"?$/m.exec(doc)[1];
    deployments[name] ??= {};
  }
  write('deployments.json', deployments);
} else if (verb === 'annotate') {
  const name = args[2];
  for (const pair of args.slice(3).filter((a) => a.includes('='))) {
    const at = pair.indexOf('=');
    deployments[name][pair.slice(0, at)] = pair.slice(at + 1);
  }
  write('deployments.json', deployments);
}
`;

export function installFakeKubectl(dir: string): FakeKubectl {
  const { bin, state, calls, failOn } = installFakeTools<FakeKubectlCall>(dir, ['kubectl'], SCRIPT);
  const deployments = (): Record<string, Record<string, string>> => {
    try {
      return JSON.parse(readFileSync(path.join(state, 'deployments.json'), 'utf8')) as Record<string, Record<string, string>>;
    } catch {
      return {};
    }
  };
  return {
    bin,
    calls,
    failOn,
    setSecrets(names) {
      writeFileSync(path.join(state, 'secrets.json'), JSON.stringify(names));
    },
    annotations: (deployment) => deployments()[deployment],
    setAnnotations(deployment, annotations) {
      writeFileSync(path.join(state, 'deployments.json'), JSON.stringify({ ...deployments(), [deployment]: annotations }));
    },
  };
}
