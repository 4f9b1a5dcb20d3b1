/**
 * Random YAML: arbitrary trees, trees shaped like runbooks with steps of the real types, and
 * streams of YAML tokens that may not parse at all.
 */
import { stringify } from 'yaml';
import { KEY_NAMES, SCALAR_VALUES, TEXT_SNIPPETS, mutateText, stringifyOptions } from './mutate.js';
import type { Random } from './random.js';

function randomScalar(random: Random): unknown {
  return random.chance(0.4) ? random.pick(SCALAR_VALUES) : random.pick(KEY_NAMES);
}

function randomTree(random: Random, depth: number): unknown {
  if (depth <= 0 || random.chance(0.35)) return randomScalar(random);
  const size = random.int(5);
  if (random.chance(0.5)) return Array.from({ length: size }, () => randomTree(random, depth - 1));
  const map: Record<string, unknown> = {};
  for (let i = 0; i < size; i++) Object.defineProperty(map, random.pick(KEY_NAMES), { value: randomTree(random, depth - 1), enumerable: true, configurable: true, writable: true });
  return map;
}

const STEP_FIELDS = ['name', 'description', 'with', 'if', 'forEach', 'outputs', 'retry', 'timeout', 'onFailure'];

function randomStep(random: Random, index: number, types: readonly string[], ids: string[]): Record<string, unknown> {
  const id = random.chance(0.9) ? `step-${index}` : String(randomScalar(random));
  ids.push(id);
  const step: Record<string, unknown> = { id, type: random.chance(0.9) ? random.pick(types) : randomScalar(random) };
  for (const field of STEP_FIELDS) {
    if (!random.chance(0.3)) continue;
    step[field] = random.chance(0.5) ? randomReference(random, ids) : randomTree(random, 3);
  }
  return step;
}

/** An expression that names params and earlier (or later, or unknown) steps. */
function randomReference(random: Random, ids: readonly string[]): string {
  const target = random.pick([
    `steps.${random.pick(ids)}.outputs`,
    `steps.${random.pick(ids)}.outputs.${random.pick(KEY_NAMES)}`,
    `params.${random.pick(['region', 'system', 'nope', '__proto__'])}`,
    'item',
    `env.${random.pick(['HOME', 'PATH'])}`,
    random.pick(['run.id', 'run.dryRun', "`[1, 2]`", "join(', ', params.list)", 'length(params.list) > `1`']),
  ]);
  return random.chance(0.7) ? `\${{ ${target} }}` : `text with \${{ ${target} }} inside`;
}

function randomRunbook(random: Random, types: readonly string[]): Record<string, unknown> {
  const ids: string[] = [];
  const runbook: Record<string, unknown> = {
    apiVersion: random.chance(0.9) ? 'stepwise/v1' : randomScalar(random),
    name: random.chance(0.9) ? 'fuzzed' : randomScalar(random),
    version: random.chance(0.9) ? '1.0.0' : randomScalar(random),
  };
  if (random.chance(0.5)) runbook.params = { region: { type: 'string', default: 'us-east-1' }, system: { type: 'string', required: false }, list: { type: 'array', default: [] } };
  if (random.chance(0.2)) runbook.aws = { region: '${{ params.region }}' };
  runbook.steps = Array.from({ length: 1 + random.int(6) }, (_, index) => randomStep(random, index, types, ids));
  if (random.chance(0.5)) runbook.outputs = { result: randomReference(random, ids) };
  return runbook;
}

function tokenStream(random: Random): string {
  const pieces: string[] = [];
  for (let count = 5 + random.int(60); count > 0; count--) {
    pieces.push(random.pick([random.pick(TEXT_SNIPPETS), random.pick(KEY_NAMES), ' '.repeat(random.int(6)), '\n', `${random.pick(KEY_NAMES)}: `]));
  }
  return pieces.join('');
}

/** A random YAML text; `types` are the step types runbook-shaped ones use. */
export function randomYaml(random: Random, types: readonly string[]): string {
  const kind = random.int(3);
  if (kind === 2) return tokenStream(random);
  const value = kind === 0 ? randomTree(random, 5) : randomRunbook(random, types);
  let text: string;
  try {
    text = stringify(value, stringifyOptions(random));
  } catch {
    return tokenStream(random);
  }
  return random.chance(0.3) ? mutateText(text, random) : text;
}
