import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../engine/execute/events.js';
import { redactEvent } from '../../engine/execute/redact-event.js';
import { Redactor } from '../../engine/secrets.js';
import { StepFailure } from '../../engine/step-failure.js';
import { runRunbook, stepsById, testStep, type FinishedRun } from './support/harness.js';

const SECRET_PARAM = 'p4ss-W0rd-from-param';
const SECRET_OUTPUT = 'tok-generated-by-a-step';

/** Shows its input everywhere a step can: progress, log, result, and a failure message when asked. */
const leaky = () =>
  testStep('test.leaky', {
    run: async (ctx, input) => {
      ctx.progress(`using ${JSON.stringify(input)}`);
      ctx.log(`input: ${JSON.stringify(input)}`);
      if (input.fail === true) throw new StepFailure(`refused ${JSON.stringify(input)}`, { code: 'refused', details: JSON.stringify(input) });
      return input;
    },
  });

const issuesToken = () => testStep('test.issue', { run: async () => ({ token: SECRET_OUTPUT, expires: 3600 }) });
const writes = () => testStep('test.write', { effect: 'write', plan: async (_ctx, input) => ({ summary: `set ${JSON.stringify(input)}`, details: JSON.stringify(input) }) });

function redactorWith(...secrets: string[]): Redactor {
  const redactor = new Redactor();
  for (const secret of secrets) redactor.add(secret);
  return redactor;
}

/** Everything a run let out of the engine: events (to the reporter and to observers), live lines, questions, the result. */
function everythingShown(run: FinishedRun, observed: RunEvent[]): string {
  return JSON.stringify({ reported: run.reporter.events, observed, lines: run.reporter.lines, questions: run.reporter.questions, result: run.result });
}

describe('secrets', () => {
  it('never shows a secret param, wherever a step uses it', async () => {
    const observed: RunEvent[] = [];
    const step = leaky();
    const run = await runRunbook(
      {
        params: { token: { type: 'string', secret: true } },
        steps: [
          { id: 'uses', type: 'test.leaky', name: 'Use the token', with: { header: 'Bearer ${{ params.token }}', raw: '${{ params.token }}' }, outputs: { header: 'header', all: '@' } },
          { id: 'again', type: 'test.leaky', with: { copy: '${{ steps.uses.outputs.header }}' } },
          { id: 'fails', type: 'test.leaky', with: { raw: '${{ params.token }}', fail: true } },
        ],
        outputs: { header: '${{ steps.uses.outputs.header }}' },
      },
      [step],
      { params: { token: SECRET_PARAM }, redactor: redactorWith(SECRET_PARAM), observers: [{ onEvent: (event) => void observed.push(event) }] },
    );
    expect(step.calls[0]).toEqual({ header: `Bearer ${SECRET_PARAM}`, raw: SECRET_PARAM });
    expect(run.result.failure!.message).toBe('refused {"raw":"***","fail":true}');
    expect(observed.length).toBeGreaterThan(5);
    expect(run.reporter.lines.length).toBeGreaterThan(0);
    expect(everythingShown(run, observed)).not.toContain(SECRET_PARAM);
    expect(everythingShown(run, observed)).toContain('Bearer ***');
  });

  it('never shows an output marked secret, yet later steps receive its value', async () => {
    const observed: RunEvent[] = [];
    const uses = leaky();
    const run = await runRunbook(
      {
        steps: [
          { id: 'issue', type: 'test.issue', outputs: { token: { from: 'token', secret: true }, expires: 'expires' } },
          { id: 'use', type: 'test.leaky', with: { auth: 'token ${{ steps.issue.outputs.token }}' }, outputs: { auth: 'auth' } },
        ],
        outputs: { token: '${{ steps.issue.outputs.token }}' },
      },
      [issuesToken(), uses],
      { observers: [{ onEvent: (event) => void observed.push(event) }] },
    );
    expect(uses.calls).toEqual([{ auth: `token ${SECRET_OUTPUT}` }]);
    expect(stepsById(run.result).issue!.outputs).toEqual({ token: '***', expires: 3600 });
    expect(everythingShown(run, observed)).not.toContain(SECRET_OUTPUT);
  });

  it('never shows a secret in a dry-run\'s plans', async () => {
    const observed: RunEvent[] = [];
    const run = await runRunbook(
      {
        params: { password: { type: 'string', secret: true } },
        steps: [
          { id: 'issue', type: 'test.issue', outputs: { token: { from: 'token', secret: true } } },
          { id: 'store', type: 'test.write', with: { token: '${{ steps.issue.outputs.token }}', password: '${{ params.password }}' } },
        ],
      },
      [issuesToken(), writes()],
      { dryRun: true, params: { password: SECRET_PARAM }, redactor: redactorWith(SECRET_PARAM), observers: [{ onEvent: (event) => void observed.push(event) }] },
    );
    const planned = run.reporter.ofType('step-planned')[0]!;
    expect(planned.input).toEqual({ token: '***', password: '***' });
    const shown = everythingShown(run, observed);
    expect(shown).not.toContain(SECRET_OUTPUT);
    expect(shown).not.toContain(SECRET_PARAM);
  });

  it("never shows a secret in the property values of a plan's resource changes", async () => {
    const previews = testStep('test.preview', {
      effect: 'write',
      plan: async (_ctx, input) => ({
        summary: 'would set the password',
        changes: [{ action: 'Modify', logicalId: 'Db', resourceType: 'Db::Instance', properties: [{ name: 'MasterUserPassword', before: 'old', after: String(input.password) }] }],
      }),
    });
    const run = await runRunbook(
      { params: { password: { type: 'string', secret: true } }, steps: [{ id: 'store', type: 'test.preview', with: { password: '${{ params.password }}' } }] },
      [previews],
      { dryRun: true, params: { password: SECRET_PARAM }, redactor: redactorWith(SECRET_PARAM) },
    );
    const planned = run.reporter.ofType('step-planned')[0]!;
    expect(planned.plan).toMatchObject({ changes: [{ properties: [{ name: 'MasterUserPassword', before: 'old', after: '***' }] }] });
    expect(everythingShown(run, [])).not.toContain(SECRET_PARAM);
  });

  it('never shows a secret param whose value is a number', async () => {
    const pin = 83619274;
    const observed: RunEvent[] = [];
    const redactor = new Redactor();
    redactor.add(pin);
    const run = await runRunbook(
      { params: { pin: { type: 'integer', secret: true } }, steps: [{ id: 'uses', type: 'test.leaky', with: { pin: '${{ params.pin }}' }, outputs: { pin: 'pin' } }] },
      [leaky()],
      { params: { pin }, redactor, observers: [{ onEvent: (event) => void observed.push(event) }] },
    );
    expect(everythingShown(run, observed)).not.toContain(String(pin));
  });

  it('never shows a secret output in the live lines of the step that produces it', async () => {
    const printsToken = testStep('test.print', {
      run: async (ctx) => {
        ctx.log(SECRET_OUTPUT);
        return { stdout: SECRET_OUTPUT };
      },
    });
    const run = await runRunbook({ steps: [{ id: 'print', type: 'test.print', outputs: { token: { from: 'stdout', secret: true } } }] }, [printsToken]);
    expect(run.reporter.lines.join('\n')).not.toContain(SECRET_OUTPUT);
  });
});

