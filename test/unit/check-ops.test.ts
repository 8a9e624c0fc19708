// scripts/check-ops.mjs of a generated repo (`npm run ops:check`, run by the ops:runbooks job of both
// pipelines): run with node in rendered repos, as generated and after the edits a team makes to its alerts
// and runbooks. promtool and amtool are checked in alerts-runbooks.test.ts and observability.test.ts.
// The script reads the rule files with the generated repo's `yaml` devDependency: this repo's copy stands in
// for the install (the same version, DEPENDENCY_VERSIONS.yaml).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import type { StackChoices } from '../../generators/shared/choices.js';
import { DEPENDENCY_VERSIONS } from '../../generators/shared/versions.js';
import { run as runTool } from '../support/isolated.js';
import { answersFor, emptyTree, renderedFiles, writeFiles } from './fixtures.js';

const YAML_PACKAGE = path.dirname(createRequire(import.meta.url).resolve('yaml/package.json'));

const work = mkdtempSync(path.join(tmpdir(), 'csb-check-ops-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const RULES = 'ops/prometheus/rules';
/** The first service's rule file, where the tests make their edits. */
const ALERTS = `${RULES}/api.yml`;
const RUNBOOKS = ['db-pool-saturated', 'registration-lost', 'rpc-error-rate-high', 'rpc-latency-high', 'service-down'];
const SERVICES = ['api', 'billing-events'];
/** A problem line: the file (with the alert's line for a rule file), what is wrong, then after a colon the fix. */
const PROBLEM_LINE = /^(ops\/prometheus\/rules\/[\w-]+\.yml:\d+: alert \w+ \(group service-[\w-]+\)|docs\/runbooks\/[\w-]+\.md)[ :].+: .+/;

function render(choices: Partial<StackChoices>): string {
  const tree = emptyTree();
  workspaceGenerator(tree, answersFor(choices, SERVICES));
  const repo = writeFiles(mkdtempSync(path.join(work, 'generated-')), renderedFiles(tree));
  mkdirSync(path.join(repo, 'node_modules'));
  symlinkSync(YAML_PACKAGE, path.join(repo, 'node_modules', 'yaml'));
  return repo;
}

const generated = {
  gitlab: render({}),
  jenkins: render({ rpc: 'thrift', discovery: 'consul', db: 'tidb', ci: 'jenkins' }),
};

/** A copy of a generated repo, edited by `edit`, then checked from another directory. */
function check(edit: (repo: string) => void = () => {}, from: keyof typeof generated = 'gitlab') {
  const repo = mkdtempSync(path.join(work, 'edited-'));
  cpSync(generated[from], repo, { recursive: true });
  edit(repo);
  const result = spawnSync(process.execPath, [path.join(repo, 'scripts/check-ops.mjs')], { cwd: work, encoding: 'utf8' });
  const problems = result.stderr.split('\n').filter(Boolean).slice(0, -1);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, problems };
}

function editAlerts(repo: string, change: (text: string) => string): void {
  const file = path.join(repo, ALERTS);
  const before = readFileSync(file, 'utf8');
  const after = change(before);
  expect(after, 'the edit changed nothing').not.toBe(before);
  writeFileSync(file, after);
}

describe('scripts/check-ops.mjs', () => {
  it.each(Object.keys(generated) as Array<keyof typeof generated>)('passes as generated (%s), with a one-line summary', (from) => {
    const run = check(undefined, from);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      `ops:check: ${RUNBOOKS.length * SERVICES.length} alerts with severity, dashboard_url and an existing runbook; ` +
        `${RUNBOOKS.length} runbooks, all linked.\n`,
    );
  });

  it('is the ops:check npm script; the yaml it reads the rule files with is a root devDependency', () => {
    const pkg = JSON.parse(readFileSync(path.join(generated.gitlab, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.scripts['ops:check']).toBe('node scripts/check-ops.mjs');
    expect(pkg.devDependencies.yaml).toBe(DEPENDENCY_VERSIONS.yaml);
    expect(JSON.parse(readFileSync(path.join(YAML_PACKAGE, 'package.json'), 'utf8'))).toMatchObject({ version: DEPENDENCY_VERSIONS.yaml });
  });

  it("fails when a runbook is deleted: one line per alert that links it, with its file and line", () => {
    const run = check((repo) => rmSync(path.join(repo, 'docs/runbooks/db-pool-saturated.md')));
    expect(run.status).toBe(1);
    expect(run.problems).toEqual(
      SERVICES.map((service) => {
        const file = `${RULES}/${service}.yml`;
        const line = readFileSync(path.join(generated.gitlab, file), 'utf8').split('\n').findIndex((text) => text.includes('- alert: DbPoolSaturated')) + 1;
        return `${file}:${line}: alert DbPoolSaturated (group service-${service}): runbook_url docs/runbooks/db-pool-saturated.md ` +
          'does not exist: write that runbook or fix runbook_url';
      }),
    );
    expect(run.stderr).toMatch(/^2 problem\(s\) in the ops files\.$/m);
  });

  it("fails when an alert's runbook_url names a missing file", () => {
    const run = check((repo) =>
      editAlerts(repo, (text) => text.replace('runbook_url: docs/runbooks/service-down.md', 'runbook_url: "docs/runbooks/svc-down.md"')),
    );
    expect(run.status).toBe(1);
    expect(run.problems).toHaveLength(1);
    expect(run.problems[0]).toMatch(PROBLEM_LINE);
    expect(run.problems[0]).toMatch(
      /^ops\/prometheus\/rules\/api\.yml:\d+: alert ServiceDown \(group service-api\): runbook_url docs\/runbooks\/svc-down\.md does not exist: write that runbook or fix runbook_url$/,
    );
  });

  it('fails on a runbook no alert links, not on a new procedure', () => {
    const run = check((repo) => {
      writeFileSync(path.join(repo, 'docs/runbooks/disk-full.md'), '# Disk full\n');
      writeFileSync(path.join(repo, 'docs/runbooks/procedures/restore.md'), '# Restore\n');
    });
    expect(run.status).toBe(1);
    expect(run.problems).toEqual([
      "docs/runbooks/disk-full.md: no alert links it: set an alert's runbook_url to it, delete it, or move it to docs/runbooks/procedures/",
    ]);
  });

  it('fails on an alert without severity, without dashboard_url or without runbook_url, naming the field to add', () => {
    const run = check((repo) =>
      editAlerts(repo, (text) =>
        text
          .replace(/( {10}severity: critical\n)/, '')
          .replace(/( {10}dashboard_url: .*\n)/, '')
          .replace(/( {10}runbook_url: docs\/runbooks\/registration-lost\.md\n)/, ''),
      ),
    );
    expect(run.status).toBe(1);
    expect(run.problems).toHaveLength(3);
    for (const line of run.problems) expect(line).toMatch(PROBLEM_LINE);
    expect(run.problems[0]).toMatch(/alert ServiceDown \(group service-api\) has no severity label: add labels\.severity/);
    expect(run.problems[1]).toMatch(/alert ServiceDown \(group service-api\) has no dashboard_url: add annotations\.dashboard_url/);
    expect(run.problems[2]).toMatch(/alert RegistrationLost \(group service-api\) has no runbook_url: add annotations\.runbook_url/);
  });

  it('reads severity from labels only: a severity annotation does not route', () => {
    const run = check((repo) =>
      editAlerts(repo, (text) =>
        text.replace(/( {10}severity: critical\n)((?: {10}.*\n)*? {8}annotations:\n)/, '$2$1'),
      ),
    );
    expect(run.status).toBe(1);
    expect(run.problems).toEqual([expect.stringMatching(/alert ServiceDown \(group service-api\) has no severity label/)]);
  });

  it('accepts a hosted runbook link by the repository path it ends with, and a new alert with its runbook (block scalars are text)', () => {
    const run = check((repo) => {
      editAlerts(repo, (text) =>
        text
          .replaceAll(
            'runbook_url: docs/runbooks/service-down.md',
            'runbook_url: https://gitlab.example.com/acme/app/-/blob/main/docs/runbooks/service-down.md#first-steps',
          )
          .concat(
            [
              '  - name: disks',
              '    rules:',
              '      - record: node:disk_free:ratio',
              '        expr: node_filesystem_avail_bytes / node_filesystem_size_bytes',
              '      - alert: DiskFull # added by the team',
              '        expr: |',
              '          node:disk_free:ratio < 0.1',
              '        labels:',
              "          severity: 'warning'",
              '        annotations:',
              '          runbook_url: "docs/runbooks/disk-full.md"',
              '          dashboard_url: http://127.0.0.1:3000/d/disks',
              '          description: >-',
              '            Less than 10% free; the runbook',
              '            runbook_url: docs/runbooks/disk-full.md says what to delete.',
              '',
            ].join('\n'),
          ),
      );
      writeFileSync(path.join(repo, 'docs/runbooks/disk-full.md'), '# Disk full\n');
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ops:check: 11 alerts .*; 6 runbooks, all linked\.$/m);
  });

  it('reads flow-style rules as promtool does: accepts a complete one, names what one lacks with its line', () => {
    const flowGroup = (severity: string) =>
      [
        '  - {name: disks, rules: [',
        '      {record: "node:disk_free:ratio", expr: node_filesystem_avail_bytes / node_filesystem_size_bytes},',
        `      {alert: DiskFull, expr: "node:disk_free:ratio < 0.1", labels: {${severity}}, annotations: {`,
        '        runbook_url: docs/runbooks/disk-full.md, dashboard_url: "http://127.0.0.1:3000/d/disks"}}]}',
        '',
      ].join('\n');
    const edit = (severity: string) => (repo: string) => {
      editAlerts(repo, (text) => text.concat(flowGroup(severity)));
      writeFileSync(path.join(repo, 'docs/runbooks/disk-full.md'), '# Disk full\n');
      const promtool = runTool('promtool', ['check', 'rules', ALERTS], { cwd: repo });
      expect(promtool.status, promtool.output).toBe(0);
    };
    const complete = check(edit('severity: warning'));
    expect(complete.stderr).toBe('');
    expect(complete.status).toBe(0);
    expect(complete.stdout).toMatch(/^ops:check: 11 alerts .*; 6 runbooks, all linked\.$/m);

    const incomplete = check(edit('team: storage'));
    expect(incomplete.status).toBe(1);
    const line = readFileSync(path.join(generated.gitlab, ALERTS), 'utf8').split('\n').length + 2;
    expect(incomplete.problems).toEqual([
      `${ALERTS}:${line}: alert DiskFull (group disks) has no severity label: add labels.severity (critical pages, warning opens a ticket)`,
    ]);
  });

  it('fails on a file that is not YAML, saying where', () => {
    const run = check((repo) => editAlerts(repo, (text) => text.concat('  - name: broken\n    rules: [\n')));
    expect(run.status).toBe(1);
    expect(run.problems).toEqual([expect.stringMatching(/^ops\/prometheus\/rules\/api\.yml: not YAML: .* at line \d+, column \d+:$/)]);
  });

  it('fails when the rule files are missing', () => {
    const run = check((repo) => rmSync(path.join(repo, RULES), { recursive: true }));
    expect(run.status).toBe(1);
    expect(run.problems[0]).toBe(`${RULES}/: no alerts found: restore the services' rule files, one \`- alert:\` rule per alert`);
  });
});
