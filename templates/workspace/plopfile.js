// `<%= pm.exec('plop') %> service <name>`: the questions of `startup-backend add service`, read from its generator's
// schema, and one action that runs it. One template engine whichever way a service is added: plop's own
// `add`/`modify` actions are not used, as they report success on a pattern that no longer matches.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const SCAFFOLDER = "create-startup-backend";
const schema = JSON.parse(readFileSync(require.resolve(`${SCAFFOLDER}/generators/service/schema.json`), "utf8"));
const bin = require.resolve(`${SCAFFOLDER}/bin/startup-backend.js`);

/**
 * The schema's own checks, so a bad name is asked again here; `startup-backend` checks the rest
 * (reserved words, collisions with existing services) and refuses with the reason.
 * @param {{ pattern?: string, maxLength?: number, description?: string }} property
 * @param {string} value
 */
function schemaProblem(property, value) {
  if (property.maxLength !== undefined && value.length > property.maxLength) {
    return `"${value}" is longer than ${property.maxLength} characters. ${property.description}`;
  }
  if (property.pattern !== undefined && !new RegExp(property.pattern).test(value)) {
    return `"${value}" does not match ${property.pattern}. ${property.description}`;
  }
  return undefined;
}

/** One prompt per schema property, in order: `plop service <name>` answers them from the command line. */
const prompts = Object.entries(schema.properties).map(([name, property]) => ({
  type: "input",
  name,
  message: property["x-prompt"],
  /** @param {string} value */
  validate: (value) => schemaProblem(property, value) ?? true,
}));

/**
 * Without a terminal nobody can answer a question: say which argument is missing, instead of the
 * prompt library's crash on a closed input.
 */
function requireAnswersWithoutTerminal() {
  const [generator, ...given] = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
  if (generator === "service" && !process.stdin.isTTY && given.length < prompts.length) {
    console.error(`error Missing the service ${prompts[given.length].name}: <%= pm.exec('plop') %> service <name>`);
    process.exit(1);
  }
}

/** @param {import("plop").NodePlopAPI} plop */
export default function plopfile(plop) {
  requireAnswersWithoutTerminal();
  plop.setActionType("startup-backend add service", (answers) => {
    const result = spawnSync(process.execPath, [bin, "add", "service", answers.name, "--yes"], { stdio: "inherit" });
    if (result.status !== 0) {
      throw new Error(
        `startup-backend add service ${answers.name} exited with ${result.status ?? result.signal}: see above`,
      );
    }
    return `services/${answers.name}`;
  });
  plop.setGenerator("service", {
    description: schema.title,
    prompts,
    actions: [{ type: "startup-backend add service" }],
  });
}
