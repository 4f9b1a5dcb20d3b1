#!/usr/bin/env node
// npm run demo: the example runbook, dry-run then run, through the built CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist/engine/cli.js');
const runbook = path.join(root, 'runbooks/examples/hello.yaml');
const stateDir = mkdtempSync(path.join(tmpdir(), 'stepwise-demo-'));

function stepwise(...args) {
  console.log(`\n$ stepwise ${args.join(' ')}`);
  execFileSync(process.execPath, [cli, ...args], { stdio: 'inherit', cwd: root });
}

stepwise('validate', runbook);
stepwise('plan', runbook, '-p', 'who=demo');
stepwise('run', runbook, '-p', 'who=demo', '--state-dir', stateDir);
stepwise('runs', '--state-dir', stateDir);