describe('secrets in text a step prints', () => {
  it('cuts a long live line only once it is redacted', async () => {
    const long = testStep('test.long', {
      run: async (ctx) => {
        ctx.log(`${'x'.repeat(495)}${SECRET_PARAM}${'y'.repeat(600)}`);
        return null;
      },
    });
    const run = await runRunbook({ steps: [{ id: 'long', type: 'test.long' }] }, [long], { redactor: redactorWith(SECRET_PARAM) });
    expect(run.reporter.lines).toContain(`long log: ${'x'.repeat(495)}***yy…`);
    expect(run.reporter.lines.join('\n')).not.toContain(SECRET_PARAM.slice(0, 3));
  });

  it('never masks what the engine records of a step: a secret equal to a word of the journal leaves it readable', async () => {
    const observed: RunEvent[] = [];
    const run = await runRunbook({ steps: [{ id: 'step', type: 'test.leaky', with: { said: 'step succeeded' } }] }, [leaky()], {
      redactor: redactorWith('step', 'succeeded'),
      observers: [{ onEvent: (event) => void observed.push(event) }],
    });
    expect(observed.map((event) => event.type)).toContain('step-succeeded');
    expect(observed.find((event) => event.type === 'step-succeeded')).toMatchObject({ stepId: 'step', outputs: { said: '*** ***' } });
    expect(run.result.status).toBe('succeeded');
  });

  it('refuses a secret output too short to mask, without showing the lines that held it', async () => {
    const printsPin = testStep('test.pin', {
      run: async (ctx) => {
        ctx.log('pin: 4x2');
        return { pin: ' 4x2\n' };
      },
    });
    const run = await runRunbook({ steps: [{ id: 'pin', type: 'test.pin', outputs: { pin: { from: 'pin', secret: true } } }] }, [printsPin]);
    expect(run.result.failure).toMatchObject({ code: 'secret-too-short' });
    expect(JSON.stringify({ lines: run.reporter.lines, events: run.reporter.events, result: run.result })).not.toContain('4x2');
    expect(run.reporter.lines.join('\n')).toContain('live output not shown');
  });
});

