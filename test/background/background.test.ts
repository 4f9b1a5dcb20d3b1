import { mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { compileSchema } from '../../engine/validate/ajv.js';
import background, { type BackgroundInput } from '../../steps/core/background.js';
import { expectGroupGone, freePort, liveMembersOf, pidsFrom, serverCommand, until, writeServerScript, type ServerBehaviour } from './support/processes.js';
import { failureOf, RecordingReporter, runbookYaml, runRunbookFile } from './support/run.js';
import { fakeStepContext, type FakeStepContext } from '../support/step-context.js';

let workDir: string;
let script: string;
let contexts: FakeStepContext[] = [];

beforeAll(async () => {
  workDir = await realpath(await mkdtemp(path.join(tmpdir(), 'stepwise-background-')));
  script = await writeServerScript(workDir);
});
// whatever a test asserted, none of its processes outlives it
afterEach(async () => {
  for (const ctx of contexts.splice(0)) await ctx.endRun();
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function context(): FakeStepContext {
  const ctx = fakeStepContext({ runbookDir: workDir });
  contexts.push(ctx);
  return ctx;
}

function pidFile(name: string): string {
  return path.join(workDir, `${name}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
}

function start(behaviour: ServerBehaviour, input: Omit<BackgroundInput, 'command'>, ctx = context()) {
  return background.run(ctx, { command: serverCommand(script, behaviour), ...input });
}

describe('background: readiness', () => {
  it('is ready once its port accepts connections, and keeps running until the run ends', async () => {
    const port = await freePort();
    const ctx = context();
    const result = await start({ port, child: true, pidFile: pidFile('port') }, { ready: { port } }, ctx);
    expect(result).toEqual({ pid: expect.any(Number), ready: 'port', port });
    const { pid } = result as { pid: number };
    expect((await liveMembersOf(pid)).length).toBe(2);
    await ctx.endRun();
    expect(await liveMembersOf(pid)).toEqual([]);
  });

  it('is ready once a line of its output matches, and returns that line', async () => {
    const ctx = context();
    const result = await start({ lines: ['starting'], readyLine: 'listening on 7777' }, { ready: { line: 'listening on \\d+' } }, ctx);
    expect(result).toMatchObject({ ready: 'line', line: 'listening on 7777' });
    expect(ctx.logs).toEqual(['starting', 'listening on 7777']);
  });

  it('matches the ready line on stderr too', async () => {
    const result = await start({ errorLines: ['proxy ready'] }, { ready: { line: '^proxy ready$' } });
    expect(result).toMatchObject({ ready: 'line', line: 'proxy ready' });
  });

  // the timeout leaves a slow machine time to start node and print: the lines must be in the message
  it('fails with not-ready naming the timeout and the last output, and stops the process', async () => {
    const file = pidFile('never');
    const ctx = context();
    const failure = await failureOf(start({ lines: ['starting up', 'still loading the config'], pidFile: file }, { ready: { line: 'never printed' }, timeout: '2s' }, ctx));
    expect(failure.code).toBe('not-ready');
    expect(failure.message).toContain('was not ready after 2s');
    expect(failure.message).toContain('no line of its output matched /never printed/');
    expect(failure.message).toContain('still loading the config');
    expect(failure.details).toContain('starting up');
    const { pid } = await pidsFrom(file);
    expect(await liveMembersOf(pid)).toEqual([]);
  });

  it('says which port never accepted connections', async () => {
    const port = await freePort();
    const failure = await failureOf(start({}, { ready: { port }, timeout: '300ms' }));
    expect(failure.code).toBe('not-ready');
    expect(failure.message).toContain(`nothing accepted connections on 127.0.0.1:${port}`);
    expect(failure.message).toContain('and was stopped; it printed nothing');
  });

  it('fails with exited-early, its exit code and output, when it exits before it is ready', async () => {
    const file = pidFile('early');
    const failure = await failureOf(
      start({ errorLines: ['cannot bind: address in use'], exitCode: 3, child: true, pidFile: file }, { ready: { port: await freePort() } }),
    );
    expect(failure.code).toBe('exited-early');
    expect(failure.message).toContain('exited with code 3 before it was ready');
    expect(failure.message).toContain('cannot bind: address in use');
    // the child it left behind in its group is stopped too
    const { pid, childPid } = await pidsFrom(file);
    expect(childPid).toEqual(expect.any(Number));
    expect(await liveMembersOf(pid)).toEqual([]);
  });

  it('refuses to start when something already listens on the port', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const file = pidFile('taken');
      const failure = await failureOf(start({ pidFile: file }, { ready: { port } }));
      expect(failure).toMatchObject({ code: 'port-in-use', retryable: false });
      expect(failure.message).toContain(`127.0.0.1:${port} already accepts connections`);
      await expect(stat(file)).rejects.toThrow();
    } finally {
      server.close();
    }
  });

  it('reports a missing program as command-not-found', async () => {
    const failure = await failureOf(background.run(context(), { command: 'no-such-program-stepwise --flag', ready: { line: 'x' } }));
    expect(failure).toMatchObject({ code: 'command-not-found', retryable: false });
    expect(failure.message).toContain('`no-such-program-stepwise` was not found');
  });

  it('refuses a ready.line that is not a regular expression, naming it', async () => {
    const failure = await failureOf(background.run(context(), { command: ['true'], ready: { line: 'ready (' } }));
    expect(failure).toMatchObject({ code: 'invalid-input', retryable: false });
    expect(failure.message).toContain('ready.line "ready ("');
  });
});

describe('background: output', () => {
  it('streams output lines to the log while it waits, not after', async () => {
    const ctx = context();
    const running = start({ lines: ['first line', 'second line'], errorLines: ['on stderr'] }, { ready: { line: 'never' }, timeout: '10s' }, ctx);
    await until('the lines are logged while the step still waits', async () => ctx.logs.length === 3);
    expect(ctx.logs.filter((line) => line !== 'on stderr')).toEqual(['first line', 'second line']);
    expect(ctx.logs).toContain('on stderr');
    ctx.abort(new Error('test over'));
    await expect(running).rejects.toThrow('test over');
  });

  it('logs a bounded number of lines from a chatty process', async () => {
    const ctx = context();
    await start({ chatter: 1000, readyLine: 'ready' }, { ready: { line: '^ready$' } }, ctx);
    expect(ctx.logs.length).toBe(201);
    expect(ctx.logs[0]).toBe('chatter 1');
    expect(ctx.logs[200]).toContain('further output is not shown');
  });
});

describe('background: stopping', () => {
  it('stops the process when the step is interrupted while it waits', async () => {
    const file = pidFile('interrupted');
    const ctx = context();
    const running = start({ pidFile: file, child: true }, { ready: { line: 'never' }, timeout: '30s' }, ctx);
    const { pid } = await pidsFrom(file);
    ctx.abort(new Error('interrupted by the test'));
    await expect(running).rejects.toThrow('interrupted by the test');
    expect(await liveMembersOf(pid)).toEqual([]);
  });

  it('SIGKILLs a group that ignores SIGTERM once stopTimeout has passed', async () => {
    const termFile = pidFile('term');
    const ctx = context();
    const result = await start({ ignoreTerm: true, termFile, child: true, readyLine: 'up' }, { ready: { line: 'up' }, stopTimeout: '200ms' }, ctx);
    const { pid } = result as { pid: number };
    const started = Date.now();
    await ctx.endRun();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(await readFile(termFile, 'utf8')).toBe('SIGTERM');
    expect(await liveMembersOf(pid)).toEqual([]);
  });
});

describe('background: in a run', () => {
  it('keeps the process for the later steps and stops it when the run ends', async () => {
    const port = await freePort();
    const file = pidFile('run');
    const { result } = await runRunbookFile(
      workDir,
      runbookYaml([
        { id: 'proxy', type: 'background', with: { command: serverCommand(script, { port, child: true, pidFile: file }), ready: { port } }, outputs: { pid: 'pid' } },
        // the next step connects to the port: the process is still there
        { id: 'use', type: 'shell', with: { command: [process.execPath, '-e', `require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`] } },
      ]),
    );
    expect(result.status).toBe('succeeded');
    const { pid } = await pidsFrom(file);
    expect(result.steps[0]!.outputs).toEqual({ pid });
    expect(await liveMembersOf(pid)).toEqual([]);
  });

  it('stops the process when a later step fails', async () => {
    const file = pidFile('later-failure');
    const { result } = await runRunbookFile(
      workDir,
      runbookYaml([
        { id: 'proxy', type: 'background', with: { command: serverCommand(script, { readyLine: 'ready', child: true, pidFile: file }), ready: { line: 'ready' } } },
        { id: 'boom', type: 'shell', with: { command: [process.execPath, '-e', 'process.exit(4)'] } },
      ]),
    );
    expect(result.status).toBe('failed');
    expect(result.failure).toMatchObject({ stepId: 'boom', code: 'exit-code' });
    const { pid, childPid } = await pidsFrom(file);
    expect(childPid).toEqual(expect.any(Number));
    await expectGroupGone(pid);
  });

  it('stops the process when the run is interrupted during a later step', async () => {
    const file = pidFile('interrupt');
    const controller = new AbortController();
    const reporter = new RecordingReporter();
    const running = runRunbookFile(
      workDir,
      runbookYaml([
        { id: 'proxy', type: 'background', with: { command: serverCommand(script, { readyLine: 'ready', child: true, pidFile: file }), ready: { line: 'ready' } } },
        { id: 'wait', type: 'sleep', with: { duration: '1h' } },
      ]),
      { signal: controller.signal, reporter },
    );
    await until('the background step has succeeded', async () =>
      reporter.events.some((event) => event.type === 'step-succeeded' && event.stepId === 'proxy'),
    );
    const { pid } = await pidsFrom(file);
    expect((await liveMembersOf(pid)).length).toBe(2);
    controller.abort(new Error('interrupted'));
    const { result } = await running;
    expect(result.status).toBe('interrupted');
    expect(result.failure?.stepId).toBe('wait');
    await expectGroupGone(pid);
  });

  it('starts nothing in a dry-run, and plans the command and the readiness', async () => {
    const file = pidFile('dry');
    const { result, reporter } = await runRunbookFile(
      workDir,
      runbookYaml([{ id: 'proxy', type: 'background', with: { command: ['datomic', 'client', 'access', 'my system'], ready: { port: 8182 }, timeout: '2m', env: { AWS_PROFILE: 'prod' } } }]),
      { dryRun: true },
    );
    expect(result.status).toBe('planned');
    await expect(stat(file)).rejects.toThrow();
    const planned = reporter.events.find((event) => event.type === 'step-planned');
    expect(planned).toMatchObject({
      status: 'planned',
      plan: {
        summary: "would start in the background: datomic client access 'my system'",
        details: expect.stringContaining('ready: 127.0.0.1:8182 accepts connections (within 2m)'),
      },
    });
    const details = (planned as { plan: { details: string } }).plan.details;
    expect(details).toContain('env: AWS_PROFILE (values not shown)');
    expect(details).not.toContain('prod');
    expect(details).toContain('SIGKILL after 5s');
  });
});

describe('background: input schema', () => {
  const validate = compileSchema(background.input);
  it('compiles under the strict mode of ajv', () => {
    const strict = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    // the formats stepwise's own ajv knows (`regex` for ready.line)
    (addFormats as unknown as (instance: Ajv2020) => void)(strict);
    expect(() => strict.compile(background.input)).not.toThrow();
  });
  it.each([
    [{ command: 'datomic client access sys', ready: { port: 8182 } }, true],
    [{ command: ['datomic'], ready: { port: 8182, host: 'localhost' }, timeout: '2m', stopTimeout: '10s' }, true],
    [{ command: ['x'], ready: { line: 'ready' } }, true],
    [{ command: ['x'], ready: { port: 8182, line: 'ready' } }, false],
    [{ command: ['x'], ready: {} }, false],
    [{ command: ['x'], ready: { host: 'localhost', line: 'x' } }, false],
    [{ command: ['x'], ready: { port: 70000 } }, false],
    [{ command: ['x'], ready: { port: 1 }, timeout: '60' }, false],
    [{ command: ['x'] }, false],
    [{ command: [], ready: { port: 1 } }, false],
  ])('%j is valid: %s', (input, valid) => {
    expect(validate(structuredClone(input)), JSON.stringify(validate.errors)).toBe(valid);
  });
});
