import type { Decision } from './decision.js';

/**
 * Who may decide at an approval, and whether the operator counts: what the approve step asked
 * for, recorded in its `approval-waiting` event so that `stepwise approve` applies the same rules.
 */
export interface ApprovalRules {
  /** Identities, `*` patterns of them, or user names; empty: anyone who reaches the run's state. */
  approvers: readonly string[];
  minApprovals: number;
  allowSelfApproval: boolean;
}

/**
 * Whether `identity` is one of `approvers`. A pattern with `*` matches any run of characters
 * (`*` also across `/` and `:`); a name without `:`, `/` or `@` is a user name, which matches a
 * local `name@host` identity and a cloud identity of kind `user/` whose last part is the name.
 * A role's session name is not a user name: whoever takes the role chooses it.
 */
export function isApprover(identity: string, approvers: readonly string[]): boolean {
  if (approvers.length === 0) return true;
  return approvers.some((pattern) => matches(identity, pattern));
}

function matches(identity: string, pattern: string): boolean {
  if (pattern.includes('*')) return globPattern(pattern).test(identity);
  if (/[:/@]/.test(pattern)) return identity === pattern;
  return userNameOf(identity) === pattern;
}

function globPattern(pattern: string): RegExp {
  const parts = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

function userNameOf(identity: string): string | undefined {
  const local = /^([^@:/]+)@[^@]+$/.exec(identity);
  if (local) return local[1];
  const resource = identity.slice(identity.lastIndexOf(':') + 1);
  return resource.startsWith('user/') ? resource.split('/').at(-1) : undefined;
}

/** Whether the operator running the run may give this approval themself. */
export function mayApproveOwnRun(operator: string, rules: ApprovalRules): boolean {
  return rules.allowSelfApproval && isApprover(operator, rules.approvers);
}

/** Where an approval stands after these decisions. */
export type Tally = { state: 'approved'; by: string[] } | { state: 'rejected'; decision: Decision } | { state: 'open'; by: string[]; needed: number };

/**
 * Only the decisions of approvers count, and not the operator's own when self-approval is not
 * allowed (the operator of a resume may be someone who decided earlier); one rejection ends it.
 */
export function tally(decisions: readonly Decision[], rules: ApprovalRules, operator: string): Tally {
  const counting = decisions.filter((d) => isApprover(d.by, rules.approvers) && (rules.allowSelfApproval || d.by !== operator));
  const rejection = counting.find((d) => d.decision === 'reject');
  if (rejection) return { state: 'rejected', decision: rejection };
  const by = [...new Set(counting.filter((d) => d.decision === 'approve').map((d) => d.by))];
  return by.length >= rules.minApprovals ? { state: 'approved', by } : { state: 'open', by, needed: rules.minApprovals - by.length };
}

/** ` (not ann@host, who runs it)` when the operator may not approve their own run, else nothing: for messages. */
export function notTheOperator(waiting: { allowSelfApproval?: boolean; operator?: string }): string {
  return waiting.allowSelfApproval === false && waiting.operator ? ` (not ${waiting.operator}, who runs it)` : '';
}

/** `alice, arn:...:user/bob` or `anyone who can reach the run's state`, for messages. */
export function describeApprovers(approvers: readonly string[]): string {
  return approvers.length === 0 ? 'anyone who can reach the run\'s state' : approvers.join(', ');
}
