#!/usr/bin/env node
// Checks what promtool and amtool do not: every alert of ops/prometheus/rules/*.yml has a `severity` label
// (Alertmanager routes on it), a `dashboard_url` and a `runbook_url` naming a runbook that exists, and every
// runbook in docs/runbooks/ is linked by an alert (procedures/ holds procedures, not alert runbooks).
// Each rule file is read as YAML (the `yaml` package, a root devDependency: run `<%= pm.install %>` first), in any style
// promtool accepts, block or flow; `promtool check rules` validates it as Prometheus rules.
//
//   node scripts/check-ops.mjs        (<%= pm.run('ops:check') %>)
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { isMap, isSeq, LineCounter, parseDocument } from "yaml";

const root = fileURLToPath(new URL("..", import.meta.url));
const RULES = "ops/prometheus/rules";
const RUNBOOKS = "docs/runbooks";

/**
 * @param {unknown} value a parsed `labels:` or `annotations:` map
 * @returns {Record<string, string>} its scalar values as text
 */
function texts(value) {
  if (value === null || typeof value !== "object") return {};
  return Object.fromEntries(
    Object.entries(value).flatMap(([key, item]) =>
      item === null || typeof item === "object" ? [] : [[key, String(item)]],
    ),
  );
}

/**
 * @typedef {{ name: string, group: string, line: number, labels: Record<string, string>, annotations: Record<string, string> }} Alert
 * @typedef {Alert & { file: string }} FileAlert
 * @param {string} file the rule file, from the repository root
 * @param {string} text
 * @returns {{ alerts: FileAlert[], errors: string[] }} the alerting rules (recording rules are skipped), each with
 *   the line it starts on; `errors` say why the file is not YAML.
 */
function readAlerts(file, text) {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  if (document.errors.length > 0) {
    return {
      alerts: [],
      errors: document.errors.map((error) => `${file}: not YAML: ${error.message.split("\n")[0]}`),
    };
  }
  /** @param {unknown} node */
  const items = (node) => (isSeq(node) ? node.items : []);
  /** @type {FileAlert[]} */
  const alerts = [];
  for (const group of items(document.get("groups"))) {
    if (!isMap(group)) continue;
    for (const node of items(group.get("rules"))) {
      /** @type {Record<string, unknown>} */
      const rule = isMap(node) ? node.toJSON() : {};
      if (rule.alert === undefined) continue;
      alerts.push({
        file,
        name: String(rule.alert),
        group: String(group.get("name") ?? ""),
        line: lineCounter.linePos(node.range?.[0] ?? 0).line,
        labels: texts(rule.labels),
        annotations: texts(rule.annotations),
      });
    }
  }
  return { alerts, errors: [] };
}

const ruleFiles = existsSync(path.join(root, RULES))
  ? readdirSync(path.join(root, RULES))
      .filter((name) => name.endsWith(".yml") || name.endsWith(".yaml"))
      .sort()
      .map((name) => `${RULES}/${name}`)
  : [];
const read = ruleFiles.map((file) => readAlerts(file, readFileSync(path.join(root, file), "utf8")));
const alerts = read.flatMap((result) => result.alerts);
const errors = read.flatMap((result) => result.errors);
/** @type {string[]} */
const problems = [...errors];
if (errors.length === 0 && alerts.length === 0) {
  problems.push(`${RULES}/: no alerts found: restore the services' rule files, one \`- alert:\` rule per alert`);
}

/** @type {Set<string>} */
const linked = new Set();
for (const alert of alerts) {
  const where = `${alert.file}:${alert.line}: alert ${alert.name}${alert.group ? ` (group ${alert.group})` : ""}`;
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
// A rule file that is not YAML links nothing that could be checked: its errors alone are the problems.
for (const runbook of errors.length === 0 ? runbooks.filter((file) => !linked.has(file)) : []) {
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
