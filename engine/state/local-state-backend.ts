import type { Decision } from '../approval/decision.js';
import type { Journal } from './journal.js';
import { readLocalDecisions, recordLocalDecision } from './local-decisions.js';
import { claimLocalPlan, readLocalPlanClaim } from './local-plan-claims.js';
import type { PlanClaim } from './plan-claim.js';
import { RunStore, type StoredRun as LocalRun } from './run-store.js';
import { waitingSince } from './waiting-since.js';
import type { HeldLock, JournalWriter, RunOverview, Say, StateBackend, StoredRun } from './state-backend.js';

/** `--state-dir DIR`: run folders on this machine's disk, each event fdatasync'ed before the run acts on anything. */
export class LocalStateBackend implements StateBackend {
  private readonly store: RunStore;
  /** The folder's own view of each run it handed out, which appending to its journal needs. */
  private readonly opened = new WeakMap<StoredRun, LocalRun>();
  /** A waiting run reads the decisions every second: each damaged file is told once. */
  private readonly warned = new Set<string>();

  constructor(private readonly stateDir: string) {
    this.store = new RunStore(stateDir);
  }

  get location(): string {
    return this.store.runsFolder;
  }

  async create(record: StoredRun['record'], runbookText: string, say: Say, keptParse?: string): Promise<{ journal: JournalWriter; lock: HeldLock }> {
    const { journal, lock } = this.store.create(record, runbookText, say, keptParse);
    return { journal: writer(journal), lock: { release: async () => lock.release() } };
  }

  async lock(runId: string, say: Say): Promise<HeldLock> {
    const lock = this.store.lock(runId, say);
    return { release: async () => lock.release() };
  }

  async open(runId: string): Promise<StoredRun> {
    const run = this.store.open(runId);
    const stored: StoredRun = { location: run.folder, record: run.record, journal: run.journal, snapshot: run.snapshot, keptParse: run.keptParse };
    this.opened.set(stored, run);
    return stored;
  }

  async appendJournal(run: StoredRun): Promise<JournalWriter> {
    return writer(this.store.appendJournal(this.opened.get(run) ?? this.store.open(run.record.runId)));
  }

  async ids(): Promise<string[]> {
    return this.store.ids();
  }

  async overview(runId: string): Promise<RunOverview> {
    const run = this.store.open(runId);
    const { entries } = run.journal;
    return { location: run.folder, record: run.record, lastEntry: entries.at(-1), waitingSince: waitingSince(entries), locked: this.store.isLocked(runId) };
  }

  async isLocked(runId: string): Promise<boolean> {
    return this.store.isLocked(runId);
  }

  async recordDecision(runId: string, decision: Decision): Promise<boolean> {
    return recordLocalDecision(this.store.existingFolder(runId), decision);
  }

  async decisions(runId: string): Promise<Decision[]> {
    return readLocalDecisions(this.store.existingFolder(runId), (message) => {
      if (this.warned.has(message)) return;
      this.warned.add(message);
      process.stderr.write(`stepwise: warning: ${message}\n`);
    });
  }

  async claimPlan(claim: PlanClaim): Promise<PlanClaim | undefined> {
    return claimLocalPlan(this.stateDir, claim);
  }

  async planClaim(sha256: string): Promise<PlanClaim | undefined> {
    return readLocalPlanClaim(this.stateDir, sha256);
  }
}

function writer(journal: Journal): JournalWriter {
  return { onEvent: (event) => journal.onEvent(event), close: async () => journal.close() };
}
