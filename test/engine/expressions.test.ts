import { describe, expect, it } from 'vitest';
import { compileExpression, ExpressionSyntaxError } from '../../engine/expressions/compile-expression.js';
import { EvaluationError, evaluateExpression, isTruthy, resolveValue, select, type Scope } from '../../engine/expressions/evaluate.js';
import { findReferences } from '../../engine/expressions/references.js';
import { parseTemplate, TemplateError, wholeExpression } from '../../engine/expressions/template.js';
import { Unknown } from '../../engine/expressions/unknown.js';
import type { JsonValue } from '../../engine/json.js';

function scope(data: { [key: string]: JsonValue }, unknownSteps: Record<string, string[]> = {}): Scope {
  return { data, unknownSteps: new Map(Object.entries(unknownSteps).map(([id, dependsOn]) => [id, new Unknown(dependsOn)])) };
}

const data = {
  params: { system: 'prod', count: 3, regions: ['us-east-1', 'eu-west-1'], tags: { team: 'db' }, enabled: true, nothing: null },
  steps: { compute: { status: 'succeeded', outputs: { production: false, status: 'UPDATE_COMPLETE' } } },
};

describe('template splitting', () => {
  it('splits text and expressions, with the offset of each expression inside the string', () => {
    expect(parseTemplate('stack ${{ params.system }}-compute')).toEqual([
      { text: 'stack ' },
      { expression: 'params.system', offset: 10 },
      { text: '-compute' },
    ]);
  });

  it('keeps `}}` that belongs to the JMESPath (a hash inside a hash) inside the expression', () => {
    expect(parseTemplate('${{ {a: {b: params.system}} }}')).toEqual([{ expression: '{a: {b: params.system}}', offset: 4 }]);
    expect(parseTemplate('x${{ {a: {b: params.system}}}}y')).toEqual([{ text: 'x' }, { expression: '{a: {b: params.system}}', offset: 5 }, { text: 'y' }]);
  });

  it('keeps `}}` inside a quoted string of the expression', () => {
    expect(parseTemplate("${{ join('}}', params.regions) }}")).toEqual([{ expression: "join('}}', params.regions)", offset: 4 }]);
  });

  it('tells two adjacent expressions apart from one whole-value expression', () => {
    const adjacent = parseTemplate('${{ params.system }}${{ params.count }}');
    expect(adjacent).toHaveLength(2);
    expect(wholeExpression(adjacent)).toBeUndefined();
    expect(wholeExpression(parseTemplate('${{ params.count }}'))).toBe('params.count');
    expect(wholeExpression(parseTemplate('n=${{ params.count }}'))).toBeUndefined();
  });

  it('refuses an expression that is never closed, pointing at its opening', () => {
    const error = (() => {
      try {
        parseTemplate('abc ${{ params.system');
      } catch (caught) {
        return caught;
      }
      throw new Error('expected a TemplateError');
    })();
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).offset).toBe(4);
  });
});

describe('resolving values', () => {
  const s = scope(data);

  it('keeps the type of a value that is exactly one expression', () => {
    expect(resolveValue('${{ params.count }}', s)).toBe(3);
    expect(resolveValue('${{ params.enabled }}', s)).toBe(true);
    expect(resolveValue('${{ params.regions }}', s)).toEqual(['us-east-1', 'eu-west-1']);
    expect(resolveValue('${{ params.tags }}', s)).toEqual({ team: 'db' });
    expect(resolveValue('${{ params.nothing }}', s)).toBeNull();
    expect(resolveValue('${{ params.missing }}', s)).toBeNull();
  });

  it('turns an expression embedded in text into text', () => {
    expect(resolveValue('count=${{ params.count }}', s)).toBe('count=3');
    expect(resolveValue('on=${{ params.enabled }}', s)).toBe('on=true');
    expect(resolveValue('${{ params.system }}-${{ params.count }}', s)).toBe('prod-3');
    expect(resolveValue('tags=${{ params.tags }}', s)).toBe('tags={"team":"db"}');
    expect(resolveValue('[${{ params.nothing }}]', s)).toBe('[]');
  });

  it('resolves inside lists and mappings, leaving other values alone', () => {
    expect(resolveValue({ stack: '${{ params.system }}-compute', n: 2, list: ['${{ params.count }}', 'plain'], flag: false }, s)).toEqual({
      stack: 'prod-compute',
      n: 2,
      list: [3, 'plain'],
      flag: false,
    });
  });

  it('negates the whole path in `!steps.a.outputs.b`, not the first field', () => {
    expect(evaluateExpression('!steps.compute.outputs.production', s)).toBe(true);
    expect(evaluateExpression('!steps.compute.outputs.status', s)).toBe(false);
    expect(evaluateExpression('!steps.compute.outputs.missing', s)).toBe(true);
    expect(evaluateExpression("!steps.compute.outputs.production && params.system == 'prod'", s)).toBe(true);
    expect(evaluateExpression('!params.regions[0]', s)).toBe(false);
  });

  it('evaluates the design document\'s topology expression', () => {
    expect(evaluateExpression("steps.compute.outputs.production && 'production' || 'solo'", s)).toBe('solo');
  });

  it('reads outputs selectors as bare JMESPath over a raw result', () => {
    const result = { Stacks: [{ StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'DatomicProductionCompute', OutputValue: 'x' }] }] };
    expect(select('Stacks[0].StackStatus', result)).toBe('CREATE_COMPLETE');
    expect(select("length(Stacks[0].Outputs[?OutputKey=='DatomicProductionCompute']) > `0`", result)).toBe(true);
  });

  it('reports a function given the wrong type as an evaluation error naming the expression', () => {
    expect(() => evaluateExpression('length(params.count)', s)).toThrow(EvaluationError);
    expect(() => evaluateExpression('length(params.count)', s)).toThrow(/length\(params\.count\)/);
  });

  it('uses JMESPath truth', () => {
    for (const falsy of [null, false, '', [], {}]) expect(isTruthy(falsy)).toBe(false);
    for (const truthy of [0, 'false', [null], { a: null }, true]) expect(isTruthy(truthy)).toBe(true);
  });
});

