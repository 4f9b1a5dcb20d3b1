import type { StepDefinition } from '../../engine/step-definition.js';

/**
 * A module whose default export is a step definition. `never` accepts every definition
 * whatever its input type; the engine hands `run` the input its schema validated.
 */
export type StepModuleLoader = () => Promise<{ default: StepDefinition<never> }>;

/** The core step types by name, each loaded only when a runbook uses it. */
export const coreSteps = {
  shell: () => import('./shell.js'),
  assert: () => import('./assert.js'),
  approve: () => import('./approve.js'),
  manual: () => import('./manual.js'),
  set: () => import('./set.js'),
  sleep: () => import('./sleep.js'),
  'require-tool': () => import('./require-tool.js'),
  background: () => import('./background.js'),
  runbook: () => import('./runbook.js'),
} satisfies Record<string, StepModuleLoader>;
