/**
 * Builds dist/ once, before any integration test starts (vitest `globalSetup`), when a source is
 * newer than the build: the CLI tests run the compiled CLI, and a stale one would test old code.
 * `npm test` has built already (`pretest`), so there this finds dist/ fresh and does nothing.
 */
import { spawnSync } from 'node:child_process';
import { REPO, whyDistIsStale } from './dist-freshness.js';

export default function setup(): void {
  const reason = whyDistIsStale();
  if (reason === undefined) return;
  console.warn(`\n[stepwise] npm run build (${reason})\n`);
  const build = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed, so the CLI tests cannot run:\n${build.stdout}\n${build.stderr}`);
}
