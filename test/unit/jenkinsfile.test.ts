// The Jenkins CI choice. Jenkins cannot run here and nothing validates a declarative Jenkinsfile offline, so
// these are structural checks (test/support/jenkinsfile-structure.ts) plus, when npm-groovy-lint and Java are
// installed, a Groovy syntax check. Neither proves Jenkins accepts the pipeline; see the README's CI section.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { CHOICES, type StackChoices } from '../../generators/shared/choices.js';
import { templateDir } from '../../generators/shared/paths.js';
import { projectVariables } from '../../generators/shared/render.js';
import type { ContainerSpec } from '../../generators/shared/stack.js';
import { IMAGE_TAGS } from '../../generators/shared/versions.js';
import { answersFor, emptyTree, renderedFiles, writeFiles } from './fixtures.js';
import { installFakeDocker } from '../support/fake-docker.js';
import {
  allStages, block, childrenNamed, findAll, has, leafStageNames, parseJenkinsfile, shellScripts, stage, stageName,
  JenkinsfileStructureError, type JenkinsNode,
} from '../support/jenkinsfile-structure.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const OPS_STAGES = ['ops:runbooks', 'ops:rules', 'ops:alertmanager'];
const TEMPLATE = path.join(templateDir('ci', 'jenkins'), 'files', 'Jenkinsfile');

/** The values a user can choose for `key`. */
function available(key: keyof StackChoices): readonly string[] {
  return CHOICES.find((c) => c.key === key)!.available;
}

interface Case {
  title: string;
  choices: Partial<StackChoices>;
  services: string[];
}

const SERVICE_SETS = [['api'], ['orders', 'billing-events', 'x'], ['a-thirty-character-service-nam', 'api']];
const CASES: Case[] = available('discovery').flatMap((discovery) =>
  available('db').flatMap((db) =>
    SERVICE_SETS.map((services) => ({
      title: `${discovery} + ${db}, services ${services.join(',')}`,
      choices: { ci: 'jenkins', discovery, db } as Partial<StackChoices>,
      services,
    })),
  ),
);

function render(choices: Partial<StackChoices>, services: string[]) {
  const answers = answersFor(choices, services);
  const tree = emptyTree();
  workspaceGenerator(tree, answers);
  const files = renderedFiles(tree);
  return { files, variables: projectVariables(answers) };
}

/** GitLab job names for the same answers (top-level keys of .gitlab-ci.yml that are jobs), in order. */
/** The GitLab jobs in pipeline order: .gitlab-ci.yml's, with each service's included build job after `test`. */
function gitlabJobs(choices: Partial<StackChoices>, services: string[]): string[] {
  const { files } = render({ ...choices, ci: 'gitlab' }, services);
  const jobsOf = (file: string) => [...files.get(file)!.toString().matchAll(/^([A-Za-z][\w:-]*):\s*$/gm)].map((m) => m[1]!);
  const main = jobsOf('.gitlab-ci.yml').filter((key) => !['workflow', 'include', 'stages', 'variables', 'default'].includes(key));
  const builds = services.flatMap((service) => jobsOf(`.gitlab/ci/services/${service}.yml`));
  return [...main.slice(0, main.indexOf('test') + 1), ...builds, ...main.slice(main.indexOf('test') + 1)];
}

