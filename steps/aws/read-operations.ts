/** Operations whose names start like this only read: every AWS API follows the convention. */
const READ_PREFIXES = ['Describe', 'List', 'Get', 'Head'] as const;

/** Reads whose names do not say so. */
const NAMED_READS = new Set(['ValidateTemplate', 'EstimateTemplateCost', 'DecodeAuthorizationMessage']);

/** `describeStacks`, `DescribeStacks` and `DescribeStacksCommand` all name DescribeStacks. */
export function operationName(name: string): string {
  const bare = name.endsWith('Command') ? name.slice(0, -'Command'.length) : name;
  return bare.charAt(0).toUpperCase() + bare.slice(1);
}

/**
 * True for an operation that changes nothing. An allow-list, so that an operation this code
 * has never heard of counts as a write: the dry-run guard and `aws.call` refuse it.
 */
export function isReadOperation(name: string): boolean {
  const operation = operationName(name);
  if (NAMED_READS.has(operation)) return true;
  // `Get` alone must not pass `Getaway`: the prefix has to end where a new word starts
  return READ_PREFIXES.some((prefix) => operation.startsWith(prefix) && /^[A-Z]?$/.test(operation.charAt(prefix.length)));
}
