import { describe, expect, it } from 'vitest';
import { expectNoStackTrace, onlyRunId, runCli, workspace, type Workspace } from '../support/cli.js';

const PARENT = `apiVersion: stepwise/v1
name: parent
version: 1.0.0
params:
  who: { type: string, default: team }
steps:
  - id: before
    type: shell
    with: { command: [sh, -c, 'echo before >> log'] }
  - id: child
    type: runbook
    with: { path: ./child.yaml, params: { who: "\${{ params.who }}" } }
    outputs:
      said: said
  - id: after
    type: shell
    with: { command: [echo, "child said \${{ steps.child.outputs.said }}"], effect: read }
    outputs: { line: stdout }
outputs:
  said: "\${{ steps.child.outputs.said }}"
  after: "\${{ steps.after.outputs.line }}"
`;

/** Its second step fails until the file `go` exists: a child that fails mid-run. */
const CHILD = `apiVersion: stepwise/v1
name: child
version: 1.0.0
params:
  who: { type: string }
steps:
  - id: look
    type: shell
    with: { command: [sh, -c, 'echo look >> log; echo hello'], effect: read }
    outputs: { greeting: stdout }
  - id: write
    type: shell
    with: { command: [sh, -c, 'test -f go && echo write >> log && echo "$1, $2"', sh, "\${{ steps.look.outputs.greeting }}", "\${{ params.who }}"] }
    outputs: { said: stdout }
outputs:
  said: "\${{ steps.write.outputs.said }}"
`;

function family(space: Workspace, child = CHILD): string {
  space.write('child.yaml', child);
  return space.write('parent.yaml', PARENT);
}

describe('sub-runbooks', () => {
  it('pass their outputs back to the parent step', async () => {
    const space = workspace();
    const parent = family(space);
    space.write('go', '');

    const result = await runCli(['run', parent, '-p', 'who=ops', '--json', '--state-dir', space.stateDir], { cwd: space.dir });

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).outputs).toEqual({ said: 'hello, ops', after: 'child said hello, ops' });
    expect(result.stderr).toMatch(/✔ child\/look/);
    expect(result.stderr).toMatch(/✔ child\/write/);
  });

  it('locate an error inside the child in the child\'s own file, and the parent\'s step that runs it', async () => {
    const space = workspace();
    const parent = family(space, CHILD.replace('effect: read }', 'effect: read, shel: true }'));

    const result = await runCli(['validate', parent], { cwd: space.dir });

    expect(result.code).toBe(2);
    expectNoStackTrace(result.stderr);
    // line 9 is the child's `with:` of step look; `shel` is at column 78
    expect(result.stderr).toContain(`${space.file('child.yaml')}:9:78: unknown key "shel" in "with" of step "look" (shell); did you mean "shell"?`);
    expect(result.stderr).toContain(`${parent}:12:19: runbook ./child.yaml has 1 problem (listed with its own file)`);
  });

  it('resume inside the child: the change before it is restored, its read after that change is read again, and the rest runs', async () => {
    const space = workspace();
    const parent = family(space);
    const failed = await runCli(['run', parent, '--state-dir', space.stateDir], { cwd: space.dir });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('runbook ./child.yaml, step "write"');
    expect(space.read('log')).toBe('before\nlook\n');
    const runId = onlyRunId(space.stateDir);

    space.write('go', '');
    const resumed = await runCli(['resume', runId, '--yes', '--json', '--state-dir', space.stateDir], { cwd: space.dir });

    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', outputs: { said: 'hello, team', after: 'child said hello, team' } });
    // `before` (a write) ran once, in the first run; `child/look` only reads and came after it: read again
    expect(space.read('log')).toBe('before\nlook\nlook\nwrite\n');
    const shown = await runCli(['show', runId, '--json', '--state-dir', space.stateDir], { cwd: space.dir });
    const steps = JSON.parse(shown.stdout).steps as { id: string; status: string; attempts: number }[];
    expect(steps.find((step) => step.id === 'child/look')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(steps.find((step) => step.id === 'child/write')).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('refuse a cycle of runbooks, located at the step that closes it', async () => {
    const space = workspace();
    const runbook = (name: string, next: string) => `apiVersion: stepwise/v1
name: ${name}
version: 1.0.0
steps:
  - id: next
    type: runbook
    with: { path: ./${next}.yaml }
`;
    const first = space.write('first.yaml', runbook('first', 'second'));
    space.write('second.yaml', runbook('second', 'first'));
    const itself = space.write('itself.yaml', runbook('itself', 'itself'));

    const result = await runCli(['validate', first, itself], { cwd: space.dir });

    expect(result.code).toBe(2);
    expectNoStackTrace(result.stderr);
    expect(result.stderr).toContain(`${space.file('second.yaml')}:7:19: runbook cycle: `);
    expect(result.stderr).toMatch(/runbook cycle: \S*first\.yaml → \S*second\.yaml → \S*first\.yaml/);
    expect(result.stderr).toMatch(new RegExp(`${itself.replace(/[.]/g, '\\.')}:7:19: runbook cycle: \\S*itself\\.yaml → \\S*itself\\.yaml`));
  });

  it('are dry-run step by step: plan --json lists the child\'s steps as parent/child', async () => {
    const space = workspace();
    const parent = family(space);

    const result = await runCli(['plan', parent, '--json'], { cwd: space.dir });

    expect(result.code).toBe(0);
    const steps = JSON.parse(result.stdout).steps as { id: string; status: string }[];
    expect(steps.map((step) => step.id)).toEqual(expect.arrayContaining(['before', 'child', 'child/look', 'child/write', 'after']));
    expect(steps.find((step) => step.id === 'child/look')?.status).toBe('succeeded');
    expect(steps.find((step) => step.id === 'child/write')?.status).toBe('planned');
    // the child's read step ran for real; the parent's write step `before` did not
    expect(space.read('log')).toBe('look\n');
  });
});
