#!/usr/bin/env node
// npm run bench (after npm run build): every module in bench/rows/ measures something against a
// baseline in this same process run and returns table rows; this prints them as one table.
// --check exits 1 when a row misses its target; --repeat N sets the in-process repetitions.
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({ options: { check: { type: 'boolean', default: false }, repeat: { type: 'string', default: '3' } } });
const repeat = Number(options.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat wants a whole number of at least 1, not ${options.repeat}`);

const rowsFolder = new URL('./rows/', import.meta.url);
const modules = (await readdir(rowsFolder)).filter((name) => name.endsWith('.js')).sort();
const rows = [];
for (const name of modules) {
  process.stderr.write(`bench: ${name} ...\n`);
  const { default: measure } = await import(new URL(name, rowsFolder));
  rows.push(...(await measure({ repeat })));
}

const ms = (value) => `${value.toFixed(value < 100 ? 1 : 0)} ms`;
const table = [
  ['benchmark', 'baseline', 'baseline time', 'measured', 'ratio', 'target', ''],
  ...rows.map((r) => [r.name, r.baseline, ms(r.baselineMs), ms(r.measuredMs), `${r.ratio.toFixed(2)}×`, r.target === undefined ? 'report' : `≤ ${r.target}×`, r.pass === undefined ? '·' : r.pass ? 'pass' : 'FAIL']),
];
const widths = table[0].map((_, column) => Math.max(...table.map((cells) => cells[column].length)));
const numeric = new Set([2, 3, 4]);
for (const [index, cells] of table.entries()) {
  console.log(cells.map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd());
  if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
}

const missed = rows.filter((r) => r.pass === false);
console.log(`\n${rows.filter((r) => r.pass === true).length} of ${rows.filter((r) => r.target !== undefined).length} rows within target; node ${process.version}, ${process.platform}/${process.arch}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)} (ratios drift on a busy machine)`);
if (options.check && missed.length > 0) process.exitCode = 1;
