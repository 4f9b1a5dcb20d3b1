import { mkdir, mkdtemp, realpath, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StepFailure } from '../../engine/step-failure.js';
import shell, { type ShellInput } from '../../steps/core/shell.js';
import { fakeStepContext, type FakeStepContext } from '../support/step-context.js';
import { rejectionOf } from './rejection-of.js';

let workDir: string;
beforeAll(async () => {
  workDir = await realpath(await mkdtemp(path.join(tmpdir(), 'stepwise-shell-')));
  await mkdir(path.join(workDir, 'sub'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function run(input: ShellInput, ctx: FakeStepContext = fakeStepContext({ runbookDir: workDir })) {
  return shell.run(ctx, input);
}

async function failureOf(promise: Promise<unknown>): Promise<StepFailure> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(StepFailure);
  return error as StepFailure;
}

/** State and process group of a live process, from /proc; undefined once it is gone or a zombie. */
async function liveProcess(pid: number): Promise<{ processGroup: number } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  const [state, , processGroup] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return state === 'Z' ? undefined : { processGroup: Number(processGroup) };
}

async function liveMembersOf(processGroup: number): Promise<number[]> {
  const members: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if ((await liveProcess(Number(entry)))?.processGroup === processGroup) members.push(Number(entry));
  }
  return members;
}

describe('shell: arguments', () => {
  const hostile = `a;b $(rm -rf /) "c" \`id\` | cat > x`;

  it('passes an argv item with shell metacharacters as one literal argument', async () => {
    const result = await run({ command: ['printf', '%s', hostile], effect: 'read' });
    expect(result).toEqual({ exitCode: 0, stdout: hostile, stderr: '' });
  });

  it('splits a string command like a shell, keeping quoted metacharacters literal', async () => {
    const result = await run({ command: `printf '%s|' 'a;b $(rm -rf /) "c"' "d e" f\\ g` });
    expect(result).toMatchObject({ stdout: 'a;b $(rm -rf /) "c"|d e|f g|' });
  });

  it('refuses an unbalanced quote, naming the column', async () => {
    const failure = await failureOf(run({ command: `echo 'it is` }));
    expect(failure).toMatchObject({ code: 'invalid-command', retryable: false });
    expect(failure.message).toContain('unbalanced single quote');
    expect(failure.message).toContain('column 6');
  });

  it('refuses a shell operator in a string command instead of passing it as a word', async () => {
    const failure = await failureOf(run({ command: 'ls | grep x' }));
    expect(failure.code).toBe('invalid-command');
    expect(failure.message).toContain('`|` would be a pipe');
    expect(failure.message).toContain('shell: true');
  });

  it('runs /bin/sh only when asked, with list items as positional parameters', async () => {
    const piped = await run({ command: 'echo abc | tr a-c x-z', shell: true });
    expect(piped).toMatchObject({ stdout: 'xyz' });
    const positional = await run({ command: ['printf %s "$1"', 'a; echo injected'], shell: true });
    expect(positional).toMatchObject({ stdout: 'a; echo injected' });
  });
});

describe('shell: exit codes', () => {
  it('fails with the program, the exit code and the last lines of stderr', async () => {
    const failure = await failureOf(
      run({ command: ['sh', '-c', 'for n in 1 2 3 4 5 6 7; do echo "line $n" >&2; done; exit 3'] }),
    );
    expect(failure.code).toBe('exit-code');
    expect(failure.message).toMatch(/^`sh` exited with code 3 \(allowed: 0\)/);
    expect(failure.message).toContain('line 7');
    expect(failure.message).not.toContain('line 2');
    expect(failure.message).not.toContain('\n');
    expect(failure.details).toContain('line 1');
  });

  it('accepts the exit codes listed in okExitCodes', async () => {
    const result = await run({ command: ['sh', '-c', 'echo partial; exit 3'], okExitCodes: [0, 3] });
    expect(result).toEqual({ exitCode: 3, stdout: 'partial', stderr: '' });
  });

  it('reports a program killed by a signal', async () => {
    const failure = await failureOf(run({ command: ['sh', '-c', 'kill -KILL $$'] }));
    expect(failure.code).toBe('signal');
    expect(failure.message).toContain('SIGKILL');
  });

  it('fails with command-not-found for a program that is not on PATH', async () => {
    const failure = await failureOf(run({ command: ['stepwise-no-such-program', '--version'] }));
    expect(failure).toMatchObject({ code: 'command-not-found', retryable: false });
    expect(failure.message).toContain('`stepwise-no-such-program`');
  });

  it('fails with command-not-found when the shell cannot find the program', async () => {
    const failure = await failureOf(run({ command: 'stepwise-no-such-program --version', shell: true }));
    expect(failure.code).toBe('command-not-found');
  });
});

describe('shell: output', () => {
  it('trims one trailing newline from stdout', async () => {
    const result = await run({ command: ['printf', 'a\\n\\n'] });
    expect(result).toMatchObject({ stdout: 'a\n' });
  });

  it('parses stdout as JSON', async () => {
    const result = await run({ command: ['printf', '{"Stacks": [{"StackStatus": "UPDATE_COMPLETE"}]}\\n'], parse: 'json' });
    expect(result).toMatchObject({ parsed: { Stacks: [{ StackStatus: 'UPDATE_COMPLETE' }] } });
  });

  it('says where stdout stops being JSON', async () => {
    const failure = await failureOf(run({ command: ['printf', '{\\n  "a": 1,\\n  "b": x\\n}\\n'], parse: 'json' }));
    expect(failure).toMatchObject({ code: 'parse', retryable: false });
    expect(failure.message).toContain('line 3, column 8');
    expect(failure.details).toBe('  "b": x\n       ^');
  });

  it('refuses empty stdout with parse: json', async () => {
    const failure = await failureOf(run({ command: ['true'], parse: 'json' }));
    expect(failure.code).toBe('parse');
    expect(failure.message).toContain('printed nothing');
  });

  it('parses stdout as lines', async () => {
    expect(await run({ command: ['printf', 'a\\nb c\\n'], parse: 'lines' })).toMatchObject({ parsed: ['a', 'b c'] });
    expect(await run({ command: ['true'], parse: 'lines' })).toMatchObject({ parsed: [] });
  });

  it('leaves parsed out for text', async () => {
    expect(await run({ command: ['echo', 'x'] })).not.toHaveProperty('parsed');
  });

  it('streams stdout lines to the log while the command runs', async () => {
    const ctx = fakeStepContext({ runbookDir: workDir });
    const flag = path.join(workDir, 'go-on');
    const running = run(
      { command: ['sh', '-c', 'echo first; while [ ! -e "$1" ]; do sleep 0.02; done; echo second', 'sh', flag] },
      ctx,
    );
    await vi.waitFor(() => expect(ctx.logs).toEqual(['first']), { timeout: 10_000 });
    await writeFile(flag, '');
    await expect(running).resolves.toMatchObject({ stdout: 'first\nsecond' });
    expect(ctx.logs).toEqual(['first', 'second']);
  });

  it('bounds how many lines it logs, but keeps all of stdout; a long line goes whole to the engine, which cuts it once redacted', async () => {
    const ctx = fakeStepContext({ runbookDir: workDir });
    const longLine = 'x'.repeat(2_000);
    const result = await run({ command: ['sh', '-c', `echo ${longLine}; seq 1 1500`] }, ctx);
    expect(ctx.logs).toHaveLength(1_001);
    expect(ctx.logs[0]).toBe(longLine);
    expect(ctx.logs[1_000]).toContain('further output is not shown');
    expect((result as { stdout: string }).stdout.split('\n')).toHaveLength(1_501);
  });
});

describe('shell: stdin, env, cwd', () => {
  it('writes stdin to the command', async () => {
    expect(await run({ command: ['cat'], stdin: 'hello\n' })).toMatchObject({ stdout: 'hello' });
  });

  it('gives an empty stdin when none is set, so a reading command does not hang', async () => {
    expect(await run({ command: ['cat'] })).toMatchObject({ stdout: '' });
  });

  it('adds env to the environment', async () => {
    const result = await run({ command: ['sh', '-c', 'printf "%s|%s" "$GREETING" "${PATH:+has-path}"'], env: { GREETING: 'hi there' } });
    expect(result).toMatchObject({ stdout: 'hi there|has-path' });
  });

  it('runs in the runbook folder by default and resolves cwd against it', async () => {
    expect(await run({ command: ['pwd'] })).toMatchObject({ stdout: workDir });
    expect(await run({ command: ['pwd'], cwd: 'sub' })).toMatchObject({ stdout: path.join(workDir, 'sub') });
  });

  it('refuses a cwd that does not exist instead of reporting a missing command', async () => {
    const failure = await failureOf(run({ command: ['pwd'], cwd: 'nowhere' }));
    expect(failure).toMatchObject({ code: 'cwd-not-found', retryable: false });
    expect(failure.message).toContain(path.join(workDir, 'nowhere'));
  });
});

describe('shell: abort', () => {
  async function startGrandchild(script: string) {
    const ctx = fakeStepContext({ runbookDir: workDir });
    const running = run({ command: ['sh', '-c', script] }, ctx);
    await vi.waitFor(() => expect(ctx.logs).toHaveLength(1), { timeout: 10_000 });
    const grandchild = Number(ctx.logs[0]);
    const alive = await liveProcess(grandchild);
    expect(alive).toBeDefined();
    return { ctx, running, grandchild, processGroup: alive!.processGroup };
  }

  it('kills the whole process group, grandchildren included, and rejects with the reason', async () => {
    const { ctx, running, grandchild, processGroup } = await startGrandchild('sleep 30 & echo $!; wait');
    expect(processGroup).not.toBe(process.pid);
    const reason = new Error('step timed out');
    ctx.abort(reason);
    expect(await rejectionOf(running)).toBe(reason);
    expect(await liveProcess(grandchild)).toBeUndefined();
    expect(await liveMembersOf(processGroup)).toEqual([]);
  });

  it('kills with SIGKILL what ignores SIGTERM', async () => {
    const { ctx, running, grandchild, processGroup } = await startGrandchild("trap '' TERM; sleep 30 & echo $!; wait");
    ctx.abort(new Error('interrupted'));
    await rejectionOf(running);
    expect(await liveProcess(grandchild)).toBeUndefined();
    expect(await liveMembersOf(processGroup)).toEqual([]);
  });

  it('does not start when the signal has already fired', async () => {
    const ctx = fakeStepContext({ runbookDir: workDir });
    const flag = path.join(workDir, 'should-not-exist');
    ctx.abort(new Error('already cancelled'));
    await rejectionOf(run({ command: ['touch', flag] }, ctx));
    await expect(readFile(flag)).rejects.toThrow();
  });
});

describe('shell: effect and plan', () => {
  it('is a write step unless the input declares read', () => {
    const effect = shell.effect as (input: ShellInput) => string;
    expect(effect({ command: 'ls' })).toBe('write');
    expect(effect({ command: 'ls', effect: 'read' })).toBe('read');
  });

  it('plans the argv as a shell-quoted line, with cwd and the env names but not their values', async () => {
    const ctx = fakeStepContext({ runbookDir: workDir });
    const plan = await shell.plan!(ctx, {
      command: ['aws', 's3', 'cp', 'local file.txt', "s3://bucket/it's"],
      cwd: 'sub',
      env: { AWS_SECRET_ACCESS_KEY: 'hunter2' },
      stdin: 'abc',
    });
    expect(plan).toEqual({
      summary: `aws s3 cp 'local file.txt' 's3://bucket/it'\\''s'`,
      details: `cwd: ${path.join(workDir, 'sub')}\nenv: AWS_SECRET_ACCESS_KEY (values not shown)\nstdin: 3 characters`,
    });
    expect(JSON.stringify(plan)).not.toContain('hunter2');
  });

  it('plans a shell script as the /bin/sh command line', async () => {
    const plan = await shell.plan!(fakeStepContext({ runbookDir: workDir }), { command: 'make build > out.log', shell: true });
    expect(plan).toMatchObject({ summary: `/bin/sh -c 'make build > out.log'` });
  });
});
