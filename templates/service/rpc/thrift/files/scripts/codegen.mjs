// Generates TypeScript for thrift/*.thrift into src/generated/ (gitignored) with
// @creditkarma/thrift-typescript, target "apache": structs, exceptions, a typed
// Client and Processor for the `thrift` npm runtime. No Thrift compiler needed.
//
// The generator writes CommonJS-era TypeScript; two mechanical fixes make it
// valid ESM under `module: NodeNext`:
//   - relative imports get their `.js` (or `/index.js`) extension;
//   - `import X = require("m")` (node-int64, for i64 fields) becomes `import X from "m"`.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const serviceDir = fileURLToPath(new URL("..", import.meta.url));
const thriftDir = path.join(serviceDir, "thrift");
const outDir = path.join(serviceDir, "src", "generated");

const require = createRequire(import.meta.url);
const { generate } = require("@creditkarma/thrift-typescript");

const thriftFiles = readdirSync(thriftDir)
  .filter((file) => file.endsWith(".thrift"))
  .sort();

rmSync(outDir, { recursive: true, force: true });
try {
  await generate({
    rootDir: serviceDir,
    sourceDir: "thrift",
    outDir: "src/generated",
    target: "apache",
    files: thriftFiles,
    // Output folders come from `namespace js`; without one, files land in src/generated/.
    fallbackNamespace: "none",
  });
} catch (error) {
  // The generator has already printed the parse errors with their positions.
  console.error(`codegen failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

/** `./Item` -> `./Item.js`; `./other` (a folder) -> `./other/index.js`. */
function withExtension(fromFile, specifier) {
  if (/\.(js|json)$/.test(specifier)) {
    return specifier;
  }
  const target = path.resolve(path.dirname(fromFile), specifier);
  if (existsSync(`${target}.ts`)) {
    return `${specifier}.js`;
  }
  if (existsSync(path.join(target, "index.ts"))) {
    return `${specifier}/index.js`;
  }
  throw new Error(`${path.relative(serviceDir, fromFile)}: cannot resolve import "${specifier}"`);
}

function fixForEsm(file) {
  const source = readFileSync(file, "utf8");
  const fixed = source
    .replace(/^import (\w+) = require\(("[^"]+")\);$/gm, "import $1 from $2;")
    .replace(/(\bfrom\s+")(\.{1,2}\/[^"]*)(")/g, (_, before, specifier, after) => {
      return `${before}${withExtension(file, specifier)}${after}`;
    });
  if (fixed !== source) {
    writeFileSync(file, fixed);
  }
}

function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      walk(file);
    } else if (entry.name.endsWith(".ts")) {
      fixForEsm(file);
    }
  }
}

walk(outDir);
