import type { StepCatalog } from '../engine/registry.js';
import type { StepFamily } from '../engine/step-family.js';
import { awsFamily } from './aws/catalog.js';
import { coreSteps } from './core/catalog.js';
import { datomicFamily } from './datomic/catalog.js';
import { ednSteps } from './edn/catalog.js';

/** Every built-in family: its step types, each loaded only when a runbook uses it, and what else it adds. */
export const builtInFamilies: readonly StepFamily[] = [{ steps: coreSteps }, awsFamily, { steps: ednSteps }, datomicFamily];

/** Every built-in step type. */
export const builtInSteps: StepCatalog = Object.assign({}, ...builtInFamilies.map((family) => family.steps));
