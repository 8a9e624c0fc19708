import type { Migration } from './migration.js';

/**
 * 0.3.0 gave each service its own alert rules and rule tests (so adding a service adds files instead of
 * changing the ones a team edited). Repos made before it had one service, whose rules were the single
 * alerts.yml: a threshold the team changed there moves with the file.
 */
export const perServiceAlertRules: Migration = {
  version: '0.3.0',
  description: 'ops/prometheus/alerts.yml and alerts.test.yml became rules/<service>.yml and tests/<service>.test.yml',
  moves: ({ services }) => {
    const [only, ...others] = services;
    if (!only || others.length > 0) return [];
    return [
      { from: 'ops/prometheus/alerts.yml', to: `ops/prometheus/rules/${only.name}.yml` },
      { from: 'ops/prometheus/alerts.test.yml', to: `ops/prometheus/tests/${only.name}.test.yml` },
    ];
  },
};
