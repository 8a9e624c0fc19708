import type { ProjectAnswers } from '../shared/answers.js';

/** The pipeline covers every service, so it takes the whole answers record. */
export type CiGeneratorSchema = ProjectAnswers;
