import type { ProjectAnswers } from '../shared/answers.js';

/** The normalized answers: the CLI has validated every field before calling the generator. */
export type WorkspaceGeneratorSchema = ProjectAnswers;
