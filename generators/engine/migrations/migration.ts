import type { ProjectAnswers } from '../../shared/answers.js';

/** A file a release moved: the team's file at `from` is merged into `to`, against the old base moved likewise. */
export interface FileMove {
  from: string;
  to: string;
}

/**
 * What a 3-way merge cannot express about one release (a moved file, a renamed answer), applied by
 * `upgrade` over the in-memory plan when a repository goes from before `version` to it or later. Each
 * runs once (the answers file records the release the repository reached), in version order, whatever
 * releases are skipped.
 */
export interface Migration {
  version: string;
  description: string;
  /** The recorded answers as this release reads them. */
  answers?(answers: ProjectAnswers): ProjectAnswers;
  /** Files this release moved, for these answers. */
  moves?(answers: ProjectAnswers): FileMove[];
}
