/**
 * The functions the Datomic family adds to expressions (steps/datomic/version-functions.ts),
 * callable once the family is composed, as the built-in registry does.
 */
import { describe, expect, it } from 'vitest';
import { builtInRegistry } from '../../engine/cli/builtins.js';
import { evaluateExpression, type Scope } from '../../engine/expressions/evaluate.js';
import { compareDatomicVersions, parseDatomicVersion } from '../../steps/datomic/version-functions.js';

builtInRegistry();

function scope(data: Scope['data']): Scope {
  return { data, unknownSteps: new Map() };
}

describe('Datomic version functions', () => {
  const s = scope({});
  const compare = (a: string, b: string) => evaluateExpression(`datomic_version_compare('${a}', '${b}')`, s);

  it('compares the CloudFormation revision as a number: 1067 is newer than 990', () => {
    expect(compare('1067-9012', '990-9012')).toBe(1);
    expect(compare('990-9999', '1067-8000')).toBe(-1);
  });

  it('compares the code revision when the CloudFormation revision is equal', () => {
    expect(compare('480-8770', '480-9000')).toBe(-1);
    expect(compare('480-8770', '480-8770')).toBe(0);
  });

  it('orders a .N suffix after the release it patches', () => {
    expect(compare('470-8654.1', '470-8654')).toBe(1);
    expect(compare('470-8654.1', '470-8654.2')).toBe(-1);
    expect(compare('470-8654.1', '480-8770')).toBe(-1);
    expect(parseDatomicVersion('470-8654.1')).toEqual([470, 8654, 1]);
    expect(compareDatomicVersions([1067, 1, 0], [990, 2, 0])).toBe(1);
  });

  it('says whether a version is at least a minimum', () => {
    expect(evaluateExpression("datomic_version_at_least('1067-9012', '480-8770')", s)).toBe(true);
    expect(evaluateExpression("datomic_version_at_least('480-8770', '480-8770')", s)).toBe(true);
    expect(evaluateExpression("datomic_version_at_least('470-8654.1', '480-8770')", s)).toBe(false);
  });

  it('refuses a value that is not a Datomic version, saying what one looks like', () => {
    expect(() => compare('1.2.3', '480-8770')).toThrow(/"1\.2\.3" is not a Datomic version such as 480-8770/);
    expect(parseDatomicVersion('480')).toBeUndefined();
  });
});
