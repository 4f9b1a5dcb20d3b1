import { describe, expect, it } from 'vitest';
import { stepDifferences } from '../../engine/plans/compare-plan.js';
import type { PlannedStep } from '../../engine/plans/plan-file.js';
import { valueDifferences } from '../../engine/plans/value-differences.js';

describe('valueDifferences', () => {
  it('names each path that differs, what it is now and what it was', () => {
    expect(valueDifferences({ status: 'CREATE_COMPLETE', params: { size: 'small', keep: 1 }, list: [1, 2] }, { status: 'UPDATE_COMPLETE', params: { size: 'large', keep: 1 }, list: [1, 3] }, 'basis')).toEqual([
      'basis.list[1]: 3, was 2',
      'basis.params.size: "large", was "small"',
      'basis.status: "UPDATE_COMPLETE", was "CREATE_COMPLETE"',
    ]);
  });

  it('tells a key that came or went, a list that changed length, and nothing for equal values in another key order', () => {
    expect(valueDifferences({ a: 1, b: { x: 1, y: 2 } }, { b: { y: 2, x: 1 }, c: true }, 'with')).toEqual(['with.a: no longer there, was 1', 'with.c: true, not there before']);
    expect(valueDifferences([1, 2], [1, 2, 3], 'basis')).toEqual(['basis: [1,2,3], was [1,2]']);
  });

  it('leaves out what the plan could not know, shortens long values and counts what it does not list', () => {
    expect(valueDifferences({ a: '<depends on x>', b: 1 }, { a: 'known now', b: 1 }, 'with', (value) => value === '<depends on x>')).toEqual([]);
    const [line] = valueDifferences('a'.repeat(200), 'b'.repeat(200), 'basis.template');
    expect(line!.length).toBeLessThan(200);
    const many = valueDifferences(Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i])), {}, 'basis');
    expect(many).toHaveLength(11);
    expect(many.at(-1)).toBe('basis: and 5 more differences');
  });
});

describe('stepDifferences', () => {
  const write = (input: Record<string, string>, itemKey?: string) => ({ ...(itemKey ? { itemKey } : {}), status: 'planned' as const, input });
  const reviewed: PlannedStep[] = [
    { id: 'read', decision: 'ran' },
    { id: 'update', decision: 'ran', writes: [write({ stack: 'a' })] },
    { id: 'each', decision: 'ran', items: ['"x"', '"y"'], writes: [write({ db: 'x' }, '"x"'), write({ db: 'y' }, '"y"')] },
    { id: 'gone', decision: 'skipped' },
  ];

  it('finds nothing when the run would do what was planned', () => {
    expect(stepDifferences(reviewed, structuredClone(reviewed))).toEqual([]);
  });

  it('names another if decision, other forEach items, other input, a write found in place, and a step not reached or new', () => {
    const now: PlannedStep[] = [
      { id: 'read', decision: 'skipped' },
      { id: 'update', decision: 'ran', writes: [{ status: 'satisfied', input: { stack: 'a' } }] },
      { id: 'each', decision: 'ran', items: ['"x"', '"z"'], writes: [write({ db: 'x2' }, '"x"'), write({ db: 'z' }, '"z"')] },
      { id: 'new', decision: 'ran' },
    ];
    expect(stepDifferences(reviewed, now)).toEqual([
      'step "read": the plan ran it; now it is skipped (its if is false)',
      'step "update": the plan would change something; now it would find it in place (nothing to do)',
      'step "each": forEach items not in the plan: "z"',
      'step "each": forEach items no longer in the list: "y"',
      'step "each", item "x": other input: with.db: "x2", was "x"',
      'step "each", item "y": the plan would change something; now it does nothing',
      'step "each", item "z": not in the plan; now it would change something',
      'step "gone": the plan skipped it (its if was false); now it is not reached',
      'step "new": not in the plan; now it runs',
    ]);
  });
});
