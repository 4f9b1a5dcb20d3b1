/**
 * Validates fuzz cases one at a time in a worker thread (./validate-worker.mjs), so that a case
 * that loops forever is caught by a time budget instead of hanging the test: the worker is
 * ended and a new one takes the next case.
 */
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../../engine/validate/diagnostic.js';

export interface FuzzCase {
  /** Where it came from and its seed, enough to make it again. */
  name: string;
  /** The file name it is validated as: relative plugin and runbook paths resolve from there. */
  file: string;
  text: string;
}

export type Outcome =
  | { kind: 'validated'; ok: boolean; diagnostics: Diagnostic[]; ms: number }
  | { kind: 'threw'; error: string; ms: number }
  | { kind: 'hung'; ms: number };

type Reply = { id: number; ok: boolean; diagnostics: Diagnostic[] } | { id: number; thrown: string };

const WORKER = new URL('./validate-worker.mjs', import.meta.url);

export class ValidatorWorker {
  private worker: Worker | undefined;
  private nextId = 0;

  constructor(private readonly budgetMs: number) {}

  /** Sends the case at once when a worker is up, so that the caller can prepare the next one meanwhile. */
  validate(fuzzCase: FuzzCase): Promise<Outcome> {
    if (this.worker) return this.send(this.worker, fuzzCase);
    return this.start().then((worker) => this.send(worker, fuzzCase));
  }

  private send(worker: Worker, fuzzCase: FuzzCase): Promise<Outcome> {
    const id = ++this.nextId;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<Outcome>((resolve) => {
      const settle = (outcome: Outcome) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        resolve(outcome);
      };
      const onMessage = (reply: Reply) => {
        if (reply.id !== id) return;
        settle('thrown' in reply ? { kind: 'threw', error: reply.thrown, ms: elapsed() } : { kind: 'validated', ok: reply.ok, diagnostics: reply.diagnostics, ms: elapsed() });
      };
      // an error nobody awaited (an unhandled rejection) ends the worker
      const onError = (error: Error) => {
        this.worker = undefined;
        settle({ kind: 'threw', error: error.stack ?? error.message, ms: elapsed() });
      };
      const timer = setTimeout(() => {
        this.worker = undefined;
        void worker.terminate();
        settle({ kind: 'hung', ms: elapsed() });
      }, this.budgetMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage({ id, file: fuzzCase.file, text: fuzzCase.text });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private async start(): Promise<Worker> {
    const worker = new Worker(WORKER);
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    this.worker = worker;
    return worker;
  }
}
