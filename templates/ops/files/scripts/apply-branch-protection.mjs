#!/usr/bin/env node
// Applies repo-policy/branch-protection.json to the hosting provider through its REST API.
//
//   node scripts/apply-branch-protection.mjs --repo <owner/name> [--provider github|gitlab] [--dry-run]
//
// GitHub: PUT /repos/{owner}/{repo}/branches/{branch}/protection, then POST (signed commits on) or
// DELETE (off) .../protection/required_signatures. Token: GITHUB_TOKEN (admin on the repository);
// API: GITHUB_API_URL (default https://api.github.com).
// GitLab: POST /projects/:id/protected_branches (if it exists: updated in place with PATCH, so the
// branch is never unprotected), PUT /projects/:id (merge method, pipeline and discussions), POST
// /projects/:id/approvals (reset approvals on push), one approval rule, PUT /projects/:id/push_rule when
// signed commits are on, and POST /projects/:id/protected_environments for each of the policy's
// protectedEnvironments (if it exists: updated in place with PUT), which decides who may run that
// environment's deploy jobs. Approval rules, code owner approval, push rules and protected environments
// need GitLab Premium. Token: GITLAB_TOKEN (Maintainer); API: GITLAB_API_URL (default
// https://gitlab.com/api/v4). --repo is the project path (group/name).
// The API URL must be https:// (http:// only on this machine): the token is sent with every request.
// Each request gets API_TIMEOUT_MS (default 30000) to answer.
// --dry-run prints every request (method, URL, JSON body) and sends nothing.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const DEFAULT_PROVIDER = "<%= stack.ci.codeHost %>";
const APPROVAL_RULE_NAME = "Required reviewers";
const REQUEST_TIMEOUT_MS = Number(process.env.API_TIMEOUT_MS) || 30_000;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

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
 * One of GitLab's access levels (a role, a user or a group), as listed and as nested attributes.
 * @typedef {object} AccessLevel
 * @property {number} [id]
 * @property {number | null} [access_level]
 * @property {number | null} [user_id]
 * @property {number | null} [group_id]
 */

/**
 * Creates a protection; when it exists already (409), reads it and changes it in place.
 * @typedef {object} Protection
 * @property {Request} protect
 * @property {Request} current
 * @property {(existing: unknown) => Request} update
 */

/**
 * @typedef {object} Request
 * @property {string} method
 * @property {string} url
 * @property {unknown} [body]
 * @property {number[]} [okStatuses] statuses that are not failures besides 2xx
 */

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  console.error(`apply-branch-protection: ${message}`);
  process.exit(1);
}

/**
 * The API's base URL from `variable`: https, or http to this machine only, since every request carries
 * the token.
 * @param {string} variable
 * @param {string} fallback
 */
function apiUrl(variable, fallback) {
  const value = process.env[variable] || fallback;
  /** @type {URL} */
  let url;
  try {
    url = new URL(value);
  } catch {
    return fail(`${variable} is not a URL: ${value}`);
  }
  const local = url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !local) {
    fail(`${variable} must be an https:// URL, the token would cross the network in clear: ${value}`);
  }
  return value;
}

/**
 * The change from GitLab's `existing` access levels to the `wanted` ones as nested attributes: each
 * existing one not wanted is destroyed by id, each wanted one missing is added.
 * @param {AccessLevel[]} existing
 * @param {AccessLevel[]} wanted
 * @returns {AccessLevel[]}
 */
export function accessLevelChanges(existing, wanted) {
  /** @param {AccessLevel} level */
  const key = (level) => [level.access_level, level.user_id, level.group_id].map((v) => v ?? "").join("/");
  const wantedKeys = new Set(wanted.map(key));
  const existingKeys = new Set(existing.map(key));
  return [
    ...existing.filter((level) => !wantedKeys.has(key(level))).map((level) => ({ id: level.id, _destroy: true })),
    ...wanted.filter((level) => !existingKeys.has(key(level))),
  ];
}

/**
 * The access levels GitLab lists under `field` of a protection it returned.
 * @param {unknown} body
 * @param {string} field
 * @returns {AccessLevel[]}
 */
