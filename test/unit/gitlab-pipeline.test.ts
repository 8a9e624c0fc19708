// The GitLab CI choice's pipeline as GitLab would plan it, and the deploy script both pipelines share.
// Pipelines are planned by gitlab-ci-local (`--list-json`, with the predefined variables of a branch, a
// default-branch, a tag and a merge request pipeline; it also validates against GitLab's JSON schema). Jobs
// are run for real where they need no Docker: `commits` with gitlab-ci-local's shell executor in a rendered
// repository with a git history, and the deploy jobs with fake `docker` / `docker-compose` executables
// (test/support/fake-docker.ts), which prove the commands and their order, not that a Docker engine accepts them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import type { StackChoices } from '../../generators/shared/choices.js';
import { IMAGE_TAGS } from '../../generators/shared/versions.js';
import { answersFor, emptyTree, renderedFiles, writeFiles } from './fixtures.js';
import { installFakeDocker, type FakeCall } from '../support/fake-docker.js';
import { installFakeKubectl } from '../support/fake-kubectl.js';
import { pinnedKustomize } from '../support/kustomize.js';

const KUSTOMIZE = pinnedKustomize();

const GITLAB_CI_LOCAL = fileURLToPath(new URL('../../node_modules/.bin/gitlab-ci-local', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'csb-gitlab-pipeline-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const GIT = ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false'];
function git(repo: string, ...args: string[]): string {
  const result = spawnSync('git', [...GIT, ...args], { cwd: repo, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
}

let rendered = 0;
/** Renders the whole repo (in memory, then to disk) as one first commit on main. */
function renderRepo(choices: Partial<StackChoices>, services: string[]): string {
  const tree = emptyTree();
  workspaceGenerator(tree, answersFor({ ...choices, ci: 'gitlab' }, services));
  const dir = writeFiles(path.join(work, `repo-${(rendered += 1)}`), renderedFiles(tree));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'chore: initial commit');
  return dir;
}

interface Run {
  status: number | null;
  output: string;
}

function gitlabCiLocal(repo: string, args: string[], env: Record<string, string> = {}): Run {
  const result = spawnSync(GITLAB_CI_LOCAL, args, {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Predefined variables of each kind of pipeline; `unset` removes what gitlab-ci-local derives from git. */
const PIPELINES = {
  branch: { set: { CI_COMMIT_BRANCH: 'feature/x', CI_COMMIT_REF_NAME: 'feature/x' }, unset: [] },
  main: { set: { CI_COMMIT_BRANCH: 'main', CI_DEFAULT_BRANCH: 'main' }, unset: [] },
  tag: { set: { CI_COMMIT_TAG: 'v1.2.0', CI_COMMIT_REF_NAME: 'v1.2.0', CI_DEFAULT_BRANCH: 'main' }, unset: ['CI_COMMIT_BRANCH'] },
  'merge request': {
    set: { CI_PIPELINE_SOURCE: 'merge_request_event', CI_MERGE_REQUEST_IID: '7', CI_DEFAULT_BRANCH: 'main' },
    unset: ['CI_COMMIT_BRANCH'],
  },
} as const;
type PipelineKind = keyof typeof PIPELINES;

function variableArgs(kind: PipelineKind, extra: Record<string, string> = {}): string[] {
  const { set, unset } = PIPELINES[kind];
  const all = { ...set, ...extra };
  return [
    '--ignore-predefined-vars', [...Object.keys(all), ...unset].join(','),
    ...unset.flatMap((name) => ['--unset-variable', name]),
    ...Object.entries(all).flatMap(([name, value]) => ['--variable', `${name}=${value}`]),
  ];
}

interface ListedJob {
  name: string;
  stage: string;
  when: string;
  allow_failure: boolean;
  needs?: Array<{ job: string }>;
}

/** The jobs GitLab would create for this kind of pipeline (gitlab-ci-local excludes none itself in JSON). */
function plannedJobs(repo: string, kind: PipelineKind): ListedJob[] {
  const run = gitlabCiLocal(repo, ['--list-json', ...variableArgs(kind)]);
  expect(run.status, run.output).toBe(0);
  const json = run.output.slice(run.output.indexOf('\n[') + 1, run.output.lastIndexOf(']') + 1);
  return (JSON.parse(json) as ListedJob[]).filter((job) => job.when !== 'never');
}

const CASES = [
  { title: 'grpc + etcd + mysql, service api', choices: {}, services: ['api'] },
  {
    title: 'thrift + consul + tidb, services orders,billing-events',
    choices: { rpc: 'thrift', discovery: 'consul', db: 'tidb' } as Partial<StackChoices>,
    services: ['orders', 'billing-events'],
  },
];

describe.each(CASES)('GitLab pipeline, $title (planned by gitlab-ci-local)', ({ choices, services }) => {
  let repo: string;
  let pipeline: Record<string, Record<string, unknown>>;
  const builds = services.map((s) => `build:${s}`);
  const OPS_JOBS = ['ops:runbooks', 'ops:rules', 'ops:alertmanager'];
  const CI_JOBS = ['install', 'lint', ...OPS_JOBS, 'upgrade:check', 'typecheck', 'test', ...builds];
  const RELEASE_JOBS = ['deploy-staging', 'deploy-production', 'rollback-production'];

  beforeAll(() => {
    repo = renderRepo(choices, services);
    pipeline = YAML.parse(readFileSync(path.join(repo, '.gitlab-ci.yml'), 'utf8')) as typeof pipeline;
  });

  it('validates against GitLab\'s schema', () => {
    const run = gitlabCiLocal(repo, ['--list', ...variableArgs('main')]);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(/json schema validated/);
  });

  it.each([
    ['branch', CI_JOBS],
    ['merge request', ['install', 'lint', ...OPS_JOBS, 'commits', 'upgrade:check', 'typecheck', 'test', ...builds]],
    ['main', [...CI_JOBS, ...RELEASE_JOBS]],
    ['tag', [...CI_JOBS, ...RELEASE_JOBS]],
  ] as const)('a %s pipeline has exactly the expected jobs', (kind, expected) => {
    // As a set: the included build jobs come first in the file order gitlab-ci-local lists.
    expect(plannedJobs(repo, kind).map((j) => j.name).sort()).toEqual([...expected].sort());
  });

  it.each(['main', 'tag'] as const)(
    'in a %s pipeline staging deploys after every build by itself; production deploy comes after it, by hand; rollback by hand at any time',
    (kind) => {
      const jobs = new Map(plannedJobs(repo, kind).map((j) => [j.name, j]));
      const needs = (name: string) => jobs.get(name)!.needs?.map((n) => n.job);
      // No `needs`: staging waits for every job of the earlier stages, every service's build among them.
      expect(jobs.get('deploy-staging')).toMatchObject({ when: 'on_success', stage: 'staging' });
      expect(needs('deploy-staging')).toBeUndefined();
      expect(builds.map((build) => jobs.get(build)?.stage)).toEqual(builds.map(() => 'build'));
      // Blocking: the pipeline shows production as waiting until someone deploys it.
      expect(jobs.get('deploy-production')).toMatchObject({ when: 'manual', allow_failure: false, stage: 'production' });
      expect(needs('deploy-production')).toEqual(['deploy-staging']);
      // Optional: a rollback nobody needs must not hold the pipeline up, and it redeploys an image already built.
      expect(jobs.get('rollback-production')).toMatchObject({ when: 'manual', allow_failure: true, stage: 'production' });
      expect(needs('rollback-production')).toEqual([]);
    },
  );

  it('upgrade:check runs `startup-backend upgrade --check` after install and never blocks the pipeline', () => {
    const jobs = new Map(plannedJobs(repo, 'branch').map((j) => [j.name, j]));
    expect(jobs.get('upgrade:check')).toMatchObject({ stage: 'lint', when: 'on_success', allow_failure: true });
    expect(pipeline['upgrade:check']).toMatchObject({ extends: '.dependencies', needs: ['install'], script: ['npm run upgrade:check'] });
  });

  it('ops jobs run in the lint stage, promtool and amtool from the start in the pinned images with a shell entrypoint', () => {
    const jobs = new Map(plannedJobs(repo, 'branch').map((j) => [j.name, j]));
    for (const name of OPS_JOBS) {
      expect(jobs.get(name), name).toMatchObject({ stage: 'lint', when: 'on_success', allow_failure: false });
      expect((jobs.get(name)!.needs ?? []).map((n) => n.job), name).toEqual(name === 'ops:runbooks' ? ['install'] : []);
    }
    // check-ops.mjs reads the rule files with the `yaml` devDependency: `npm ci` first.
    expect(pipeline['ops:runbooks']).toMatchObject({ extends: '.dependencies', script: ['npm run ops:check'] });
    expect(pipeline['ops:rules']).toMatchObject({ image: { name: IMAGE_TAGS.prometheus, entrypoint: [''] } });
    expect(pipeline['ops:alertmanager']).toMatchObject({ image: { name: IMAGE_TAGS.alertmanager, entrypoint: [''] } });
  });

  it('deploy jobs: environments, one deploy per environment at a time, never interrupted, all through deploy.sh', () => {
    const job = (name: string) => ({ ...pipeline['.deploy'], ...pipeline[name] }) as Record<string, unknown>;
    expect(job('deploy-staging')).toMatchObject({ environment: { name: 'staging' }, resource_group: 'staging' });
    for (const name of ['deploy-production', 'rollback-production']) {
      expect(job(name), name).toMatchObject({ environment: { name: 'production' }, resource_group: 'production' });
    }
    for (const name of RELEASE_JOBS) {
      expect(job(name).interruptible, name).toBe(false);
      // The image DEPLOY_TARGET needs: docker by default, kubectl and kustomize for kubernetes (its rule comes first).
      expect(job(name).image, name).toBe('$DEPLOY_IMAGE');
      const rules = pipeline[name]!.rules as { if: string; variables?: Record<string, string> }[];
      expect(rules.map((rule) => rule.variables?.DEPLOY_IMAGE), name).toEqual([IMAGE_TAGS.kubectl, undefined]);
      expect(rules[0]!.if, name).toBe(`(${rules[1]!.if}) && $DEPLOY_TARGET == "kubernetes"`);
    }
    expect(pipeline['.deploy']!.variables).toMatchObject({ DEPLOY_IMAGE: IMAGE_TAGS.docker });
    expect((pipeline.variables as Record<string, string>).DEPLOY_TARGET).toBe('compose');
    expect(pipeline['deploy-staging']!.script).toEqual(['sh scripts/deploy.sh staging "$CI_COMMIT_SHA"']);
    expect(pipeline['deploy-production']!.script).toEqual(['sh scripts/deploy.sh production "$CI_COMMIT_SHA"']);
    expect(pipeline['rollback-production']!.script).toEqual(['sh scripts/deploy.sh production "$ROLLBACK_TO"']);
    expect(pipeline['rollback-production']!.variables).toEqual({ ROLLBACK_TO: 'previous' });
    expect(existsSync(path.join(repo, 'scripts/deploy.sh'))).toBe(true);
  });

  it('build jobs, one file per service extending .build, push $CI_REGISTRY_IMAGE/<service>:$CI_COMMIT_SHA (and :<tag>) on main and tags only (scripts run with a fake docker)', () => {
    expect(pipeline.include).toEqual([{ local: '.gitlab/ci/services/*.yml' }]);
    const buildJob = (service: string) => {
      const own = (YAML.parse(readFileSync(path.join(repo, `.gitlab/ci/services/${service}.yml`), 'utf8')) as typeof pipeline)[`build:${service}`]!;
      expect(own.extends).toBe('.build');
      const base = pipeline['.build']!;
      return { ...base, ...own, variables: { ...(base.variables as object), ...(own.variables as object) } } as Record<string, unknown>;
    };
    const pushed = (service: string, env: Record<string, string>) => {
      const job = buildJob(service);
      const script = (job.script as string[]).join('\n');
      const result = spawnSync('sh', ['-ec', `docker() { echo "docker $*"; }\n${script}`], {
        env: {
          PATH: process.env.PATH,
          ...(job.variables as Record<string, string>),
          IMAGE: `registry.example.com/acme/${service}`,
          CI_COMMIT_SHA: 'c0ffee'.padEnd(40, '0'),
          CI_DEFAULT_BRANCH: 'main',
          ...env,
        },
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
      return result.stdout.split('\n').filter((line) => line.startsWith('docker push '));
    };
    const sha = 'c0ffee'.padEnd(40, '0');
    for (const service of services) {
      expect(buildJob(service).variables).toMatchObject({ IMAGE: `$CI_REGISTRY_IMAGE/${service}`, DOCKERFILE: `services/${service}/Dockerfile` });
      expect(pushed(service, { CI_COMMIT_BRANCH: 'feature/x' })).toEqual([]);
      expect(pushed(service, { CI_COMMIT_BRANCH: 'main' })).toEqual([`docker push registry.example.com/acme/${service}:${sha}`]);
      expect(pushed(service, { CI_COMMIT_TAG: 'v1.2.0' })).toEqual([
        `docker push registry.example.com/acme/${service}:${sha}`,
        `docker push registry.example.com/acme/${service}:v1.2.0`,
      ]);
    }
  });
});

describe('GitLab `commits` job, run by gitlab-ci-local (shell executor) in a merge request pipeline', () => {
  let repo: string;
  let base: string;
  beforeAll(() => {
    repo = renderRepo({}, ['api']);
    base = git(repo, 'rev-parse', 'HEAD');
  });

  const runCommits = () =>
    gitlabCiLocal(repo, [
      '--force-shell-executor',
      ...variableArgs('merge request', { CI_MERGE_REQUEST_DIFF_BASE_SHA: base }),
      'commits',
    ]);

  it('passes with Conventional Commits subjects on the branch', () => {
    git(repo, 'checkout', '-q', '-b', 'good');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'feat(api): add items');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'fix!: drop the old flag');
    const run = runCommits();
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(new RegExp(`Commit subjects of ${base}\\.\\.${git(repo, 'rev-parse', 'HEAD')} \\(\\d+\\) follow`));
    expect(run.output).toMatch(/PASS\s+commits/);
  }, 60_000);

  it('fails on a subject that is not, naming it (and not the commits before the merge request)', () => {
    git(repo, 'checkout', '-q', '-b', 'bad', 'main');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'feat: fine');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'Added stuff');
    const run = runCommits();
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/FAIL\s+commits/);
    expect(run.output).toContain('Added stuff');
    expect(run.output).not.toContain('chore: initial commit');
  }, 60_000);
});

// The images' promtool and amtool are replaced by Debian's (packages prometheus, prometheus-alertmanager):
// the shell executor runs the jobs' scripts on this machine.
describe('GitLab ops jobs, run by gitlab-ci-local (shell executor)', () => {
  const OPS_JOBS = ['ops:runbooks', 'ops:rules', 'ops:alertmanager'];
  const runOps = (repo: string) => gitlabCiLocal(repo, ['--force-shell-executor', ...variableArgs('branch'), ...OPS_JOBS]);

  it('pass in the repo as generated', () => {
    const run = runOps(renderRepo({ rpc: 'thrift', discovery: 'consul' }, ['api', 'billing-events']));
    expect(run.status, run.output).toBe(0);
    for (const job of OPS_JOBS) expect(run.output).toMatch(new RegExp(`PASS\\s+${job}\\b`));
    expect(run.output).toMatch(/ops:check: 10 alerts with severity, dashboard_url and an existing runbook; 5 runbooks, all linked\./);
    // Each service's rule file, checked by `promtool check rules` and again by `check config`.
    expect(run.output.match(/SUCCESS: 5 rules found/g)).toHaveLength(4);
  }, 60_000);

  it('fail on a deleted runbook, a broken rule and a broken Alertmanager route, each in its own job', () => {
    const repo = renderRepo({}, ['api']);
    rmSync(path.join(repo, 'docs/runbooks/service-down.md'));
    const alerts = path.join(repo, 'ops/prometheus/rules/api.yml');
    writeFileSync(alerts, readFileSync(alerts, 'utf8').replace('for: 1m', 'for: one minute'));
    const alertmanager = path.join(repo, 'ops/alertmanager/alertmanager.yml');
    writeFileSync(alertmanager, readFileSync(alertmanager, 'utf8').replace('receiver: on-call-page', 'receiver: nobody'));
    const run = runOps(repo);
    expect(run.status).not.toBe(0);
    for (const job of OPS_JOBS) expect(run.output).toMatch(new RegExp(`FAIL\\s+${job}\\b`));
    expect(run.output).toContain('runbook_url docs/runbooks/service-down.md does not exist');
    expect(run.output).toMatch(/undefined receiver "nobody"/);
  }, 60_000);
});

describe('GitLab deploy jobs, run by gitlab-ci-local (shell executor) against fake docker / docker-compose', () => {
  let repo: string;
  beforeAll(() => {
    repo = renderRepo({}, ['api', 'billing-events']);
  });

  it('deploy-staging and rollback-production reach deploy.sh with the registry image and the environment\'s DOCKER_HOST', () => {
    const fake = installFakeDocker(path.join(work, 'fake-gitlab'));
    const env = { PATH: `${fake.bin}:${process.env.PATH}` };
    const extra = {
      CI_REGISTRY_IMAGE: 'registry.example.com/acme/shop',
      CI_REGISTRY: 'registry.example.com',
      CI_REGISTRY_USER: 'gitlab-ci-token',
      CI_REGISTRY_PASSWORD: 'job-token',
      DOCKER_HOST: 'ssh://deploy@staging.example.com',
    };
    const staging = gitlabCiLocal(repo, ['--force-shell-executor', ...variableArgs('main', extra), 'deploy-staging'], env);
    expect(staging.status, staging.output).toBe(0);
    const sha = git(repo, 'rev-parse', 'HEAD');
    const compose = fake.calls().filter((c) => c.tool === 'docker-compose');
    expect(fake.calls()[0]!.args.slice(0, 2)).toEqual(['login', '-u']);
    expect(compose.map((c) => c.args.find((a) => ['ps', 'config', 'pull', 'up'].includes(a)))).toEqual(['ps', 'config', 'pull', 'up']);
    const up = compose[compose.length - 1]!;
    expect(up.dockerHost).toBe('ssh://deploy@staging.example.com');
    expect(up.args.slice(0, 2)).toEqual(['-p', 'acme-staging']);
    expect(up.overrides[0]).toContain(`image: "registry.example.com/acme/shop/api:${sha}"`);
    expect(up.overrides[0]).toContain(`image: "registry.example.com/acme/shop/billing-events:${sha}"`);

    // A second deploy, then the rollback job with its default ROLLBACK_TO=previous returns to the first.
    fake.setLabels('api', { 'startup-backend.image-tag': 'newer', 'startup-backend.previous-image-tag': sha });
    fake.setLabels('billing-events', { 'startup-backend.image-tag': 'newer', 'startup-backend.previous-image-tag': sha });
    const rollback = gitlabCiLocal(repo, ['--force-shell-executor', ...variableArgs('main', extra), 'rollback-production'], env);
    expect(rollback.status, rollback.output).toBe(0);
    const last = fake.calls().filter((c) => c.tool === 'docker-compose').pop()!;
    expect(last.args).toContain('up');
    expect(last.args.slice(0, 2)).toEqual(['-p', 'acme-production']);
    expect(last.overrides[0]).toContain(`image: "registry.example.com/acme/shop/api:${sha}"`);
    expect(last.overrides[0]).toContain('startup-backend.previous-image-tag: "newer"');
  }, 120_000);
});

describe('GitLab deploy jobs with DEPLOY_TARGET=kubernetes, run by gitlab-ci-local (shell executor) with the pinned kustomize and a fake kubectl (no cluster)', () => {
  let repo: string;
  beforeAll(() => {
    repo = renderRepo({}, ['api', 'billing-events']);
  });

  it.skipIf(!('binary' in KUSTOMIZE))('deploy-staging applies the staging overlay with this commit\'s images to KUBE_CONTEXT, no docker login', () => {
    const fake = installFakeKubectl(path.join(work, 'fake-gitlab-kubectl'));
    const tools = path.join(work, 'tools-gitlab-kubectl');
    mkdirSync(tools);
    symlinkSync((KUSTOMIZE as { binary: string }).binary, path.join(tools, 'kustomize'));
    const samples = path.join(repo, 'deploy/k8s/overlays/staging/secrets');
    const secrets = Object.fromEntries(
      readdirSync(samples).map((sample) => {
        const name = path.basename(sample, '.env.sample');
        const file = path.join(work, `${name}.env`);
        writeFileSync(file, readFileSync(path.join(samples, sample)));
        return [`K8S_SECRET_${name.toUpperCase().replaceAll('-', '_')}`, file];
      }),
    );
    expect(Object.keys(secrets)).toContain('K8S_SECRET_DB_INIT');
    const extra = { CI_REGISTRY_IMAGE: 'registry.example.com/acme/shop', DEPLOY_TARGET: 'kubernetes', KUBE_CONTEXT: 'acme/shop:staging', ...secrets };
    const run = gitlabCiLocal(repo, ['--force-shell-executor', ...variableArgs('main', extra), 'deploy-staging'], {
      PATH: `${fake.bin}:${tools}:${process.env.PATH}`,
    });
    expect(run.status, run.output).toBe(0);
    expect(run.output).not.toContain('docker login');
    const sha = git(repo, 'rev-parse', 'HEAD');
    const apply = fake.calls().filter((c) => c.applied && !c.args.includes('--dry-run=server')).pop()!;
    expect(apply.context).toBe('acme/shop:staging');
    expect(apply.namespace).toBe('acme-staging');
    expect(apply.applied).toContain(`image: registry.example.com/acme/shop/api:${sha}`);
    expect(apply.applied).toContain(`image: registry.example.com/acme/shop/billing-events:${sha}`);
  }, 120_000);
});

describe('scripts/deploy.sh (shared by both pipelines)', () => {
  let repo: string;
  beforeAll(() => {
    repo = renderRepo({}, ['api', 'billing-events']);
  });

  it('is valid POSIX sh (sh -n) and passes shellcheck, which rejects a broken copy', () => {
    const script = path.join(repo, 'scripts/deploy.sh');
    const syntax = spawnSync('sh', ['-n', script], { encoding: 'utf8' });
    expect(syntax.status, syntax.stderr).toBe(0);
    const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
    expect(hasShellcheck, 'shellcheck is missing: apt-get install -y shellcheck').toBe(true);
    const check = spawnSync('shellcheck', ['-s', 'sh', script], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
    const broken = path.join(work, 'deploy-broken.sh');
    writeFileSync(broken, readFileSync(script, 'utf8').replace('[ -n "$id" ]', '[ -n $id ]'));
    const bad = spawnSync('shellcheck', ['-s', 'sh', broken], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/SC2070/);
  });

  describe('run against fake docker-compose and docker executables that record their arguments', () => {
    let dirs = 0;
    const setup = () => installFakeDocker(path.join(work, `fake-${(dirs += 1)}`));
    const deploy = (fake: ReturnType<typeof setup>, args: string[], env: Record<string, string> = {}) => {
      const result = spawnSync('sh', [path.join(repo, 'scripts/deploy.sh'), ...args], {
        cwd: tmpdir(), // deploy.sh finds the repository from its own path
        env: {
          PATH: `${fake.bin}:${process.env.PATH}`,
          DOCKER_HOST: 'ssh://deploy@host',
          IMAGE_PREFIX: 'registry.example.com/acme',
          ...env,
        },
        encoding: 'utf8',
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    };
    const composeCalls = (calls: FakeCall[]) => calls.filter((c) => c.tool === 'docker-compose').map((c) => c.args);
    const lastOverride = (calls: FakeCall[]) => calls.filter((c) => c.overrides.length > 0).pop()!.overrides[0]!;

    it('deploys every service: labels read, config checked, images pulled, then up without building', () => {
      const fake = setup();
      const run = deploy(fake, ['staging', 'abc123']);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const project = ['-p', 'acme-staging'];
      const withOverride = (args: string[]) => [...project, '-f', 'docker-compose.yml', '-f', expect.any(String), ...args];
      expect(composeCalls(fake.calls())).toEqual([
        // No container yet: nothing to read further.
        [...project, '-f', 'docker-compose.yml', 'ps', '-q', 'api'],
        withOverride(['config', '-q']),
        withOverride(['pull', 'api', 'billing-events']),
        withOverride(['up', '-d', '--no-build', 'api', 'billing-events']),
      ]);
      expect(lastOverride(fake.calls())).toBe(
        [
          'services:',
          '  api:',
          '    image: "registry.example.com/acme/api:abc123"',
          '    labels:',
          '      startup-backend.image-tag: "abc123"',
          '      startup-backend.previous-image-tag: ""',
          '  api-migrate:',
          '    image: "registry.example.com/acme/api:abc123"',
          '  billing-events:',
          '    image: "registry.example.com/acme/billing-events:abc123"',
          '    labels:',
          '      startup-backend.image-tag: "abc123"',
          '      startup-backend.previous-image-tag: ""',
          '  billing-events-migrate:',
          '    image: "registry.example.com/acme/billing-events:abc123"',
          '',
        ].join('\n'),
      );
    });

    it('`previous` goes back to the tag the last deploy replaced, and twice returns', () => {
      const fake = setup();
      expect(deploy(fake, ['production', 'v1']).status).toBe(0);
      expect(deploy(fake, ['production', 'v2']).status).toBe(0);
      expect(lastOverride(fake.calls())).toContain('startup-backend.previous-image-tag: "v1"');
      // Deploying the running tag again keeps what it had replaced.
      expect(deploy(fake, ['production', 'v2']).status).toBe(0);
      expect(lastOverride(fake.calls())).toContain('startup-backend.previous-image-tag: "v1"');
      const back = deploy(fake, ['production', 'previous']);
      expect(back.status, back.stderr).toBe(0);
      expect(back.stdout).toContain('Deploying v1 to production');
      expect(lastOverride(fake.calls())).toContain('image: "registry.example.com/acme/api:v1"');
      expect(lastOverride(fake.calls())).toContain('startup-backend.previous-image-tag: "v2"');
      expect(deploy(fake, ['production', 'previous']).stdout).toContain('Deploying v2 to production');
    });

    it('refuses `previous` when nothing or no single tag is recorded, before touching the stack', () => {
      const fake = setup();
      const none = deploy(fake, ['production', 'previous']);
      expect(none.status).toBe(1);
      expect(none.stderr).toMatch(/^deploy\.sh: no previous image tag is recorded .*name the tag to deploy\n$/);
      fake.setLabels('api', { 'startup-backend.image-tag': 'v2', 'startup-backend.previous-image-tag': 'v1' });
      fake.setLabels('billing-events', { 'startup-backend.image-tag': 'v1', 'startup-backend.previous-image-tag': 'v0' });
      expect(deploy(fake, ['production', 'previous']).status).toBe(1);
      expect(composeCalls(fake.calls()).filter((args) => args.includes('up'))).toEqual([]);
    });

    it.each([
      ['image-tag', ['staging', 'v2']],
      ['previous-image-tag', ['production', 'previous']],
    ] as const)('a %s label that is no tag (crafted to add `privileged: true`) is refused, never written into the compose file', (label, args) => {
      const fake = setup();
      const crafted = 'v1"\n    privileged: true\n    x: "';
      const labels = { 'startup-backend.image-tag': 'v1', 'startup-backend.previous-image-tag': 'v0', [`startup-backend.${label}`]: crafted };
      fake.setLabels('api', labels);
      fake.setLabels('billing-events', labels);
      const run = deploy(fake, [...args]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`deploy.sh: the ${label} recorded for api in ${args[0]} is not an image tag: 'v1"`);
      expect(fake.calls().filter((call) => call.overrides.length > 0)).toEqual([]);
    });

    it('passes DEPLOY_ENV_FILE to docker-compose as --env-file', () => {
      const fake = setup();
      const envFile = path.join(work, 'production.env');
      writeFileSync(envFile, 'DB_ROOT_PASSWORD=x\n');
      expect(deploy(fake, ['production', 'v1'], { DEPLOY_ENV_FILE: envFile }).status).toBe(0);
      for (const args of composeCalls(fake.calls())) expect(args.slice(0, 2)).toEqual(['--env-file', envFile]);
      expect(deploy(fake, ['production', 'v1'], { DEPLOY_ENV_FILE: path.join(work, 'missing.env') }).stderr).toContain('cannot be read');
    });

    it('stops at the first failing docker-compose step, with its exit status', () => {
      const fake = setup();
      fake.failOn('pull');
      const run = deploy(fake, ['staging', 'v1']);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('fake docker-compose: pull failed');
      expect(composeCalls(fake.calls()).filter((args) => args.includes('up'))).toEqual([]);
      fake.failOn('ps');
      expect(deploy(fake, ['staging', 'previous']).stderr).not.toContain('no previous image tag');
    });

    it.each([
      [['staging'], 2, /^usage: /],
      [['qa', 'v1'], 2, /^usage: /],
      [['staging', '-v1'], 1, /not an image tag: '-v1'/],
      [['staging', 'v1;rm'], 1, /not an image tag/],
      [['staging', 'x'.repeat(129)], 1, /over 128 characters/],
    ] as const)('rejects %j (exit %i) without calling docker-compose', (args, status, message) => {
      const fake = setup();
      const run = deploy(fake, [...args]);
      expect(run.status).toBe(status);
      expect(run.stderr).toMatch(message);
      expect(fake.calls()).toEqual([]);
    });

    it.each([
      ['DOCKER_HOST', { DOCKER_HOST: '' }],
      ['IMAGE_PREFIX', { IMAGE_PREFIX: '' }],
      ['IMAGE_PREFIX', { IMAGE_PREFIX: 'Registry/$(x)' }],
    ] as const)('refuses without a usable %s, in one line, calling nothing', (name, env) => {
      const fake = setup();
      const run = deploy(fake, ['production', 'v1'], env);
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(name);
      expect(fake.calls()).toEqual([]);
    });
  });
});
