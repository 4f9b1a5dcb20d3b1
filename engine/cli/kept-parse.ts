import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseRunbookText, parseYaml, readRunbookFile, type RunbookSource } from '../load/read-runbook-file.js';
import { SourceMap } from '../load/source-map.js';
import type { ReadRunbook } from '../validate/validate-runbook.js';
import { ENGINE_VERSION } from '../version.js';

/**
 * A run keeps the value its runbook parsed to, so that a resume of the same bytes does not
 * parse the YAML again: that parse is most of what resuming a long runbook costs (45 ms of
 * 100 for 1,000 steps). The value is still validated on resume like any other.
 */
interface KeptParse {
  engineVersion: string;
  /** SHA-256 of the text the value was parsed from. */
  sha256: string;
  value: unknown;
}

/**
 * The parse of a valid runbook as the run keeps it, or undefined when JSON cannot carry its
 * value exactly (`.inf`, `.nan`, `-0`): the resume then parses the text again.
 */
export function keepParse(source: RunbookSource): string | undefined {
  let exact = true;
  const kept: KeptParse = { engineVersion: ENGINE_VERSION, sha256: sha256(source.text), value: source.value };
  const json = JSON.stringify(kept, (_key, value: unknown) => {
    if (!carriedExactly(value)) exact = false;
    return value;
  });
  return exact ? json : undefined;
}

function carriedExactly(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      return value === null || Array.isArray(value) || [Object.prototype, null].includes(Object.getPrototypeOf(value));
    default:
      return false;
  }
}

/**
 * Reads `file` from the kept parse when its text is the one the parse was made from, by this
 * version of stepwise; reads every other file, or a changed one, as usual. Positions for a
 * problem found are then looked up by parsing the text when asked.
 */
export function readingKeptParse(file: string, kept: string | undefined): ReadRunbook {
  const followed = path.resolve(file);
  return async (asked) => {
    if (kept === undefined || path.resolve(asked) !== followed) return readRunbookFile(asked);
    let text: string;
    try {
      text = readFileSync(asked, 'utf8');
    } catch {
      return readRunbookFile(asked);
    }
    const value = keptValue(kept, text);
    if (value === undefined) return parseRunbookText(asked, text);
    return { ok: true, source: { file: asked, text, value: value.value, map: new SourceMap(() => parseYaml(text), text) } };
  };
}

/** The kept value, if it was parsed from `text` by this version; a damaged or foreign one is not used. */
function keptValue(kept: string, text: string): { value: unknown } | undefined {
  let parsed: Partial<KeptParse>;
  try {
    parsed = JSON.parse(kept) as Partial<KeptParse>;
  } catch {
    return undefined;
  }
  const usable = parsed !== null && typeof parsed === 'object' && 'value' in parsed && parsed.engineVersion === ENGINE_VERSION && parsed.sha256 === sha256(text);
  return usable ? { value: parsed.value } : undefined;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
