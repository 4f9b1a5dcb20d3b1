import { decisionPath, DECISIONS_FOLDER } from '../../engine/approval/decision-key.js';
import { parseDecision, type Decision } from '../../engine/approval/decision.js';
import { UsageError } from '../../engine/exit-codes.js';
import { parseRunRecord } from '../../engine/state/parse-run-record.js';
import { claimThatHolds, parsePlanClaim, planClaimName, type PlanClaim } from '../../engine/state/plan-claim.js';
import { isRunId } from '../../engine/state/run-id.js';
import type { RunRecord } from '../../engine/state/run-record.js';
import type { HeldLock, JournalWriter, RunOverview, Say, StateBackend, StoredRun } from '../../engine/state/state-backend.js';
import { didYouMean } from '../../engine/validate/did-you-mean.js';
import { readS3Journal, s3JournalEnd, S3Journal } from './s3-journal.js';
import { parseS3Location } from './s3-location.js';
import { hasExpired, parseLockBody, S3RunLock } from './s3-lock.js';
import { openS3Objects, type S3Objects } from './s3-objects.js';

/** Marks a prefix as stepwise's: a prefix without it that holds anything belongs to someone else. */
const MARKER = 'stepwise-state.json';
const STATE_FORMAT = 1;
const RUN_FILE = 'run.json';
const SNAPSHOT_FILE = 'runbook.snapshot.yaml';
const LOCK_FILE = 'lock';
const JOURNAL_FOLDER = 'journal/';

interface Marker {
  stepwise: 'state';
  format: number;
}

/** `--state s3://bucket/prefix`: the store a team shares. */
export async function openS3State(address: string): Promise<StateBackend> {
  return new S3StateBackend(await openS3Objects(parseS3Location(address)));
}

/**
 * `<prefix>/runs/<run-id>/` holds run.json, the runbook's snapshot, the lock and the journal
 * (one object per event under journal/); `<prefix>/stepwise-state.json` says the prefix is
 * stepwise's.
 */
class S3StateBackend implements StateBackend {
  readonly location: string;
  /** Whether the prefix is stepwise's (true) or still empty (false); refused when it holds anything else. */
  private claimed: Promise<boolean> | undefined;
  /** The locks this process holds, by run: only their holder appends to a journal. */
  private readonly locks = new Map<string, S3RunLock>();
  /** A waiting run reads the decisions every second: each damaged object is told once. */
  private readonly warned = new Set<string>();

  constructor(private readonly objects: S3Objects) {
    this.location = objects.address();
  }

  async create(record: RunRecord, runbookText: string, say: Say): Promise<{ journal: JournalWriter; lock: HeldLock }> {
    await this.claimPrefix();
    const folder = runFolder(record.runId);
    const lock = await this.takeLock(record.runId, say);
    try {
      await this.createObject(folder + SNAPSHOT_FILE, runbookText);
      await this.createObject(folder + RUN_FILE, `${JSON.stringify(record, null, 2)}\n`);
    } catch (error) {
      await lock.release();
      throw error;
    }
    return { journal: new S3Journal(this.objects, folder + JOURNAL_FOLDER, this.locks.get(record.runId)!, 0), lock };
  }

  async lock(runId: string, say: Say): Promise<HeldLock> {
    await this.runRecordText(runId);
    return this.takeLock(runId, say);
  }

  async open(runId: string): Promise<StoredRun> {
    const folder = runFolder(runId);
    const [recordText, snapshot, entries] = await Promise.all([
      this.runRecordText(runId),
      this.objects.get(folder + SNAPSHOT_FILE),
      readS3Journal(this.objects, folder + JOURNAL_FOLDER),
    ]);
    return {
      location: this.objects.address(folder),
      record: parseRunRecord(recordText, this.objects.address(folder + RUN_FILE)),
      journal: { entries, tornTail: false },
      snapshot: snapshot?.body,
    };
  }

  async appendJournal(run: StoredRun): Promise<JournalWriter> {
    const runId = run.record.runId;
    const lock = this.locks.get(runId);
    if (!lock) throw new Error(`appendJournal: this process does not hold the lock of run ${runId}`);
    return new S3Journal(this.objects, runFolder(runId) + JOURNAL_FOLDER, lock, run.journal.entries.at(-1)?.seq ?? 0);
  }

  async ids(): Promise<string[]> {
    if (!(await this.inspectPrefix())) return [];
    const { folders } = await this.objects.list('runs/', { delimiter: '/' });
    return folders
      .map((folder) => folder.slice('runs/'.length, -1))
      .filter((id) => isRunId(id))
      .sort();
  }

  async overview(runId: string): Promise<RunOverview> {
    const folder = runFolder(runId);
    const [recordText, end, locked] = await Promise.all([this.runRecordText(runId), s3JournalEnd(this.objects, folder + JOURNAL_FOLDER), this.isLocked(runId)]);
    return { location: this.objects.address(folder), record: parseRunRecord(recordText, this.objects.address(folder + RUN_FILE)), ...end, locked };
  }

  async isLocked(runId: string): Promise<boolean> {
    const object = await this.objects.get(runFolder(runId) + LOCK_FILE);
    return object !== undefined && !hasExpired(parseLockBody(object.body), object, this.objects.location.lockTtlMs);
  }

