import type { ProjectAnswers } from '../shared/answers.js';

/** The stack, alerts and dashboards cover every service, so the ops layer takes the whole answers record. */
export type OpsGeneratorSchema = ProjectAnswers;
