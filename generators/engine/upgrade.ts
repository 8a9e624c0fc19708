import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ANSWERS_FILE, type ProjectAnswers } from '../shared/answers.js';
import { checkChoice, CHOICES, UserInputError, type ChoiceKey, type RpcFramework } from '../shared/choices.js';
import { driftFrom, type DriftedFile } from './drift.js';
import { migrationsBetween, MIGRATIONS, type Migration } from './migrations/index.js';
import { planMerge, type FilePlan } from './plan.js';
import type { RenderedRepo, RenderOptions } from './render.js';
import type { ReleaseRenderer } from './releases.js';
import type { Repository } from './repository.js';

export interface UpgradeRequest {
  /** The release the base is rendered by: the one the repository records. */
  base: ReleaseRenderer;
  /** The release the repository moves to. */
  theirs: ReleaseRenderer;
  /** `--set question=value`, in the order given. */
  set: readonly string[];
  baseOptions?: RenderOptions;
  theirsOptions?: RenderOptions;
  /** Every release's migrations (tests give fixture ones). */
  migrations?: readonly Migration[];
}

export interface UpgradePlan {
  answers: ProjectAnswers;
  files: FilePlan[];
  /** The migrations that ran, in order. */
  migrations: Migration[];
}

/**
 * The repository as the recorded release renders the recorded answers (base), as the new release
 * renders them with the `--set` changes (theirs), merged into the working tree. Nothing is written here.
 */
export function planUpgrade(repository: Repository, request: UpgradeRequest): UpgradePlan {
  const { base, theirs, set, baseOptions = {}, theirsOptions = {}, migrations: all = MIGRATIONS } = request;
  const { root, answers } = repository;
  const baseFiles = verifiedBase(repository, base, baseOptions);
  const migrations = migrationsBetween(base.version, theirs.version, all);
  const migrated = migrations.reduce<ProjectAnswers>((current, migration) => migration.answers?.(current) ?? current, answers);
  const theirsAnswers = withSettings({ ...migrated, templateVersion: theirs.version }, set);
  const moves = migrations.flatMap((migration) => migration.moves?.(theirsAnswers) ?? []);
  return { answers: theirsAnswers, files: planMerge(root, baseFiles, theirs.render(theirsAnswers, theirsOptions), moves), migrations };
}

/** `upgrade --check`'s drift: the files that differ from what the recorded release renders (case 19). */
export function driftOf(repository: Repository, base: ReleaseRenderer, options: RenderOptions = {}): DriftedFile[] {
  return driftFrom(repository.root, verifiedBase(repository, base, options));
}

/**
 * A merge against a wrong base would turn every template change into a team edit, so the base must be
 * what made the repository: rendered twice to the same bytes (case 9), and recording the answers the
 * repository records.
 */
function verifiedBase(repository: Repository, base: ReleaseRenderer, options: RenderOptions): RenderedRepo {
  const first = base.render(repository.answers, options);
  const again = base.render(repository.answers, options);
  const unstable = [...new Set([...first.keys(), ...again.keys()])].filter((file) => !first.get(file)?.equals(again.get(file) ?? Buffer.alloc(0)));
  if (unstable.length > 0) {
    throw new Error(`create-startup-backend ${base.version} renders ${unstable.slice(0, 3).join(', ')} differently each time: no merge against an unstable base.`);
  }
  const rendered = first.get(ANSWERS_FILE)?.toString('utf8');
  const committed = readFileSync(path.join(repository.root, ANSWERS_FILE), 'utf8');
  if (rendered === undefined || rendered.replace(/\r\n/g, '\n') !== committed.replace(/\r\n/g, '\n')) {
    throw new UserInputError(
      `create-startup-backend ${base.version} does not render the answers ${ANSWERS_FILE} records (was it edited by hand?): restore it from git.`,
    );
  }
  return first;
}

const PROJECT_QUESTIONS = CHOICES.map((choice) => choice.key);

/**
 * `--set db=tidb` (any stack question) changes the project's answer; `--set <service>.rpc=thrift` the RPC
 * framework of one service (recorded on it only when it differs from the project's).
 */
export function withSettings(answers: ProjectAnswers, settings: readonly string[]): ProjectAnswers {
  let result = answers;
  for (const setting of settings) {
    const match = /^([a-z0-9-]+\.)?([a-zA-Z]+)=(.*)$/.exec(setting);
    const valid = `${PROJECT_QUESTIONS.map((q) => `${q}=<value>`).join(', ')} or <service>.rpc=<value>`;
    if (!match) throw new UserInputError(`--set ${setting}: expected question=value (${valid}).`);
    const [, servicePart, question, value] = match as unknown as [string, string | undefined, string, string];
    if (servicePart === undefined) {
      if (!PROJECT_QUESTIONS.includes(question as ChoiceKey)) throw new UserInputError(`--set ${setting}: unknown question "${question}" (${valid}).`);
      const key = question as ChoiceKey;
      result = { ...result, [key]: checkChoice(key, value) };
      continue;
    }
    const name = servicePart.slice(0, -1);
    if (question !== 'rpc') throw new UserInputError(`--set ${setting}: a service has one question, rpc (${valid}).`);
    if (!result.services.some((service) => service.name === name)) {
      throw new UserInputError(`--set ${setting}: no service "${name}" in ${ANSWERS_FILE} (${result.services.map((s) => s.name).join(', ')}).`);
    }
    const rpc = checkChoice('rpc', value) as RpcFramework;
    result = {
      ...result,
      services: result.services.map((service) => {
        if (service.name !== name) return service;
        const { rpc: _old, ...rest } = service;
        return rpc === result.rpc ? rest : { ...rest, rpc };
      }),
    };
  }
  return result;
}
