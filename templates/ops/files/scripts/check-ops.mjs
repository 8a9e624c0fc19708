#!/usr/bin/env node
// Checks what promtool and amtool do not: every alert of ops/prometheus/alerts.yml has a `severity` label
// (Alertmanager routes on it), a `dashboard_url` and a `runbook_url` naming a runbook that exists, and every
// runbook in docs/runbooks/ is linked by an alert (procedures/ holds procedures, not alert runbooks).
// No dependencies, so CI runs it without `npm ci`: alerts.yml is read line by line, in the block style
// it is written in (`promtool check rules` is what validates it as YAML).
//
//   node scripts/check-ops.mjs        (npm run ops:check)
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const ALERTS = "ops/prometheus/alerts.yml";
const RUNBOOKS = "docs/runbooks";

/** @param {string} raw a YAML scalar as written on its line */
function scalar(raw) {
  const value = raw.trim();
  const quoted = /^(["'])(.*)\1$/.exec(value);
  if (quoted) return quoted[2];
  return value.replace(/\s+#.*$/, "");
}

/**
 * @typedef {{ name: string, group: string, line: number, labels: Record<string, string>, annotations: Record<string, string> }} Alert
 * @param {string} text
 * @returns {Alert[]}
 */
function readAlerts(text) {
  /** @type {Alert[]} */
  const alerts = [];
  /** @type {Alert | undefined} */
  let alert;
  let keyIndent = 0;
  let section = "";
  let group = "";
  let blockIndent = -1;
  for (const [index, line] of text.split("\n").entries()) {
    const indent = line.search(/\S/);
    if (indent < 0 || line.trimStart().startsWith("#")) continue;
    // Inside a block scalar (`expr: |`) nothing is a key.
    if (blockIndent >= 0 && indent > blockIndent) continue;
    blockIndent = /:\s*[|>][-+0-9]*\s*$/.test(line) ? indent : -1;

    const item = /^(\s*)- (alert|record|name):(.*)$/.exec(line);
    if (item) {
      if (item[2] === "name") group = scalar(item[3]);
      alert = undefined;
      if (item[2] === "alert") {
        alert = { name: scalar(item[3]), group, line: index + 1, labels: {}, annotations: {} };
        alerts.push(alert);
        keyIndent = item[1].length + 2;
        section = "";
      }
      continue;
    }
    if (!alert) continue;
    if (indent < keyIndent) {
      alert = undefined;
      continue;
    }
    const entry = /^\s*([\w.-]+):(.*)$/.exec(line);
    if (!entry) continue;
    if (indent === keyIndent) section = entry[1];
    else if (section === "labels" || section === "annotations") alert[section][entry[1]] = scalar(entry[2]);
  }
  return alerts;
}

/** @type {string[]} */
const problems = [];
const alertsFile = path.join(root, ALERTS);
const alerts = existsSync(alertsFile) ? readAlerts(readFileSync(alertsFile, "utf8")) : [];
if (alerts.length === 0) problems.push(`${ALERTS}: no alerts found: restore the file, one \`- alert:\` rule per alert`);

/** @type {Set<string>} */
const linked = new Set();
for (const alert of alerts) {
  const where = `${ALERTS}:${alert.line}: alert ${alert.name}${alert.group ? ` (group ${alert.group})` : ""}`;
  if (!alert.labels.severity) {
    problems.push(`${where} has no severity label: add labels.severity (critical pages, warning opens a ticket)`);
  }
  if (!alert.annotations.dashboard_url) {
    problems.push(`${where} has no dashboard_url: add annotations.dashboard_url, the service's Grafana dashboard`);
  }
  const url = alert.annotations.runbook_url;
  // A hosted link (https://.../blob/main/docs/runbooks/x.md) is checked by the repository path it ends with.
  const runbook = url && /(?:^|\/)(docs\/runbooks\/[^?#\s]+\.md)(?:[?#].*)?$/.exec(url)?.[1];
  if (!url) {
    problems.push(`${where} has no runbook_url: add annotations.runbook_url: ${RUNBOOKS}/<runbook>.md`);
  } else if (!runbook) {
    problems.push(`${where}: runbook_url ${url} is not a ${RUNBOOKS}/<runbook>.md path: point it at its runbook`);
  } else if (!existsSync(path.join(root, runbook))) {
    problems.push(`${where}: runbook_url ${runbook} does not exist: write that runbook or fix runbook_url`);
  } else {
    linked.add(runbook);
  }
}

const runbooks = existsSync(path.join(root, RUNBOOKS))
  ? readdirSync(path.join(root, RUNBOOKS), { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith(".md"))
      .map((entry) => `${RUNBOOKS}/${entry.name}`)
      .sort()
  : [];
for (const runbook of runbooks.filter((file) => !linked.has(file))) {
  problems.push(
    `${runbook}: no alert links it: set an alert's runbook_url to it, delete it, or move it to ${RUNBOOKS}/procedures/`,
  );
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error(`${problems.length} problem(s) in the ops files.`);
  process.exit(1);
}
console.log(
  `ops:check: ${alerts.length} alerts with severity, dashboard_url and an existing runbook; ${runbooks.length} runbooks, all linked.`,
);
