import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { RunCliOptions } from './cli-options.js';
import type { Runbook } from '../document/runbook.js';
import type { JsonObject } from '../json.js';
import { resolveParams, splitParamArguments } from '../params/resolve-params.js';
import { Redactor } from '../secrets.js';
import { UsageError } from '../exit-codes.js';
import { pluginPath } from '../load/load-plugins.js';
import { pluginFiles } from '../load/plugin-files.js';
import type { StepRegistry } from '../registry.js';
import { hashFiles } from '../state/hash-files.js';
import { validateRunbookFile } from '../validate/validate-runbook.js';
import { RUN_FORMAT, type RunRecord } from '../state/run-record.js';
import { includedRunbooks } from '../step-definition.js';
import { ENGINE_VERSION } from '../version.js';
import { askMissingSecrets } from './ask-secret-params.js';
import { builtInRegistry, builtInStateCatalog } from './builtins.js';
import { approvalDesk } from './approval-desk.js';
import { driveRun } from './drive-run.js';
import { keepParse } from './kept-parse.js';
import { loadValidRunbook } from './load-valid-runbook.js';
import { openState } from './open-state.js';
import { prepareAnnouncer } from './prepare-announcer.js';
import { wantsMarkdown } from './output-format.js';
import { settingOverrides } from './setting-options.js';
import { refuseUnwritableOut, writePlanOut } from './plan-out.js';
import { secretParamNames } from './secret-param-names.js';
import { PlanRecorder } from '../plans/plan-recorder.js';
import type { RunResult } from '../execute/run-result.js';

export async function runCommand(file: string, options: RunCliOptions): Promise<void> {
  if (wantsMarkdown(options) && !options.dryRun) throw new UsageError('--format markdown prints a plan: give it to `stepwise plan` or `run --dry-run`; a run\'s page is `stepwise show RUN_ID --format markdown`');
  const { runbook, source, registry } = await loadValidRunbook(file, builtInRegistry());
  const given = splitParamArguments(options.param);
  const params = resolveParams(runbook.params, given, process.env, await askMissingSecrets(runbook.params, given, process.env));
  const redactor = new Redactor();
  for (const secret of params.secrets) redactor.add(secret);
  const runId = newRunId();
  const settingsOverrides = settingOverrides(options, registry.settingsBlocks());
  if (options.dryRun) {
    if (options.out !== undefined) refuseUnwritableOut(options.out);
    const recorder = options.out === undefined ? undefined : new PlanRecorder('keep');
    // the files a plan file names are the ones this plan was made from, hashed before it runs
    const files = recorder ? await runbookFiles(file, runbook, registry) : [];
    const keep = recorder && {
      review: recorder,
      beforeReport: (result: RunResult) => writePlanOut(result, { out: options.out!, files, runbook, params: params.values, settingsOverrides, redactor, recorder }),
    };
    await driveRun({ file, runbook, registry, runId, params: params.values, redactor, options, settingsOverrides, ...keep });
    return;
  }
  const announcer = prepareAnnouncer({ runbook, registry, runId, params: params.values, redactor, settingsOverrides });
  const record = runRecord(runId, file, runbook, params.values, settingsOverrides, hashFiles(await runbookFiles(file, runbook, registry)));
  const state = await openState(options, builtInStateCatalog());
  const { journal, lock } = await state.backend.create(record, source.text, (message) => process.stderr.write(`stepwise: ${message}\n`), keepParse(source));
  try {
    const approvals = approvalDesk(state, runId, options.wait === false);
    await driveRun({ file, runbook, registry, runId, params: params.values, redactor, options, settingsOverrides, journal, resumeArguments: state.arguments, approvals, ...(announcer ? { announcer } : {}) });
  } finally {
    await journal.close();
    await lock.release();
  }
}

export function runRecord(runId: string, file: string, runbook: Runbook, params: JsonObject, settingsOverrides: Record<string, JsonObject>, sha256: string): RunRecord {
  const secretParams = secretParamNames(runbook);
  return {
    format: RUN_FORMAT,
    runId,
    runbook: { path: path.resolve(file), relativePath: path.relative(process.cwd(), path.resolve(file)), name: runbook.name, version: runbook.version, sha256 },
    params: Object.fromEntries(Object.entries(params).filter(([name]) => !secretParams.includes(name))),
    secretParams,
    settingsOverrides,
    engineVersion: ENGINE_VERSION,
    startedAt: new Date().toISOString(),
    host: os.hostname(),
    user: os.userInfo().username,
  };
}

/** The runbook file, the plugin modules with the files they import, and the runbooks it runs: what its hash covers. */
export async function runbookFiles(file: string, runbook: Runbook, registry: StepRegistry): Promise<string[]> {
  const absolute = path.resolve(file);
  const files = [absolute];
  for (const plugin of runbook.plugins ?? []) files.push(...pluginFiles(pluginPath(absolute, plugin)));
  for (const step of runbook.steps) {
    const definition = await registry.load(step.type);
    for (const { path: included } of includedRunbooks(definition, step.with)) {
      const child = path.resolve(path.dirname(absolute), included);
      if (files.includes(child)) continue;
      const validation = await validateRunbookFile(child, registry.base());
      files.push(...(validation.ok ? await runbookFiles(child, validation.runbook, validation.registry) : [child]));
    }
  }
  return [...new Set(files)];
}

/** A sortable id an operator can type: when it started, and four random characters. */
export function newRunId(date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}
