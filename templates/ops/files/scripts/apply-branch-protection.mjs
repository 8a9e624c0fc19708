#!/usr/bin/env node
// Applies repo-policy/branch-protection.json to the hosting provider through its REST API.
//
//   node scripts/apply-branch-protection.mjs --repo <owner/name> [--provider github|gitlab] [--dry-run]
//
// GitHub: PUT /repos/{owner}/{repo}/branches/{branch}/protection, then POST (signed commits on) or
// DELETE (off) .../protection/required_signatures. Token: GITHUB_TOKEN (admin on the repository);
// API: GITHUB_API_URL (default https://api.github.com).
// GitLab: POST /projects/:id/protected_branches (re-created if it exists), PUT /projects/:id (merge
// method, pipeline and discussions), POST /projects/:id/approvals (reset approvals on push), one
// approval rule, PUT /projects/:id/push_rule when signed commits are on, and POST
// /projects/:id/protected_environments for each of the policy's protectedEnvironments (re-created if
// it exists), which decides who may run that environment's deploy jobs. Approval rules, code owner
// approval, push rules and protected environments need GitLab Premium. Token: GITLAB_TOKEN (Maintainer);
// API: GITLAB_API_URL (default https://gitlab.com/api/v4). --repo is the project path (group/name).
// --dry-run prints every request (method, URL, JSON body) and sends nothing.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const DEFAULT_PROVIDER = "<%= stack.ci.codeHost %>";
const APPROVAL_RULE_NAME = "Required reviewers";

/**
 * @typedef {object} Policy
 * @property {string} branch
 * @property {number} requiredApprovingReviews
 * @property {boolean} requireCodeOwnerReviews
 * @property {boolean} dismissStaleReviews
 * @property {boolean} requireConversationResolution
 * @property {boolean} requireLinearHistory
 * @property {boolean} allowForcePushes
 * @property {boolean} allowDeletions
 * @property {boolean} requireSignedCommits
 * @property {boolean} enforceAdmins
 * @property {boolean} requireUpToDateBranch
 * @property {string[]} requiredStatusChecks
 * @property {ProtectedEnvironment[]} [protectedEnvironments] GitLab only
 */

/**
 * In the shape of GitLab's "Protect a single environment" request body, passed on as written.
 * @typedef {object} ProtectedEnvironment
 * @property {string} name
 * @property {Array<{ access_level?: number, group_id?: number, user_id?: number }>} deploy_access_levels
 */

/**
 * @typedef {object} Request
 * @property {string} method
 * @property {string} url
 * @property {unknown} [body]
 * @property {number[]} [okStatuses] statuses that are not failures besides 2xx
 */

/** @param {string} message */
function fail(message) {
  console.error(`apply-branch-protection: ${message}`);
  process.exit(1);
}

/**
 * @param {string} base
 * @param {string} path
 */
function join(base, path) {
  return `${base.replace(/\/+$/, "")}${path}`;
}

/**
 * @param {Policy} policy
 * @param {string} api
 * @param {string} repo owner/name
 * @returns {Request[]}
 */
