#!/usr/bin/env node
// Checks that every commit subject in a range follows Conventional Commits
// (https://www.conventionalcommits.org): `type(scope)!: description`, at most 100 characters.
// Merge commits are skipped.
//
//   node scripts/check-commit-messages.mjs <from>..<to>       e.g. origin/main..HEAD
import { execFileSync } from "node:child_process";

export const TYPES = ["build", "chore", "ci", "docs", "feat", "fix", "perf", "refactor", "revert", "style", "test"];
const SUBJECT = new RegExp(`^(${TYPES.join("|")})(\\([a-z0-9][a-z0-9._/-]*\\))?!?: \\S`);
const MAX_LENGTH = 100;

/**
 * @param {string} subject
 * @returns {string | undefined} why the subject is rejected
 */
export function problem(subject) {
  if (!SUBJECT.test(subject)) return `not "type(scope): description" with a type among ${TYPES.join(", ")}`;
  if (subject.length > MAX_LENGTH) return `longer than ${MAX_LENGTH} characters`;
  return undefined;
}

const range = process.argv[2];
if (!range) {
  console.error("usage: check-commit-messages.mjs <from>..<to>");
  process.exit(1);
}
const log = execFileSync("git", ["log", "--no-merges", "--format=%h %s", range], { encoding: "utf8" });
const lines = log.split("\n").filter(Boolean);
let failures = 0;
for (const line of lines) {
  const [hash, ...words] = line.split(" ");
  const subject = words.join(" ");
  const reason = problem(subject);
  if (reason) {
    failures += 1;
    console.error(`${hash} ${subject}\n  ${reason}`);
  }
}
if (failures > 0) {
  console.error(`${failures} commit subject(s) do not follow Conventional Commits.`);
  process.exit(1);
}
console.log(`Commit subjects of ${range} (${lines.length}) follow Conventional Commits.`);
