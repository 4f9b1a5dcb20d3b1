import { canonicalJson } from '../canonical-json.js';
import type { JsonValue } from '../json.js';

/** Enough to find what changed, few enough to read: the rest are counted. */
const MOST_SHOWN = 10;
const LONGEST_VALUE = 80;

/**
 * Where two JSON values differ, one line each, such as `with.target: "b.txt", was "a.txt"`,
 * each named by its path under `root`. `unknown(recorded)`: a recorded value that was not known
 * when it was recorded (it depended on a write), so it cannot be compared.
 */
export function valueDifferences(recorded: JsonValue | undefined, now: JsonValue | undefined, root: string, unknown: (recorded: JsonValue) => boolean = () => false): string[] {
  const lines: string[] = [];
  walk(recorded, now, root, unknown, lines);
  if (lines.length <= MOST_SHOWN) return lines;
  return [...lines.slice(0, MOST_SHOWN), `${root}: and ${lines.length - MOST_SHOWN} more differences`];
}

function walk(recorded: JsonValue | undefined, now: JsonValue | undefined, at: string, unknown: (recorded: JsonValue) => boolean, lines: string[]): void {
  if (recorded !== undefined && unknown(recorded)) return;
  if (isMapping(recorded) && isMapping(now)) {
    for (const key of [...new Set([...Object.keys(recorded), ...Object.keys(now)])].sort()) walk(recorded[key], now[key], `${at}.${key}`, unknown, lines);
    return;
  }
  if (Array.isArray(recorded) && Array.isArray(now) && recorded.length === now.length) {
    recorded.forEach((item, index) => walk(item, now[index], `${at}[${index}]`, unknown, lines));
    return;
  }
  if (canonicalJson(recorded) === canonicalJson(now)) return;
  if (recorded === undefined) lines.push(`${at}: ${shown(now)}, not there before`);
  else if (now === undefined) lines.push(`${at}: no longer there, was ${shown(recorded)}`);
  else lines.push(`${at}: ${shown(now)}, was ${shown(recorded)}`);
}

function isMapping(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shown(value: JsonValue | undefined): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length <= LONGEST_VALUE ? text : `${text.slice(0, LONGEST_VALUE - 1)}…`;
}
