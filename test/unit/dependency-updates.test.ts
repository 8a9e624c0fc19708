// The dependency-update bot of each CI choice's code host: renovate.json (GitLab) and .github/dependabot.yml
// (Jenkins, whose code host is GitHub), both cut from templates/ops/partials/dependency-groups.json.ejs.
// Renovate's own validator (`renovate-config-validator --strict`, renovate 41) accepted the rendered
// renovate.json when this was written; it is too large a dependency to run here on every test run.
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { CHOICES, type StackChoices } from '../../generators/shared/choices.js';
import { choiceManifest } from '../../generators/shared/stack.js';
import { IMAGE_TAGS } from '../../generators/shared/versions.js';
import { answersFor, emptyTree, renderedFiles } from './fixtures.js';

const NODE_MAJOR = Number(IMAGE_TAGS.node.split(':')[1]!.split('.')[0]);
const rpcValues = CHOICES.find((c) => c.key === 'rpc')!.available as ReadonlyArray<StackChoices['rpc']>;

function render(choices: Partial<StackChoices>) {
  const tree = emptyTree();
  workspaceGenerator(tree, answersFor(choices, ['api', 'billing-events']));
  const files = renderedFiles(tree);
  const text = (file: string) => files.get(file)?.toString();
  // Every package any rendered package.json names (root and services).
  const manifests = [...files.keys()].filter((file) => /^(services\/[^/]+\/)?package\.json$/.test(file));
  const packages = new Set(
    manifests.flatMap((file) => {
      const manifest = JSON.parse(text(file)!) as Record<string, Record<string, string> | undefined>;
      return [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})];
    }),
  );
  return { files, text, packages };
}

function rpcPackages(rpc: string): string[] {
  const manifest = choiceManifest('rpc', rpc);
  return [...(manifest.dependencies ?? []), ...(manifest.devDependencies ?? [])];
}

interface RenovateRule {
  groupName?: string;
  matchPackageNames?: string[];
  matchDatasources?: string[];
  allowedVersions?: string;
}

describe.each(rpcValues)('dependency updates (rpc %s)', (rpc) => {
  it('GitLab: renovate.json, weekly, lockfile maintained, grouped; Node.js held on its LTS major', () => {
    const { files, text, packages } = render({ ci: 'gitlab', rpc });
    expect(files.has('.github/dependabot.yml')).toBe(false);
    const config = JSON.parse(text('renovate.json')!) as { extends: string[]; packageRules: RenovateRule[] };
    expect(config.extends).toEqual(['config:recommended', 'schedule:weekly', ':maintainLockFilesWeekly']);
    const groups: Record<string, string[]> = Object.fromEntries(
      config.packageRules.filter((r) => r.matchPackageNames && r.groupName).map((r) => [r.groupName, r.matchPackageNames]),
    );
    expect(groups).toEqual({
      eslint: ['eslint', '@eslint/js', 'typescript-eslint', 'eslint-plugin-simple-import-sort'],
      vitest: ['vitest'],
      rpc: rpcPackages(rpc),
    });
    for (const name of Object.values(groups).flat()) expect(packages, name).toContain(name);
    expect(config.packageRules).toContainEqual({ groupName: 'docker images', matchDatasources: ['docker'] });
    expect(config.packageRules).toContainEqual(
      expect.objectContaining({ matchPackageNames: ['node', '@types/node'], allowedVersions: `<${NODE_MAJOR + 1}` }),
    );
    // The scaffolder moves only with the repo's files, through `startup-backend upgrade`.
    expect(config.packageRules).toContainEqual(expect.objectContaining({ matchPackageNames: ['create-startup-backend'], enabled: false }));
    expect(packages).toContain('create-startup-backend');
  });

  it('Jenkins (GitHub): .github/dependabot.yml, weekly npm, Dockerfile and compose updates, the same groups', () => {
    const { files, text, packages } = render({ ci: 'jenkins', rpc });
    expect(files.has('renovate.json')).toBe(false);
    const config = YAML.parse(text('.github/dependabot.yml')!) as {
      version: number;
      updates: Array<Record<string, unknown> & { groups: Record<string, { patterns: string[] }> }>;
    };
    expect(config.version).toBe(2);
    expect(config.updates.map((u) => u['package-ecosystem'])).toEqual(['npm', 'docker', 'docker-compose']);
    for (const update of config.updates) expect(update.schedule).toEqual({ interval: 'weekly' });
    const [npm, docker, compose] = config.updates;
    expect(npm).toMatchObject({ directory: '/', 'versioning-strategy': 'increase' });
    const groups = Object.fromEntries(Object.entries(npm!.groups).map(([name, group]) => [name, group.patterns]));
    expect(groups).toEqual({
      eslint: ['eslint', '@eslint/js', 'typescript-eslint', 'eslint-plugin-simple-import-sort'],
      vitest: ['vitest'],
      rpc: rpcPackages(rpc),
    });
    for (const name of Object.values(groups).flat()) expect(packages, name).toContain(name);
    expect(docker).toMatchObject({ directories: ['/services/*'], groups: { 'docker-images': { patterns: ['*'] } } });
    expect(compose).toMatchObject({ directory: '/', groups: { 'docker-images': { patterns: ['*'] } } });
    // Node.js and its types stay on the major the repo runs (an LTS line): no major updates of either.
    const major = ['version-update:semver-major'];
    // The scaffolder moves only with the repo's files, through `startup-backend upgrade`.
    expect(npm!.ignore).toEqual([{ 'dependency-name': '@types/node', 'update-types': major }, { 'dependency-name': 'create-startup-backend' }]);
    expect(docker!.ignore).toEqual([{ 'dependency-name': 'node', 'update-types': major }]);
    expect(files.get('services/api/Dockerfile')!.toString()).toContain(`FROM ${IMAGE_TAGS.node} AS build`);
  });

  it.each(['gitlab', 'jenkins'] as const)('the README (%s) says how the updates arrive, in the CI section', (ci) => {
    const readme = render({ ci, rpc }).text('README.md')!;
    const section = readme.slice(readme.indexOf('### Dependency updates'));
    expect(section).toContain(ci === 'gitlab' ? '`renovate.json`' : '`.github/dependabot.yml`');
    for (const name of rpcPackages(rpc)) expect(section).toContain(`\`${name}\``);
    expect(section).toMatch(new RegExp(`stay on\\s+${NODE_MAJOR}, the LTS line`));
    expect(section).toMatch(/`create-startup-backend`\s+is left alone/);
  });
});
