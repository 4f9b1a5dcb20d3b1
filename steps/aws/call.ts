import type { JsonObject, JsonValue } from '../../engine/json.js';
import { defineStep } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';
import { didYouMean } from '../../engine/validate/did-you-mean.js';
import { AWS_SERVICES, type AwsService } from '../../aws/sdk-clients.js';
import { awsClient } from './client.js';
import { toPlainJson, toPlainObject } from './plain-json.js';
import { isReadOperation, operationName } from './read-operations.js';

export interface CallInput {
  service: AwsService;
  operation: string;
  input?: JsonObject;
  paginate?: boolean;
}

/** Token members that only make sense inside one page of a paginated call. */
const PAGE_TOKENS = new Set(['NextToken', 'Marker', 'NextMarker', 'ContinuationToken', 'NextContinuationToken', 'PaginationToken', 'IsTruncated']);

type CommandClass = new (input: object) => object;
type Paginator = (config: { client: object }, input: object, options: { abortSignal: AbortSignal }) => AsyncIterable<object>;
interface SendingClient {
  send(command: object, options: { abortSignal: AbortSignal }): Promise<object>;
}

export default defineStep<CallInput>({
  type: 'aws.call',
  description:
    'Call any read-only operation of CloudFormation, EC2, the Resource Groups Tagging API, S3, SNS or STS that no step type covers, with its API input, like the AWS CLI. Only reads (Describe*, List*, Get*, Head* and a few named ones): a change deserves a step type with a plan. Result: the API response.',
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['service', 'operation'],
    properties: {
      service: { description: 'The AWS service.', type: 'string', enum: [...AWS_SERVICES] },
      operation: {
        description: 'The API operation, as the API names it (`DescribeStackResources`) or as the SDK does (`describeStackResources`).',
        type: 'string',
        pattern: '^[A-Za-z][A-Za-z0-9]*$',
      },
      input: {
        description: 'The operation\'s request, with the API\'s member names, such as `{ StackName: prod }`.',
        type: 'object',
      },
      paginate: {
        description: 'Follow the pages (NextToken, Marker...) and join their lists into one result. Only for operations that have pages.',
        type: 'boolean',
        default: false,
      },
    },
  },

  checkInput(input, inspect) {
    const { service, operation } = input;
    if (typeof operation !== 'string' || inspect.expressions(operation).length > 0 || isReadOperation(operation)) return [];
    return [{ path: ['operation'], message: notARead(String(service), operationName(operation)) }];
  },

  async run(ctx, input): Promise<JsonValue> {
    const operation = operationName(input.operation);
    if (!isReadOperation(operation)) throw new StepFailure(notARead(input.service, operation), { code: 'not-a-read', retryable: false });
    const handle = await awsClient(ctx, input.service);
    const exports = handle.sdk as unknown as Record<string, unknown>;
    const Command = exports[`${operation}Command`] as CommandClass | undefined;
    if (typeof Command !== 'function') {
      const reads = Object.keys(exports)
        .filter((name) => name.endsWith('Command') && name !== 'Command' && isReadOperation(name))
        .map(operationName);
      throw new StepFailure(`${input.service} has no operation ${JSON.stringify(input.operation)}${didYouMean(operation, reads)}`, {
        code: 'invalid-input',
        retryable: false,
      });
    }
    const request = input.input ?? {};
    if (!input.paginate) {
      const response = await (handle.client as unknown as SendingClient).send(new Command(request), handle.callOptions);
      return toPlainJson(await readStreamingBody(response));
    }
    const paginate = exports[`paginate${operation}`] as Paginator | undefined;
    if (typeof paginate !== 'function') {
      throw new StepFailure(`${input.service}:${operation} has no pages: call it without paginate`, { code: 'invalid-input', retryable: false });
    }
    const pages: object[] = [];
    for await (const page of paginate({ client: handle.client }, request, handle.callOptions)) pages.push(page);
    return joinPages(pages);
  },
});

function notARead(service: string, operation: string): string {
  return `aws.call only reads: ${service}:${operation} is not a read (reads start with Describe, List, Get or Head). Use a step type that makes this change, so that it has a plan and a dry-run.`;
}

/** Lists are concatenated page after page; other members come from the last page. */
function joinPages(pages: readonly object[]): JsonObject {
  const joined: JsonObject = {};
  for (const page of pages) {
    for (const [key, value] of Object.entries(toPlainObject(page))) {
      if (PAGE_TOKENS.has(key)) continue;
      const previous = joined[key];
      joined[key] = Array.isArray(previous) && Array.isArray(value) ? [...previous, ...value] : value;
    }
  }
  return joined;
}

/** S3 GetObject answers with a stream; a step's result must be JSON, so the body becomes text. */
async function readStreamingBody(response: object): Promise<object> {
  const body = (response as { Body?: { transformToString?: () => Promise<string> } }).Body;
  if (typeof body?.transformToString !== 'function') return response;
  return { ...response, Body: await body.transformToString() };
}
