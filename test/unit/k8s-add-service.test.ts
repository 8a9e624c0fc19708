import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planAddService } from '../../generators/engine/add-service.js';
import { applyPlan } from '../../generators/engine/apply.js';
import { findRepository } from '../../generators/engine/repository.js';
import { answersFor, renderToDisk, testScaffolderIntegrity } from './fixtures.js';
import { kustomize, OVERLAY_RENDERERS } from './k8s-fixtures.js';

/**
 * `add service` through the engine keeps the Kubernetes layer in step: the new service's base appears and
 * both overlays take it in (no cluster: the plan, the files and kustomize's rendering are checked).
 */
const work = mkdtempSync(path.join(tmpdir(), 'csb-k8s-add-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each([
  ['grpc', { rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'gitlab' }],
  ['thrift', { rpc: 'thrift', discovery: 'consul', db: 'tidb', ci: 'jenkins' }],
] as const)('add service, Kubernetes manifests (%s)', (label, choices) => {
  const repo = renderToDisk(path.join(work, label), answersFor(choices, ['orders']));
  const { files } = planAddService(findRepository(repo), { name: 'ledger' }, { scaffolderIntegrity: testScaffolderIntegrity() });
  applyPlan(repo, files);
  const actionOf = (file: string) => files.find((plan) => plan.path === file)?.action;
  const read = (file: string) => readFileSync(path.join(repo, file), 'utf8');

  it("creates the new service's base and staging secret samples, and updates both overlays without conflict", () => {
    for (const file of ['kustomization.yaml', 'deployment.yaml', 'migrate-job.yaml', 'network-policy.yaml']) {
      expect(actionOf(`deploy/k8s/base/ledger/${file}`), file).toBe('created');
    }
    expect(actionOf('deploy/k8s/overlays/staging/secrets/ledger.env.sample')).toBe('created');
    for (const overlay of ['staging', 'production']) {
      expect(actionOf(`deploy/k8s/overlays/${overlay}/kustomization.yaml`)).toBe('updated');
      expect(actionOf(`deploy/k8s/overlays/${overlay}/ledger/deployment.yaml`)).toBe('created');
      expect(read(`deploy/k8s/overlays/${overlay}/kustomization.yaml`)).toMatch(/- "\.\.\/\.\.\/base\/orders"\n {2}- "\.\.\/\.\.\/base\/ledger"\n/);
    }
    // Staging's db-init makes the new service's database and accounts, with passwords from db-init.env.
    expect(actionOf('deploy/k8s/overlays/staging/servers/db-init/db-init.sh')).toBe('updated');
    expect(read('deploy/k8s/overlays/staging/servers/db-init/db-init.sh')).toContain("CREATE USER IF NOT EXISTS 'ledger'@'%' IDENTIFIED BY '$LEDGER_DB_PASSWORD';\n");
    expect(read('deploy/k8s/overlays/staging/secrets/db-init.env.sample')).toMatch(/^LEDGER_DB_PASSWORD=.*\nLEDGER_DB_MIGRATION_PASSWORD=/m);
    expect(files.filter((plan) => plan.path.startsWith('deploy/k8s/') && ['merged', 'conflict', 'kept'].includes(plan.action))).toEqual([]);
    expect(actionOf('deploy/k8s/base/orders/deployment.yaml')).toBe('unchanged');
  });

  it.each(OVERLAY_RENDERERS)('$name of each overlay then holds both services (no cluster)', (renderer) => {
    const rendered = new Map(files.filter((plan) => plan.path.startsWith('deploy/k8s/')).map((plan) => [plan.path, read(plan.path)]));
    for (const overlay of ['staging', 'production']) {
      const deployments = kustomize(renderer, rendered, overlay).filter((r) => r.kind === 'Deployment').map((r) => r.metadata.name);
      expect(deployments.sort()).toEqual(['ledger', 'orders']);
    }
  });
});
