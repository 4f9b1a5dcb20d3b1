import { Option, type Command } from 'commander';
import type { JsonObject } from '../json.js';
import type { SettingsBlock } from '../step-family.js';

/** Offers the options the families' settings blocks declare; `run` and `plan` say which setting each one wins over. */
export function addSettingOptions(command: Command, blocks: readonly SettingsBlock[], { sayWhich }: { sayWhich: boolean }): Command {
  for (const block of blocks) {
    for (const option of block.options ?? []) {
      command.option(option.flags, sayWhich ? `${option.description} (overrides the runbook's ${block.name}.${option.setting})` : option.description);
    }
  }
  return command;
}

/**
 * The settings the command line gives, by block, such as `{ cloud: { region: 'eu-west-1' } }`:
 * every block that has options is there, empty when none of them was given.
 */
export function settingOverrides(options: object, blocks: readonly SettingsBlock[]): Record<string, JsonObject> {
  const given = options as Record<string, unknown>;
  const overrides: Record<string, JsonObject> = {};
  for (const block of blocks) {
    if (!block.options?.length) continue;
    const settings: JsonObject = {};
    for (const option of block.options) {
      const value = given[new Option(option.flags).attributeName()];
      if (typeof value === 'string' && value !== '') settings[option.setting] = value;
      // a negated flag (`--no-x`) is true unless given: only its false is an override
      if (value === false) settings[option.setting] = false;
    }
    overrides[block.name] = settings;
  }
  return overrides;
}
