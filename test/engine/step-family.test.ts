/**
 * A step family declares what it adds besides its types (engine/step-family.ts): the settings
 * block it reads, the options that override it, the functions expressions may call. The engine
 * knows none by name: a family that is not composed adds nothing.
 */
import { Command } from 'commander';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSettingOptions, settingOverrides } from '../../engine/cli/setting-options.js';
import { executeRunbook } from '../../engine/execute/execute-runbook.js';
import type { JsonObject } from '../../engine/json.js';
import { parseRunbookText } from '../../engine/load/read-runbook-file.js';
import { StepRegistry } from '../../engine/registry.js';
import { Redactor } from '../../engine/secrets.js';
import { defineStep } from '../../engine/step-definition.js';
import type { NotifyChannel, StepFamily } from '../../engine/step-family.js';
import { formatDiagnostic } from '../../engine/validate/diagnostic.js';
import { validateRunbookFile, validateRunbookSource } from '../../engine/validate/validate-runbook.js';
import { RecordingReporter } from './support/recording-reporter.js';

const FILE = '/nonexistent/stepwise-tests/family.yaml';

const seen: unknown[] = [];
const probe = defineStep({
  type: 'orbit.probe',
  description: 'Records the settings it is lent.',
  effect: 'read',
  input: { type: 'object', additionalProperties: false },
  run: async (ctx) => {
    seen.push(ctx.settings('orbit'));
    return null;
  },
});

const ORBIT: StepFamily = {
  steps: { 'orbit.probe': async () => ({ default: probe }) },
  settings: [
    {
      name: 'orbit',
      schema: { type: 'object', additionalProperties: false, description: 'Where orbit steps go.', properties: { zone: { type: 'string' } } },
      markdown: 'Where `orbit.*` steps go.',
      options: [{ flags: '--zone <name>', setting: 'zone', description: 'orbit zone' }],
    },
  ],
  functions: [{ name: 'orbit_zone_number', parameters: ['string'], implementation: ([zone]) => Number(String(zone).replace(/\D/g, '')) }],
};

async function validate(text: string, families: StepFamily[]) {
  const read = parseRunbookText(FILE, `apiVersion: stepwise/v1\nname: family\nversion: 1.0.0\n${text}`);
  if (!read.ok) throw new Error('does not parse');
  return validateRunbookSource(read.source, StepRegistry.ofFamilies(families, 'test families'));
}

const problems = async (text: string, families: StepFamily[]) => (await validate(text, families)).diagnostics.map(formatDiagnostic);

