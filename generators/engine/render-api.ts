import type { ProjectAnswers } from '../shared/answers.js';
import { renderRepository, type RenderedRepo, type RenderOptions } from './render.js';

/**
 * The one entry another release of create-startup-backend uses to render a repository as this release
 * does: `upgrade` imports `dist/render.js` of the release that made a repo to render the merge's base.
 * Later releases call it as it is, so its shape only ever grows: answers in (as `.startup-backend.json`
 * records them), every file out (POSIX path from the root to bytes).
 */
export const RENDER_API_VERSION = 1;

export { TEMPLATE_VERSION } from '../shared/paths.js';

export function render(answers: ProjectAnswers, options: RenderOptions = {}): RenderedRepo {
  return renderRepository(answers, options);
}
