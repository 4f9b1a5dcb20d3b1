import type { MapForm, Trivia } from './edn-form.js';
import { flattenSnippet } from './flatten-snippet.js';
import { alignmentOf, alignmentPrefix, lineStart, placeSnippet, type Snippet } from './text-layout.js';

/** An entry to add: the keys still missing (one map is created per extra key) and the value. */
export interface NewEntry {
  readonly keys: readonly Snippet[];
  readonly value: Snippet;
}

/**
 * Adds the entry after the map's last entry, in the map's own style: a map on one line stays
 * on one line; otherwise the entry gets its own line, aligned with the sibling keys.
 */
export function insertEntry(text: string, map: MapForm, entry: NewEntry, lineEnding: string): string {
  return text.slice(map.open, map.close).includes('\n')
    ? insertOnOwnLine(text, map, entry, lineEnding)
    : insertOnSameLine(text, map, entry, lineEnding);
}

/** A file with no form at all (empty, or only comments) gets a new top-level map. */
export function appendTopLevelMap(text: string, entry: NewEntry, lineEnding: string): string {
  const separator = text === '' || text.endsWith('\n') ? '' : lineEnding;
  return `${text}${separator}{${renderEntry(entry, '{', lineEnding)}}${lineEnding}`;
}

/** `key {key2 {key3 value}}`, laid out as if it started after `linePrefix`. */
function renderEntry(entry: NewEntry, linePrefix: string, lineEnding: string): string {
  let written = '';
  for (const [index, key] of entry.keys.entries()) {
    written += `${index > 0 ? '{' : ''}${placeSnippet(key, alignmentOf(linePrefix + written), lineEnding)} `;
  }
  written += placeSnippet(entry.value, alignmentOf(linePrefix + written), lineEnding);
  return written + '}'.repeat(entry.keys.length - 1);
}

function insertOnSameLine(text: string, map: MapForm, entry: NewEntry, lineEnding: string): string {
  const last = map.entries.at(-1);
  const at = last === undefined ? map.open + 1 : last.value.to;
  const separator = last === undefined ? '' : separatesWithCommas(text, map) ? ', ' : ' ';
  const linePrefix = text.slice(lineStart(text, at), at) + separator;
  const flat = { keys: entry.keys.map(flattenSnippet), value: flattenSnippet(entry.value) };
  return text.slice(0, at) + separator + renderEntry(flat, linePrefix, lineEnding) + text.slice(at);
}

function insertOnOwnLine(text: string, map: MapForm, entry: NewEntry, lineEnding: string): string {
  const last = map.entries.at(-1);
  // An empty map may still hold comments ("add aliases here"): the entry goes after them.
  const anchor = last?.value.to ?? map.trivia.at(-1)?.to ?? map.open + 1;
  const tail = lineTail(text, anchor, map.trivia);
  const indent = last === undefined ? emptyMapIndent(text, map) : siblingIndent(text, map);
  const comma = last !== undefined && separatesWithCommas(text, map) && !tail.separators.includes(',') ? ',' : '';
  return (
    text.slice(0, anchor) +
    comma +
    text.slice(anchor, tail.end) +
    lineEnding +
    indent +
    renderEntry(entry, indent, lineEnding) +
    text.slice(tail.end)
  );
}

/**
 * Where the anchor's line ends, past separators and a trailing comment, so that a comment
 * stays with the entry it follows. When something else shares the line (the closing
 * bracket, a discard), the new line starts right at the anchor instead.
 */
function lineTail(text: string, anchor: number, trivia: readonly Trivia[]): { end: number; separators: string } {
  let index = anchor;
  while (text[index] === ' ' || text[index] === '\t' || text[index] === ',') index += 1;
  const separators = text.slice(anchor, index);
  const comment = trivia.find((item) => item.kind === 'comment' && item.from === index);
  if (comment !== undefined) index = comment.to;
  const atLineEnd = text.startsWith('\r\n', index) || text[index] === '\n';
  return atLineEnd ? { end: index, separators } : { end: anchor, separators: '' };
}

/** The indentation of the last key that begins a line (or of the first key, right after `{`). */
function siblingIndent(text: string, map: MapForm): string {
  const leader = map.entries.filter((entry, index) => index === 0 || startsLine(text, entry.key.from)).at(-1);
  return leader === undefined ? '' : alignmentPrefix(text, leader.key.from);
}

function emptyMapIndent(text: string, map: MapForm): string {
  const lastTrivia = map.trivia.at(-1);
  if (lastTrivia !== undefined && startsLine(text, lastTrivia.from)) return alignmentPrefix(text, lastTrivia.from);
  return `${alignmentPrefix(text, map.open)} `;
}

function startsLine(text: string, offset: number): boolean {
  return /^[\s,]*$/.test(text.slice(lineStart(text, offset), offset));
}

/** True when the map already writes a comma between every two entries. */
function separatesWithCommas(text: string, map: MapForm): boolean {
  if (map.entries.length < 2) return false;
  return map.entries.slice(1).every((entry, index) => {
    const previous = map.entries[index];
    return previous !== undefined && gapWithoutTrivia(text, previous.value.to, entry.key.from, map.trivia).includes(',');
  });
}

function gapWithoutTrivia(text: string, from: number, to: number, trivia: readonly Trivia[]): string {
  let gap = '';
  let cursor = from;
  for (const item of trivia.filter((candidate) => candidate.from >= from && candidate.to <= to)) {
    gap += text.slice(cursor, item.from);
    cursor = item.to;
  }
  return gap + text.slice(cursor, to);
}