function levelsIn(body, field) {
  const value =
    body !== null && typeof body === "object" ? /** @type {Record<string, unknown>} */ (body)[field] : undefined;
  return Array.isArray(value) ? /** @type {AccessLevel[]} */ (value) : [];
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
 *   branch: Protection,
 *   rest: Request[],
 *   approvalRules: string,
 *   environments: Protection[],
 * }}
 */
export function gitlabRequests(policy, api, repo) {
  const project = `/projects/${encodeURIComponent(repo)}`;
  const branchUrl = join(api, `${project}/protected_branches/${encodeURIComponent(policy.branch)}`);
  const settings = {
    allow_force_push: policy.allowForcePushes,
    code_owner_approval_required: policy.requireCodeOwnerReviews,
  };
  return {
    branch: {
      protect: {
        method: "POST",
        url: join(api, `${project}/protected_branches`),
        body: { name: policy.branch, push_access_level: 0, merge_access_level: 30, ...settings },
      },
      current: { method: "GET", url: branchUrl },
      update: (existing) => ({
        method: "PATCH",
        url: branchUrl,
        body: {
          ...settings,
          allowed_to_push: accessLevelChanges(levelsIn(existing, "push_access_levels"), [{ access_level: 0 }]),
          allowed_to_merge: accessLevelChanges(levelsIn(existing, "merge_access_levels"), [{ access_level: 30 }]),
        },
      }),
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
    environments: (policy.protectedEnvironments ?? []).map((environment) => {
      const url = join(api, `${project}/protected_environments/${encodeURIComponent(environment.name)}`);
      const { deploy_access_levels: wanted, ...fields } = environment;
      const rest = Object.fromEntries(Object.entries(fields).filter(([key]) => key !== "name"));
      return {
        protect: { method: "POST", url: join(api, `${project}/protected_environments`), body: environment },
        current: { method: "GET", url },
        update: (existing) => ({
          method: "PUT",
          url,
          body: {
            ...rest,
            deploy_access_levels: accessLevelChanges(levelsIn(existing, "deploy_access_levels"), wanted),
          },
        }),
      };
    }),
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
  /** @type {Response} */
  let response;
  /** @type {string} */
  let text;
  try {
    response = await globalThis.fetch(request.url, {
      method: request.method,
      headers: request.body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: globalThis.AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    const failure = /** @type {Error & { cause?: Error }} */ (error);
    const reason =
      failure.name === "TimeoutError" ? `no answer in ${REQUEST_TIMEOUT_MS} ms` : (failure.cause ?? failure).message;
    return fail(`${request.method} ${request.url} failed: ${reason}`);
  }
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
 * @param {string} [afterFailure] what a failure leaves behind, for the message
 */
async function must(request, headers, alsoOk = [], afterFailure = "") {
  const result = await send(request, headers);
  const ok =
    (result.status >= 200 && result.status < 300) || [...(request.okStatuses ?? []), ...alsoOk].includes(result.status);
  if (!ok) {
    fail(
      `${request.method} ${request.url} failed with ${result.status}: ${JSON.stringify(result.body)}${afterFailure}`,
    );
  }
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
    const api = apiUrl("GITHUB_API_URL", "https://api.github.com");
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

  const api = apiUrl("GITLAB_API_URL", "https://gitlab.com/api/v4");
  const { branch, rest, approvalRules, environments } = gitlabRequests(policy, api, values.repo);
  const rule = {
    name: APPROVAL_RULE_NAME,
    approvals_required: policy.requiredApprovingReviews,
    rule_type: "any_approver",
  };
  if (dryRun) {
    [
      branch.protect,
      ...rest,
      { method: "POST", url: approvalRules, body: rule },
      ...environments.map((e) => e.protect),
    ].forEach(print);
    return;
  }
  const headers = { "PRIVATE-TOKEN": String(token) };
  // An existing protection is changed in place, never lifted and re-created: a failure between the two
  // would leave the branch (or the environment) unprotected.
  /** @param {Protection} protection */
  const protectOrUpdate = async ({ protect, current, update }) => {
    const created = await must(protect, headers, [409]);
    if (created.status !== 409) return;
    const existing = await must(current, headers);
    await must(update(existing.body), headers, [], "; the existing protection is left as it was");
  };
  await protectOrUpdate(branch);
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
  for (const environment of environments) await protectOrUpdate(environment);
}

await main();
