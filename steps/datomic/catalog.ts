import type { StepModuleLoader } from '../core/catalog.js';

/** The Datomic step types by name, each loaded only when a runbook uses it. */
export const datomicSteps = {
  'datomic.administer-system': () => import('./administer-system.js'),
} satisfies Record<string, StepModuleLoader>;
