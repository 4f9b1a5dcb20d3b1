import { UsageError } from '../exit-codes.js';
import type { StepDefinition } from '../step-definition.js';
import { didYouMean } from '../validate/did-you-mean.js';
import { describeInputs } from '../document/describe-inputs.js';
import { builtInRegistry } from './builtin-registry.js';

export async function stepsCommand(type?: string): Promise<void> {
  const registry = builtInRegistry();
  if (type === undefined) {
    const definitions = await Promise.all(registry.types().map((name) => registry.load(name)));
    const width = Math.max(...definitions.map((d) => d.type.length));
    for (const definition of definitions) {
      process.stdout.write(`${definition.type.padEnd(width)}  ${effectLabel(definition).padEnd(11)}  ${definition.description}\n`);
    }
    process.stdout.write('\nstepwise steps TYPE shows a type\'s inputs.\n');
    return;
  }
  if (!registry.has(type)) throw new UsageError(`unknown step type "${type}"${didYouMean(type, registry.types()) || '; stepwise steps lists them'}`);
  const definition = await registry.load(type);
  process.stdout.write(`${definition.type} (${effectLabel(definition)})\n\n${definition.description}\n\nwith:\n${describeInputs(definition.input)}\n`);
}

function effectLabel(definition: StepDefinition): string {
  return typeof definition.effect === 'function' ? 'read/write' : definition.effect;
}
