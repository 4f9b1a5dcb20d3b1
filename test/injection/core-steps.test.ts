/**
 * Hostile parameter values through every built-in step type that is not an AWS call, in one
 * `stepwise run` of the compiled CLI: each value must come out exactly as it went in, and
 * nothing in it may run. The values reach the steps as items of a list param given with -p.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEDNString } from 'edn-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { allPayloads, markerFiles, markerFolder } from './payloads.js';

const STACK_TRACE = /^\s+at .+|^\w*Error:|node:internal/m;

/**
 * A stand-in for the Clojure CLI that answers with the database name as the program spelled
 * it, decoded from its string literal: what a real client would have been asked for.
 */
const ECHOING_CLOJURE = `#!/usr/bin/env node
const program = process.argv[6] ?? '';
const literal = /:db-name "((?:[^"\\\\]|\\\\.)*)"/.exec(program);
const calls = program.split('(d/administer-system ').length - 1;
process.stdout.write('STEPWISE-RESULT ' + JSON.stringify({ received: literal ? JSON.parse('"' + literal[1] + '"') : null, calls }) + '\\n');
`;

const CHILD_RUNBOOK = `apiVersion: stepwise/v1
name: child
version: 1.0.0
params:
  value: { type: string }
steps:
  - id: echo
    type: shell
    with: { command: [printf, "%s.", "\${{ params.value }}"], effect: read }
outputs:
  value: "\${{ params.value }}"
  echoed: "\${{ steps.echo.outputs.stdout }}"
`;

/**
 * Each step takes the item as data in one of the ways its type allows. Commands print a dot
 * after it: a step's stdout loses its final newline, as a shell's \$(...) does.
 */
function runbookText(folder: string, clojure: string): string {
  return `apiVersion: stepwise/v1
name: injection
version: 1.0.0
params:
  payloads: { type: array, items: { type: string } }
steps:
  - id: argv
    type: shell
    forEach: "\${{ params.payloads }}"
    with: { command: [printf, "%s.", "\${{ item }}"], effect: read }
    outputs: { out: stdout }
  - id: command-line
    type: shell
    forEach: "\${{ params.payloads }}"
    with: { command: "printf %s. \${{ item }}", effect: read }
    outputs: { out: stdout }
  - id: positional
    type: shell
    forEach: "\${{ params.payloads }}"
    with: { command: ['printf "%s." "$1"', "\${{ item }}"], shell: true, effect: read }
    outputs: { out: stdout }
  - id: environment
    type: shell
    forEach: "\${{ params.payloads }}"
    with: { command: [sh, -c, 'printf "%s." "$VALUE"'], env: { VALUE: "\${{ item }}" }, effect: read }
    outputs: { out: stdout }
  - id: stdin
    type: shell
    forEach: "\${{ params.payloads }}"
    with: { command: [sh, -c, 'cat; printf .'], stdin: "\${{ item }}", effect: read }
    outputs: { out: stdout }
  - id: set
    type: set
    forEach: "\${{ params.payloads }}"
    with: { values: { whole: "\${{ item }}", embedded: "<\${{ item }}>" } }
  - id: assert
    type: assert
    forEach: "\${{ params.payloads }}"
    with: { that: "\${{ item }}", message: "\${{ item }}" }
    outputs: { that: that }
  - id: failing-assert
    type: assert
    forEach: "\${{ params.payloads }}"
    onFailure: continue
    with: { that: "\${{ !item }}", message: "\${{ item }}" }
  - id: approve
    type: approve
    forEach: "\${{ params.payloads }}"
    with: { message: "\${{ item }}" }
    outputs: { approved: approved }
  - id: manual
    type: manual
    forEach: "\${{ params.payloads }}"
    with: { instructions: "\${{ item }}" }
    outputs: { done: done }
  - id: sleep
    type: sleep
    forEach: "\${{ params.payloads }}"
    onFailure: continue
    with: { duration: "\${{ item }}" }
  - id: require-tool
    type: require-tool
    forEach: "\${{ params.payloads }}"
    with: { command: [printf, "%s\\\\n", "tool 1.2.3", "\${{ item }}"], name: "\${{ item }}", install: "\${{ item }}", minVersion: "1.2" }
    outputs: { name: name, version: version }
  - id: background
    type: background
    forEach: "\${{ params.payloads }}"
    with:
      command: [sh, -c, 'printf "%s\\\\0" "$1" >> "$RECEIVED"; echo ready; exec sleep 60', sh, "\${{ item }}"]
      env: { RECEIVED: "${folder}/background.received" }
      ready: { line: "^ready$" }
      stopTimeout: 1s
  - id: runbook
    type: runbook
    forEach: "\${{ params.payloads }}"
    with: { path: ./child.yaml, params: { value: "\${{ item }}" } }
  - id: edn
    type: edn.ensure
    forEach: "\${{ params.payloads }}"
    with: { file: ./deps.edn, path: [":payloads", "\${{ to_string([item]) }}"], value: "\${{ to_string([item]) }}", backup: false }
  - id: datomic
    type: datomic.administer-system
    forEach: "\${{ params.payloads }}"
    with: { system: prod, region: us-east-1, endpoint: "https://example.invalid", action: upgrade-schema, dbName: "\${{ item }}", clojure: ${JSON.stringify(clojure)} }
outputs:
  argv: "\${{ steps.argv.outputs[].out }}"
  commandLine: "\${{ steps.\\"command-line\\".outputs[].out }}"
  positional: "\${{ steps.positional.outputs[].out }}"
  environment: "\${{ steps.environment.outputs[].out }}"
  stdin: "\${{ steps.stdin.outputs[].out }}"
  whole: "\${{ steps.set.outputs[].whole }}"
  embedded: "\${{ steps.set.outputs[].embedded }}"
  asserted: "\${{ steps.assert.outputs[].that }}"
  approved: "\${{ steps.approve.outputs[].approved }}"
  done: "\${{ steps.manual.outputs[].done }}"
  toolNames: "\${{ steps.\\"require-tool\\".outputs[].name }}"
  toolVersions: "\${{ steps.\\"require-tool\\".outputs[].version }}"
  childValues: "\${{ steps.runbook.outputs[].value }}"
  childEchoes: "\${{ steps.runbook.outputs[].echoed }}"
  datomicNames: "\${{ steps.datomic.outputs[].dbName }}"
  datomicReceived: "\${{ steps.datomic.outputs[].result.received }}"
  datomicCalls: "\${{ steps.datomic.outputs[].result.calls }}"
`;
}

