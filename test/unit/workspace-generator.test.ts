import { describe, expect, it } from 'vitest';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { ANSWERS_FILE, readAnswers } from '../../generators/shared/answers.js';
import { answersFor, emptyTree, renderedFiles } from './fixtures.js';

describe('workspace generator (in-memory tree)', () => {
  it('writes the root files, the first service, the pipeline and the answers file', () => {
    const tree = emptyTree();
    workspaceGenerator(tree, answersFor({}, ['orders']));
    const files = [...renderedFiles(tree).keys()];
    expect(files).toContain(ANSWERS_FILE);
    expect(files).toContain('.gitlab-ci.yml');
    expect(files).toContain('README.md');
    expect(files.some((f) => f.startsWith('services/orders/'))).toBe(true);
    expect(files.filter((f) => f.includes('__'))).toEqual([]);
  });

  it('records every answer so the repo can be re-rendered', () => {
    const tree = emptyTree();
    const answers = answersFor({}, ['orders', 'billing']);
    workspaceGenerator(tree, answers);
    expect(readAnswers(tree)).toEqual(expect.objectContaining(answers));
    expect(readAnswers(tree).services.map((s) => [s.name, s.rpcPort, s.httpPort])).toEqual([
      ['orders', 50051, 9464],
      ['billing', 50052, 9465],
    ]);
  });

  it('is deterministic: the same answers give byte-identical files', () => {
    const render = () => {
      const tree = emptyTree();
      workspaceGenerator(tree, answersFor());
      return renderedFiles(tree);
    };
    const first = render();
    const second = render();
    expect([...second.keys()].sort()).toEqual([...first.keys()].sort());
    for (const [file, content] of first) {
      expect(second.get(file)?.equals(content), file).toBe(true);
    }
  });

  it('never puts a secret into a rendered file', () => {
    const tree = emptyTree();
    workspaceGenerator(tree, answersFor());
    const files = renderedFiles(tree);
    expect([...files.keys()].filter((f) => f.endsWith('.env'))).toEqual([]);
    const example = files.get('services/api/.env.example')?.toString() ?? '';
    const urls = example.split('\n').filter((l) => /^[A-Z_]*DATABASE_URL=/.test(l));
    expect(urls.length).toBeGreaterThan(0);
    for (const line of urls) expect(line).toMatch(/^[A-Z_]+=mysql:\/\/api(-migrate)?:change-me-api-db(-migration)?@/);
  });

  it.each([
    [{}, ['gRPC', 'etcd', 'MySQL', 'GitLab CI'], ['Thrift', 'Consul', 'TiDB', 'Jenkins']],
    [{ rpc: 'thrift', discovery: 'consul', db: 'tidb', ci: 'jenkins' } as const, ['Thrift', 'Consul', 'TiDB', 'Jenkins'], ['gRPC', 'etcd', 'MySQL', 'GitLab CI']],
  ])('records the chosen stack and why in docs/adr/0001-stack.md (%j)', (choices, chosen, others) => {
    const tree = emptyTree();
    workspaceGenerator(tree, answersFor(choices));
    const adr = tree.read('docs/adr/0001-stack.md', 'utf-8') ?? '';
    for (const label of chosen) expect(adr).toMatch(new RegExp(`\\*\\*[A-Za-z ]+: ${label}\\.\\*\\* \\S`));
    for (const label of others) expect(adr).not.toContain(`: ${label}.**`);
  });

  it('keeps database and registry data in named volumes of the compose stack', () => {
    const tree = emptyTree();
    workspaceGenerator(tree, answersFor());
    const compose = tree.read('docker-compose.yml', 'utf-8') ?? '';
    expect(compose).toContain('"mysql-data:/var/lib/mysql"');
    expect(compose).toContain('"etcd-data:/etcd-data"');
    expect(compose).toMatch(/^volumes:\n  mysql-data: \{\}\n  etcd-data: \{\}$/m);
  });
});
