import type { Decision } from '../approval/decision.js';
import type { RunObserver } from '../execute/events.js';
import type { JournalEntry } from './journal.js';
import type { PlanClaim } from './plan-claim.js';
import type { RunRecord } from './run-record.js';

/** Tells the operator something about the state on the way (a lock taken over, ...). */
export type Say = (message: string) => void;

/** A run's journal being written: each event is stored before the run goes on. */
export interface JournalWriter extends RunObserver {
  close(): Promise<void>;
}

/** The lock of a run this process drives; nobody else may drive it until it is released. */
export interface HeldLock {
  release(): Promise<void>;
}

export interface JournalContents {
  entries: JournalEntry[];
  /** The last event was cut short by a crash and was ignored. */
  tornTail: boolean;
}

/** A past run, read back. */
export interface StoredRun {
  /** Where the run is kept, for messages: its folder, or its s3:// address. */
  location: string;
  record: RunRecord;
  journal: JournalContents;
  /** The runbook as it was when the run started, to say what changed before a resume. */
  snapshot: string | undefined;
  /** What the runbook parsed to when the run started, if the store keeps it (see kept-parse.ts). */
  keptParse?: string | undefined;
}

/** What a list of runs shows of one, without reading its whole journal. */
export interface RunOverview {
  location: string;
  record: RunRecord;
  lastEntry: JournalEntry | undefined;
  /** A run its last event leaves waiting at an approval: since when, as `waitingSince` (waiting-since.ts) reads the journal. */
  waitingSince: string | undefined;
  /** Some process holds the run's lock: it is running now, unless that process died. */
  locked: boolean;
}

/**
 * Where runs are kept: a folder of this machine, or a store a team shares. The engine and the
 * commands only know this interface; each kind of store is one implementation.
 */
export interface StateBackend {
  /** For messages: a folder, or an address such as s3://bucket/prefix. */
  readonly location: string;
  /**
   * Records a new run and takes its lock; the journal it returns is where its events go.
   * `keptParse` may be kept, to spare a resume parsing the runbook again.
   */
  create(record: RunRecord, runbookText: string, say: Say, keptParse?: string): Promise<{ journal: JournalWriter; lock: HeldLock }>;
  /**
   * Takes a past run's lock. A resume takes it before it reads the journal: what it read
   * before could be out of date by the time it held the lock.
   */
  lock(runId: string, say: Say): Promise<HeldLock>;
  /** A past run, read back; refuses with a clear message when it is missing or damaged. */
  open(runId: string): Promise<StoredRun>;
  /** Appends to a run's journal, continuing its sequence numbers; the caller holds its lock. */
  appendJournal(run: StoredRun): Promise<JournalWriter>;
  /** The ids of the runs, oldest first. */
  ids(): Promise<string[]>;
  overview(runId: string): Promise<RunOverview>;
  isLocked(runId: string): Promise<boolean>;
  /**
   * Records one person's decision at an approval of a run, from any process (the run's lock is
   * not needed): false when this person already decided there, since each may decide once.
   */
  recordDecision(runId: string, decision: Decision): Promise<boolean>;
  /** Every decision recorded for a run, oldest first. */
  decisions(runId: string): Promise<Decision[]>;
  /**
   * Records who takes a plan (apply's run, or its discarding), only if nobody took it before (a
   * write that only creates): undefined when this claim was recorded, else the claim that holds it.
   */
  claimPlan(claim: PlanClaim): Promise<PlanClaim | undefined>;
  /** Who took the plan of this SHA-256, if anybody did. */
  planClaim(sha256: string): Promise<PlanClaim | undefined>;
}

/** Opens the store at a location such as `s3://bucket/prefix`. */
export type StateBackendFactory = (location: string) => Promise<StateBackend>;

/** The stores stepwise can keep runs in, by the scheme of their address (`s3` for `s3://...`). */
export type StateBackendCatalog = Readonly<Record<string, StateBackendFactory>>;