  /** One object per decision, written only if there is none (If-None-Match): each person decides once. */
  async recordDecision(runId: string, decision: Decision): Promise<boolean> {
    await this.runRecordText(runId);
    const outcome = await this.objects.put(runFolder(runId) + decisionPath(decision), `${JSON.stringify(decision, null, 2)}\n`, { ifNoneMatch: true });
    return outcome.written;
  }

  async decisions(runId: string): Promise<Decision[]> {
    const folder = runFolder(runId) + DECISIONS_FOLDER;
    const keys = (await this.objects.list(folder)).keys.filter((key) => key.endsWith('.json'));
    const objects = await this.objects.getMany(keys);
    const decisions: Decision[] = [];
    for (const [index, object] of objects.entries()) {
      if (object === undefined) continue;
      const decision = parseDecision(object.body);
      if (decision) decisions.push(decision);
      else this.warnOnce(`${this.objects.address(keys[index]!)} is not a decision stepwise wrote: ignored`);
    }
    return decisions.sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
  }

  /** One object per plan, written only if there is none (If-None-Match): a plan is taken once. */
  async claimPlan(claim: PlanClaim): Promise<PlanClaim | undefined> {
    await this.claimPrefix();
    const outcome = await this.objects.put(planClaimName(claim.plan), `${JSON.stringify(claim, null, 2)}\n`, { ifNoneMatch: true });
    return outcome.written ? undefined : claimThatHolds(await this.planClaim(claim.plan), this.objects.address(planClaimName(claim.plan)));
  }

  async planClaim(sha256: string): Promise<PlanClaim | undefined> {
    if (!(await this.inspectPrefix())) return undefined;
    const object = await this.objects.get(planClaimName(sha256));
    return object === undefined ? undefined : parsePlanClaim(object.body, this.objects.address(planClaimName(sha256)));
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    process.stderr.write(`stepwise: warning: ${message}\n`);
  }

  private async takeLock(runId: string, say: Say): Promise<HeldLock> {
    const folder = runFolder(runId);
    const lock = new S3RunLock(this.objects, folder + LOCK_FILE, this.objects.address(folder), this.objects.location.lockTtlMs, say);
    await lock.acquire();
    this.locks.set(runId, lock);
    return {
      release: async () => {
        this.locks.delete(runId);
        await lock.release();
      },
    };
  }

  /** run.json of an existing run; refuses an unknown id, naming the closest one. */
  private async runRecordText(runId: string): Promise<string | undefined> {
    const folder = runFolder(runId);
    if (isRunId(runId) && (await this.inspectPrefix())) {
      const record = await this.objects.get(folder + RUN_FILE);
      if (record !== undefined) return record.body;
      if ((await this.objects.list(folder, { maxKeys: 1 })).keys.length > 0) return undefined;
    }
    const ids = await this.ids();
    throw new UsageError(`no run "${runId}" in ${this.location}${didYouMean(runId, ids) || '; `stepwise runs` lists the runs'}`);
  }

  private async createObject(key: string, body: string): Promise<void> {
    const outcome = await this.objects.put(key, body, { ifNoneMatch: true });
    if (!outcome.written) throw new UsageError(`${this.objects.address(key)} already exists: another run has the same id; start the run again`);
  }

  /** Before the first run is written: the prefix must be empty or stepwise's, and is marked as stepwise's. */
  private async claimPrefix(): Promise<void> {
    if (await this.inspectPrefix()) return;
    const marker: Marker = { stepwise: 'state', format: STATE_FORMAT };
    // another process may claim it at the same moment: either write does
    await this.objects.put(MARKER, `${JSON.stringify(marker)}\n`, { ifNoneMatch: true });
    this.claimed = Promise.resolve(true);
  }

  private inspectPrefix(): Promise<boolean> {
    this.claimed ??= this.readMarker();
    return this.claimed;
  }

  private async readMarker(): Promise<boolean> {
    const object = await this.objects.get(MARKER);
    if (object === undefined) {
      const { keys } = await this.objects.list('', { maxKeys: 1 });
      if (keys.length === 0) return false;
      throw new UsageError(
        `${this.location} holds other objects (such as ${this.objects.address(keys[0])}) and no ${MARKER}: it is not a stepwise state store. Choose an empty prefix, or the prefix stepwise keeps its runs in`,
      );
    }
    const marker = parseMarker(object.body);
    if (marker === undefined) throw new UsageError(`${this.objects.address(MARKER)} is not stepwise's: ${this.location} holds something else. Choose another prefix`);
    if (marker.format > STATE_FORMAT) {
      throw new UsageError(`${this.location} was written by a newer stepwise (state format ${marker.format}, this one reads ${STATE_FORMAT}); upgrade stepwise`);
    }
    return true;
  }
}

function runFolder(runId: string): string {
  return `runs/${runId}/`;
}

function parseMarker(text: string): Marker | undefined {
  try {
    const marker = JSON.parse(text) as Partial<Marker>;
    return marker.stepwise === 'state' && typeof marker.format === 'number' ? (marker as Marker) : undefined;
  } catch {
    return undefined;
  }
}