/** Runs sh with a fake `docker` that prints its arguments one per line. */
function fakeDocker(script: string): string[] {
  const result = spawnSync('sh', ['-c', `docker() { printf '%s\\n' "$@"; }\n${script}`], {
    env: { PATH: process.env.PATH, SIDECARS: 'net' },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.split('\n').slice(0, -1);
}

/** Stages that run steps, each with whether it or an enclosing stage (or the pipeline) has a real agent. */
function stageAgents(pipeline: JenkinsNode): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const realAgent = (node: JenkinsNode) =>
    childrenNamed(node, 'agent').some((a) => a.children !== undefined || a.args !== 'none');
  const walk = (node: JenkinsNode, inherited: boolean) => {
    for (const s of childrenNamed(block(node, 'stages'), 'stage')) {
      const withAgent = inherited || realAgent(s);
      if (has(s, 'stages')) walk(s, withAgent);
      else out.set(stageName(s), withAgent);
    }
  };
  walk(pipeline, realAgent(pipeline));
  return out;
}

describe('Jenkinsfile structure parser', () => {
  it('reads blocks, arguments, strings and comments, and ignores braces inside strings and comments', () => {
    const tree = parseJenkinsfile(
      [
        '// a { comment',
        '/* block } comment */',
        "pipeline { agent { label 'x' }",
        '  stages {',
        "    stage('a') { steps { sh '''",
        "      echo '}' \"{\"",
        "    '''",
        '      sh "echo ${env.X.replaceAll(\'}\', "{")}"',
        '      timeout(time: 2,',
        "        unit: 'MINUTES') { sh 'x' }",
        '      docker.image(\'n:1\').inside("--a") { c ->',
        "        sh 'y'",
        '      }',
        '    } }',
        '  }',
        '}',
      ].join('\n'),
    );
    const steps = block(tree, 'pipeline', 'stages', 'stage', 'steps');
    expect(steps.children!.map((c) => c.name)).toEqual(['sh', 'sh', 'timeout', 'docker.image']);
    expect(steps.children![0]!.strings).toEqual(["\n      echo '}' \"{\"\n    "]);
    expect(block(steps, 'timeout').args).toBe("time: 2,\n        unit: 'MINUTES'");
    expect(shellScripts(block(steps, 'docker.image'))).toEqual(['y']);
    expect(block(tree, 'pipeline', 'agent').children![0]).toMatchObject({ name: 'label', strings: ['x'] });
  });

  it.each([
    ['an unclosed block', "pipeline {\n  stages {\n    stage('a') { steps { sh 'x' }\n  }\n}", /never closed/],
    ['an extra brace', "pipeline {\n  agent any\n}\n}", /unexpected `}`/],
    ['an unterminated string', "pipeline {\n  agent { label 'x }\n}", /not closed on its line/],
    ['a mismatched bracket', "pipeline {\n  options { timeout(time: 1]\n }\n}", /closes `\(`/],
    ['an unterminated triple-quoted string', "pipeline { steps { sh '''\necho\n} }", /unterminated string '''/],
  ])('rejects %s', (_title, text, message) => {
    expect(() => parseJenkinsfile(text)).toThrow(JenkinsfileStructureError);
    expect(() => parseJenkinsfile(text)).toThrow(message);
  });
});

describe('Jenkins CI: structural check (no Jenkins here)', () => {
  it('has cases to check (the existing grpc/etcd/mysql stack at least)', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(3);
  });

  describe.each(CASES)('$title', ({ choices, services }) => {
    const { files, variables } = render(choices, services);
    const text = files.get('Jenkinsfile')?.toString() ?? '';
    const { containers, images, serviceList } = variables;
    // Parsed in the tests (not here), so an unbalanced file fails as tests, each saying where.
    let parsed: JenkinsNode | undefined;
    const parse = () => (parsed ??= parseJenkinsfile(text));
    let tree: JenkinsNode;
    let pipeline: JenkinsNode;
    beforeEach(() => {
      tree = parse();
      pipeline = block(tree, 'pipeline');
    });

    it('renders a Jenkinsfile and no GitLab file; the README has a CI section for it', () => {
      expect(text.length).toBeGreaterThan(0);
      expect(files.has('.gitlab-ci.yml')).toBe(false);
      const readme = files.get('README.md')!.toString();
      expect(readme).toContain('## CI');
      expect(readme).toContain('deploy.sh');
      expect(readme).toContain('ROLLBACK_TAG');
    });

    it('is one balanced `pipeline { }` block with an agent and the options', () => {
      // The Kubernetes deploy's credentials helper (a method), then the pipeline.
      expect(tree.children!.map((c) => c.name)).toEqual(['List', 'pipeline']);
      expect(tree.children![0]!.source).toMatch(/^List kubernetesCredentials\(String environment\)/);
      expect(has(pipeline, 'agent')).toBe(true);
      const options = block(pipeline, 'options');
      const timeout = childrenNamed(options, 'timeout')[0];
      expect(timeout?.args).toMatch(/time:\s*\d+/);
      expect(timeout?.args).toMatch(/unit:\s*'(MINUTES|HOURS)'/);
      for (const name of ['timestamps', 'disableConcurrentBuilds', 'buildDiscarder']) expect(has(options, name), name).toBe(true);
    });

    it('runs every stage that has steps on an agent', () => {
      for (const [name, withAgent] of stageAgents(pipeline)) expect(withAgent, name).toBe(true);
    });

    it("has the GitLab pipeline's jobs as stages, in order, then push, deploys and rollback", () => {
      const builds = serviceList.map((s) => `build:${s.name}`);
      expect(leafStageNames(tree)).toEqual([
        'install', 'lint', ...OPS_STAGES, 'commits', 'upgrade:check', 'typecheck', 'test', ...builds, 'push', 'deploy:staging',
        'deploy:production', 'rollback:production',
      ]);
      // The same release flow; GitLab pushes inside the build jobs and names jobs with dashes.
      expect(gitlabJobs(choices, services)).toEqual([
        'install', 'lint', ...OPS_STAGES, 'commits', 'upgrade:check', 'typecheck', 'test', ...builds, 'deploy-staging',
        'deploy-production', 'rollback-production',
      ]);
    });

    it('checks the commit subjects of a pull request only, against its target branch, in an image with git', () => {
      const commits = stage(tree, 'commits');
      expect(block(commits, 'when').children!.map((c) => c.name)).toEqual(['changeRequest']);
      expect(childrenNamed(block(commits, 'agent', 'docker'), 'image')[0]?.strings).toEqual([images.nodeWithGit]);
      const [script] = shellScripts(commits);
      expect(script).toContain('node scripts/check-commit-messages.mjs "origin/$CHANGE_TARGET..HEAD"');
      expect(script).toContain('git fetch --no-tags origin "+refs/heads/$CHANGE_TARGET:refs/remotes/origin/$CHANGE_TARGET"');
    });

    it('checks the ops files in the stage ops, as GitLab\'s ops:* jobs do, promtool and amtool in the pinned images', () => {
      expect(allStages(block(stage(tree, 'ops'), 'stages')).map(stageName)).toEqual(OPS_STAGES);
      const gitlab = YAML.parse(render({ ...choices, ci: 'gitlab' }, services).files.get('.gitlab-ci.yml')!.toString()) as Record<
        string,
        { script: string[] }
      >;
      for (const name of OPS_STAGES) expect(shellScripts(stage(tree, name)), name).toEqual(gitlab[name]!.script);
      const agent = (name: string) => block(stage(tree, name), 'agent', 'docker');
      const value = (node: JenkinsNode, name: string) => childrenNamed(node, name)[0]?.strings;
      expect(value(agent('ops:runbooks'), 'image')).toEqual([images.node]);
      expect(value(agent('ops:rules'), 'image')).toEqual([images.prometheus]);
      expect(value(agent('ops:alertmanager'), 'image')).toEqual([images.alertmanager]);
      // These images' entrypoint is the server: without the override, `cat` would be its argument.
      for (const name of ['ops:rules', 'ops:alertmanager']) expect(value(agent(name), 'args'), name).toEqual(['--entrypoint=']);
    });

    it('runs upgrade --check in a stage that marks itself unstable instead of failing the build', () => {
      const check = stage(tree, 'upgrade:check');
      expect(shellScripts(check)).toEqual(['npm run upgrade:check']);
      expect(block(check, 'steps').children!.map((c) => [c.name, c.args])).toEqual([['catchError', "buildResult: 'SUCCESS', stageResult: 'UNSTABLE'"]]);
    });

    it('installs, lints (with format:check) and typechecks with npm', () => {
      expect(shellScripts(stage(tree, 'install'))).toContain('npm ci --no-audit --no-fund');
      expect(shellScripts(stage(tree, 'lint'))).toEqual(['npm run lint', 'npm run format:check']);
      expect(shellScripts(stage(tree, 'typecheck'))).toEqual(['npm run typecheck']);
    });

    it('tests against every container, with every test variable and REQUIRE_INTEGRATION=1', () => {
      const test = stage(tree, 'test');
      const env = block(test, 'environment');
      const expected: Record<string, string> = { REQUIRE_INTEGRATION: '1' };
      for (const c of containers) {
        for (const [name, value] of Object.entries(c.testEnv)) expected[name] = value.replaceAll('{host}', c.alias);
      }
      expect(Object.fromEntries(env.children!.map((v) => [v.name, v.strings[0]]))).toEqual(expected);

      const steps = block(test, 'steps');
      const scripts = shellScripts(steps);
      expect(scripts).toContain('docker network create "$SIDECARS"');
      for (const c of containers) {
        const run = scripts.find((s) => s.includes(`--network-alias ${c.alias} `));
        expect(run, c.alias).toBeDefined();
        const args = fakeDocker(run!);
        expect(args.slice(0, 2)).toEqual(['run', '-d']);
        expect(args).toContain(c.imageTag);
        for (const [name, value] of Object.entries(c.env ?? {})) expect(args.join('\n')).toContain(`-e\n${name}=${value}`);
        for (const arg of c.command ?? []) expect(args.slice(args.indexOf(c.imageTag) + 1)).toContain(arg);
      }
      // Readiness: one wait per container, bounded by a timeout.
      const waits = shellScripts(block(steps, 'timeout'));
      for (const c of containers) expect(waits.some((w) => w.startsWith('until ') && w.includes(`"$SIDECARS-${c.alias}"`)), c.alias).toBe(true);
      // npm test in the pinned Node image, on the sidecars' network, after they are up.
      const inside = findAll(steps, (n) => n.name === 'docker.image' && n.source.includes('.inside('));
      expect(inside).toHaveLength(1);
      expect(inside[0]!.strings).toEqual([images.node, '--network ${env.SIDECARS}']);
      expect(shellScripts(inside[0]!)).toEqual(['npm run test']);
      expect(inside[0]!.line).toBeGreaterThan(block(steps, 'timeout').line);
      // The sidecars are stopped whatever happens.
      const cleanup = shellScripts(block(test, 'post', 'cleanup'));
      for (const c of containers) expect(cleanup).toContain(`docker rm -f -v "$SIDECARS-${c.alias}" || true`);
      expect(cleanup).toContain('docker network rm "$SIDECARS" || true');
    });

    it('builds one image per service, pushes on main and tags', () => {
      expect(shellScripts(tree).filter((s) => s.includes('docker build'))).toHaveLength(serviceList.length);
      for (const s of serviceList) {
        const [build] = shellScripts(stage(tree, `build:${s.name}`));
        expect(build).toContain(`-f services/${s.name}/Dockerfile`);
        expect(build).toContain(`"${variables.projectName}/${s.name}:$IMAGE_TAG"`);
      }
      const push = stage(tree, 'push');
      const anyOf = block(push, 'when', 'anyOf');
      expect(childrenNamed(anyOf, 'branch')[0]?.strings).toEqual(['main']);
      expect(has(anyOf, 'buildingTag')).toBe(true);
      const pushed = findAll(push, (n) => n.name === 'docker.image' && n.source.endsWith('.push()'));
      expect(pushed.map((n) => n.strings[0])).toEqual(serviceList.map((s) => `${variables.projectName}/${s.name}:\${env.IMAGE_TAG}`));
    });

    it('deploys to staging on main, and to production only after an approval with a submitter', () => {
      const staging = stage(tree, 'deploy:staging');
      expect(has(staging, 'input')).toBe(false);
      expect(childrenNamed(block(staging, 'when'), 'branch')[0]?.strings).toEqual(['main']);
      expect(shellScripts(staging).join('\n')).toContain('sh scripts/deploy.sh staging "$IMAGE_TAG"');

      for (const [name, tag] of [['deploy:production', '$IMAGE_TAG'], ['rollback:production', '$ROLLBACK_TAG']] as const) {
        const production = stage(tree, name);
        const input = block(production, 'input');
        expect(childrenNamed(input, 'submitter')[0]?.strings[0], name).toMatch(/\S/);
        expect(has(input, 'message'), name).toBe(true);
        const when = block(production, 'when');
        expect(childrenNamed(when, 'branch')[0]?.strings, name).toEqual(['main']);
        // `when` is decided before asking, and no agent is held while waiting.
        expect(childrenNamed(when, 'beforeInput')[0]?.args, name).toBe('true');
        expect(childrenNamed(production, 'agent')[0]!.line, name).toBeGreaterThan(input.line);
        expect(shellScripts(production).join('\n'), name).toContain(`sh scripts/deploy.sh production "${tag}"`);
      }
      // Rollback is a parameter; the normal path is skipped when it is set.
      const parameter = childrenNamed(block(pipeline, 'parameters'), 'string')[0];
      expect(parameter?.strings[0]).toBe('ROLLBACK_TAG');
      for (const name of ['ci', 'deploy:staging', 'deploy:production']) {
        expect(block(stage(tree, name), 'when').source, name).toContain('!params.ROLLBACK_TAG');
      }
    });

    it('deploys through scripts/deploy.sh, as GitLab does: run against fake docker-compose and docker executables', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'csb-jenkins-deploy-'));
      scratch.push(dir);
      writeFiles(path.join(dir, 'repo'), files);
      const fake = installFakeDocker(path.join(dir, 'fake'));
      for (const [name, environment, tagVariable] of [
        ['deploy:staging', 'staging', 'IMAGE_TAG'],
        ['deploy:production', 'production', 'IMAGE_TAG'],
        ['rollback:production', 'production', 'ROLLBACK_TAG'],
      ] as const) {
        const production = stage(tree, name);
        // DEPLOY_TARGET=kubernetes: the kubeconfig and the overlay's secret files; else the environment's secrets
        // file and the registry login wrap the compose script.
        const credentials = findAll(production, (n) => n.name === 'withCredentials');
        expect(credentials.map((n) => n.args), name).toEqual([
          `kubernetesCredentials('${environment}')`,
          `[file(credentialsId: '${environment}-env', variable: 'DEPLOY_ENV_FILE')]`,
        ]);
        expect(findAll(credentials[1]!, (n) => n.name === 'docker.withRegistry').map((n) => n.strings), name).toEqual([
          ['https://${env.DOCKER_REGISTRY}', 'docker-registry'],
        ]);
        const [kubernetesScript, script] = shellScripts(production);
        expect(kubernetesScript, name).toContain('DEPLOY_TARGET=kubernetes');
        expect(kubernetesScript, name).toContain(`KUBE_CONTEXT="$${environment.toUpperCase()}_KUBE_CONTEXT"`);
        expect(kubernetesScript, name).toContain(`sh scripts/deploy.sh ${environment} "$${tagVariable}"`);
        const run = spawnSync('sh', ['-ec', script!], {
          cwd: path.join(dir, 'repo'),
          env: {
            PATH: `${fake.bin}:${process.env.PATH}`,
            DOCKER_REGISTRY: 'registry.example.com',
            STAGING_DOCKER_HOST: 'ssh://deploy@staging',
            PRODUCTION_DOCKER_HOST: 'ssh://deploy@production',
            [tagVariable]: 'abcd1234',
          },
          encoding: 'utf8',
        });
        expect(run.status, `${name}: ${run.stderr}`).toBe(0);
        const up = fake.calls().filter((c) => c.args.includes('up')).pop()!;
        expect(up.dockerHost, name).toBe(`ssh://deploy@${environment}`);
        expect(up.args.slice(0, 2), name).toEqual(['-p', `${variables.projectName}-${environment}`]);
        for (const s of serviceList) {
          expect(up.overrides[0], name).toContain(`image: "registry.example.com/${variables.projectName}/${s.name}:abcd1234"`);
        }
      }
    });

    it('cleans every workspace it takes (post always) and reports failures', () => {
      const onNode = allStages(tree).filter((s) => childrenNamed(s, 'agent').some((a) => /^label\b/.test(a.children?.[0]?.name ?? '')));
      expect(onNode.map(stageName)).toEqual(['ci', 'deploy:staging', 'deploy:production', 'rollback:production']);
      for (const s of onNode) {
        const conditions = block(s, 'post').children!.filter((c) => findAll(c, (n) => n.name === 'cleanWs').length > 0);
        expect(conditions.map((c) => c.name), stageName(s)).toEqual(['always']);
      }
      expect(has(block(pipeline, 'post'), 'failure')).toBe(true);
    });

    it('pins every image (never latest)', () => {
      const used = [
        ...findAll(tree, (n) => n.name === 'image').map((n) => n.strings[0]!),
        ...findAll(tree, (n) => n.name === 'docker.image' && n.source.includes('.inside(')).map((n) => n.strings[0]!),
      ];
      expect(used.length).toBeGreaterThan(0);
      const pinned = [images.node, images.nodeWithGit, images.prometheus, images.alertmanager];
      for (const image of used) expect(pinned).toContain(image);
      for (const c of containers) expect(c.imageTag).toMatch(/:(?!latest$)[\w.-]+$/);
      for (const image of pinned) expect(image).toMatch(/:(?!latest$)[\w.-]+$/);
    });

    it('names no service on an over-long line', () => {
      // Jenkinsfile is not formatted by Prettier; still keep names out of long lines, as the repo's rule says.
      const long = text.split('\n').filter((line) => line.length > 120);
      for (const s of serviceList) for (const line of long) expect(line).not.toContain(s.name);
    });
  });

  it('quotes container settings for the shell and for Groovy (containers of a future choice)', () => {
    const answers = answersFor({ ci: 'jenkins' }, ['api']);
    // Built on a real container so that fields this test does not care about keep their types.
    const real = projectVariables(answers).containers[0]!;
    const none = { env: undefined, entrypoint: undefined, command: undefined, healthcheck: undefined };
    const containers: Array<ContainerSpec & { imageTag: string }> = [
      {
        ...real, alias: 'db', imageTag: 'example/db:1.2.3', port: 4000,
        env: { PASSWORD: `it's \\ "odd" $HOME ''' end'` },
        entrypoint: ['/bin/run', '--flag'], command: ['--opt=a b'],
        healthcheck: ['CMD', 'check', 'it\'s ok'],
        testEnv: { TEST_DB_URL: "mysql://u:p'q\\@{host}:4000/d" },
      },
      {
        ...real, ...none, alias: 'reg', imageTag: 'example/reg:2', port: 8500,
        healthcheck: ['CMD-SHELL', 'curl -f http://localhost:8500/ || exit 1'],
        testEnv: { TEST_REG: 'http://{host}:8500' },
      },
      { ...real, ...none, alias: 'bare', imageTag: 'example/bare:3', port: 1234, testEnv: { TEST_BARE: '{host}:1234' } },
    ];
    const text = ejs.render(readFileSync(TEMPLATE, 'utf8'), { ...projectVariables(answers), containers }, { filename: TEMPLATE });
    const test = stage(parseJenkinsfile(text), 'test');
    expect(Object.fromEntries(block(test, 'environment').children!.map((v) => [v.name, v.strings[0]]))).toEqual({
      TEST_DB_URL: "mysql://u:p'q\\@db:4000/d", TEST_REG: 'http://reg:8500', TEST_BARE: 'bare:1234', REQUIRE_INTEGRATION: '1',
    });
    const scripts = shellScripts(block(test, 'steps'));
    const run = (alias: string) => fakeDocker(scripts.find((s) => s.includes(`--network-alias ${alias} `))!);
    expect(run('db')).toEqual([
      'run', '-d', '--name', 'net-db', '--network', 'net', '--network-alias', 'db',
      '-e', `PASSWORD=it's \\ "odd" $HOME ''' end'`, '--entrypoint', '/bin/run', 'example/db:1.2.3', '--flag', '--opt=a b',
    ]);
    expect(run('bare')).toEqual(['run', '-d', '--name', 'net-bare', '--network', 'net', '--network-alias', 'bare', 'example/bare:3']);
    const waits = shellScripts(block(test, 'steps', 'timeout')).map((w) => fakeDocker(w.replace(/^until (.*); do sleep 2; done$/, '$1')));
    expect(waits[0]).toEqual(['exec', 'net-db', 'check', "it's ok"]);
    expect(waits[1]).toEqual(['exec', 'net-reg', 'sh', '-c', 'curl -f http://localhost:8500/ || exit 1']);
    expect(waits[2]!.slice(0, 6)).toEqual(['run', '--rm', '--network', 'net', IMAGE_TAGS.node, 'node']);
    expect(waits[2]![7]).toContain("connect(1234, 'bare')");
  });

  // Groovy syntax only: npm-groovy-lint parses the file with CodeNarc (it does not know Declarative Pipeline).
  // It runs when installed in this repo (see the report: `npm install --save-dev --save-exact npm-groovy-lint@16.2.0`)
  // or named by NPM_GROOVY_LINT, and Java is on the PATH; otherwise this test is skipped.
  const groovyLint = process.env.NPM_GROOVY_LINT ?? path.join(root, 'node_modules', '.bin', 'npm-groovy-lint');
  const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
  const scratch: string[] = [];
  afterAll(() => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!existsSync(groovyLint) || !hasJava)(
    'passes npm-groovy-lint --noserver (Groovy syntax), which rejects a broken copy',
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'csb-jenkins-'));
      scratch.push(dir);
      const written = CASES.map(({ choices, services }, index) => {
        const file = path.join(dir, String(index), 'Jenkinsfile');
        mkdirSync(path.dirname(file));
        writeFileSync(file, render(choices, services).files.get('Jenkinsfile')!);
        return file;
      });
      const broken = path.join(dir, 'broken', 'Jenkinsfile');
      mkdirSync(path.dirname(broken));
      writeFileSync(broken, readFileSync(written[0]!, 'utf8').replace("stage('ci') {", "stage('ci' {"));
      const result = spawnSync(
        groovyLint,
        ['--noserver', '--failon', 'error', '--loglevel', 'error', '--output', 'json', ...written, broken],
        { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      const report = JSON.parse(result.stdout) as { files: Record<string, { errors: Array<{ rule: string; msg: string }> }> };
      for (const file of written) expect(report.files[file]?.errors, file).toEqual([]);
      expect(report.files[broken]?.errors.map((e) => e.rule)).toContain('NglParseError');
    },
    180_000,
  );
});
