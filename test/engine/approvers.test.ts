import { describe, expect, it } from 'vitest';
import { isApprover, mayApproveOwnRun, tally } from '../../engine/approval/approvers.js';
import type { Decision } from '../../engine/approval/decision.js';

const BOB = 'arn:aws:iam::123456789012:user/bob';
const ROLE = 'arn:aws:sts::123456789012:assumed-role/Admins/bob';

function decided(by: string, decision: 'approve' | 'reject' = 'approve'): Decision {
  return { stepId: 'gate', by, decision, decidedAt: `2026-01-01T00:00:0${by.length % 10}.000Z` };
}

describe('isApprover', () => {
  it('takes anyone when no approvers are named', () => {
    expect(isApprover('ann@laptop', [])).toBe(true);
  });

  it('matches an identity exactly, or a * pattern across / and :', () => {
    expect(isApprover(BOB, [BOB])).toBe(true);
    expect(isApprover(`${BOB}2`, [BOB])).toBe(false);
    expect(isApprover(ROLE, ['arn:aws:sts::123456789012:assumed-role/Admins/*'])).toBe(true);
    expect(isApprover(ROLE, ['arn:aws:sts::*:assumed-role/Readers/*'])).toBe(false);
    expect(isApprover('arn:aws:iam::1:user/x.y', ['arn:aws:iam::1:user/x?y'])).toBe(false);
  });

  it('matches a user name to user@host and to an IAM user, never to a role session a taker chooses', () => {
    expect(isApprover('bob@ops-1', ['bob'])).toBe(true);
    expect(isApprover(BOB, ['bob'])).toBe(true);
    expect(isApprover('arn:aws:iam::1:user/team/bob', ['bob'])).toBe(true);
    expect(isApprover(ROLE, ['bob'])).toBe(false);
    expect(isApprover('bobby@ops-1', ['bob'])).toBe(false);
  });
});

describe('tally', () => {
  const rules = { approvers: [BOB, 'ann', 'eve'], minApprovals: 2, allowSelfApproval: false };

  it('counts distinct approvers until enough approved', () => {
    expect(tally([decided(BOB)], rules, 'zed@h')).toEqual({ state: 'open', by: [BOB], needed: 1 });
    expect(tally([decided(BOB), decided('ann@h')], rules, 'zed@h')).toEqual({ state: 'approved', by: [BOB, 'ann@h'] });
  });

  it('does not count the operator without self-approval, nor anyone who is not an approver', () => {
    expect(tally([decided(BOB), decided('ann@h')], rules, 'ann@h')).toEqual({ state: 'open', by: [BOB], needed: 1 });
    expect(tally([decided(BOB), decided('mallory@h')], rules, 'zed@h')).toMatchObject({ state: 'open', needed: 1 });
  });

  it('ends at one approver\'s rejection, whatever the approvals', () => {
    const rejection = decided('eve@h', 'reject');
    expect(tally([decided(BOB), decided('ann@h'), rejection], rules, 'zed@h')).toEqual({ state: 'rejected', decision: rejection });
  });

  it('lets the operator approve their own run only when they are an approver and it is allowed', () => {
    expect(mayApproveOwnRun('ann@h', rules)).toBe(false);
    expect(mayApproveOwnRun('ann@h', { ...rules, allowSelfApproval: true })).toBe(true);
    expect(mayApproveOwnRun('zed@h', { ...rules, allowSelfApproval: true })).toBe(false);
  });
});
