import { DURATION_PATTERN } from '../../engine/duration.js';
import { defineStep } from '../../engine/step-definition.js';

export interface ApproveInput {
  message: string;
  approvers?: string[];
  minApprovals?: number;
  allowSelfApproval?: boolean;
  timeout?: string;
}

const DEFAULT_TIMEOUT = '24h';

/**
 * An approval: the operator at the terminal when they may give it, or others from anywhere that
 * reaches the run's state (`stepwise approve`); each decision is recorded in the run's state and
 * journal. Without `approvers` anyone may approve, the operator too; with them, only they, and
 * the operator only when `allowSelfApproval` says so.
 */
export default defineStep<ApproveInput>({
  type: 'approve',
  description:
    'Wait for an approval before the run goes on: the operator\'s at the terminal when they may give it, else the `approvers`\' with `stepwise approve RUN_ID` from wherever the run\'s state is reachable. Every decision (who, when, the reason) is recorded. A rejection stops the run (exit code 3). So do the `timeout` and `run --no-wait`, but then the run resumes once approved. Result: `{ approved, approvedBy }`.',
  effect: 'interactive',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['message'],
    properties: {
      message: {
        description: 'The yes/no question, saying what happens next and what it risks.',
        type: 'string',
        minLength: 1,
      },
      approvers: {
        description:
          'Who may approve: AWS principal ARNs, `*` patterns of them (`arn:aws:sts::123456789012:assumed-role/Admins/*`), or user names (an IAM user, or `user` of `user@host` where there are no AWS credentials). Without it, anyone who can reach the run\'s state.',
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', minLength: 1 },
      },
      minApprovals: {
        description: 'How many different approvers must approve (default 1).',
        type: 'integer',
        minimum: 1,
        default: 1,
      },
      allowSelfApproval: {
        description: 'Whether the operator who runs the runbook counts as an approver: default true without `approvers`, false with them.',
        type: 'boolean',
      },
      timeout: {
        description: `How long the run waits for the decisions, such as 30m or 2h (default ${DEFAULT_TIMEOUT}); then it stops, and can be resumed once approved.`,
        type: 'string',
        pattern: DURATION_PATTERN,
        default: DEFAULT_TIMEOUT,
      },
    },
  },

  async plan(_ctx, input) {
    if (input.approvers === undefined) return `would ask: ${input.message}`;
    const count = input.minApprovals ?? 1;
    const self = input.allowSelfApproval === true ? ' (the operator may be one of them)' : ' (not the operator)';
    return `would wait for ${count} approval${count === 1 ? '' : 's'} by ${input.approvers.join(', ')}${self}, at most ${input.timeout ?? DEFAULT_TIMEOUT}: ${input.message}`;
  },

  async run(ctx, input) {
    const { approvedBy } = await ctx.approve({
      message: input.message,
      approvers: input.approvers ?? [],
      minApprovals: input.minApprovals ?? 1,
      allowSelfApproval: input.allowSelfApproval ?? input.approvers === undefined,
      timeout: input.timeout ?? DEFAULT_TIMEOUT,
    });
    return { approved: true, approvedBy };
  },
});
