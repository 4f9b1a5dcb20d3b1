import type { JsonObject } from '../json.js';
import { table } from './markdown.js';

/** The params of a page: secret ones by name only, their values never reach it. */
export function parameterSection(params: JsonObject, secretParams: string[]): string[] {
  const rows = [
    ...Object.entries(params).filter(([name]) => !secretParams.includes(name)).map(([name, value]) => [name, JSON.stringify(value)]),
    ...secretParams.map((name) => [name, '(secret, not shown)']),
  ];
  if (rows.length === 0) return ['## Parameters', '', 'None.'];
  return ['## Parameters', '', ...table(['Name', 'Value'], rows)];
}
