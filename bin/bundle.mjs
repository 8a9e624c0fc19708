#!/usr/bin/env node
// Build step after tsc: bundles the two CLIs (dist/bin/create.js, dist/bin/startup-backend.js and what
// they import) into dist/create-startup-backend.js and dist/startup-backend.js, and the render entry
// other releases import into dist/render.js, with the few nx modules the generators run (the virtual tree,
// names), so that `npm create` installs neither nx nor @nx/devkit (their barrels load
// nx's native binary, its daemon client and ts-node hooks). The other packages the CLIs run (ejs, execa, ora,
// prompts, ...) are bundled too, so the published package has no dependencies for `npm create` to install.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const devkitDir = path.dirname(require.resolve('@nx/devkit/package.json'));
const nxDir = path.dirname(require.resolve('nx/package.json'));

// What the generators import from @nx/devkit, taken from the modules that define it, not its barrel.
// OverwriteStrategy is nx's enum, its values read at build time: the module defining it is generateFiles', which
// the generators do not call (generators/shared/template-folder.ts renders the templates) and which would bring
// ejs in a second time, as CommonJS.
const devkit = `export const OverwriteStrategy = ${JSON.stringify(require(path.join(nxDir, 'dist/src/generators/utils/generate-files.js')).OverwriteStrategy)};
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

// Node's ESM loader gives a built-in that is imported a facade holding every export, which reads the lazy
// ones too: `fs`'s `promises` loads fs/promises (and with it readline and workers), `util`'s TextDecoder and
// diff load theirs. Each took 3-4 ms, a tenth of `--help` on Node 24. process.getBuiltinModule hands over the
// module itself, and each export the bundle uses is read from it (pure: esbuild drops the others).
const builtinsWithoutFacade = {
  name: 'builtins-without-facade',
  setup(bundle) {
    bundle.onResolve({ filter: /^(node:)?[a-z_]+(\/[a-z_]+)?$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      return args.kind === 'import-statement' && builtinModules.includes(name) ? { path: name, namespace: 'builtin' } : undefined;
    });
    bundle.onLoad({ filter: /.*/, namespace: 'builtin' }, ({ path: name }) => {
      const exported = Object.keys(process.getBuiltinModule(`node:${name}`)).filter((key) => key !== 'default' && /^[A-Za-z_$][\w$]*$/.test(key));
      return {
        contents: [
          `const builtin = process.getBuiltinModule(${JSON.stringify(`node:${name}`)});`,
          'export default builtin;',
          ...exported.map((key) => `export const ${key} = /* @__PURE__ */ (() => builtin.${key})();`),
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

// Every template compiled to its ejs body at build time (generators/shared/compiled-templates.ts), so the CLIs
// parse no template when they run. CommonJS and not strict: ejs bodies read the variables through `with`.
const { PRECOMPILED_TEMPLATES_FILE, renderableTemplates, templateBody } = await import(path.join(root, 'dist/generators/shared/compiled-templates.js'));
writeFileSync(
  path.join(root, PRECOMPILED_TEMPLATES_FILE),
  `// Generated by bin/bundle.mjs from templates/ (npm run build): each template's ejs body, (locals, escapeFn, include, rethrow).\nexports.templates = {\n${renderableTemplates()
    .map((file) => `${JSON.stringify(file)}: function (locals, escapeFn, include, rethrow) {\n${templateBody(file)}},\n`)
    .join('')}};\n`,
);

// Chunk names carry a hash: those of an earlier build would otherwise stay and be packed.
rmSync(path.join(root, 'dist/chunks'), { recursive: true, force: true });

/** What both builds below share: ESM bundles for the oldest Node the scaffolder runs on, with esbuild's metafile. */
const bundleOptions = {
  outdir: path.join(root, 'dist'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
};

const { metafile } = await build({
  ...bundleOptions,
  // The two bins share the generators and the engine: one chunk each, loaded by both. `render` is what
  // another release imports to render a repository as this one does (generators/engine/render-api.ts).
  entryPoints: {
    'create-run': path.join(root, 'dist/bin/create-run.js'),
    'startup-backend': path.join(root, 'dist/bin/startup-backend.js'),
    render: path.join(root, 'dist/generators/engine/render-api.js'),
  },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [nxModules, builtinsWithoutFacade],
  // Only the bundle renders from dist/templates.cjs: vitest and the tsc build compile templates/ as they are.
  define: { PRECOMPILED_TEMPLATES: 'true' },
  // The bundled CommonJS modules call require() for Node's built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
});

// create-startup-backend's entry: one file holding all that --help and --version run (the argument parser,
// the choices), which imports the split build's create-run.js only when there is something to create. ESM
// loads each module on its own, so the 7 modules the split build gives it took --help 8 ms more on Node 24.
const entryBuild = await build({
  ...bundleOptions,
  entryPoints: { 'create-startup-backend': path.join(root, 'dist/bin/create.js') },
  plugins: [
    builtinsWithoutFacade,
    {
      name: 'create-run-from-split-build',
      setup(bundle) {
        bundle.onResolve({ filter: /^\.\/create-run\.js$/ }, () => ({ path: './create-run.js', external: true }));
      },
    },
  ],
});
const inputs = { ...metafile.inputs, ...entryBuild.metafile.inputs };

// The licences of every package code was taken from ship with it (@nx/devkit ships none: its package.json
// says MIT, the licence of nx, whose authors it shares). A package is the innermost node_modules/<name>
// folder of a bundled input; its file is named after it, '@scope/name' as 'scope-name'.
const bundledPackageDirs = new Set(
  Object.keys(inputs)
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
