import os from 'node:os';
import { settingsBlockOf, type Runbook } from '../document/runbook.js';
import { resolveValue, type Scope } from '../expressions/evaluate.js';
import { isJsonObject, type JsonObject } from '../json.js';
import { Announcer } from '../notify/announcer.js';
import { notifyTargets, resolveTargets } from '../notify/notify-targets.js';
import type { StepRegistry } from '../registry.js';
import type { Redactor } from '../secrets.js';
import { findProjectConfig } from './project-config.js';
import { projectNotifyTargets } from './project-notify.js';

export interface AnnouncerInputs {
  runbook: Runbook;
  registry: StepRegistry;
  runId: string;
  params: JsonObject;
  redactor: Redactor;
  settingsOverrides: Record<string, JsonObject>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Who hears of a real run: the targets of the repository's stepwise.config.yaml and those of the
 * runbook, both (one place named by both hears each event once). Undefined when nobody does.
 * A repository config that is not valid refuses the run (exit 2); an address that resolves to
 * nothing usable is a warning. A webhook's address is a credential: the run's redactor learns it.
 */
export function prepareAnnouncer(inputs: AnnouncerInputs): Announcer | undefined {
  const { runbook, registry, redactor } = inputs;
  const env = inputs.env ?? process.env;
  const channels = registry.notifyChannels();
  const config = findProjectConfig(inputs.cwd ?? process.cwd());
  const written = [...(config ? projectNotifyTargets(config, channels) : []), ...notifyTargets(runbook.notify, channels, "the runbook's notify")];
  if (written.length === 0) return undefined;
  const scope: Scope = { data: { params: inputs.params, env: { ...env } as JsonObject, run: { id: inputs.runId, dryRun: false } }, unknownSteps: new Map() };
  const { targets, problems } = resolveTargets(written, scope);
  for (const target of targets) if (target.channel.secretAddress) redactor.add(target.address);
  for (const problem of problems) warn(redactor.text(`notify: ${problem}`));
  if (targets.length === 0) return undefined;
  const settings = resolvedSettings(inputs, scope);
  return new Announcer({
    targets,
    facts: { runbook: runbook.name, version: runbook.version, runId: inputs.runId, by: `${os.userInfo().username}@${os.hostname()}` },
    redactor,
    settings: (name) => settings[name] ?? {},
    warn,
  });
}

function warn(message: string): void {
  process.stderr.write(`stepwise: warning: ${message}\n`);
}

/** The settings blocks as the run's steps see them (the command line's overrides on top), for a channel that reads one. */
function resolvedSettings(inputs: AnnouncerInputs, scope: Scope): Record<string, JsonObject> {
  const settings: Record<string, JsonObject> = {};
  for (const block of inputs.registry.settingsBlocks()) {
    let resolved: JsonObject = {};
    try {
      const value = resolveValue(settingsBlockOf(inputs.runbook, block.name), scope);
      if (isJsonObject(value)) resolved = value;
    } catch {
      // a block that reads a step cannot be known before the run: the channel goes by its defaults
    }
    const overrides = Object.fromEntries(Object.entries(inputs.settingsOverrides[block.name] ?? {}).filter(([, value]) => value !== undefined));
    settings[block.name] = { ...resolved, ...overrides };
  }
  return settings;
}
