// @ts-check
import eslint from "@eslint/js";
import { defineConfig } from "eslint/config";
import simpleImportSort from "eslint-plugin-simple-import-sort";
import tseslint from "typescript-eslint";

// ─── Team choices: tune the rule set here ──────────────────────────────────────────────────────
// Everything below this block is wiring; a change of policy belongs here, with its reason.
// Every rule is "error" or "off": `<%= pm.run('lint') %>` fails on any warning (--max-warnings=0), so a
// "warn" would still break CI while looking optional in the editor. Any "warn", ours or a preset's,
// is raised to "error" at the end of this file.

// Import groups, a blank line between groups, sorted by path within each; `<%= pm.exec('eslint') %> --fix .` applies them.
// Each entry is a regex on the import path; see eslint-plugin-simple-import-sort's "Custom grouping".
const importGroups = [
  ["^\\u0000"], // side-effect imports (`import "./setup.js"`): kept first and in place, their order may matter
  ["^node:"], // Node.js builtins, always with the `node:` prefix
  ["^@?\\w"], // packages
  ["^\\."], // relative imports
];

// Rules on top of the presets, and presets' rules made stricter.
/** @type {import("eslint").Linter.RulesRecord} */
const teamRules = {
  "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
  "@typescript-eslint/no-floating-promises": "error",
  "@typescript-eslint/switch-exhaustiveness-check": "error",
  eqeqeq: ["error", "always"],
  "simple-import-sort/imports": ["error", { groups: importGroups }],
  "simple-import-sort/exports": "error",
};

// Preset rules turned off on purpose, one line each with its reason, e.g.
// "@typescript-eslint/prefer-nullish-coalescing": "off", // reason
/** @type {import("eslint").Linter.RulesRecord} */
const rulesOff = {};
// ───────────────────────────────────────────────────────────────────────────────────────────────

const config = defineConfig(
  {
    ignores: ["**/node_modules/", "**/dist/", "**/coverage/", "**/src/generated/", ".gitlab-ci-local/", "<%= pm.ci.cache.dir %>/"],
  },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    plugins: { "simple-import-sort": simpleImportSort },
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: "error",
    },
    rules: { ...teamRules, ...rulesOff },
  },
  {
    // Plain JavaScript (this file, scripts): no type information.
    files: ["**/*.js", "**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        URL: "readonly",
      },
    },
  },
);

/** @param {import("eslint").Linter.RuleEntry | undefined} entry */
const raiseWarning = (entry) => {
  if (entry === "warn" || entry === 1) return "error";
  if (Array.isArray(entry) && (entry[0] === "warn" || entry[0] === 1)) return ["error", ...entry.slice(1)];
  return entry;
};

export default config.map((block) =>
  block.rules
    ? {
        ...block,
        rules: Object.fromEntries(Object.entries(block.rules).map(([name, entry]) => [name, raiseWarning(entry)])),
      }
    : block,
);
