import { UsageError } from '../exit-codes.js';
import { didYouMean } from '../validate/did-you-mean.js';
import { describeInputs } from '../document/describe-inputs.js';
import { EFFECT_CELL } from '../document/step-reference.js';
import { documentedEffect, type DocumentedEffect } from '../step-effect.js';
import { builtInRegistry } from './builtins.js';

export async function stepsCommand(type?: string): Promise<void> {
  const registry = builtInRegistry();
  if (type === undefined) {
    const definitions = await Promise.all(registry.types().map((name) => registry.load(name)));
    const width = Math.max(...definitions.map((d) => d.type.length));
    const effectWidth = Math.max(...Object.values(EFFECT_LABEL).map((label) => label.length));
    for (const definition of definitions) {
      process.stdout.write(`${definition.type.padEnd(width)}  ${EFFECT_LABEL[documentedEffect(definition)].padEnd(effectWidth)}  ${definition.description}\n`);
    }
    process.stdout.write('\nstepwise steps TYPE shows a type\'s inputs.\n');
    return;
  }
  if (!registry.has(type)) throw new UsageError(`unknown step type "${type}"${didYouMean(type, registry.types()) || '; stepwise steps lists them'}`);
  const definition = await registry.load(type);
  process.stdout.write(`${definition.type} (${EFFECT_CELL[documentedEffect(definition)]})\n\n${definition.description}\n\nwith:\n${describeInputs(definition.input)}\n`);
}

/** The listing's column: a step that runs a runbook does what that runbook's steps do. */
const EFFECT_LABEL: Record<DocumentedEffect, string> = { read: 'read', write: 'write', interactive: 'interactive', input: 'read/write', runbook: 'as its runbook' };
