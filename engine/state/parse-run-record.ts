import { UsageError } from '../exit-codes.js';
import { RUN_FORMAT, type RunRecord } from './run-record.js';

/**
 * run.json as a store read it (`text` undefined: it is not there). `where` names it in
 * messages: a file, or an s3:// address.
 */
export function parseRunRecord(text: string | undefined, where: string): RunRecord {
  if (text === undefined) throw new UsageError(`${where} is missing: the run is damaged`);
  let record: RunRecord;
  try {
    record = JSON.parse(text) as RunRecord;
  } catch {
    throw new UsageError(`${where} is not valid JSON: the run is damaged`);
  }
  if (typeof record !== 'object' || record === null || typeof record.format !== 'number' || typeof record.runId !== 'string' || typeof record.runbook?.path !== 'string') {
    throw new UsageError(`${where} is not a stepwise run record`);
  }
  if (record.plan !== undefined && (typeof record.plan !== 'object' || record.plan === null || typeof record.plan.path !== 'string' || !Array.isArray(record.plan.steps))) {
    throw new UsageError(`${where}: "plan" is not the record of a reviewed plan (path, sha256, steps): the run is damaged`);
  }
  if (record.format > RUN_FORMAT) {
    throw new UsageError(`${where} was written by a newer stepwise (run format ${record.format}, this one reads ${RUN_FORMAT}); upgrade stepwise`);
  }
  return record;
}
