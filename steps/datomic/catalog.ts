import type { StepFamily } from '../../engine/step-family.js';
import type { StepModuleLoader } from '../core/catalog.js';
import { datomicVersionFunctions } from './version-functions.js';

/** The Datomic step types by name, each loaded only when a runbook uses it. */
const datomicSteps = {
  'datomic.administer-system': () => import('./administer-system.js'),
} satisfies Record<string, StepModuleLoader>;

/** Datomic's steps, and the functions that compare its release names (`480-8770`) in expressions. */
export const datomicFamily: StepFamily = { steps: datomicSteps, functions: datomicVersionFunctions };
