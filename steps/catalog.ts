import type { StepCatalog } from '../engine/registry.js';
import { awsSteps } from './aws/catalog.js';
import { coreSteps } from './core/catalog.js';
import { datomicSteps } from './datomic/catalog.js';
import { ednSteps } from './edn/catalog.js';

/** Every built-in step type, each loaded only when a runbook uses it. */
export const builtInSteps: StepCatalog = {
  ...coreSteps,
  ...awsSteps,
  ...ednSteps,
  ...datomicSteps,
};
