// scripts/deploy.sh with DEPLOY_TARGET=kubernetes, run for real with the pinned kustomize 4.5.4 and a fake kubectl
// (test/support/fake-kubectl.ts): no cluster runs here, so these prove the manifests kustomize renders for the
// cluster and the kubectl commands deploy.sh runs, in order; not that an API server accepts them.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_TAGS } from '../../generators/shared/versions.js';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { answersFor, emptyTree, renderedFiles, writeFiles } from './fixtures.js';
import { parseDocuments } from './k8s-fixtures.js';
import { installFakeKubectl, type FakeKubectl } from '../support/fake-kubectl.js';
import { pinnedKustomize } from '../support/kustomize.js';

const KUSTOMIZE = pinnedKustomize();
const work = mkdtempSync(path.join(tmpdir(), 'csb-deploy-k8s-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SERVICES = ['api', 'billing-events'];
const describeWithKustomize = 'binary' in KUSTOMIZE ? describe : describe.skip;
if ('unavailable' in KUSTOMIZE) console.warn(`deploy.sh's Kubernetes path is not run: ${KUSTOMIZE.unavailable}.`);

describeWithKustomize('scripts/deploy.sh, DEPLOY_TARGET=kubernetes (pinned kustomize 4.5.4, fake kubectl: no cluster)', () => {
  let repo: string;
  let secretsDir: string;
  let tools: string;
  beforeAll(() => {
    const tree = emptyTree();
    // Consul: its pods also read an optional Secret (<service>-consul, the ACL token), which must not be required.
    workspaceGenerator(tree, answersFor({ ci: 'gitlab', discovery: 'consul' }, SERVICES));
    repo = writeFiles(path.join(work, 'repo'), renderedFiles(tree));
    // The filled-in staging secrets, outside the checkout, as CI file variables are.
    secretsDir = path.join(work, 'secrets');
    mkdirSync(secretsDir);
    for (const file of [...renderedFiles(tree).keys()].filter((f) => f.endsWith('.env.sample'))) {
      writeFileSync(path.join(secretsDir, path.basename(file, '.sample')), readFileSync(path.join(repo, file)));
    }
    tools = path.join(work, 'tools');
    mkdirSync(tools);
    if ('binary' in KUSTOMIZE) symlinkSync(KUSTOMIZE.binary, path.join(tools, 'kustomize'));
  });

  let fakes = 0;
  const setup = () => installFakeKubectl(path.join(work, `fake-${(fakes += 1)}`));
  /** One CI file variable per secrets/<name>.env.sample of the staging overlay, as the pipelines' docs ask. */
  const secretVariables = () =>
    Object.fromEntries(
      readdirSync(secretsDir).map((file) => [`K8S_SECRET_${path.basename(file, '.env').toUpperCase().replaceAll('-', '_')}`, path.join(secretsDir, file)]),
    );
  const deploy = (fake: FakeKubectl, args: string[], env: Record<string, string> = {}, checkout = repo) => {
    const result = spawnSync('sh', [path.join(checkout, 'scripts/deploy.sh'), ...args], {
      cwd: tmpdir(),
      env: {
        PATH: `${fake.bin}:${tools}:${process.env.PATH}`,
        DEPLOY_TARGET: 'kubernetes',
        KUBE_CONTEXT: 'staging-cluster',
        IMAGE_PREFIX: 'registry.example.com/acme',
        ...env,
      },
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const verbs = (fake: FakeKubectl) =>
    fake.calls().filter((c) => c.args[0] !== 'config').map((c) => [c.args[0], c.args[0] === 'apply' && c.args.includes('--dry-run=server') ? 'dry-run' : c.args[1]].join(' '));
  const appliedManifests = (fake: FakeKubectl) => parseDocuments(fake.calls().filter((c) => c.applied && !c.args.includes('--dry-run=server')).pop()!.applied!);

  it('staging: sets every image tag on a copy, generates the Secrets from the K8S_SECRET_* files, applies, records, waits', () => {
    const fake = setup();
    const kustomization = path.join(repo, 'deploy/k8s/overlays/staging/kustomization.yaml');
    const before = readFileSync(kustomization, 'utf8');
    const run = deploy(fake, ['staging', 'abc123'], secretVariables());
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Deploying abc123 to staging (namespace acme-staging, context staging-cluster, replacing nothing recorded): api billing-events');
    expect(readFileSync(kustomization, 'utf8'), 'the checkout is not edited').toBe(before);

    // The context is checked first; every call after it names the context and the namespace.
    const [check, ...calls] = fake.calls();
    expect(check!.args).toEqual(['config', 'get-contexts', 'staging-cluster']);
    for (const call of calls) {
      expect(call.context).toBe('staging-cluster');
      expect(call.namespace).toBe('acme-staging');
    }
    // The old migration Jobs go first (their pod template cannot change), the API server validates, then apply.
    // Nothing recorded on the first service: no need to ask about the others.
    expect(verbs(fake)).toEqual([
      'get deployment',
      'delete job', 'apply dry-run', 'apply -f',
      'annotate deployment', 'annotate deployment',
      'wait --for=condition=complete', 'wait --for=condition=complete', 'wait --for=condition=complete',
      'rollout status', 'rollout status',
    ]);
    expect(calls.filter((c) => c.args[0] === 'wait').map((c) => c.args[2])).toEqual(['job/db-init', 'job/api-migrate', 'job/billing-events-migrate']);
    expect(Object.keys(secretVariables()).sort()).toEqual(['K8S_SECRET_API', 'K8S_SECRET_API_MIGRATE', 'K8S_SECRET_BILLING_EVENTS', 'K8S_SECRET_BILLING_EVENTS_MIGRATE', 'K8S_SECRET_DB_INIT']);
    expect(calls[1]!.args).toContain('app.kubernetes.io/part-of=acme,app.kubernetes.io/component=migration');

    const resources = appliedManifests(fake);
    const images = resources
      .filter((r) => r.kind === 'Deployment' || r.kind === 'Job')
      .map((r) => [r.kind, r.metadata?.name, (r.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image]);
    expect(images).toEqual(
      expect.arrayContaining(SERVICES.flatMap((s) => [
        ['Deployment', s, `registry.example.com/acme/${s}:abc123`],
        ['Job', `${s}-migrate`, `registry.example.com/acme/${s}:abc123`],
      ]).concat([['Job', 'db-init', IMAGE_TAGS.mariadb]])),
    );
    expect(images).toHaveLength(SERVICES.length * 2 + 1);
    expect(resources.filter((r) => r.kind === 'Secret').map((r) => r.metadata?.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^api-database-[a-z0-9]+$/), expect.stringMatching(/^billing-events-migration-[a-z0-9]+$/)]),
    );
    expect(fake.annotations('api')).toEqual({ 'startup-backend/image-tag': 'abc123', 'startup-backend/previous-image-tag': '' });
  });

  it("waits for a migration Job the team added (labelled one) before the services' own, as for db-init", () => {
    const checkout = path.join(work, 'repo-with-seed');
    cpSync(repo, checkout, { recursive: true });
    const overlay = path.join(checkout, 'deploy/k8s/overlays/staging');
    const seed = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'seed-fixtures', labels: { 'app.kubernetes.io/part-of': 'acme', 'app.kubernetes.io/component': 'migration' } },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'seed', image: IMAGE_TAGS.mariadb }] } } },
    };
    writeFileSync(path.join(overlay, 'seed-fixtures.yaml'), JSON.stringify(seed));
    const kustomization = path.join(overlay, 'kustomization.yaml');
    writeFileSync(kustomization, readFileSync(kustomization, 'utf8').replace('resources:\n', 'resources:\n  - "seed-fixtures.yaml"\n'));
    const fake = setup();
    const run = deploy(fake, ['staging', 'abc123'], secretVariables(), checkout);
    expect(run.stderr).toBe('');
    expect(fake.calls().filter((c) => c.args[0] === 'wait').map((c) => c.args[2])).toEqual([
      'job/db-init', 'job/seed-fixtures', 'job/api-migrate', 'job/billing-events-migrate',
    ]);
    fake.failOn('wait');
    expect(deploy(fake, ['staging', 'abc123'], secretVariables(), checkout).stderr.trim().split('\n').pop()).toBe(
      'deploy.sh: db-init did not finish within 300s: kubectl logs -n acme-staging job/db-init',
    );
  });

  it('staging: a Secret file that is neither in the checkout nor named by its variable stops it before kubectl runs', () => {
    const fake = setup();
    const { K8S_SECRET_BILLING_EVENTS_MIGRATE: _left, ...others } = secretVariables();
    const run = deploy(fake, ['staging', 'abc123'], others);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'deploy.sh: set K8S_SECRET_BILLING_EVENTS_MIGRATE to the path of the filled-in deploy/k8s/overlays/staging/secrets/billing-events-migrate.env (a CI file variable of that environment)',
    ]);
    expect(verbs(fake)).toEqual(['get deployment']);
  });

  it('a KUBE_CONTEXT the kubeconfig lacks stops it, naming the context, before anything else', () => {
    const fake = setup();
    fake.failOn('config');
    const run = deploy(fake, ['staging', 'abc123'], { ...secretVariables(), KUBE_CONTEXT: 'stagign', KUBECONFIG: '/ci/kubeconfig' });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      'deploy.sh: KUBE_CONTEXT=stagign is not a context of the kubeconfig (/ci/kubeconfig): kubectl config get-contexts lists them',
    );
    expect(verbs(fake)).toEqual([]);
  });

  it('production: refuses while the namespace lacks a Secret the pods read, naming each, and applies once they exist', () => {
    const fake = setup();
    const env = { KUBE_CONTEXT: 'production-cluster' };
    fake.setSecrets(['api-database']);
    const refused = deploy(fake, ['production', 'v1.2.0'], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toBe(
      "deploy.sh: missing Secrets in namespace acme-production: api-migration billing-events-database billing-events-migration; create them from the team's secret store (deploy/k8s/README.md)",
    );
    expect(verbs(fake).filter((v) => v.startsWith('apply') || v.startsWith('delete'))).toEqual([]);

    fake.setSecrets(SERVICES.flatMap((s) => [`${s}-database`, `${s}-migration`]));
    const run = deploy(fake, ['production', 'v1.2.0'], env);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(appliedManifests(fake).filter((r) => r.kind === 'Secret')).toEqual([]);
    expect(appliedManifests(fake).find((r) => r.kind === 'Namespace')?.metadata?.name).toBe('acme-production');
    const api = appliedManifests(fake).find((r) => r.kind === 'Deployment' && r.metadata?.name === 'api');
    const apiEnv = (api?.spec as { template: { spec: { containers: Array<{ env: Array<{ name: string; valueFrom?: object }> }> } } }).template.spec.containers[0]!.env;
    expect(apiEnv.find((e) => e.name === 'CONSUL_HTTP_TOKEN')?.valueFrom).toEqual({ secretKeyRef: { name: 'api-consul', key: 'CONSUL_HTTP_TOKEN', optional: true } });
  });

  it('`previous` goes back to the tag the last deploy replaced (annotations on the Deployments), and twice returns', () => {
    const fake = setup();
    fake.setSecrets(SERVICES.flatMap((s) => [`${s}-database`, `${s}-migration`]));
    const env = { KUBE_CONTEXT: 'production-cluster' };
    expect(deploy(fake, ['production', 'v1'], env).status).toBe(0);
    expect(deploy(fake, ['production', 'v2'], env).status).toBe(0);
    expect(fake.annotations('billing-events')).toEqual({ 'startup-backend/image-tag': 'v2', 'startup-backend/previous-image-tag': 'v1' });
    const back = deploy(fake, ['production', 'previous'], env);
    expect(back.status, back.stderr).toBe(0);
    expect(back.stdout).toContain('Deploying v1 to production');
    const image = (r: ReturnType<typeof appliedManifests>[number]) => (r.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image;
    expect(appliedManifests(fake).filter((r) => r.kind === 'Deployment').map(image)).toEqual(SERVICES.map((s) => `registry.example.com/acme/${s}:v1`));
    expect(fake.annotations('api')).toEqual({ 'startup-backend/image-tag': 'v1', 'startup-backend/previous-image-tag': 'v2' });
    expect(deploy(fake, ['production', 'previous'], env).stdout).toContain('Deploying v2 to production');
  });

  it('refuses `previous` when the Deployments disagree, and an annotation that is no tag, before applying', () => {
    const fake = setup();
    fake.setAnnotations('api', { 'startup-backend/image-tag': 'v2', 'startup-backend/previous-image-tag': 'v1' });
    fake.setAnnotations('billing-events', { 'startup-backend/image-tag': 'v2', 'startup-backend/previous-image-tag': 'v0' });
    const split = deploy(fake, ['staging', 'previous'], secretVariables());
    expect(split.status).toBe(1);
    expect(split.stderr.trim()).toBe('deploy.sh: no previous image tag is recorded on every service in staging; name the tag to deploy');
    fake.setAnnotations('billing-events', { 'startup-backend/image-tag': 'v2"\n  privileged: true', 'startup-backend/previous-image-tag': 'v1' });
    const crafted = deploy(fake, ['staging', 'v3'], secretVariables());
    expect(crafted.status).toBe(1);
    expect(crafted.stderr).toContain("deploy.sh: the image-tag recorded for billing-events in staging is not an image tag: 'v2\"");
    expect(verbs(fake).filter((v) => v.startsWith('apply'))).toEqual([]);
  });

  it('fails, naming what to look at, when a migration or a rollout does not finish', () => {
    const fake = setup();
    fake.failOn('wait');
    const migration = deploy(fake, ['staging', 'abc123'], { ...secretVariables(), ROLLOUT_TIMEOUT: '2m' });
    expect(migration.status).toBe(1);
    expect(migration.stderr.trim().split('\n').pop()).toBe('deploy.sh: db-init did not finish within 2m: kubectl logs -n acme-staging job/db-init');
    expect(fake.calls().find((c) => c.args[0] === 'wait')!.args).toContain('--timeout=2m');
    // Production has no db-init: its database is external.
    fake.setSecrets(SERVICES.flatMap((s) => [`${s}-database`, `${s}-migration`]));
    const production = deploy(fake, ['production', 'abc123'], { KUBE_CONTEXT: 'production-cluster' });
    expect(production.stderr.trim().split('\n').pop()).toBe('deploy.sh: the migration of api did not finish within 300s: kubectl logs -n acme-production job/api-migrate');
    fake.failOn('rollout');
    const rollout = deploy(fake, ['staging', 'abc123'], secretVariables());
    expect(rollout.status).toBe(1);
    expect(rollout.stderr.trim().split('\n').pop()).toBe('deploy.sh: api did not roll out within 300s: kubectl describe -n acme-staging deployment/api');
  });

  it.each<[Record<string, string>, string]>([
    [{ KUBE_CONTEXT: '' }, 'deploy.sh: set KUBE_CONTEXT to the kubeconfig context of the staging cluster (a CI variable of that environment)'],
    [{ DEPLOY_TARGET: 'helm' }, "deploy.sh: DEPLOY_TARGET is 'helm': set it to compose or kubernetes"],
    [{ ROLLOUT_TIMEOUT: '5 minutes' }, "deploy.sh: ROLLOUT_TIMEOUT is not a duration such as 300s or 10m: '5 minutes'"],
    [{ PATH: 'no kustomize' }, 'deploy.sh: kustomize is not on PATH: DEPLOY_TARGET=kubernetes needs kubectl and kustomize'],
  ])('bad settings %o stop it in one line before anything runs', (env, message) => {
    const fake = setup();
    const run = deploy(fake, ['staging', 'abc123'], env.PATH ? { PATH: `${fake.bin}:/usr/bin:/bin` } : env);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(message);
    expect(fake.calls()).toEqual([]);
  });
});
