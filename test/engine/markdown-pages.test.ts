import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../engine/execute/run-result.js';
import { codeBlock, inlineCode, table } from '../../engine/report/markdown.js';
import { renderPlanPage, type PlannedEvent } from '../../engine/report/plan-page.js';
import { renderRunPage } from '../../engine/report/run-page.js';
import type { RunSummary } from '../../engine/state/summarize-run.js';

/** The plan of a step type that previews resources, as aws.cloudformation.update-stack lists its change set. */
const changeSetPlan = {
  summary: 'would update stack prod-compute',
  details: 'template: s3://bucket/solo.json',
  changes: [
    { action: 'Remove', logicalId: 'SoloNode', resourceType: 'AWS::EC2::Instance', replacement: 'True' },
    { action: 'Add', logicalId: 'Node|One', resourceType: 'AWS::EC2::`Instance`' },
    { action: 'Modify', logicalId: 'Bad' },
  ],
};

function planWith(plan: PlannedEvent['plan']): string {
  const step: StepResult = { id: 'update', type: 'aws.cloudformation.update-stack', title: 'update', status: 'planned', outputs: null, durationMs: 0 };
  const event: PlannedEvent = { type: 'step-planned', stepId: 'update', status: 'planned', input: {}, plan, at: '2026-01-01T00:00:00.000Z' };
  return renderPlanPage({ runbook: { name: 'convert', version: '1.0.0', file: 'convert.yaml' }, params: {}, secretParams: [], status: 'planned', steps: [step], events: [event] });
}

describe('Markdown pages', () => {
  it('a plan that lists resource changes gets them as a table, each cell escaped', () => {
    // as a plugin in JavaScript may give it: one entry lacks the fields of a resource change
    const page = planWith(changeSetPlan as unknown as PlannedEvent['plan']);
    expect(page).toContain('| Action | Logical id | Type | Replacement |');
    expect(page).toContain('| Remove | SoloNode | AWS::EC2::Instance | True |');
    expect(page).toContain('| Add | Node\\|One | AWS::EC2::\\`Instance\\` |  |');
    // an entry without the fields of a resource change is no row
    expect(page).not.toContain('Bad');
  });

  it('a change with property values gets a Properties column, one property a line, each escaped', () => {
    const page = planWith({
      summary: 'would update stack prod-compute',
      changes: [
        {
          action: 'Modify',
          logicalId: 'NodeLaunchTemplate',
          resourceType: 'AWS::EC2::LaunchTemplate',
          properties: [
            { name: 'LaunchTemplateData/InstanceType', before: 't2.small', after: 'i3.large', requiresRecreation: 'Never' },
            { name: 'LaunchTemplateData/UserData', before: 'a|b', requiresRecreation: 'Always' },
          ],
        },
        { action: 'Add', logicalId: 'Bastion', resourceType: 'AWS::EC2::Instance' },
      ],
    });
    expect(page).toContain('| Action | Logical id | Type | Replacement | Properties |');
    expect(page).toContain(
      '| Modify | NodeLaunchTemplate | AWS::EC2::LaunchTemplate |  | LaunchTemplateData/InstanceType: t2.small → i3.large<br>LaunchTemplateData/UserData: a\\|b → (none) (recreates the resource: Always) |',
    );
    expect(page).toContain('| Add | Bastion | AWS::EC2::Instance |  |  |');
  });

  it('a change whose properties are malformed is no row', () => {
    const page = planWith({ summary: 'would update', changes: [{ action: 'Modify', logicalId: 'Odd', resourceType: 'T', properties: [{ before: 'x' }] }] } as unknown as PlannedEvent['plan']);
    expect(page).not.toContain('Odd');
  });

  it("folds what a read step read, so that the changes stay in sight", () => {
    const read: StepResult = { id: 'stacks', type: 'aws.cloudformation.describe-stacks', title: 'stacks', status: 'succeeded', outputs: { names: ['inventory'] }, durationMs: 3 };
    const page = renderPlanPage({ runbook: { name: 'convert', version: '1.0.0', file: 'convert.yaml' }, params: {}, secretParams: [], status: 'planned', steps: [read], events: [] });
    expect(page).toMatch(/<details><summary>What it read<\/summary>\n\n```json\n\{\n  "names": \[\n    "inventory"\n  \]\n\}\n```\n\n<\/details>/);
  });

  it('a plan without a list of changes has no table', () => {
    expect(planWith({ summary: 'would touch a file' })).not.toContain('| Action |');
    expect(planWith('would touch a file')).not.toContain('| Action |');
  });

  it('a cell keeps its row whatever it holds', () => {
    expect(table(['a'], [['x|y\n`z`\\']])).toEqual(['| a |', '| --- |', '| x\\|y<br>\\`z\\`\\\\ |']);
  });

  it('code spans and blocks are fenced longer than the backticks inside', () => {
    expect(inlineCode('a``b')).toBe('```a``b```');
    expect(inlineCode('`a')).toBe('`` `a ``');
    expect(codeBlock('x\n```\ny')).toEqual(['````', 'x', '```', 'y', '````']);
  });

  it('a run page names secret params without a value and shows each step\'s error and attempts', () => {
    const summary: RunSummary = {
      runId: '20260101-000000-abcd',
      runbook: 'convert',
      version: '1.0.0',
      path: '/r/convert.yaml',
      status: 'failed',
      startedAt: '2026-01-01T00:00:00.000Z',
      durationMs: 1500,
      host: 'h',
      user: 'u',
      steps: [{ id: 'update', status: 'failed', durationMs: 1000, outputs: null, attempts: 3, items: 2, error: { message: 'stack | rolled back', code: 'step-failed', details: 'event ```x```' } }],
      approvals: [],
    };
    const page = renderRunPage(summary, { system: 'prod' }, ['token']);
    expect(page).toContain('| token | (secret, not shown) |');
    expect(page).toContain('| system | "prod" |');
    expect(page).toContain('2 items, 3 attempts');
    expect(page).toContain('stack \\| rolled back');
    expect(page).toContain('````\nevent ```x```\n````');
  });
});
