#!/usr/bin/env node
// Build step after tsc: bundles the two CLIs (dist/bin/create.js, dist/bin/startup-backend.js and what
// they import) into dist/create-startup-backend.js and dist/startup-backend.js, and the render entry
// other releases import into dist/render.js, with the few nx modules the generators run (the virtual tree and
// generateFiles, names), so that `npm create` installs neither nx nor @nx/devkit (their barrels load
// nx's native binary, its daemon client and ts-node hooks). The other packages the CLIs run (ejs, execa, ora,
// prompts, ...) are bundled too, so the published package has no dependencies for `npm create` to install.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const devkitDir = path.dirname(require.resolve('@nx/devkit/package.json'));
const nxDir = path.dirname(require.resolve('nx/package.json'));

// What the generators import from @nx/devkit, taken from the modules that define it, not its barrel.
const devkit = `export { generateFiles, OverwriteStrategy } from ${JSON.stringify(path.join(nxDir, 'dist/src/generators/utils/generate-files.js'))};
export { names } from ${JSON.stringify(path.join(devkitDir, 'dist/src/utils/names.js'))};`;
// generators/shared/names.js takes only names(): its own shim keeps generateFiles and ejs out of the chunk
// that --help and --version load.
const devkitNames = `export { names } from ${JSON.stringify(path.join(devkitDir, 'dist/src/utils/names.js'))};`;
// nx's tree and generateFiles report errors through nx's logger and output modules, which pull in the
// daemon client; the same messages go to stderr here.
const logger = `exports.logger = { error: (...a) => console.error(...a), warn: (...a) => console.warn(...a), info: (...a) => console.info(...a), log: (...a) => console.log(...a) };`;
const output = `exports.output = { error: ({ title, bodyLines = [] }) => console.error([title, ...bodyLines].join('\\n')) };`;

const nxModules = {
  name: 'nx-modules',
  setup(bundle) {
    bundle.onResolve({ filter: /^@nx\/devkit$/ }, (args) => ({
      path: args.importer.endsWith(path.join('generators', 'shared', 'names.js')) ? 'devkit-names' : 'devkit',
      namespace: 'nx-shim',
    }));
    bundle.onResolve({ filter: /^\.\.\/(\.\.\/)?utils\/(logger|output)$/ }, (args) =>
      args.importer.startsWith(path.join(nxDir, 'dist/src/generators'))
        ? { path: path.basename(args.path), namespace: 'nx-shim' }
        : undefined,
    );
    bundle.onLoad({ filter: /.*/, namespace: 'nx-shim' }, (args) =>
      args.path === 'devkit' || args.path === 'devkit-names'
        ? { contents: args.path === 'devkit' ? devkit : devkitNames, loader: 'js', resolveDir: root }
        : { contents: args.path === 'logger' ? logger : output, loader: 'js' },
    );
  },
};

// Chunk names carry a hash: those of an earlier build would otherwise stay and be packed.
rmSync(path.join(root, 'dist/chunks'), { recursive: true, force: true });

const { metafile } = await build({
  // The two bins share the generators and the engine: one chunk each, loaded by both. `render` is what
  // another release imports to render a repository as this one does (generators/engine/render-api.ts).
  entryPoints: {
    'create-startup-backend': path.join(root, 'dist/bin/create.js'),
    'startup-backend': path.join(root, 'dist/bin/startup-backend.js'),
    render: path.join(root, 'dist/generators/engine/render-api.js'),
  },
  outdir: path.join(root, 'dist'),
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  plugins: [nxModules],
  metafile: true,
  // The bundled CommonJS modules call require() for Node's built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});

// The licences of every package code was taken from ship with it (@nx/devkit ships none: its package.json
// says MIT, the licence of nx, whose authors it shares). A package is the innermost node_modules/<name>
// folder of a bundled input; its file is named after it, '@scope/name' as 'scope-name'.
const bundledPackageDirs = new Set(
  Object.keys(metafile.inputs)
    .map((input) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path.resolve(root, input.replace(/^[\w-]+:/, '')))?.[1])
    .filter(Boolean),
);
const licencesDir = path.join(root, 'dist/licenses');
rmSync(licencesDir, { recursive: true, force: true });
mkdirSync(licencesDir, { recursive: true });
for (const dir of [...bundledPackageDirs].sort()) {
  const { name: packageName, version, license } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((entry) => /^(licen[cs]e|copying)(\.(txt|md))?$/i.test(entry));
  const text = file ? readFileSync(path.join(dir, file), 'utf8') : `License: ${license} (from its package.json; the package ships no licence file)\n`;
  writeFileSync(path.join(licencesDir, `${packageName.replace(/^@/, '').replace('/', '-')}.txt`), `${packageName}@${version}\n\n${text}`);
}
