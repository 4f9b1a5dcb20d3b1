import type { StateBackendCatalog } from '../engine/state/state-backend.js';

/** The shared stores runs can be kept in, by address scheme; each loaded only when an address names it. */
export const builtInStateBackends: StateBackendCatalog = {
  s3: async (address) => (await import('./s3/s3-state-backend.js')).openS3State(address),
};
