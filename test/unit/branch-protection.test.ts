// The generated repo's branch protection: repo-policy/branch-protection.json and
// scripts/apply-branch-protection.mjs, run against a local server that records the requests, checked
// against GitHub's "Update branch protection" and GitLab's "Protected branches" / "Projects" /
// "Merge request approvals" / "Protected environments" APIs. The GitHub body is also type-checked against @octokit/openapi-types.
// Also: scripts/check-commit-messages.mjs on a throwaway git repository.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { answersFor, emptyTree, renderedFiles, writeFiles } from './fixtures.js';
import { defaultHandler, startRecordingApi, type RecordingApi } from '../support/recording-api.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'csb-branch-protection-'));
const PROTECTION_PATH = '/repos/{owner}/{repo}/branches/{branch}/protection';

/** Renders the whole repo in memory and writes it to disk (without node_modules; the scripts need none). */
function renderTo(ci: 'gitlab' | 'jenkins', services = ['api']): string {
  const tree = emptyTree();
  workspaceGenerator(tree, answersFor({ ci }, services));
  return writeFiles(path.join(work, `${ci}-${services.join('-')}`), renderedFiles(tree));
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the script asynchronously (the recording server lives in this process), with a clean environment. */
function runScript(repoDir: string, args: string[], env: Record<string, string> = {}, script = 'apply-branch-protection.mjs'): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoDir, 'scripts', script), ...args],
      { cwd: repoDir, env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let api: RecordingApi;
let gitlabRepo: string;
let jenkinsRepo: string;

beforeAll(async () => {
  api = await startRecordingApi('/api/v4');
  gitlabRepo = renderTo('gitlab');
  jenkinsRepo = renderTo('jenkins');
});

beforeEach(() => {
  api.requests.length = 0;
  api.handler = defaultHandler;
});

afterAll(async () => {
  await api.close();
  rmSync(work, { recursive: true, force: true });
});

function policy(repoDir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(repoDir, 'repo-policy/branch-protection.json'), 'utf8')) as Record<string, unknown>;
}

const EXPECTED_GITHUB_BODY = (checks: string[]) => ({
  required_status_checks: { strict: true, contexts: checks, checks: checks.map((context) => ({ context })) },
  enforce_admins: true,
  required_pull_request_reviews: {
    dismiss_stale_reviews: true,
    require_code_owner_reviews: true,
    required_approving_review_count: 2,
  },
  restrictions: null,
  required_linear_history: true,
  allow_force_pushes: false,
  allow_deletions: false,
  required_conversation_resolution: true,
});

const GITLAB_CHECKS = ['install', 'lint', 'ops:runbooks', 'ops:rules', 'ops:alertmanager', 'commits', 'typecheck', 'test'];