describe('a step family', () => {
  it('declares a settings block, checked with the runbook and located like any other problem', async () => {
    const body = 'orbit:\n  zonee: z-1\nsteps:\n  - { id: p, type: orbit.probe }\n';
    expect(await problems(body, [ORBIT])).toEqual([`${FILE}:5:3: unknown key "zonee" in "orbit"; did you mean "zone"? [unknown-key]`]);
    expect(await problems(body.replace('zonee', 'zone'), [ORBIT])).toEqual([]);
  });

  it('adds nothing when it is not composed: its block is an unknown key of the runbook', async () => {
    const found = await problems('orbit:\n  zone: z-1\nsteps:\n  - { id: s, type: other.step }\n', [{ steps: { 'other.step': async () => ({ default: { ...probe, type: 'other.step' } }) } }]);
    expect(found[0]).toMatch(new RegExp(`^${FILE}:4:1: unknown key "orbit" in the runbook; allowed: apiVersion, name, version, description, requires, params, notify, plugins, steps, outputs \\[unknown-key\\]$`));
  });

  it('lends its steps the block evaluated, the command line\'s settings on top', async () => {
    const validation = await validate('params:\n  zone: { type: string }\norbit:\n  zone: ${{ params.zone }}\nsteps:\n  - { id: p, type: orbit.probe }\n', [ORBIT]);
    if (!validation.ok) throw new Error(validation.diagnostics.map(formatDiagnostic).join('\n'));
    seen.length = 0;
    const run = (settingsOverrides: Record<string, JsonObject>) =>
      executeRunbook({
        runbook: validation.runbook, runbookFile: FILE, registry: validation.registry, params: { zone: 'z-1' }, redactor: new Redactor(), runId: 'family-run',
        dryRun: false, assumeYes: false, interactive: false, settingsOverrides, signal: new AbortController().signal, reporter: new RecordingReporter(), env: {},
      });
    await run({});
    await run(settingOverrides({ zone: 'z-9' }, validation.registry.settingsBlocks()));
    expect(seen).toEqual([{ zone: 'z-1' }, { zone: 'z-9' }]);
  });

  it('declares the options that override its block, which --help shows with the setting they win over', () => {
    const blocks = StepRegistry.ofFamilies([ORBIT], 'test families').settingsBlocks();
    const help = addSettingOptions(new Command('run'), blocks, { sayWhich: true }).helpInformation();
    expect(help).toMatch(/--zone <name>\s+orbit zone \(overrides the runbook's orbit\.zone\)/);
    expect(addSettingOptions(new Command('resume'), blocks, { sayWhich: false }).helpInformation()).toMatch(/--zone <name>\s+orbit zone\n/);
    expect(settingOverrides({}, blocks)).toEqual({ orbit: {} });
  });

  it('overrides a boolean setting with a negated option only when it is given', () => {
    const blocks = StepRegistry.ofFamilies([{ ...ORBIT, settings: [{ ...ORBIT.settings![0]!, options: [{ flags: '--no-boosters', setting: 'boosters', description: 'no boosters' }] }] }], 'test families').settingsBlocks();
    const parse = (...args: string[]) => settingOverrides(addSettingOptions(new Command('plan').exitOverride(), blocks, { sayWhich: true }).parse(args, { from: 'user' }).opts(), blocks);
    expect(parse()).toEqual({ orbit: {} });
    expect(parse('--no-boosters')).toEqual({ orbit: { boosters: false } });
  });

  it('adds expression functions that validate knows by name and runs call', async () => {
    const body = 'steps:\n  - { id: p, type: orbit.probe, if: "${{ orbit_zone_number(\'z-3\') == `3` }}" }\n';
    expect(await problems(body, [ORBIT])).toEqual([]);
    expect((await problems(body.replace('orbit_zone_number', 'orbit_zone_numbr'), [ORBIT]))[0]).toMatch(/unknown function orbit_zone_numbr\(\); did you mean "orbit_zone_number"\? \[unknown-function\]$/);
  });

  it('declares a notify channel, a key of a notify target checked with the runbook; the engine\'s webhook stays', async () => {
    const pager: NotifyChannel = {
      name: 'pager',
      schema: { type: 'string', pattern: '^team-[a-z]+$', patternErrorMessage: 'must be a team such as team-ops' },
      markdown: 'A pager team.',
      secretAddress: false,
      checkAddress: () => true,
      describe: (address) => `pager ${address}`,
      load: async () => ({ default: { send: async () => {} } }),
    };
    const body = (target: string) => `notify:\n  - ${target}\nsteps:\n  - { id: s, type: orbit.probe }\n`;
    expect(await problems(body('pager: team-ops'), [{ ...ORBIT, notifyChannels: [pager] }])).toEqual([]);
    expect(await problems(body('pager: ops'), [{ ...ORBIT, notifyChannels: [pager] }])).toEqual([`${FILE}:5:12: "notify[0].pager" must be a team such as team-ops, not "ops" [bad-format]`]);
    expect(await problems(body('webhook: https://chat.example.com/h'), [{ ...ORBIT, notifyChannels: [pager] }])).toEqual([]);
    expect(await problems(body('pager: team-ops'), [ORBIT])).toEqual([`${FILE}:5:5: "notify[0]" needs "webhook" [no-alternative-fits]`, `${FILE}:5:5: unknown key "pager" in "notify[0]"; allowed: webhook, on, timeout [unknown-key]`]);
    expect(() => StepRegistry.ofFamilies([{ ...ORBIT, notifyChannels: [pager] }, { steps: {}, notifyChannels: [pager] }], 'test families')).toThrow(/notify channel "pager" is declared twice/);
  });

  it('refuses a settings block or a step type that two families declare', () => {
    expect(() => StepRegistry.ofFamilies([ORBIT, { steps: {}, settings: ORBIT.settings }], 'test families')).toThrow(/settings block "orbit" is declared by two families/);
    expect(() => StepRegistry.ofFamilies([ORBIT, { steps: ORBIT.steps }], 'test families')).toThrow(/step type "orbit.probe" is declared by two families/);
  });
});

describe('a plugin, declaring the same way', () => {
  const PLUGIN = `
export const settings = [{ name: 'lab', schema: { type: 'object', additionalProperties: false, properties: { bench: { type: 'string' } } }, markdown: 'The lab.' }];
export const functions = [{ name: 'lab_bench_number', parameters: ['string'], implementation: ([bench]) => Number(String(bench).replace(/\\\\D/g, '')) }];
export default { type: 'lab.read', description: 'Reads the lab settings.', effect: 'read', input: { type: 'object' }, async run(ctx) { return ctx.settings('lab'); } };
`;

  // one folder: expression functions are the process's, and a name is one plugin file's
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stepwise-family-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function validatePlugin(plugin: string, body: string, name = 'lab.js') {
    writeFileSync(path.join(dir, name), plugin);
    writeFileSync(path.join(dir, 'lab.yaml'), `apiVersion: stepwise/v1\nname: lab\nversion: 1.0.0\nplugins: [./${name}]\n${body}`);
    return validateRunbookFile(path.join(dir, 'lab.yaml'), StepRegistry.ofFamilies([], 'no families'));
  }
  const located = (validation: Awaited<ReturnType<typeof validatePlugin>>) => validation.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);

  it('a plugin\'s settings block is checked with the runbook, and its functions are known to validate', async () => {
    const body = 'lab:\n  bench: b-7\nsteps:\n  - { id: r, type: lab.read, if: "${{ lab_bench_number(\'b-7\') == `7` }}" }\n';
    expect(located(await validatePlugin(PLUGIN, body))).toEqual([]);
    expect(located(await validatePlugin(PLUGIN, body.replace('bench: b-7', 'benhc: b-7')))).toEqual(['6:3: unknown key "benhc" in "lab"; did you mean "bench"?']);
  });

  it('refuses an expression function whose name another plugin file declared', async () => {
    const other = path.join(dir, 'other');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'lab.js'), PLUGIN);
    writeFileSync(path.join(other, 'lab.yaml'), 'apiVersion: stepwise/v1\nname: lab\nversion: 1.0.0\nplugins: [./lab.js]\nsteps:\n  - { id: r, type: lab.read }\n');
    await validatePlugin(PLUGIN, 'steps:\n  - { id: r, type: lab.read }\n');
    const validation = await validateRunbookFile(path.join(other, 'lab.yaml'), StepRegistry.ofFamilies([], 'no families'));
    expect(located(validation)).toEqual([`4:11: plugin ./lab.js: the expression function lab_bench_number() is already declared by ${path.join(dir, 'lab.js')}`]);
  });

  it('refuses a plugin\'s command-line option, located at the plugin', async () => {
    const withOption = PLUGIN.replace("markdown: 'The lab.'", "markdown: 'The lab.', options: [{ flags: '--bench <name>', setting: 'bench', description: 'bench' }]");
    expect(located(await validatePlugin(withOption, 'steps:\n  - { id: r, type: lab.read }\n', 'lab-options.js'))).toEqual([
      '4:11: plugin ./lab-options.js: settings[0] ("lab") declares "options", which only a built-in family can: a plugin\'s block reads per-run values from params',
    ]);
  });
});
