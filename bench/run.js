#!/usr/bin/env node
// npm run bench (after npm run build): every module in bench/rows/ measures something against a
// baseline in this same process run and returns table rows; this prints them as one table.
// --check exits 1 when a row misses its target; --repeat N sets the in-process repetitions;
// --only WORD runs only the modules whose file name contains WORD; --skip WORD leaves them out.
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '3' },
    only: { type: 'string', multiple: true },
    skip: { type: 'string', multiple: true },
  },
});
const repeat = Number(options.repeat);
if (!Number.isInteger(repeat) || repeat < 1) {
  console.error(`bench: --repeat wants a whole number of at least 1, not ${options.repeat}`);
  process.exit(2);
}

const rowsFolder = new URL('./rows/', import.meta.url);
const allModules = (await readdir(rowsFolder)).filter((name) => name.endsWith('.js')).sort();
const named = (words, name) => (words ?? []).some((word) => name.includes(word));
const modules = allModules.filter((name) => (options.only === undefined || named(options.only, name)) && !named(options.skip, name));
if (modules.length === 0) {
  console.error(`bench: --only and --skip leave no module to run; there are ${allModules.join(', ')}`);
  process.exit(2);
}

const started = performance.now();
const loadAtStart = os.loadavg()[0];
const rows = [];
for (const name of modules) {
  process.stderr.write(`bench: ${name} ...\n`);
  const moduleStarted = performance.now();
  try {
    const { default: measure } = await import(new URL(name, rowsFolder));
    rows.push(...(await measure({ repeat })));
  } catch (error) {
    // One broken module must not hide the other rows; the table still says it broke.
    process.stderr.write(`bench: ${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    rows.push({ name: name.replace(/\.js$/, ''), baseline: '', error: 'ERROR: see the message above the table' });
  }
  process.stderr.write(`bench: ${name} took ${seconds(performance.now() - moduleStarted)}\n`);
}

const ms = (value) => `${value.toFixed(value < 100 ? 1 : 0)} ms`;
const cells = (r) => {
  if (r.skipped !== undefined || r.error !== undefined) return [r.name, r.baseline, '', '', '', '', r.skipped ?? r.error];
  return [r.name, r.baseline, ms(r.baselineMs), ms(r.measuredMs), `${r.ratio.toFixed(2)}×`, r.target === undefined ? 'report' : `≤ ${r.target}×`, r.pass === undefined ? '·' : r.pass ? 'pass' : 'FAIL'];
};
const table = [['benchmark', 'baseline', 'baseline time', 'measured', 'ratio', 'target', ''], ...rows.map(cells)];
const widths = table[0].map((_, column) => Math.max(...table.map((line) => line[column].length)));
const numeric = new Set([2, 3, 4]);
for (const [index, line] of table.entries()) {
  console.log(line.map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd());
  if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
}

const targeted = rows.filter((r) => r.target !== undefined);
const broken = rows.filter((r) => r.error !== undefined);
console.log(
  `\n${targeted.filter((r) => r.pass).length} of ${targeted.length} rows within target` +
    `${broken.length > 0 ? `, ${broken.length} module${broken.length === 1 ? '' : 's'} broken` : ''}; ` +
    `took ${seconds(performance.now() - started)}; node ${process.version}, ${process.platform}/${process.arch}, ${os.cpus().length} CPUs, ` +
    `load average ${loadAtStart.toFixed(1)} at the start, ${os.loadavg().map((load) => load.toFixed(1)).join(' ')} (1, 5, 15 min) at the end; ratios drift on a busy machine`,
);
if (broken.length > 0 || (options.check && targeted.some((r) => !r.pass))) process.exitCode = 1;

function seconds(milliseconds) {
  return `${(milliseconds / 1000).toFixed(0)} s`;
}
