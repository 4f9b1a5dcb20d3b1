import { StepRegistry } from '../registry.js';
import type { StateBackendCatalog } from '../state/state-backend.js';
import { whoIsRunning, type Identity } from '../approval/who-is-running.js';
import type { IdentitySource, NotifyChannel, SettingsBlock } from '../step-family.js';
import { builtInFamilies } from '../../steps/catalog.js';
import { builtInStateBackends } from '../../state/catalog.js';

/**
 * The composition root: the one module of engine/ that meets the built-in step families and
 * the shared stores (.dependency-cruiser.cjs holds every other module to that).
 */
export function builtInRegistry(): StepRegistry {
  return StepRegistry.ofFamilies(builtInFamilies, 'built-in step types', { schemaVerified: true });
}

export function builtInStateCatalog(): StateBackendCatalog {
  return builtInStateBackends;
}

/** What `--help` offers before any runbook is read: the options of the built-in settings blocks. */
export function builtInSettingsBlocks(): readonly SettingsBlock[] {
  return builtInFamilies.flatMap((family) => family.settings ?? []);
}

/** Where a run can be announced with the built-in families: what stepwise.config.yaml's `notify:` may name. */
export function builtInNotifyChannels(): readonly NotifyChannel[] {
  return builtInRegistry().notifyChannels();
}

/** Who runs this process, as approvers are named: the AWS identity when there are credentials, else user@host. */
export function builtInIdentity(): Promise<Identity> {
  return whoIsRunning(identitySources());
}

/** What `builtInIdentity` gives, for help and messages. */
export function builtInIdentityDescription(): string {
  return [...identitySources().map((source) => source.describe), 'user@host'].join(', else ');
}

function identitySources(): IdentitySource[] {
  return builtInFamilies.flatMap((family) => (family.identity ? [family.identity] : []));
}
