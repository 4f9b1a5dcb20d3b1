import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { expectNoStackTrace, runCli, runIds, workspace, type CliResult, type Workspace } from '../../support/cli.js';

/** A secret param's value and a secret output's: neither may reach a plan file, a run's record or the output. */
export const SECRET_PARAM = 'param-secret-4711';
export const SECRET_OUTPUT = 'output-secret-0815';

/**
 * Step types that make a reviewed plan observable: `team.read` reads world.json (what a run
 * decides on); `team.write` and `team.note` write a file, keep a ticket in their plan when asked
 * (`ctx.keepPlan`), and log the `ctx.reviewed` their run() got (reviewed.log) and each plan() call
 * (plans.log). team.read waits while a file `hold` exists and `go` does not, saying so with a
 * file `holding`. team.write's basis is basis.txt, with its own `differences`; team.note's is
 * stamp.txt, compared by the engine. `team.wait` waits for a file `go`, so a run can be stopped in it.
 * `team.hold` is a team.write whose kept ticket stands for something outside the plan file: it
 * says so (describeKept) and discards it (discardKept, logged to discarded.log; failing while a file `jam` exists;
 * `gone` for a ticket discarded before; with a file `number-tickets`, each ticket ends with
 * the number of its plan() call, so that a step planned twice keeps two tickets, as CloudFormation makes two change sets). team.read also writes `holding.<pid>`, so that a test can see two processes held.
 * `team.tell` says what its ticket stands for, but cannot discard it (describeKept only).
 * `team.count` counts its runs in count.txt: a step retried until a count differs from its first attempt's.
 */
const PLUGIN = String.raw`
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';

const at = (ctx, file) => path.resolve(ctx.runbookDir, file);
const text = (ctx, file) => (existsSync(at(ctx, file)) ? readFileSync(at(ctx, file), 'utf8') : null);
const input = { type: 'object', additionalProperties: false, required: ['target', 'content'], properties: { target: { type: 'string' }, content: { type: 'string' } } };

function writing(type, basis) {
  return {
    type,
    description: 'Write a file, telling what reviewed plan it carries out.',
    effect: 'write',
    input,
    basis,
    async plan(ctx, input) {
      appendFileSync(at(ctx, 'plans.log'), ctx.stepId + ' ' + input.target + '\n');
      return { summary: 'write ' + input.target, ...(ctx.keepPlan ? { kept: { ticket: 'T-' + ctx.stepId + '-' + input.target } } : {}) };
    },
    async run(ctx, input) {
      appendFileSync(at(ctx, 'reviewed.log'), JSON.stringify({ step: ctx.stepId, target: input.target, reviewed: ctx.reviewed ?? null }) + '\n');
      writeFileSync(at(ctx, input.target), input.content);
      return { written: input.target };
    },
  };
}

export default [
  {
    type: 'team.read',
    description: 'Read world.json.',
    effect: 'read',
    input: { type: 'object' },
    async run(ctx) {
      // held, when asked, until a file "go" appears: so that a test can stop a run in a read
      while (existsSync(at(ctx, 'hold')) && !existsSync(at(ctx, 'go'))) {
        writeFileSync(at(ctx, 'holding'), '');
        writeFileSync(at(ctx, 'holding.' + process.pid), '');
        if (ctx.signal.aborted) throw new Error('stopped');
        await pause(20);
      }
      return JSON.parse(text(ctx, 'world.json'));
    },
  },
  writing('team.write', {
    async take(ctx) { return { content: text(ctx, 'basis.txt') }; },
    differences(recorded, now) {
      return recorded.content === now.content ? [] : ['basis.txt says ' + String(now.content).trim() + ', was ' + String(recorded.content).trim()];
    },
  }),
  writing('team.note', {
    async take(ctx) { return { stamp: text(ctx, 'stamp.txt') }; },
  }),
  {
    ...writing('team.hold'),
    async plan(ctx, input) {
      appendFileSync(at(ctx, 'plans.log'), ctx.stepId + ' ' + input.target + '\n');
      const numbered = existsSync(at(ctx, 'number-tickets')) ? '.' + text(ctx, 'plans.log').split('\n').filter(Boolean).length : '';
      return { summary: 'write ' + input.target, ...(ctx.keepPlan ? { kept: { ticket: 'T-' + ctx.stepId + '-' + input.target + numbered } } : {}) };
    },
    describeKept: (kept) => 'ticket ' + kept.ticket + ' in the ticket desk',
    async discardKept(ctx, kept) {
      if (existsSync(at(ctx, 'jam'))) throw new Error('the ticket desk is down');
      if ((text(ctx, 'discarded.log') ?? '').split('\n').includes(kept.ticket)) return 'gone';
      appendFileSync(at(ctx, 'discarded.log'), kept.ticket + (ctx.signal.aborted ? ' (aborted signal)' : '') + '\n');
    },
  },
  {
    ...writing('team.tell'),
    describeKept: (kept) => 'ticket ' + kept.ticket + ' in the ticket desk',
  },
  {
    type: 'team.count',
    description: 'Count its runs in count.txt, and say how many.',
    effect: 'read',
    input: { type: 'object' },
    async run(ctx) {
      const count = Number(text(ctx, 'count.txt') ?? '0') + 1;
      writeFileSync(at(ctx, 'count.txt'), String(count));
      return { count };
    },
  },
  {
    ...writing('team.wait'),
    async run(ctx, input) {
      appendFileSync(at(ctx, 'reviewed.log'), JSON.stringify({ step: ctx.stepId, target: input.target, reviewed: ctx.reviewed ?? null }) + '\n');
      while (!existsSync(at(ctx, 'go'))) {
        if (ctx.signal.aborted) throw new Error('stopped');
        await pause(20);
      }
      writeFileSync(at(ctx, input.target), input.content);
      return { written: input.target };
    },
  },
];
`;