describe('Redactor', () => {
  it('masks a value of several lines whole and line by line, leaving out lines too short to mask', () => {
    const redactor = redactorWith('first-line\n  second-line\r\n}\n');
    expect(redactor.text('a first-line\n  second-line\r\n}\n b')).toBe('a *** b');
    expect(redactor.text('error: second-line')).toBe('error: ***');
    expect(redactor.text('{ x }')).toBe('{ x }');
  });

  it('masks the forms a value takes in JSON text, URLs and base64', () => {
    const secret = 'pä"ss\\wörd/2024 +';
    const redactor = redactorWith(secret);
    const forms = [
      JSON.stringify(secret).slice(1, -1),
      JSON.stringify(secret).slice(1, -1).replace('ä', '\\u00e4').replace('ö', '\\u00f6'),
      encodeURIComponent(secret),
      new URLSearchParams({ p: secret }).toString().slice(2),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
    ];
    for (const form of forms) expect(redactor.text(`<${form}>`), form).toMatch(/^<\*\*\*=*>$/);
  });

  it("masks the JSON escapings of other encoders, and JSON inside JSON (a secret manager's SecretString)", () => {
    const secret = 'pä/s&s<w>"rd\\2024';
    const redactor = redactorWith(secret);
    const printed = [
      // PHP: / as \/, non-ASCII as \uXXXX
      '"p\\u00e4\\/s&s<w>\\"rd\\\\2024"',
      // Go's encoding/json: & < > as \u0026 \u003c \u003e
      '"pä/s\\u0026s\\u003cw\\u003e\\"rd\\\\2024"',
      // upper-case hex
      '"p\\u00E4/s&s<w>\\"rd\\\\2024"',
      JSON.stringify({ SecretString: JSON.stringify({ password: secret }) }),
      JSON.stringify({ SecretString: JSON.stringify({ password: secret }, null, 0).replace('ä', '\\u00e4') }),
    ];
    for (const text of printed) {
      const masked = redactor.text(text);
      expect(masked, text).toContain('***');
      for (const fragment of ['s&s', 's\\u0026s', '2024', 'u003cw']) expect(masked, text).not.toContain(fragment);
    }
  });

  it('never masks the fields the engine writes in an event, so a secret "true" cannot make a journal unreadable', () => {
    const started: RunEvent = { type: 'step-started', stepId: 'serve', title: 'true', attempt: 1, effect: 'read', rerunSafe: true, lastsForTheRun: true, at: '2026-01-01T00:00:00.000Z' };
    expect(redactEvent(redactorWith('true'), started)).toEqual({ ...started, title: '***' });
  });

  it('masks keys of mappings, numbering a masked key that meets another', () => {
    const redactor = redactorWith('s3cret-key');
    expect(redactor.value({ 's3cret-key': 1, 'a-s3cret-key': 2, 'a-***': 3, nested: [{ 's3cret-key': 's3cret-key' }], __proto__x: 0 })).toEqual({
      '***': 1,
      'a-*** (2)': 2,
      'a-***': 3,
      nested: [{ '***': '***' }],
      __proto__x: 0,
    });
    const shadowing = redactor.value(JSON.parse('{"__proto__": "s3cret-key"}') as Record<string, string>);
    expect(Object.getOwnPropertyDescriptor(shadowing, '__proto__')?.value).toBe('***');
  });


  it('masks every known value inside strings, lists and mappings, longest first', () => {
    const redactor = redactorWith('abcd', 'abcdef');
    expect(redactor.value({ a: 'x abcdef y abcd', list: ['abcd'], n: 1, nested: { b: 'abcdabcd' } })).toEqual({ a: 'x *** y ***', list: ['***'], n: 1, nested: { b: '******' } });
  });

  it('ignores values too short to mask without hiding innocent text', () => {
    const redactor = redactorWith('abc');
    expect(redactor.size).toBe(0);
    expect(redactor.text('abc abc')).toBe('abc abc');
  });

  it('adds every leaf of a structured secret', () => {
    const redactor = new Redactor();
    redactor.add({ user: 'admin-user', keys: ['key-one', 'key-two'] });
    expect(redactor.text('admin-user key-one key-two')).toBe('*** *** ***');
  });
});
