/**
 * Parameter values that would do something if anything read them as code: shell syntax that
 * creates a marker file, `${{ }}` templates that would reveal a secret, JMESPath, and sizes
 * beyond what anyone types. The tests pass them as data and expect them back unchanged.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A folder that nothing but an injected command would ever create a file in. */
export function markerFolder(): string {
  return mkdtempSync(path.join(tmpdir(), 'stepwise-injection-marker-'));
}

export function shellPayloads(marker: string): string[] {
  const touch = `touch ${marker}/pwned`;
  return [
    `; ${touch} #`,
    `$(${touch})`,
    `\`${touch}\``,
    `| ${touch}`,
    `&& ${touch}`,
    `'; ${touch}; echo '`,
    `"; ${touch}; echo "`,
    `\n${touch}\n`,
    `> ${marker}/pwned`,
    `$HOME \${PATH} ~ * ?[a] {a,b} !! %s %n \\ \\\\ \\n`,
    '--help',
    '-n',
  ];
}

/** Templates a second evaluation would expand; `params.token` names the tests' secret param. */
export const TEMPLATE_PAYLOADS = ['${{ params.token }}', '${{ env.HOME }}', '${{', '}}', '$${{ run.id }}', 'a ${{ item }} b', '${{ steps }}'];

export const JMESPATH_PAYLOADS = ["Stacks[?StackName=='x'] | [0].Outputs[*]", '`{"a": [1, 2]}`', '@', '&length(@)', 'foo || `true`', "to_string(@) == ''"];

export const OTHER_PAYLOADS = ['ünïcødé ✓ 😀 \u2028', ' leading and trailing spaces ', "'single' \"double\"", 'x'.repeat(50_000)];

export function allPayloads(marker: string): string[] {
  return [...shellPayloads(marker), ...TEMPLATE_PAYLOADS, ...JMESPATH_PAYLOADS, ...OTHER_PAYLOADS];
}

/** What an injected command would have left behind. */
export function markerFiles(marker: string): string[] {
  return existsSync(marker) ? readdirSync(marker) : [];
}

/** Every file under `folder`, with its text, for scanning what a run stored. */
export function filesUnder(folder: string): { file: string; text: string }[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(folder, name))
    .filter((file) => statSync(file).isFile())
    .map((file) => ({ file, text: readFileSync(file, 'utf8') }));
}

/** The forms a secret could take in stored text: as is, and escaped inside a JSON string. */
export function secretForms(secret: string): string[] {
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1)])];
}
