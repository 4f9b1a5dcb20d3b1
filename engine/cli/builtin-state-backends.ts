import type { StateBackendCatalog } from '../state/state-backend.js';
import { builtInStateBackends } from '../../state/catalog.js';

/** The composition root for state: the one place the engine meets the shared stores (S3). */
export function builtInStateCatalog(): StateBackendCatalog {
  return builtInStateBackends;
}
