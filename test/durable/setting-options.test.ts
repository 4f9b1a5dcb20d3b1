/**
 * The options a step family declares for its settings block (steps/aws/catalog.ts: --region,
 * --profile) reach the run's settings, are recorded, and a resume puts its own on top.
 */
import { expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, onlyRunId, runCli, workspace } from '../support/cli.js';

const RUNBOOK = `apiVersion: stepwise/v1
name: settings-seen
version: 1.0.0
aws:
  region: us-east-1
steps:
  - id: gate
    type: shell
    with: { command: [test, -e, go], effect: read }
outputs:
  aws: "\${{ run.settings.aws }}"
`;

it('--region and --profile win over the aws block, are recorded, and resume adds its own on top', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
  const ws = workspace();
  const runbook = ws.write('book.yaml', RUNBOOK);
  const cli = async (args: string[]) => {
    const result = await runCli([...args, '--state-dir', ws.stateDir], { cwd: ws.dir });
    expectNoStackTrace(result.printed);
    return result;
  };
  expect((await cli(['run', runbook, '--region', 'eu-west-2', '--json'])).code).toBe(1);
  ws.write('go', '');
  const resumed = await cli(['resume', onlyRunId(ws.stateDir), '--profile', 'ops', '--json']);
  expect(resumed.code, resumed.printed).toBe(0);
  expect(JSON.parse(resumed.stdout).outputs).toEqual({ aws: { region: 'eu-west-2', profile: 'ops' } });
});