describe('unknown values of a dry-run', () => {
  const s = scope(data, { create: ['create'] });

  it('makes an expression reading an unknown step unknown, naming the step', () => {
    const value = resolveValue('${{ steps.create.outputs.id }}', s);
    expect(value).toBeInstanceOf(Unknown);
    expect((value as Unknown).dependsOn).toEqual(['create']);
  });

  it('makes text embedding an unknown unknown, and leaves known parts of a mapping known', () => {
    const value = resolveValue({ name: 'id-${{ steps.create.outputs.id }}', system: '${{ params.system }}' }, s) as Record<string, unknown>;
    expect(value.name).toBeInstanceOf(Unknown);
    expect(value.system).toBe('prod');
  });

  it('renders an unknown as "depends on" text', () => {
    expect(JSON.stringify({ v: new Unknown(['a', 'b']) })).toBe('{"v":"<depends on a, b>"}');
  });
});

describe('references', () => {
  const refs = (expression: string) => {
    const found = findReferences(compileExpression(expression));
    return { steps: [...found.steps].sort(), params: [...found.params].sort(), roots: [...found.roots].sort(), functions: [...found.functions].sort() };
  };

  it('finds the steps and params an expression reads', () => {
    expect(refs("steps.compute.outputs.production && params.system == 'x'")).toEqual({ steps: ['compute'], params: ['system'], roots: ['params', 'steps'], functions: [] });
  });

  it('finds them inside functions, negations and the root `$`', () => {
    expect(refs('length(steps.list.outputs.items) > `0` && !steps.other.outputs.ok')).toMatchObject({ steps: ['list', 'other'], functions: ['length'] });
    expect(refs('$.params.region')).toMatchObject({ params: ['region'], roots: ['params'] });
  });

  it('does not take fields inside projections, filters or after a pipe for scope names', () => {
    expect(refs("params.dbs[?name == 'x'].id")).toEqual({ steps: [], params: ['dbs'], roots: ['params'], functions: [] });
    expect(refs('steps.a.outputs.list[*].status')).toMatchObject({ steps: ['a'], roots: ['steps'] });
    expect(refs('params.tags | team')).toMatchObject({ params: ['tags'], roots: ['params'] });
    expect(refs('sort_by(params.dbs, &name)')).toMatchObject({ params: ['dbs'], roots: ['params'] });
  });

  it('lists unknown roots so validation can refuse them', () => {
    expect(refs('param.system')).toMatchObject({ roots: ['param'], params: [] });
    expect(refs('item.name')).toMatchObject({ roots: ['item'] });
  });

  it('refuses bad syntax with the offset of the problem', () => {
    const syntaxErrorOf = (expression: string): ExpressionSyntaxError => {
      try {
        compileExpression(expression);
      } catch (error) {
        if (error instanceof ExpressionSyntaxError) return error;
        throw error;
      }
      throw new Error(`expected ${expression} not to compile`);
    };
    expect(syntaxErrorOf('params.a b').offset).toBe(9);
    expect(syntaxErrorOf('params.a b').message).toContain('"b"');
    expect(syntaxErrorOf('params.a ==').offset).toBe(9);
    expect(syntaxErrorOf('params.a ==').message).toContain('==');
    expect(syntaxErrorOf('   ').message).toBe('empty expression');
    // a character outside the BMP is two UTF-16 units: the message names it whole, never half of it
    expect(syntaxErrorOf('steps.summary.outputs😀.edits').message).toBe('unexpected character "😀"');
    expect(syntaxErrorOf('steps.summary.outputs😀.edits').offset).toBe('steps.summary.outputs'.length);
  });
});

describe('semver functions', () => {
  const s = scope({ params: { engine: '0.3.1' } });

  it('checks a version against a range, prereleases included', () => {
    expect(evaluateExpression("semver_satisfies(params.engine, '>=0.1.0 <1.0.0')", s)).toBe(true);
    expect(evaluateExpression("semver_satisfies(params.engine, '^1.0.0')", s)).toBe(false);
    expect(evaluateExpression("semver_satisfies('2.0.0-rc.1', '>=1.0.0')", s)).toBe(true);
  });

  it('compares numerically, not as text', () => {
    expect(evaluateExpression("semver_compare('1.10.0', '1.9.0')", s)).toBe(1);
    expect(evaluateExpression("semver_compare('1.0.0', '1.0.0')", s)).toBe(0);
    expect(evaluateExpression("semver_compare('1.0.0-rc.1', '1.0.0')", s)).toBe(-1);
  });

  it('refuses a value that is not a version', () => {
    expect(() => evaluateExpression("semver_compare('one', '1.0.0')", s)).toThrow(EvaluationError);
  });
});
