import { StepFailure } from '../../engine/step-failure.js';
import type { InputInspector, InputProblem } from '../../engine/step-definition.js';

/** An EC2 filter as the API takes it. */
export interface Ec2Filter {
  Name: string;
  Values: string[];
}

/** As a runbook writes one: the AWS CLI's shorthand text, or the API's object. */
export type Ec2FilterInput = string | Ec2Filter;

/** `Name=tag-key,Values=datomic:tx-group`, as `aws ec2 describe-instances --filters` takes it. */
const FILTER_SHORTHAND_PATTERN = '^Name=[^,]+,Values=.+$';

export const FILTER_INPUT_SCHEMA = {
  description:
    'Filters, each as the AWS CLI writes it, `"Name=instance-state-name,Values=running,stopped"`, or as an object `{ Name: tag:datomic:system, Values: [prod] }`. An instance must match every filter, and any value of a filter.',
  type: 'array',
  items: {
    oneOf: [
      { type: 'string', pattern: FILTER_SHORTHAND_PATTERN },
      {
        type: 'object',
        additionalProperties: false,
        required: ['Name', 'Values'],
        properties: {
          Name: { type: 'string', minLength: 1 },
          Values: { type: 'array', items: { type: 'string' }, minItems: 1 },
        },
      },
    ],
  },
} as const;

/**
 * Reads filters written either way. In the shorthand, values are separated by commas, so a
 * value that contains a comma needs the object form.
 */
export function parseFilters(filters: readonly Ec2FilterInput[]): Ec2Filter[] {
  return filters.map((filter, index) => {
    if (typeof filter !== 'string') return { Name: filter.Name, Values: [...filter.Values] };
    const parsed = parseShorthand(filter);
    if (typeof parsed === 'string') throw new StepFailure(`filters[${index}] ${parsed}`, { code: 'invalid-input', retryable: false });
    return parsed;
  });
}

/** The shorthand filters that are wrong as written, whatever the run's values: for `checkInput`. */
export function checkFilters(filters: unknown, inspect: InputInspector): InputProblem[] {
  if (!Array.isArray(filters)) return [];
  return filters.flatMap((filter, index) => {
    if (typeof filter !== 'string' || inspect.expressions(filter).length > 0) return [];
    const parsed = parseShorthand(filter);
    return typeof parsed === 'string' ? [{ path: ['filters', index], message: parsed }] : [];
  });
}

/** The filter, or what is wrong with it. */
function parseShorthand(filter: string): Ec2Filter | string {
  const match = /^Name=([^,]+),Values=(.+)$/.exec(filter.trim());
  if (!match) {
    return `${JSON.stringify(filter)} is not a filter: write it as "Name=NAME,Values=VALUE1,VALUE2", such as "Name=tag-key,Values=datomic:tx-group"`;
  }
  const values = match[2]!.split(',').filter((value) => value !== '');
  if (values.length === 0) return `${JSON.stringify(filter)} has no values after "Values="`;
  return { Name: match[1]!, Values: values };
}
