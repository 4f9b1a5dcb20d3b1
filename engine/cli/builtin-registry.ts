import { StepRegistry } from '../registry.js';
import { builtInSteps } from '../../steps/catalog.js';

/** The composition root: the one place the engine meets the built-in step types. */
export function builtInRegistry(): StepRegistry {
  return new StepRegistry(builtInSteps, 'built-in step types', { schemaVerified: true });
}
