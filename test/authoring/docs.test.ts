import { describe, expect, it } from 'vitest';
import { runCli, workspace } from '../support/cli.js';

const PARENT = `apiVersion: stepwise/v1
name: rotate-keys
version: 2.1.0
description: |
  Rotates the **API keys** of a service.
requires: { stepwise: ">=0.1.0" }
params:
  service: { type: string, pattern: "^[a-z]+$", description: The service | its name }
  count: { type: integer, default: 2 }
  token: { type: string, secret: true, description: An admin token }
plugins: [./team.js]
steps:
  - id: read
    name: Read the current keys
    description: Lists the keys the service has now.
    type: shell
    with: { command: [echo, "\${{ params.service }}"], effect: read }
    outputs: { keys: stdout }
  - id: check
    type: team.check
    with: { keys: "\${{ steps.read.outputs.keys }}" }
  - id: confirm
    type: approve
    if: "\${{ params.count > \`0\` }}"
    with: { message: "Rotate \${{ params.count }} keys?" }
  - id: rotate
    type: runbook
    with: { path: ./rotate-one.yaml, params: { key: "\${{ item }}" } }
    forEach: "\${{ split(steps.read.outputs.keys, ' ') }}"
    retry: { maxAttempts: 3, interval: 5s }
outputs:
  keys: "\${{ steps.read.outputs.keys }}"
`;

const CHILD = `apiVersion: stepwise/v1
name: rotate-one
version: 1.0.0
params:
  key: { type: string }
steps:
  - id: replace
    type: shell
    with: { command: [echo, "\${{ params.key }}"] }
`;

const PLUGIN = "export default { type: 'team.check', description: 'Check keys.', effect: 'read', input: { type: 'object' }, run: async () => ({}) };\n";

describe('stepwise docs', () => {
  it('renders the description, a parameter table, each step with its effect and needs, and links a sub-runbook\'s page', async () => {
    const space = workspace();
    space.write('team.js', PLUGIN);
    space.write('rotate-one.yaml', CHILD);
    space.write('rotate-keys.yaml', PARENT);

    const result = await runCli(['docs', 'rotate-keys.yaml'], { cwd: space.dir });

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const page = result.stdout;
    expect(page.startsWith('# rotate-keys\n\nVersion `2.1.0` · requires stepwise `>=0.1.0` · file `rotate-keys.yaml`.\n\nRotates the **API keys** of a service.\n')).toBe(true);
    expect(page).toContain('STEPWISE_PARAM_TOKEN=... stepwise plan rotate-keys.yaml -p service=...   # what it would change, changing nothing');
    expect(page).toContain('| `service` | string | yes |  | The service \\| its name. Must match `^[a-z]+$`. |');
    expect(page).toContain('| `count` | integer | no | `2` |  |');
    expect(page).toContain('| `token` | string (secret) | yes |  | An admin token. |');
    expect(page).toContain('- `./team.js`: `team.check`');
    expect(page).toContain('### 1. Read the current keys\n\n`read` · `shell` · reads only\n\nLists the keys the service has now.\n');
    expect(page).toContain('- Needs param `service`.\n- Outputs: `keys`.');
    expect(page).toContain('### 2. check\n\n`check` · `team.check` · reads only');
    expect(page).toContain('- Needs step `read`.');
    expect(page).toContain('### 3. confirm\n\n`confirm` · `approve` · asks the operator');
    expect(page).toContain('- Needs param `count`.\n- Runs only if `${{ params.count > `0` }}`.');
    expect(page).toContain('### 4. rotate\n\n`rotate` · `runbook` · runs another runbook, which **changes things**\n\nRuns the runbook [rotate-one](rotate-one.md) (`./rotate-one.yaml`), step by step');
    expect(page).toContain("- Runs once for each item of `${{ split(steps.read.outputs.keys, ' ') }}`.\n- Tries up to 3 times, waiting 5s at first.");
    expect(page).toContain('| `keys` | `${{ steps.read.outputs.keys }}` |');
  });

  it('refuses an invalid runbook with its located errors', async () => {
    const space = workspace();
    space.write('broken.yaml', CHILD.replace('type: shell', 'type: shel'));

    const result = await runCli(['docs', 'broken.yaml'], { cwd: space.dir });

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('broken.yaml:8:11: unknown step type "shel"; did you mean "shell"?');
  });
});