const RUNBOOK = `apiVersion: stepwise/v1
name: reviewed
version: 1.2.3
plugins: [./team.mjs]
params:
  greeting: { type: string, default: hello }
  token: { type: string, secret: true }
steps:
  - id: read
    type: team.read
    outputs: { value: value, items: items, key: { from: key, secret: true } }
  - id: first
    type: team.write
    if: "\${{ steps.read.outputs.value != 'skip' }}"
    with: { target: first.txt, content: "\${{ params.greeting }} \${{ steps.read.outputs.value }} \${{ params.token }} \${{ steps.read.outputs.key }}" }
  - id: each
    type: team.note
    forEach: "\${{ steps.read.outputs.items }}"
    with: { target: "each-\${{ item }}.txt", content: "\${{ item }}" }
  - id: child
    type: runbook
    with: { path: child.yaml }
  - id: last
    type: team.write
    with: { target: last.txt, content: "after \${{ steps.first.outputs.written }}" }
`;

const CHILD = `apiVersion: stepwise/v1
name: child
version: 1.0.0
plugins: [./team.mjs]
steps:
  - id: inner
    type: team.write
    with: { target: child.txt, content: from the child }
`;

export interface Bed extends Workspace {
  /** `stepwise plan reviewed.yaml --out plan.json`, the secret param in the environment. */
  plan(args?: string[], env?: Record<string, string>): Promise<CliResult>;
  /** `stepwise apply plan.json --state-dir state`, the secret param in the environment. */
  apply(args?: string[], env?: Record<string, string>): Promise<CliResult>;
  /** What each write's run() got as `ctx.reviewed`, in order. */
  reviewed(): { step: string; target: string; reviewed: unknown }[];
  /** Each plan() call: step and target. */
  plans(): string[];
  setWorld(world: { value: string; items: string[] }): void;
}

export function reviewedPlanBed(runbook = RUNBOOK): Bed {
  const space = workspace();
  space.write('team.mjs', PLUGIN);
  space.write('reviewed.yaml', runbook);
  space.write('child.yaml', CHILD);
  space.write('basis.txt', 'basis one\n');
  space.write('stamp.txt', 'stamp one\n');
  const setWorld = (world: { value: string; items: string[] }) => space.write('world.json', JSON.stringify({ ...world, key: SECRET_OUTPUT }));
  setWorld({ value: 'v1', items: ['a', 'b'] });
  const lines = (name: string) => (existsSync(space.file(name)) ? readFileSync(space.file(name), 'utf8').split('\n').filter(Boolean) : []);
  return {
    ...space,
    plan: (args = [], env = {}) => runCli(['plan', 'reviewed.yaml', '--out', 'plan.json', ...args], { cwd: space.dir, env: { STEPWISE_PARAM_TOKEN: SECRET_PARAM, ...env } }),
    apply: (args = [], env = {}) => runCli(['apply', 'plan.json', '--state-dir', space.stateDir, ...args], { cwd: space.dir, env: { STEPWISE_PARAM_TOKEN: SECRET_PARAM, ...env } }),
    reviewed: () => lines('reviewed.log').map((line) => JSON.parse(line) as { step: string; target: string; reviewed: unknown }),
    plans: () => lines('plans.log'),
    setWorld,
  };
}

/** A runbook whose write keeps a ticket outside the plan file (team.hold), then `then`. */
export const holding = (then: string) => `apiVersion: stepwise/v1
name: holds
version: 1.0.0
plugins: [./team.mjs]
params:
  token: { type: string, secret: true }
steps:
  - id: hold
    type: team.hold
    with: { target: held.txt, content: x }
${then}`;

/** A stale plan: exit 2, "stale plan" and the difference named, and nothing written or recorded. */
export function expectRefusedAsStale(bed: Bed, result: CliResult, difference: string | RegExp): void {
  expectNoStackTrace(result.printed);
  expect(result.code, result.printed).toBe(2);
  expect(result.stderr).toMatch(/^stepwise: stale plan: plan\.json no longer matches what would run/m);
  if (typeof difference === 'string') expect(result.stderr).toContain(difference);
  else expect(result.stderr).toMatch(difference);
  expect(runIds(bed.stateDir)).toEqual([]);
  expect(bed.reviewed()).toEqual([]);
  for (const target of ['first.txt', 'each-a.txt', 'child.txt', 'last.txt']) expect(existsSync(bed.file(target)), target).toBe(false);
}
