// Generates TypeScript types for proto/*.proto into src/generated/ (gitignored)
// with @grpc/proto-loader's proto-loader-gen-types; no protoc needed.
//
// The loader flags below must match LOADER_OPTIONS in src/rpc/definition.ts,
// which loads the same .proto files at runtime.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const serviceDir = fileURLToPath(new URL("..", import.meta.url));
const protoDir = fileURLToPath(new URL("../proto/", import.meta.url));
const outDir = fileURLToPath(new URL("../src/generated/", import.meta.url));

const require = createRequire(import.meta.url);
const genTypes = require.resolve("@grpc/proto-loader/build/bin/proto-loader-gen-types.js");
const protoFiles = readdirSync(protoDir)
  .filter((file) => file.endsWith(".proto"))
  .sort();

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const result = spawnSync(
  process.execPath,
  [
    genTypes,
    "--grpcLib=@grpc/grpc-js",
    "--longs=String",
    "--enums=String",
    "--defaults",
    "--oneofs",
    "--includeComments",
    `--includeDirs=${protoDir}`,
    `--outDir=${outDir}`,
    ...protoFiles,
  ],
  { cwd: serviceDir, stdio: "inherit" },
);
if (result.status !== 0) {
  process.exit(result.status ?? 1);
}

// The generated files use extensionless relative imports, which NodeNext only
// accepts in CommonJS files. They hold types only (nothing is imported at
// runtime), so marking the folder as CommonJS lets them type-check unchanged.
writeFileSync(new URL("package.json", `file://${outDir}`), '{ "type": "commonjs" }\n');
