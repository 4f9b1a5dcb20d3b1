/**
 * The typed plugin `stepwise new NAME --plugin PLUGIN` writes beside the runbook: one write step
 * type that shows each part of the contract (docs/plugins.md), and the runbook's use of it.
 */
export class StarterPlugin {
  readonly file: string;
  readonly type: string;

  constructor(readonly name: string) {
    this.file = `${name}.ts`;
    this.type = `team.${name.replace(/-steps$/, '')}`;
  }

  /** The starter runbook, loading this plugin and running its step after the approval. */
  addTo(runbook: string): string {
    const plugins = `# Step types of this team's own, in TypeScript: stepwise's docs/plugins.md tells how to write them.\nplugins: [ ./${this.file} ]\nsteps:\n`;
    const step = `  # A step of the plugin's type: a dry-run shows its plan instead of running it.
  - id: apply
    name: Apply the change
    type: ${this.type}
    with:
      target: "\${{ params.target }}"
    outputs:
      applied: applied
outputs:
`;
    return runbook.replace(/^steps:\n/m, plugins).replace(/^outputs:\n/m, step);
  }

  source(): string {
    return `// ${this.file}: step types of your own. stepwise loads this file as it is, stripping its
// types, so it needs no build step; with stepwise installed in the project
// (npm install --save-dev stepwise), your editor and \`tsc --noEmit\` check it against the contract.
import { defineStep, StepFailure } from 'stepwise';

interface Input {
  /** What the step works on. */
  target: string;
}

export default defineStep<Input>({
  type: '${this.type}',
  description: 'Say in one sentence what this step changes.',
  // read: runs in a dry-run too; write: only plans there; interactive: asks the operator
  effect: 'write',
  // the JSON Schema of \`with\`: validate checks every runbook against it before anything runs
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['target'],
    properties: { target: { type: 'string', description: 'What the step works on.' } },
  },
  // what run would change, with every value resolved: a dry-run (stepwise plan) shows it
  async plan(_ctx, input) {
    return \`apply the change to \${input.target}\`;
  },
  // does the work, passing ctx.signal to anything that waits, and returns what \`outputs:\` select from
  async run(ctx, input) {
    if (input.target === 'production' && !(await ctx.confirm('Apply the change to production?'))) {
      // a StepFailure is a failure the operator reads; retryable: false stops retries
      throw new StepFailure('the operator did not confirm the change to production', { code: 'team.not-confirmed', retryable: false });
    }
    ctx.log(\`applying the change to \${input.target}\`);
    return { applied: input.target };
  },
});
`;
  }
}
