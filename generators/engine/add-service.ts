import { nextService, type ProjectAnswers } from '../shared/answers.js';
import { UserInputError, type RpcFramework } from '../shared/choices.js';
import { assertServiceName } from '../shared/names.js';
import { serviceCollision } from '../shared/service-collisions.js';
import { planMerge, type FilePlan } from './plan.js';
import { renderRepository, type RenderOptions } from './render.js';
import { servicePackages, type Repository } from './repository.js';

export interface AddServicePlan {
  answers: ProjectAnswers;
  files: FilePlan[];
}

export interface NewService {
  name: string;
  /** Its RPC framework when not the project's. */
  rpc?: RpcFramework;
}

/**
 * The recorded answers with one more service, checked against the name rules of `create` and against
 * what is already in the repository; then the repo rendered from both, merged into the working tree.
 * Nothing is written here.
 */
export function planAddService(repository: Repository, { name, rpc }: NewService, options: RenderOptions = {}): AddServicePlan {
  const { root, answers } = repository;
  assertServiceName(name);
  const collision = serviceCollision(name, answers.services);
  if (collision) throw new UserInputError(collision);
  const packageName = `@${answers.projectName}/${name}`;
  for (const { folder, packageName: existing } of servicePackages(root)) {
    if (folder === name) {
      throw new UserInputError(`services/${name} already exists but is not a recorded service: pick another name, or move that folder away.`);
    }
    if (existing === packageName) {
      throw new UserInputError(`services/${folder} is already the workspace package ${packageName}: pick another name.`);
    }
  }
  const recordedRpc = rpc === answers.rpc ? undefined : rpc;
  const theirs: ProjectAnswers = { ...answers, services: [...answers.services, nextService(name, answers.services, recordedRpc)] };
  return { answers: theirs, files: planMerge(root, renderRepository(answers, options), renderRepository(theirs, options)) };
}