describe('repo-policy/branch-protection.json', () => {
  it('names the real CI checks of each CI choice', () => {
    const gitlabCi = readFileSync(path.join(gitlabRepo, '.gitlab-ci.yml'), 'utf8');
    const gitlab = policy(gitlabRepo);
    expect(gitlab.requiredStatusChecks).toEqual(GITLAB_CHECKS);
    for (const job of gitlab.requiredStatusChecks as string[]) expect(gitlabCi).toMatch(new RegExp(`^${job}:$`, 'm'));
    // Who may deploy: the environments named here are the ones the pipeline deploys to.
    const environments = gitlab.protectedEnvironments as Array<{ name: string }>;
    expect(environments).toEqual([{ name: 'production', deploy_access_levels: [{ access_level: 40 }] }]);
    for (const { name } of environments) expect(gitlabCi).toMatch(new RegExp(`^    name: ${name}$`, 'm'));
    expect(policy(jenkinsRepo).protectedEnvironments).toBeUndefined();
    expect(policy(jenkinsRepo).requiredStatusChecks).toEqual(['continuous-integration/jenkins/pr-merge']);
    for (const repo of [gitlabRepo, jenkinsRepo]) {
      expect(policy(repo)).toMatchObject({
        branch: 'main',
        requiredApprovingReviews: 2,
        requireCodeOwnerReviews: true,
        dismissStaleReviews: true,
        requireConversationResolution: true,
        requireLinearHistory: true,
        allowForcePushes: false,
        allowDeletions: false,
        requireSignedCommits: false,
      });
    }
  });

  it('renders CODEOWNERS and the PR / MR template where each host reads them', () => {
    // GitLab reads CODEOWNERS from .gitlab/ (not .github/); GitHub (beside Jenkins) from .github/.
    expect(readFileSync(path.join(gitlabRepo, '.gitlab/CODEOWNERS'), 'utf8')).toMatch(/^\*\s+@/m);
    expect(readFileSync(path.join(gitlabRepo, '.gitlab/CODEOWNERS'), 'utf8')).toContain('/.gitlab-ci.yml');
    expect(readFileSync(path.join(gitlabRepo, '.gitlab/merge_request_templates/Default.md'), 'utf8')).toContain('- [ ] ');
    expect(existsSync(path.join(gitlabRepo, '.github'))).toBe(false);
    expect(readFileSync(path.join(jenkinsRepo, '.github/CODEOWNERS'), 'utf8')).toMatch(/^\*\s+@/m);
    expect(readFileSync(path.join(jenkinsRepo, '.github/CODEOWNERS'), 'utf8')).toContain('/Jenkinsfile');
    expect(readFileSync(path.join(jenkinsRepo, '.github/pull_request_template.md'), 'utf8')).toContain('- [ ] ');
    expect(existsSync(path.join(jenkinsRepo, '.gitlab'))).toBe(false);
  });
});

