import type { ProjectAnswers, ServiceAnswers } from '../shared/answers.js';

export interface ServiceGeneratorSchema {
  /** The project's recorded answers; the service takes its stack choices from them. */
  answers: ProjectAnswers;
  service: ServiceAnswers;
}
