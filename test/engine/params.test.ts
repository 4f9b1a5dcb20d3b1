import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../../engine/document/runbook.js';
import { UsageError } from '../../engine/exit-codes.js';
import { paramEnvName, resolveParams, splitParamArguments, type ResolvedParams } from '../../engine/params/resolve-params.js';

/** The problems resolveParams reports, or a failure when it accepts the input. */
function problemsOf(specs: Record<string, ParamSpec>, raw: Record<string, string>, env: NodeJS.ProcessEnv = {}): string[] {
  let resolved: ResolvedParams;
  try {
    resolved = resolveParams(specs, raw, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    expect(error.message).toBe('invalid parameters');
    return error.details;
  }
  throw new Error(`expected the parameters to be refused, but they resolved to ${JSON.stringify(resolved.values)}`);
}

describe('-p key=value', () => {
  it('splits at the first "=" so values may hold more', () => {
    expect(splitParamArguments(['a=b=c', 'empty=', 'x=1'])).toEqual({ a: 'b=c', empty: '', x: '1' });
  });

  it.each(['novalue', '=value'])('refuses %s as a usage error', (pair) => {
    expect(() => splitParamArguments([pair])).toThrow(UsageError);
    expect(() => splitParamArguments([pair])).toThrow(`-p ${pair}: expected key=value`);
  });
});

describe('resolveParams', () => {
  const specs: Record<string, ParamSpec> = {
    databases: { type: 'array', items: { type: 'string' } },
    count: { type: 'number', required: false },
    replicas: { type: 'integer', required: false },
    force: { type: 'boolean', default: false },
    options: { type: 'object', required: false },
    name: { type: 'string', required: false },
    untyped: { required: false },
  };

  it('reads non-string values as YAML and checks them against their type', () => {
    const { values } = resolveParams(specs, { databases: '[a, b]', count: '3', replicas: '2', force: 'true', options: '{ dry: yes }' }, {});
    expect(values).toEqual({ databases: ['a', 'b'], count: 3, replicas: 2, force: true, options: { dry: 'yes' } });
  });

  it('keeps the raw text of string params, even when it would read as YAML', () => {
    const raw = { databases: '[x]', name: '[a, b]', untyped: '3' };
    expect(resolveParams(specs, raw, {}).values).toMatchObject({ name: '[a, b]', untyped: '3' });
    for (const text of ['007', 'true', 'null', '  padded  ', 'a: b', '# not a comment', '']) {
      expect(resolveParams(specs, { ...raw, name: text }, {}).values.name).toBe(text);
    }
  });

  it('applies defaults, and a given value wins over its default', () => {
    expect(resolveParams(specs, { databases: '[]' }, {}).values).toEqual({ databases: [], force: false });
    expect(resolveParams(specs, { databases: '[]', force: 'true' }, {}).values.force).toBe(true);
  });

  it('refuses a value of the wrong type, saying what it got', () => {
    expect(problemsOf(specs, { databases: '[a]', count: 'three' })).toEqual(['-p count: parameter "count" must be a number, not the string "three"']);
    expect(problemsOf(specs, { databases: 'a' })).toEqual(['-p databases: parameter "databases" must be a list, not the string "a"; write it as a list: -p \'databases=[a]\'']);
  });

  it('shows a list param given as plain text written as a list, for -p and for the environment', () => {
    expect(problemsOf(specs, { databases: 'movies,inventory' })).toEqual([
      '-p databases: parameter "databases" must be a list, not the string "movies,inventory"; write it as a list: -p \'databases=[movies, inventory]\'',
    ]);
    expect(problemsOf(specs, {}, { STEPWISE_PARAM_DATABASES: 'movies' })).toEqual([
      'STEPWISE_PARAM_DATABASES: parameter "databases" must be a list, not the string "movies"; write it as a list: STEPWISE_PARAM_DATABASES=\'[movies]\'',
    ]);
  });

  it('asks for a missing secret in the environment or at a prompt, never with -p, which the shell history keeps', () => {
    const [problem, ...rest] = problemsOf({ apiKey: { type: 'string', secret: true, description: 'The new key' } }, {});
    expect(rest).toEqual([]);
    expect(problem).toBe(
      'missing required parameter "apiKey" (The new key): it is secret, so not -p (which the shell\'s history keeps): set STEPWISE_PARAM_APIKEY=... in the environment, or run on a terminal to be asked for it',
    );
    expect(problem).not.toContain('-p apiKey=');
  });

  it('takes a value typed at a prompt when neither -p nor the environment gives one, and names it so in a problem', () => {
    const specs = { apiKey: { type: 'string', secret: true, minLength: 20 } } as const;
    expect(resolveParams(specs, {}, {}, { apiKey: 'a-key-of-twenty-chars-or-more' }).values).toEqual({ apiKey: 'a-key-of-twenty-chars-or-more' });
    expect(resolveParams(specs, {}, { STEPWISE_PARAM_APIKEY: 'the-environment-wins-over-a-prompt' }, { apiKey: 'a-key-of-twenty-chars-or-more' }).values.apiKey).toBe('the-environment-wins-over-a-prompt');
    let refused: unknown;
    try {
      resolveParams(specs, {}, {}, { apiKey: 'short' });
    } catch (error) {
      refused = error;
    }
    expect((refused as UsageError).details.join('\n')).toMatch(/^the apiKey typed: /);
  });

  it('reports a missing required param with its description', () => {
    expect(problemsOf({ system: { type: 'string', description: 'Datomic system name' } }, {})).toEqual([
      'missing required parameter "system" (Datomic system name): pass -p system=...',
    ]);
  });

  it('lets an optional param without default stay absent', () => {
    expect(resolveParams({ token: { type: 'string', required: false } }, {}, {}).values).toEqual({});
  });

  it('refuses an unknown param with the closest declared name', () => {
    expect(problemsOf({ system: { type: 'string' } }, { system: 'a', sytem: 'b' })).toEqual(['-p sytem: unknown parameter "sytem"; did you mean "system"?']);
  });

  it('lists the declared params when no name is close, and says when there are none', () => {
    expect(problemsOf({ system: { type: 'string' }, region: { type: 'string' } }, { system: 'a', region: 'b', zzz: 'c' })).toEqual([
      '-p zzz: unknown parameter "zzz"; this runbook takes: system, region',
    ]);
    expect(problemsOf({}, { zzz: 'c' })).toEqual(['-p zzz: unknown parameter "zzz"; this runbook takes no parameters']);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ system: { type: 'string' }, count: { type: 'integer' } }, { count: '1.5', sytem: 'x' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/unknown parameter "sytem"/);
    expect(problems.join('\n')).toMatch(/missing required parameter "system"/);
    expect(problems.join('\n')).toMatch(/parameter "count" must be an integer/);
  });

  it('refuses a value that breaks a pattern, quoting the value and the rule', () => {
    const system = { type: 'string', pattern: '^[A-Za-z][-A-Za-z0-9]*$' } as const;
    const [problem, ...rest] = problemsOf({ system }, { system: 'my system' });
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^-p system: parameter "system" /);
    expect(problem).toContain('"my system"');
    expect(problem).toContain(system.pattern);
  });

  it('refuses a value outside an enum with the allowed values and a did-you-mean', () => {
    expect(problemsOf({ mode: { type: 'string', enum: ['solo', 'production'] } }, { mode: 'prodution' })).toEqual([
      '-p mode: parameter "mode" must be one of "solo", "production", not "prodution"; did you mean "production"?',
    ]);
  });

  it('collects the values of secret params for the redactor', () => {
    const resolved = resolveParams({ token: { type: 'string', secret: true }, region: { type: 'string' } }, { token: 's3cr3t-value', region: 'us-east-1' }, {});
    expect(resolved.secrets).toEqual(['s3cr3t-value']);
    expect(resolved.values).toEqual({ token: 's3cr3t-value', region: 'us-east-1' });
  });

  it('refuses a secret too short to redact safely, without echoing it', () => {
    const problems = problemsOf({ token: { type: 'string', secret: true } }, { token: 'abc' });
    expect(problems).toEqual(['-p token: a secret must be at least 4 characters long']);
  });

  it('refuses a numeric secret too short to redact safely', () => {
    const problems = problemsOf({ pin: { type: 'integer', secret: true } }, { pin: '123' });
    expect(problems).toEqual(['-p pin: a secret must be at least 4 characters long']);
  });

  describe('never echoes a secret value in a message', () => {
    const secret = 'hunter2-SECRET';
    it.each<[string, ParamSpec]>([
      ['a pattern', { type: 'string', secret: true, pattern: '^tok-' }],
      ['an enum', { type: 'string', secret: true, enum: ['one-value', 'other-value'] }],
      ['a maximum length', { type: 'string', secret: true, maxLength: 5 }],
      ['a format', { type: 'string', secret: true, format: 'uri' }],
      ['a type', { type: 'integer', secret: true }],
    ])('when it breaks %s', (_, spec) => {
      const problems = problemsOf({ token: spec }, { token: secret });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('"token"');
      expect(problems.join('\n')).not.toContain(secret);
    });
  });

  describe('STEPWISE_PARAM_<NAME> in the environment', () => {
    it('names the variable after the param, in upper case with underscores', () => {
      expect(paramEnvName('token')).toBe('STEPWISE_PARAM_TOKEN');
      expect(paramEnvName('dbName')).toBe('STEPWISE_PARAM_DBNAME');
      expect(paramEnvName('template-url')).toBe('STEPWISE_PARAM_TEMPLATE_URL');
    });

    it('supplies a value, read like -p, that -p overrides', () => {
      const specs: Record<string, ParamSpec> = { token: { type: 'string', secret: true }, databases: { type: 'array' } };
      const env = { STEPWISE_PARAM_TOKEN: 'from-the-env', STEPWISE_PARAM_DATABASES: '[a, b]' };
      expect(resolveParams(specs, {}, env)).toEqual({ values: { token: 'from-the-env', databases: ['a', 'b'] }, secrets: ['from-the-env'] });
      expect(resolveParams(specs, { token: 'from-the-cli' }, env).values.token).toBe('from-the-cli');
    });

    it('names the variable when its value is invalid', () => {
      expect(problemsOf({ count: { type: 'integer' } }, {}, { STEPWISE_PARAM_COUNT: 'many' })).toEqual([
        'STEPWISE_PARAM_COUNT: parameter "count" must be an integer, not the string "many"',
      ]);
    });
  });
});