describe('apply-branch-protection.mjs on GitHub (the default with Jenkins)', () => {
  const env = () => ({ GITHUB_TOKEN: 'gh-test-token', GITHUB_API_URL: api.baseUrl });

  it('sends PUT .../protection with the documented body, then DELETE required_signatures', async () => {
    const run = await runScript(jenkinsRepo, ['--repo', 'acme/my-app'], env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(api.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'PUT /api/v4/repos/acme/my-app/branches/main/protection',
      'DELETE /api/v4/repos/acme/my-app/branches/main/protection/required_signatures',
    ]);
    const [put, del] = api.requests;
    expect(put!.body).toEqual(EXPECTED_GITHUB_BODY(['continuous-integration/jenkins/pr-merge']));
    expect(put!.headers).toMatchObject({
      authorization: 'Bearer gh-test-token',
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'content-type': 'application/json',
    });
    expect(del!.body).toBeUndefined();
  });

  it('tolerates 404 on DELETE required_signatures (never enabled)', async () => {
    api.handler = (request) => (request.method === 'DELETE' ? { status: 404, body: { message: 'Not Found' } } : defaultHandler(request, []));
    const run = await runScript(jenkinsRepo, ['--repo', 'acme/my-app'], env());
    expect(run.code).toBe(0);
  });

  it('POSTs required_signatures when the policy asks for signed commits', async () => {
    const file = path.join(work, 'signed.json');
    writeFileSync(file, JSON.stringify({ ...policy(jenkinsRepo), requireSignedCommits: true }));
    const run = await runScript(jenkinsRepo, ['--repo', 'acme/my-app', '--policy', file], env());
    expect(run.code).toBe(0);
    expect(api.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'PUT /api/v4/repos/acme/my-app/branches/main/protection',
      'POST /api/v4/repos/acme/my-app/branches/main/protection/required_signatures',
    ]);
  });

  it('uses --provider github from a GitLab CI repo, with the GitLab job names as checks', async () => {
    const run = await runScript(gitlabRepo, ['--provider', 'github', '--repo', 'acme/my-app'], env());
    expect(run.code).toBe(0);
    expect(api.requests[0]!.body).toEqual(EXPECTED_GITHUB_BODY(GITLAB_CHECKS));
    // Protected environments are a GitLab feature; nothing is sent for them to GitHub.
    expect(api.requests.map((r) => r.url).filter((url) => url.includes('environment'))).toEqual([]);
  });

  it('fails with a non-2xx answer and says which request', async () => {
    api.handler = () => ({ status: 403, body: { message: 'Resource not accessible' } });
    const run = await runScript(jenkinsRepo, ['--repo', 'acme/my-app'], env());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/PUT .*\/protection failed with 403/);
  });

  it('the body type-checks against @octokit/openapi-types (and a wrong body does not)', async () => {
    const typesDir = path.join(root, 'node_modules/@octokit/openapi-types');
    expect(existsSync(typesDir), 'npm install --save-dev --save-exact @octokit/openapi-types').toBe(true);
    await runScript(jenkinsRepo, ['--repo', 'acme/my-app'], env());
    const body = JSON.stringify(api.requests[0]!.body, null, 2);
    // Under the scaffolder's node_modules so that the import resolves.
    const dir = mkdtempSync(path.join(root, 'node_modules/.cache-branch-protection-'));
    try {
      const check = (name: string, json: string) => {
        const file = path.join(dir, `${name}.ts`);
        writeFileSync(
          file,
          `import type { paths } from "@octokit/openapi-types";\n` +
            `type Body = paths["${PROTECTION_PATH}"]["put"]["requestBody"]["content"]["application/json"];\n` +
            `export const body: Body = ${json};\n`,
        );
        return spawnSync(
          path.join(root, 'node_modules/.bin/tsc'),
          ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', file],
          { encoding: 'utf8' },
        );
      };
      const good = check('good', body);
      expect(good.stdout + good.stderr).toBe('');
      expect(good.status).toBe(0);
      const bad = check('bad', body.replace('"required_approving_review_count": 2', '"required_approving_review_count": "2"'));
      expect(bad.status).not.toBe(0);
      expect(bad.stdout).toMatch(/bad\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('apply-branch-protection.mjs on GitLab (the default with GitLab CI)', () => {
  const env = () => ({ GITLAB_TOKEN: 'gl-test-token', GITLAB_API_URL: api.baseUrl });
  const project = '/api/v4/projects/acme%2Fplatform%2Fmy-app';

  it('protects the branch, sets the merge rules, the approval rule and who may deploy to production', async () => {
    const run = await runScript(gitlabRepo, ['--repo', 'acme/platform/my-app'], env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(api.requests.map((r) => ({ request: `${r.method} ${r.url}`, body: r.body }))).toEqual([
      {
        request: `POST ${project}/protected_branches`,
        body: {
          name: 'main',
          push_access_level: 0,
          merge_access_level: 30,
          allow_force_push: false,
          code_owner_approval_required: true,
        },
      },
      {
        request: `PUT ${project}`,
        body: {
          merge_method: 'ff',
          only_allow_merge_if_pipeline_succeeds: true,
          allow_merge_on_skipped_pipeline: false,
          only_allow_merge_if_all_discussions_are_resolved: true,
        },
      },
      { request: `POST ${project}/approvals`, body: { reset_approvals_on_push: true } },
      { request: `GET ${project}/approval_rules`, body: undefined },
      {
        request: `POST ${project}/approval_rules`,
        body: { name: 'Required reviewers', approvals_required: 2, rule_type: 'any_approver' },
      },
      {
        request: `POST ${project}/protected_environments`,
        body: { name: 'production', deploy_access_levels: [{ access_level: 40 }] },
      },
    ]);
    for (const request of api.requests) expect(request.headers['private-token']).toBe('gl-test-token');
    expect(api.requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('updates an existing protection in place (409), never unprotecting the branch, and updates the existing any_approver rule', async () => {
    api.handler = (request, previous) => {
      if (request.method === 'POST' && request.url.endsWith('/protected_branches')) {
        return { status: 409, body: { message: 'Protected branch \'main\' already exists' } };
      }
      if (request.method === 'GET' && request.url.endsWith('/protected_branches/main')) {
        return {
          status: 200,
          body: {
            name: 'main',
            push_access_levels: [{ id: 11, access_level: 40, user_id: null, group_id: null }],
            merge_access_levels: [{ id: 12, access_level: 30, user_id: null, group_id: null }, { id: 13, access_level: 30, user_id: 5, group_id: null }],
          },
        };
      }
      if (request.method === 'GET') return { status: 200, body: [{ id: 3, name: 'Security', rule_type: 'regular' }, { id: 7, name: 'All eligible users', rule_type: 'any_approver' }] };
      return defaultHandler(request, previous);
    };
    const run = await runScript(gitlabRepo, ['--repo', 'acme/platform/my-app'], env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(api.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST ${project}/protected_branches`,
      `GET ${project}/protected_branches/main`,
      `PATCH ${project}/protected_branches/main`,
      `PUT ${project}`,
      `POST ${project}/approvals`,
      `GET ${project}/approval_rules`,
      `PUT ${project}/approval_rules/7`,
      `POST ${project}/protected_environments`,
    ]);
    // Maintainers' push goes, no one's comes; the merge level the policy names stays, the user's goes.
    expect(api.requests[2]!.body).toEqual({
      allow_force_push: false,
      code_owner_approval_required: true,
      allowed_to_push: [{ id: 11, _destroy: true }, { access_level: 0 }],
      allowed_to_merge: [{ id: 13, _destroy: true }],
    });
  });

  it('a refused update of an existing protection fails naming it, and the branch was never unprotected', async () => {
    api.handler = (request, previous) => {
      if (request.method === 'POST' && request.url.endsWith('/protected_branches')) return { status: 409, body: { message: 'exists' } };
      if (request.method === 'PATCH') return { status: 403, body: { message: '403 Forbidden' } };
      return defaultHandler(request, previous);
    };
    const run = await runScript(gitlabRepo, ['--repo', 'acme/platform/my-app'], env());
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/PATCH .*\/protected_branches\/main failed with 403: .*; the existing protection is left as it was/);
    expect(api.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('updates an existing protected environment in place (409)', async () => {
    api.handler = (request, previous) => {
      if (request.method === 'POST' && request.url.endsWith('/protected_environments')) {
        return { status: 409, body: { message: "Environment 'production' is already protected" } };
      }
      if (request.method === 'GET' && request.url.endsWith('/protected_environments/production')) {
        return { status: 200, body: { name: 'production', deploy_access_levels: [{ id: 21, access_level: 30, user_id: null, group_id: null }] } };
      }
      return defaultHandler(request, previous);
    };
    const run = await runScript(gitlabRepo, ['--repo', 'acme/platform/my-app'], env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(api.requests.slice(-3).map((r) => ({ request: `${r.method} ${r.url}`, body: r.body }))).toEqual([
      { request: `POST ${project}/protected_environments`, body: { name: 'production', deploy_access_levels: [{ access_level: 40 }] } },
      { request: `GET ${project}/protected_environments/production`, body: undefined },
      { request: `PUT ${project}/protected_environments/production`, body: { deploy_access_levels: [{ id: 21, _destroy: true }, { access_level: 40 }] } },
    ]);
    expect(api.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('an API that does not answer: each request gets API_TIMEOUT_MS, then one line naming it, exit 1', async () => {
    api.handler = () => 'no-answer';
    const run = await runScript(gitlabRepo, ['--repo', 'acme/platform/my-app'], { ...env(), API_TIMEOUT_MS: '300' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/POST .*\/protected_branches failed: no answer in 300 ms/);
  });

  it.each([
    ['GITLAB_API_URL', 'gitlab', 'http://gitlab.example.com/api/v4', /GITLAB_API_URL must be an https:\/\/ URL, the token would cross the network in clear/],
    ['GITHUB_API_URL', 'jenkins', 'http://github.example.com', /GITHUB_API_URL must be an https:\/\/ URL/],
    ['GITLAB_API_URL', 'gitlab', 'gitlab.example.com', /GITLAB_API_URL is not a URL/],
  ] as const)('refuses %s=%s before sending anything (%s)', async (variable, ci, url, message) => {
    const run = await runScript(ci === 'gitlab' ? gitlabRepo : jenkinsRepo, ['--repo', 'acme/my-app'], { GITLAB_TOKEN: 't', GITHUB_TOKEN: 't', [variable]: url });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(api.requests).toHaveLength(0);
  });

  it('fails, naming the request, when protecting the environment is refused (e.g. no Premium)', async () => {
    api.handler = (request, previous) =>
      request.url.endsWith('/protected_environments') ? { status: 403, body: { message: '403 Forbidden' } } : defaultHandler(request, previous);
    const run = await runScript(gitlabRepo, ['--repo', 'acme/platform/my-app'], env());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/POST .*\/protected_environments failed with 403/);
  });

  it('rejects unsigned commits through the push rule when the policy asks for signed commits', async () => {
    const file = path.join(work, 'signed-gitlab.json');
    writeFileSync(file, JSON.stringify({ ...policy(gitlabRepo), requireSignedCommits: true }));
    const run = await runScript(gitlabRepo, ['--repo', 'acme/platform/my-app', '--policy', file], env());
    expect(run.code).toBe(0);
    const pushRule = api.requests.find((r) => r.url === `${project}/push_rule`);
    expect(pushRule).toMatchObject({ method: 'PUT', body: { reject_unsigned_commits: true } });
  });
});

describe('apply-branch-protection.mjs without a token, and --dry-run', () => {
  it.each([
    ['jenkins', 'GITHUB_TOKEN'],
    ['gitlab', 'GITLAB_TOKEN'],
  ] as const)('%s repo without %s: one-line error naming it, exit 1, nothing sent', async (ci, variable) => {
    const run = await runScript(ci === 'gitlab' ? gitlabRepo : jenkinsRepo, ['--repo', 'acme/my-app'], {
      GITHUB_API_URL: api.baseUrl,
      GITLAB_API_URL: api.baseUrl,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(variable);
    expect(api.requests).toHaveLength(0);
  });

  it.each(['jenkins', 'gitlab'] as const)('%s repo: --dry-run prints the requests and sends nothing', async (ci) => {
    const run = await runScript(ci === 'gitlab' ? gitlabRepo : jenkinsRepo, ['--repo', 'acme/my-app', '--dry-run'], {
      GITHUB_TOKEN: 't',
      GITLAB_TOKEN: 't',
      GITHUB_API_URL: api.baseUrl,
      GITLAB_API_URL: api.baseUrl,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(api.requests).toHaveLength(0);
    if (ci === 'jenkins') {
      expect(run.stdout).toContain(`PUT ${api.baseUrl}/repos/acme/my-app/branches/main/protection\n{`);
      expect(run.stdout).toContain(JSON.stringify(EXPECTED_GITHUB_BODY(['continuous-integration/jenkins/pr-merge']), null, 2));
    } else {
      expect(run.stdout).toContain(`POST ${api.baseUrl}/projects/acme%2Fmy-app/protected_branches\n{`);
      expect(run.stdout).toContain(`PUT ${api.baseUrl}/projects/acme%2Fmy-app\n{`);
      expect(run.stdout).toContain(
        `POST ${api.baseUrl}/projects/acme%2Fmy-app/protected_environments\n${JSON.stringify(
          { name: 'production', deploy_access_levels: [{ access_level: 40 }] },
          null,
          2,
        )}`,
      );
    }
  });

  it('rejects a missing --repo and an unknown provider', async () => {
    expect((await runScript(jenkinsRepo, ['--dry-run'])).stderr).toContain('--repo');
    const run = await runScript(jenkinsRepo, ['--repo', 'a/b', '--provider', 'bitbucket', '--dry-run']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('github or gitlab');
  });
});

describe('check-commit-messages.mjs', () => {
  it('accepts conventional subjects and names the others', async () => {
    const git = (...args: string[]) =>
      spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], {
        cwd: jenkinsRepo,
        encoding: 'utf8',
      });
    git('init', '-q', '-b', 'main');
    git('commit', '-q', '--allow-empty', '-m', 'chore: initial');
    git('commit', '-q', '--allow-empty', '-m', 'feat(api): add items');
    git('commit', '-q', '--allow-empty', '-m', 'fix!: drop the old flag');
    const env = { HOME: work };
    const good = await runScript(jenkinsRepo, ['HEAD~2..HEAD'], env, 'check-commit-messages.mjs');
    expect(good.stderr).toBe('');
    expect(good.code).toBe(0);
    git('commit', '-q', '--allow-empty', '-m', 'Added stuff');
    const bad = await runScript(jenkinsRepo, ['HEAD~3..HEAD'], env, 'check-commit-messages.mjs');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Added stuff');
    expect(bad.stderr).not.toContain('feat(api)');
  });
});