export function githubRequests(policy, api, repo) {
  const [owner, name] = repo.split("/");
  const protection = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/branches/${encodeURIComponent(policy.branch)}/protection`;
  return [
    {
      method: "PUT",
      url: join(api, protection),
      body: {
        required_status_checks: {
          strict: policy.requireUpToDateBranch,
          // `contexts` is deprecated but still required by the API schema; `checks` lists the same names.
          contexts: policy.requiredStatusChecks,
          checks: policy.requiredStatusChecks.map((context) => ({ context })),
        },
        enforce_admins: policy.enforceAdmins,
        required_pull_request_reviews: {
          dismiss_stale_reviews: policy.dismissStaleReviews,
          require_code_owner_reviews: policy.requireCodeOwnerReviews,
          required_approving_review_count: policy.requiredApprovingReviews,
        },
        restrictions: null,
        required_linear_history: policy.requireLinearHistory,
        allow_force_pushes: policy.allowForcePushes,
        allow_deletions: policy.allowDeletions,
        required_conversation_resolution: policy.requireConversationResolution,
      },
    },
    policy.requireSignedCommits
      ? { method: "POST", url: join(api, `${protection}/required_signatures`) }
      : { method: "DELETE", url: join(api, `${protection}/required_signatures`), okStatuses: [404] },
  ];
}

/**
 * @param {Policy} policy
 * @param {string} api
 * @param {string} repo group/name
 * @returns {{
 *   protect: Request,
 *   unprotect: Request,
 *   rest: Request[],
 *   approvalRules: string,
 *   environments: Array<{ protect: Request, unprotect: Request }>,
 * }}
 */
export function gitlabRequests(policy, api, repo) {
  const project = `/projects/${encodeURIComponent(repo)}`;
  return {
    protect: {
      method: "POST",
      url: join(api, `${project}/protected_branches`),
      body: {
        name: policy.branch,
        push_access_level: 0,
        merge_access_level: 30,
        allow_force_push: policy.allowForcePushes,
        code_owner_approval_required: policy.requireCodeOwnerReviews,
      },
    },
    unprotect: {
      method: "DELETE",
      url: join(api, `${project}/protected_branches/${encodeURIComponent(policy.branch)}`),
    },
    rest: [
      {
        method: "PUT",
        url: join(api, project),
        body: {
          merge_method: policy.requireLinearHistory ? "ff" : "merge",
          only_allow_merge_if_pipeline_succeeds: policy.requiredStatusChecks.length > 0,
          allow_merge_on_skipped_pipeline: false,
          only_allow_merge_if_all_discussions_are_resolved: policy.requireConversationResolution,
        },
      },
      {
        method: "POST",
        url: join(api, `${project}/approvals`),
        body: { reset_approvals_on_push: policy.dismissStaleReviews },
      },
      ...(policy.requireSignedCommits
        ? [{ method: "PUT", url: join(api, `${project}/push_rule`), body: { reject_unsigned_commits: true } }]
        : []),
    ],
    approvalRules: join(api, `${project}/approval_rules`),
    environments: (policy.protectedEnvironments ?? []).map((environment) => ({
      protect: { method: "POST", url: join(api, `${project}/protected_environments`), body: environment },
      unprotect: {
        method: "DELETE",
        url: join(api, `${project}/protected_environments/${encodeURIComponent(environment.name)}`),
      },
    })),
  };
}

/** @param {Request} request */
function print(request) {
  console.log(`${request.method} ${request.url}`);
  if (request.body !== undefined) console.log(JSON.stringify(request.body, null, 2));
}

/**
 * @param {Request} request
 * @param {Record<string, string>} headers
 * @returns {Promise<{ status: number, body: unknown }>}
 */
async function send(request, headers) {
  const response = await globalThis.fetch(request.url, {
    method: request.method,
    headers: request.body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  const text = await response.text();
  /** @type {unknown} */
  let body = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: response.status, body };
}

/**
 * @param {Request} request
 * @param {Record<string, string>} headers
 * @param {number[]} [alsoOk]
 */
async function must(request, headers, alsoOk = []) {
  const result = await send(request, headers);
  const ok =
    (result.status >= 200 && result.status < 300) || [...(request.okStatuses ?? []), ...alsoOk].includes(result.status);
  if (!ok) fail(`${request.method} ${request.url} failed with ${result.status}: ${JSON.stringify(result.body)}`);
  console.log(`${request.method} ${request.url} -> ${result.status}`);
  return result;
}

async function main() {
  const { values } = parseArgs({
    options: {
      provider: { type: "string", default: DEFAULT_PROVIDER },
      repo: { type: "string" },
      policy: { type: "string", default: new URL("../repo-policy/branch-protection.json", import.meta.url).pathname },
      "dry-run": { type: "boolean", default: false },
    },
  });
  const provider = values.provider;
  if (provider !== "github" && provider !== "gitlab") fail(`--provider must be github or gitlab, not ${provider}`);
  if (!values.repo || !/^[^/\s]+(\/[^/\s]+)+$/.test(values.repo)) {
    fail("--repo <owner/name> is required (GitLab: the project path, group/subgroup/name)");
  }
  if (provider === "github" && values.repo.split("/").length !== 2) fail("--repo must be owner/name on GitHub");
  /** @type {Policy} */
  const policy = JSON.parse(readFileSync(values.policy, "utf8"));
  const dryRun = values["dry-run"];
  const tokenVariable = provider === "github" ? "GITHUB_TOKEN" : "GITLAB_TOKEN";
  const token = process.env[tokenVariable];
  if (!token && !dryRun) fail(`set ${tokenVariable} to a token with admin rights on the repository, or use --dry-run`);

  if (provider === "github") {
    const api = process.env.GITHUB_API_URL || "https://api.github.com";
    const requests = githubRequests(policy, api, values.repo);
    if (dryRun) return requests.forEach(print);
    const headers = {
      Accept: "application/vnd.github+json",
      Authorization: `Bearer ${token}`,
      "X-GitHub-Api-Version": "2022-11-28",
    };
    for (const request of requests) await must(request, headers);
    return;
  }

  const api = process.env.GITLAB_API_URL || "https://gitlab.com/api/v4";
  const { protect, unprotect, rest, approvalRules, environments } = gitlabRequests(policy, api, values.repo);
  const rule = {
    name: APPROVAL_RULE_NAME,
    approvals_required: policy.requiredApprovingReviews,
    rule_type: "any_approver",
  };
  if (dryRun) {
    [
      protect,
      ...rest,
      { method: "POST", url: approvalRules, body: rule },
      ...environments.map((e) => e.protect),
    ].forEach(print);
    return;
  }
  const headers = { "PRIVATE-TOKEN": String(token) };
  // An existing protection cannot be changed in place to these access levels: re-create it.
  /** @param {{ protect: Request, unprotect: Request }} pair */
  const protectAnew = async ({ protect, unprotect }) => {
    const created = await must(protect, headers, [409]);
    if (created.status === 409) {
      await must(unprotect, headers);
      await must(protect, headers);
    }
  };
  await protectAnew({ protect, unprotect });
  for (const request of rest) await must(request, headers);
  const existing = await must({ method: "GET", url: approvalRules }, headers);
  const rules = Array.isArray(existing.body)
    ? /** @type {Array<{ id: number, name: string, rule_type?: string }>} */ (existing.body)
    : [];
  // A project has at most one any_approver rule (GitLab may have made one, with 0 approvals): update it.
  const current = rules.find((r) => r.rule_type === "any_approver" || r.name === APPROVAL_RULE_NAME);
  await must(
    current
      ? { method: "PUT", url: `${approvalRules}/${current.id}`, body: rule }
      : { method: "POST", url: approvalRules, body: rule },
    headers,
  );
  for (const environment of environments) await protectAnew(environment);
}

await main();
