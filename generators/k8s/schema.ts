import type { ProjectAnswers } from '../shared/answers.js';

/** The overlays list every service, so the Kubernetes layer takes the whole answers record. */
export type K8sGeneratorSchema = ProjectAnswers;
