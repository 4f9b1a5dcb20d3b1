import type { StepDefinition } from './step-definition.js';
import { checkDefinition } from './check-definition.js';
import { StepContractError } from './step-contract-error.js';
import { declareExpressionFunctions } from './expressions/function-table.js';
import type { NotifyChannel, SettingsBlock, StepCatalog, StepFamily, StepLoader } from './step-family.js';
import { webhookChannel } from './notify/webhook-channel.js';

export { StepContractError };

export type { StepCatalog, StepLoader } from './step-family.js';

/**
 * The step types a run can use, and the settings blocks their families read. A type's module is
 * imported the first time a runbook uses it, so `validate` and `--help` never pay for a cloud
 * SDK or a process library.
 */
export class StepRegistry {
  private readonly loaded = new Map<string, Promise<StepDefinition>>();
  private readonly loaders = new Map<string, { load: StepLoader; origin: string; schemaVerified: boolean }>();
  private blocks: readonly SettingsBlock[] = [];
  /** The engine's webhook, then what the families add. */
  private channels: readonly NotifyChannel[] = [webhookChannel];

  /**
   * The families' step types and settings blocks; their expression functions become callable
   * in every expression of the process. A name two families declare is refused.
   */
  static ofFamilies(families: readonly StepFamily[], origin: string, options: { schemaVerified?: boolean } = {}): StepRegistry {
    const registry = new StepRegistry({}, origin, options);
    for (const family of families) {
      for (const [type, load] of Object.entries(family.steps)) {
        if (registry.loaders.has(type)) throw new StepContractError(origin, `step type "${type}" is declared by two families`);
        registry.loaders.set(type, { load, origin, schemaVerified: options.schemaVerified ?? false });
      }
      for (const block of family.settings ?? []) {
        if (registry.blocks.some((known) => known.name === block.name)) throw new StepContractError(origin, `settings block "${block.name}" is declared by two families`);
        registry.blocks = [...registry.blocks, block];
      }
      for (const channel of family.notifyChannels ?? []) {
        if (registry.channels.some((known) => known.name === channel.name)) throw new StepContractError(origin, `notify channel "${channel.name}" is declared twice`);
        registry.channels = [...registry.channels, channel];
      }
      declareExpressionFunctions(family.functions ?? [], origin);
    }
    return registry;
  }

  /**
   * `schemaVerified` says a test already proves every input schema of the catalog valid, as
   * test/engine/builtin-definitions.test.ts does for the built-ins: checking a schema against
   * the JSON Schema meta-schema costs every start of `validate` a third of its time.
   */
  constructor(catalog: StepCatalog, origin = 'built-in step types', { schemaVerified = false } = {}) {
    for (const [type, load] of Object.entries(catalog)) this.loaders.set(type, { load, origin, schemaVerified });
  }

  private parent: StepRegistry | undefined;

  /** The registry this one extends: a child runbook gets its plugins on top of the built-ins, not of its parent's. */
  base(): StepRegistry {
    return this.parent?.base() ?? this;
  }

  /** A registry with the same types, to which one runbook's plugins can be added. */
  extend(): StepRegistry {
    const child = new StepRegistry({});
    child.parent = this;
    child.blocks = this.blocks;
    child.channels = this.channels;
    for (const [type, entry] of this.loaders) child.loaders.set(type, entry);
    for (const [type, definition] of this.loaded) child.loaded.set(type, definition);
    return child;
  }

  /** The top-level blocks of a runbook that steps read, such as a cloud's region. */
  settingsBlocks(): readonly SettingsBlock[] {
    return this.blocks;
  }

  /** Where a run can be announced: the keys a `notify:` target may have. */
  notifyChannels(): readonly NotifyChannel[] {
    return this.channels;
  }

  origin(type: string): string | undefined {
    return this.loaders.get(type)?.origin;
  }

  types(): string[] {
    return [...this.loaders.keys()].sort();
  }

  has(type: string): boolean {
    return this.loaders.has(type);
  }

  /** Adds the settings blocks a plugin module declares; refuses a name already declared. */
  addSettingsBlocks(blocks: readonly SettingsBlock[], origin: string): void {
    for (const block of blocks) {
      if (this.blocks.some((known) => known.name === block.name)) throw new StepContractError(origin, `settings block "${block.name}" is already declared`);
      this.blocks = [...this.blocks, block];
    }
  }

  /** Adds step definitions a plugin module exported; refuses to shadow an existing type. */
  addDefinitions(definitions: readonly unknown[], origin: string): void {
    for (const candidate of definitions) {
      const definition = checkDefinition(candidate, origin);
      if (this.loaders.has(definition.type)) {
        throw new StepContractError(origin, `step type "${definition.type}" is already defined by ${this.loaders.get(definition.type)!.origin}`, definition.type);
      }
      this.loaders.set(definition.type, { load: async () => ({ default: definition }), origin, schemaVerified: true });
    }
  }

  load(type: string): Promise<StepDefinition> {
    let definition = this.loaded.get(type);
    if (!definition) {
      definition = this.import(type);
      this.loaded.set(type, definition);
    }
    return definition;
  }

  private async import(type: string): Promise<StepDefinition> {
    const entry = this.loaders.get(type);
    if (!entry) throw new StepContractError('registry', `unknown step type "${type}"`);
    const module = await entry.load();
    const definition = checkDefinition(module.default, entry.origin, { checkSchema: !entry.schemaVerified });
    if (definition.type !== type) {
      throw new StepContractError(entry.origin, `the module for "${type}" defines "${definition.type}"`);
    }
    return definition;
  }
}
