import { StepRegistry } from '../registry.js';
import type { StateBackendCatalog } from '../state/state-backend.js';
import { builtInSteps } from '../../steps/catalog.js';
import { builtInStateBackends } from '../../state/catalog.js';

/**
 * The composition root: the one module of engine/ that meets the built-in step families and
 * the shared stores (.dependency-cruiser.cjs holds every other module to that).
 */
export function builtInRegistry(): StepRegistry {
  return new StepRegistry(builtInSteps, 'built-in step types', { schemaVerified: true });
}

export function builtInStateCatalog(): StateBackendCatalog {
  return builtInStateBackends;
}