interface RunDocument {
  status: string;
  outputs: Record<string, unknown>;
  steps: { id: string; status: string; error?: { message: string } }[];
}

describe('hostile parameter values through the core, EDN and Datomic step types', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'stepwise-injection-'));
  const marker = markerFolder();
  const payloads = allPayloads(marker);
  let code: number | null;
  let stderr: string;
  let run: RunDocument;

  beforeAll(async () => {
    const clojure = path.join(folder, 'clojure');
    writeFileSync(clojure, ECHOING_CLOJURE);
    chmodSync(clojure, 0o755);
    writeFileSync(path.join(folder, 'child.yaml'), CHILD_RUNBOOK);
    writeFileSync(path.join(folder, 'injection.yaml'), runbookText(folder, clojure));
    const result = await runCli(['run', path.join(folder, 'injection.yaml'), '--json', '--state-dir', path.join(folder, 'state'), '--yes', '-p', `payloads=${JSON.stringify(payloads)}`]);
    code = result.code;
    stderr = result.stderr;
    run = JSON.parse(result.stdout) as RunDocument;
  }, 180_000);

  afterAll(() => {
    for (const created of [folder, marker]) rmSync(created, { recursive: true, force: true });
  });

  it('runs nothing that a value holds', () => {
    expect(markerFiles(marker)).toEqual([]);
  });

  it('finishes the run, with no stack trace', () => {
    expect(stderr).not.toMatch(STACK_TRACE);
    expect(run.steps.filter((step) => step.status !== 'succeeded' && !['failing-assert', 'sleep'].includes(step.id))).toEqual([]);
    expect(run.status).toBe('succeeded');
    expect(code).toBe(0);
  });

  const dotted = () => payloads.map((payload) => `${payload}.`);

  it.each(['argv', 'positional', 'environment', 'stdin'])('passes each value to a shell step (%s) as one argument, unchanged', (output) => {
    expect(run.outputs[output]).toEqual(dotted());
  });

  it('passes each value to a command-line string as one literal word', () => {
    expect(run.outputs.commandLine).toEqual(dotted());
  });

  it('keeps each value as it is in set, assert and require-tool, never evaluating what it holds', () => {
    expect(run.outputs.whole).toEqual(payloads);
    expect(run.outputs.embedded).toEqual(payloads.map((payload) => `<${payload}>`));
    expect(run.outputs.asserted).toEqual(payloads);
    expect(run.outputs.toolNames).toEqual(payloads);
    expect(run.outputs.toolVersions).toEqual(payloads.map(() => '1.2.3'));
  });

  it('shows each value to the operator at an approval and in manual instructions, and goes on with --yes', () => {
    expect(run.outputs.approved).toEqual(payloads.map(() => true));
    expect(run.outputs.done).toEqual(payloads.map(() => true));
    expect(stderr).toContain(payloads.find((payload) => payload.includes('$('))!);
  });

  it('refuses a value that is no duration as the input of sleep, saying what a duration is', () => {
    const sleep = run.steps.find((step) => step.id === 'sleep');
    expect(sleep?.status).toBe('failed');
    expect(sleep?.error?.message).toMatch(/duration/);
  });

  it('prints a failed assertion\'s message as the value it is', () => {
    const failed = run.steps.find((step) => step.id === 'failing-assert');
    expect(failed?.status).toBe('failed');
    expect(payloads).toContain(failed?.error?.message);
  });

  it('gives a background process each value as one argument', () => {
    const received = readFileSync(path.join(folder, 'background.received'), 'utf8').split('\0').slice(0, -1);
    expect(received).toEqual(payloads);
  });

  it('hands each value to a sub-runbook as a param, unchanged', () => {
    expect(run.outputs.childValues).toEqual(payloads);
    expect(run.outputs.childEchoes).toEqual(dotted());
  });

  it('writes each value into deps.edn as an EDN string that reads back the same', () => {
    type EdnMap = { map: [unknown, unknown][] };
    const edn = parseEDNString(readFileSync(path.join(folder, 'deps.edn'), 'utf8'), { mapAs: 'doubleArray', keywordAs: 'string' }) as EdnMap;
    const entries = (edn.map.find(([key]) => key === 'payloads')?.[1] as EdnMap).map;
    expect(entries.map(([key]) => key)).toEqual(payloads.map((payload) => [payload]));
    expect(entries.map(([, value]) => value)).toEqual(payloads.map((payload) => [payload]));
  });

  it('puts each value into the Clojure program as one string literal that decodes to it', () => {
    expect(run.outputs.datomicNames).toEqual(payloads);
    expect(run.outputs.datomicReceived).toEqual(payloads);
    expect(run.outputs.datomicCalls).toEqual(payloads.map(() => 1));
  });
});
