/**
 * What a command loads, seen from inside the process: a preload module records every CommonJS
 * `require` and, through a module.register hook, every ESM import.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO, scratchFolder } from '../support/cli.js';

const ESM_HOOK = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  process.stderr.write('LOADED ' + resolved.url + '\\n');
  return resolved;
}
`;

const PRELOAD = (hook: string) => `const Module = require('node:module');
Module.register(${JSON.stringify(`file://${hook}`)});
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const resolved = (() => { try { return Module._resolveFilename(request, parent, isMain); } catch { return request; } })();
  process.stderr.write('LOADED ' + resolved + '\\n');
  return load.apply(this, arguments);
};
`;

const HEAVY = ['node_modules/@aws-sdk/', 'node_modules/execa/', 'node_modules/listr2/', 'node_modules/@inquirer/'];
const AJV_COMPILER = 'node_modules/ajv/dist/2020.js';
const TYPE_STRIPPER = 'node_modules/@swc/wasm-typescript/';
// the hooks are registered as a data: URL (engine/load/plugin-load-hooks.ts), which the resolve hook sees
const isPluginLoadHooks = (url: string) => url.startsWith('data:text/javascript,') && decodeURIComponent(url).includes('nextLoad');

describe('what a command loads', () => {
  let folder: Awaited<ReturnType<typeof scratchFolder>>;
  let preload: string;

  beforeAll(async () => {
    folder = await scratchFolder();
    const hook = await folder.write('hook.mjs', ESM_HOOK);
    preload = await folder.write('preload.cjs', PRELOAD(hook));
  });
  afterAll(async () => folder.remove());

  async function loadedBy(args: string[]): Promise<string[]> {
    const run = promisify(execFile)(process.execPath, ['--require', preload, CLI, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' } });
    const { stderr } = await run.catch((error: { stderr: string }) => ({ stderr: error.stderr }));
    return [...new Set(stderr.split('\n').filter((line) => line.startsWith('LOADED ')).map((line) => line.slice('LOADED '.length).replace(/^file:\/\//, '')))];
  }

  const heavyIn = (loaded: string[]) => loaded.filter((file) => HEAVY.some((heavy) => file.includes(heavy)));

  it('--help loads neither the AWS SDK, execa, listr2 nor inquirer, nor ajv', async () => {
    const loaded = await loadedBy(['--help']);
    expect(loaded.some((file) => file.endsWith('dist/engine/cli.js'))).toBe(true);
    expect(heavyIn(loaded)).toEqual([]);
    expect(loaded.filter((file) => file.includes('node_modules/ajv'))).toEqual([]);
  });

  it('validate of every shipped runbook loads neither the AWS SDK, execa, listr2 nor inquirer', async () => {
    const runbooks = readdirSync(path.join(REPO, 'runbooks'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.yaml'));
    const loaded = await loadedBy(['validate', ...runbooks.map((file) => path.join('runbooks', file))]);
    expect(loaded.some((file) => file.includes('node_modules/yaml/'))).toBe(true);
    expect(heavyIn(loaded)).toEqual([]);
  });

  it("a run of a shipped runbook without plugins needs no schema compiled at run time, so neither ajv's compiler nor the loader hook that records what plugins load", async () => {
    const hello = path.join(REPO, 'runbooks/examples/hello.yaml');
    expect(readFileSync(hello, 'utf8')).not.toContain('plugins:');
    const loaded = await loadedBy(['run', hello, '--json', '--state-dir', path.join(folder.dir, 'state')]);
    expect(loaded.some((file) => file.includes('precompiled-validators.cjs'))).toBe(true);
    expect(loaded.filter((file) => file.includes(AJV_COMPILER))).toEqual([]);
    // it records what plugins load, for the run's hash: a thread that every later import crosses
    expect(loaded.filter(isPluginLoadHooks)).toEqual([]);
  });

  it("a shipped plugin whose import statements name what it loads is loaded without the loader hook, its input schemas compiled at build time", async () => {
    const loaded = await loadedBy(['validate', 'runbooks/examples/delete-ion-lambdas/delete-ion-lambdas.yaml']);
    expect(loaded.some((file) => file.endsWith('delete-ion-lambdas/ion-steps.js'))).toBe(true);
    expect(loaded.filter(isPluginLoadHooks)).toEqual([]);
    expect(loaded.filter((file) => file.includes(TYPE_STRIPPER))).toEqual([]);
    expect(loaded.filter((file) => file.includes(AJV_COMPILER))).toEqual([]);
  });

  it('a plugin that imports stepwise registers the loader hook, which resolves it', async () => {
    await folder.write('stepwise-steps.js', "import { defineStep } from 'stepwise';\nexport default defineStep({ type: 'team.look', description: 'd', effect: 'read', input: { type: 'object' }, run: async () => null });\n");
    const runbook = await folder.write(
      'uses-stepwise.yaml',
      'apiVersion: stepwise/v1\nname: uses-stepwise\nversion: 1.0.0\nplugins: [./stepwise-steps.js]\nsteps:\n  - id: look\n    type: team.look\n',
    );
    const loaded = await loadedBy(['validate', runbook]);
    expect(loaded.some((file) => file.endsWith('stepwise-steps.js'))).toBe(true);
    expect(loaded.some(isPluginLoadHooks)).toBe(true);
  });

  it('a runbook with a .ts plugin loads the type stripper, for that plugin only', async () => {
    await folder.write('team-steps.ts', "const effect: 'read' = 'read';\nexport default { type: 'team.look', description: 'd', effect, input: { type: 'object' }, run: async (): Promise<null> => null };\n");
    const runbook = await folder.write(
      'look.yaml',
      'apiVersion: stepwise/v1\nname: look\nversion: 1.0.0\nplugins: [./team-steps.ts]\nsteps:\n  - id: look\n    type: team.look\n',
    );
    const loaded = await loadedBy(['validate', runbook]);
    expect(loaded.some((file) => file.endsWith('team-steps.ts'))).toBe(true);
    expect(loaded.some((file) => file.includes(TYPE_STRIPPER))).toBe(true);
  });
});
