// What the fake executables (fake-docker.ts, fake-kubectl.ts) share: a bin folder to put first on PATH holding
// one script under each tool's name, a state folder the script keeps its answers in, the calls it recorded
// (calls.jsonl, one JSON object a line), and a switch making one subcommand fail (the script exits 1 while
// state/fail-<subcommand> exists).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface FakeTools<Call> {
  bin: string;
  state: string;
  calls(): Call[];
  failOn(subcommand: string | undefined): void;
}

export function installFakeTools<Call>(dir: string, tools: readonly string[], script: string): FakeTools<Call> {
  const bin = path.join(dir, 'bin');
  const state = path.join(dir, 'state');
  mkdirSync(bin, { recursive: true });
  mkdirSync(state, { recursive: true });
  for (const tool of tools) writeFileSync(path.join(bin, tool), script, { mode: 0o755 });
  writeFileSync(path.join(state, 'calls.jsonl'), '');
  let failing: string | undefined;
  return {
    bin,
    state,
    calls: () =>
      readFileSync(path.join(state, 'calls.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Call),
    failOn(subcommand) {
      if (failing) rmSync(path.join(state, `fail-${failing}`), { force: true });
      failing = subcommand;
      if (subcommand) writeFileSync(path.join(state, `fail-${subcommand}`), '');
    },
  };
}
