import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PromptObject } from 'prompts';
import { PACKAGE_ROOT } from '../generators/shared/paths.js';
import { CHOICES, UserInputError, type ChoiceKey } from '../generators/shared/choices.js';

interface SchemaProperty {
  'x-prompt'?: string;
  description?: string;
}

/** The generator whose schema.json holds a question: `create` asks the workspace's, `add service` the service's. */
export type QuestionSource = 'workspace' | 'service';

const schemas = new Map<QuestionSource, { properties: Record<string, SchemaProperty> }>();

/** Question texts live in the generator's schema.json, as in Nx (`x-prompt`), not in code; each is read once. */
function questionText(key: string, source: QuestionSource = 'workspace'): string {
  let schema = schemas.get(source);
  if (!schema) {
    schema = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'generators', source, 'schema.json'), 'utf8')) as {
      properties: Record<string, SchemaProperty>;
    };
    schemas.set(source, schema);
  }
  return schema.properties[key]?.['x-prompt'] ?? `${key}:`;
}

export class CancelledError extends UserInputError {
  constructor() {
    super('Operation cancelled.');
  }
}

async function ask<T>(question: Omit<PromptObject, 'name'>): Promise<T> {
  const { default: prompts } = await import('prompts');
  const answer = (await prompts({ ...question, name: 'value' } as PromptObject, {
    onCancel: () => {
      throw new CancelledError();
    },
  })) as { value: T };
  return answer.value;
}

export function askText(key: string, initial: string, validate: (value: string) => string | undefined, source?: QuestionSource) {
  return ask<string>({
    type: 'text',
    message: questionText(key, source),
    initial,
    format: (value: string) => value.trim(),
    validate: (value: string) => validate(value.trim()) ?? true,
  });
}

export function askChoice(key: ChoiceKey): Promise<string> {
  const spec = CHOICES.find((c) => c.key === key)!;
  return ask<string>({
    type: 'select',
    message: questionText(key),
    choices: spec.values.map((value) => ({
      title: value,
      value,
      disabled: !spec.available.includes(value),
      description: spec.available.includes(value) ? undefined : 'not available yet',
    })),
    initial: spec.values.indexOf(spec.default),
    warn: 'not available yet',
  });
}
