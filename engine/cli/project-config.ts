import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { UsageError } from '../exit-codes.js';
import type { JsonValue } from '../json.js';
import { didYouMean } from '../validate/did-you-mean.js';

/** A team's settings for stepwise, kept with its runbooks: found in the current folder or any above it. */
const PROJECT_CONFIG_FILE = 'stepwise.config.yaml';

const SETTINGS = ['state', 'notify'] as const;

export interface ProjectConfig {
  file: string;
  /** Where runs are kept: an address such as s3://bucket/prefix, or a folder relative to the file. */
  state?: { value: string; where: string };
  /**
   * Where every run of the repository is announced, as written: checked against the notify
   * channels when a run starts (engine/cli/project-notify.ts); `where` locates a path in it.
   */
  notify?: { value: JsonValue; where: (path: readonly (string | number)[], atKey?: boolean) => string };
}

/** The nearest stepwise.config.yaml at or above `folder`, read and checked; undefined when there is none. */
export function findProjectConfig(folder: string): ProjectConfig | undefined {
  for (let current = path.resolve(folder); ; current = path.dirname(current)) {
    const file = path.join(current, PROJECT_CONFIG_FILE);
    if (existsSync(file)) return readProjectConfig(file);
    if (path.dirname(current) === current) return undefined;
  }
}

function readProjectConfig(file: string): ProjectConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read it: ${(error as Error).message}`);
  }
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const where = (node: Node | null | undefined, offset = node?.range?.[0] ?? 0) => {
    const { line, col } = lines.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const syntax = document.errors[0];
  if (syntax) throw new UsageError(`${where(null, syntax.pos[0])}: YAML syntax error: ${syntax.message.split('\n')[0]}`);
  if (document.contents === null) return { file };
  if (!isMap(document.contents)) throw new UsageError(`${where(document.contents)}: ${PROJECT_CONFIG_FILE} is a mapping of settings, such as "state: s3://bucket/prefix"`);
  const config: ProjectConfig = { file };
  for (const pair of document.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!(SETTINGS as readonly string[]).includes(key)) {
      throw new UsageError(`${where(pair.key as Node)}: unknown setting "${key}"${didYouMean(key, SETTINGS) || `; allowed: ${SETTINGS.join(', ')}`}`);
    }
    const value = pair.value as Node | null;
    if (key === 'notify') {
      config.notify = { value: (value?.toJSON() ?? null) as JsonValue, where: (at, atKey = false) => where(nodeAt(document, ['notify', ...at], atKey) ?? value ?? (pair.key as Node)) };
      continue;
    }
    if (!isScalar(value) || typeof value.value !== 'string' || value.value.trim() === '') {
      throw new UsageError(`${where(value ?? (pair.key as Node))}: state is where runs are kept: an address such as s3://bucket/prefix, or a folder`);
    }
    config.state = { value: value.value, where: where(value) };
  }
  return config;
}

/** The node at a path of the document (`atKey`: the key that names it), or undefined when the path goes nowhere. */
function nodeAt(document: Document, at: readonly (string | number)[], atKey: boolean): Node | undefined {
  const last = at[at.length - 1];
  const parent = atKey && typeof last === 'string' ? document.getIn(at.slice(0, -1), true) : undefined;
  const node = (isMap(parent) ? parent.items.find((pair) => isScalar(pair.key) && pair.key.value === last)?.key : document.getIn(at, true)) as Node | undefined;
  return node?.range ? node : undefined;
}
