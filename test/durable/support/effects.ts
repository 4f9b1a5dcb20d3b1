import { readFileSync } from 'node:fs';

/**
 * What a test step does to the world: it appends a line naming itself, the attempt that ran
 * it (ATTEMPT) and a nonce to $EFFECTS_FILE, takes its time, then prints the nonce, which
 * the journal records as the step's output. The effect comes first, so a kill during the
 * delay leaves a step that has made its change but is not recorded as succeeded.
 *
 * Arguments: the step's label, seconds to take (0 for none), an optional payload.
 */
export const EFFECT_SCRIPT = `nonce="$$-$(date +%s%N)"
printf '%s %s %s %s\\n' "$1" "\${ATTEMPT:-0}" "$nonce" "\${3:-}" >> "$EFFECTS_FILE"
[ "$2" = 0 ] || sleep "$2"
printf %s "$nonce"
`;

export interface Effect {
  label: string;
  attempt: number;
  nonce: string;
  payload: string;
}

export function readEffects(file: string): Effect[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [label, attempt, nonce, ...payload] = line.split(' ');
      return { label: label!, attempt: Number(attempt), nonce: nonce!, payload: payload.join(' ') };
    });
}

/** A shell step that makes its effect through the script. */
export function effectStep(id: string, seconds: string, payload?: string): string {
  const args = ['sh', 'effect.sh', id, seconds, ...(payload === undefined ? [] : [payload])].map((arg) => JSON.stringify(arg));
  return `  - id: ${id}
    type: shell
    with: { command: [${args.join(', ')}] }
    outputs: { nonce: stdout }
`;
}
