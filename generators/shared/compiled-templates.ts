import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ejs from 'ejs';
import { PACKAGE_ROOT, TEMPLATES_DIR } from './paths.js';

/**
 * The body ejs compiles a template to, taking (locals, escapeFn, include, rethrow). bin/bundle.mjs writes
 * every template's body into dist/templates.cjs, so the published CLI parses no template at run time:
 * compiling them with ejs was a sixth of `npm create`'s time.
 */
type TemplateBody = (locals: object, escapeFn: (text: unknown) => string, include: unknown, rethrow: unknown) => string;

/** The file, from the package root, bin/bundle.mjs writes the bodies into and the bundled CLIs read them from. */
export const PRECOMPILED_TEMPLATES_FILE = 'dist/templates.cjs';
/** Templates that are read as data, never rendered: not precompiled. */
const DATA_TEMPLATE_DIRS = ['lockfiles'];

// Defined (as true) by bin/bundle.mjs in the bundled CLIs only: vitest and the tsc build compile from templates/.
declare const PRECOMPILED_TEMPLATES: boolean | undefined;
const usePrecompiled = typeof PRECOMPILED_TEMPLATES !== 'undefined' && PRECOMPILED_TEMPLATES;

let precompiled: { bodies: Record<string, TemplateBody>; keys: string[] } | undefined;
function loadPrecompiled() {
  if (!precompiled) {
    const file = path.join(PACKAGE_ROOT, PRECOMPILED_TEMPLATES_FILE);
    const { templates } = createRequire(import.meta.url)(file) as { templates: Record<string, TemplateBody> };
    precompiled = { bodies: templates, keys: Object.keys(templates).sort() };
  }
  return precompiled;
}

const templateKey = (file: string) => path.relative(TEMPLATES_DIR, file).split(path.sep).join('/');
const noInclude = () => {
  throw new Error('include() is not supported in these templates: use partial()');
};

/** Every file under a folder on disk (absolute paths, sorted). */
function filesOnDisk(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Every template bin/bundle.mjs precompiles: its path under templates/ (POSIX), sorted. */
export function renderableTemplates(): string[] {
  return filesOnDisk(TEMPLATES_DIR)
    .map(templateKey)
    .filter((key) => !DATA_TEMPLATE_DIRS.some((dir) => key.startsWith(`${dir}/`)))
    .sort();
}

/** A template's body as bin/bundle.mjs writes it (`key`: its path under templates/): what ejs compiles it to, without line tracking. */
export function templateBody(key: string): string {
  const file = path.join(TEMPLATES_DIR, key);
  const template = new ejs.Template(readFileSync(file, 'utf8'), { filename: file, compileDebug: false });
  template.compile();
  return template.source;
}

const compiled = new Map<string, ejs.TemplateFunction>();

/** The render function of one template file (absolute path), compiled once per process. */
export function compiledTemplate(file: string): ejs.TemplateFunction {
  let render = compiled.get(file);
  if (!render) {
    if (usePrecompiled) {
      const key = templateKey(file);
      const body = loadPrecompiled().bodies[key];
      if (!body) throw new Error(`create-startup-backend: template ${key} is not in ${PRECOMPILED_TEMPLATES_FILE}: rebuild with npm run build`);
      render = (locals?: object) => {
        try {
          return body(locals ?? Object.create(null), ejs.escapeXML, noInclude, undefined);
        } catch (error) {
          if (error instanceof Error) error.message = `${key}: ${error.message}`;
          throw error;
        }
      };
    } else {
      render = ejs.compile(readFileSync(file, 'utf8'), { filename: file });
    }
    compiled.set(file, render);
  }
  return render;
}

const precompiledIn = (folder: string) => {
  const prefix = `${templateKey(folder)}/`;
  return loadPrecompiled().keys.filter((key) => key.startsWith(prefix));
};

export function templateFolderExists(folder: string): boolean {
  return usePrecompiled ? precompiledIn(folder).length > 0 : existsSync(folder);
}

/** Every file under a template folder (absolute paths, sorted). */
export function templateFilesIn(folder: string): string[] {
  if (usePrecompiled) return precompiledIn(folder).map((key) => path.join(TEMPLATES_DIR, key));
  return filesOnDisk(folder);
}
