/**
 * Builds dist/ once, before any integration test starts (vitest `globalSetup`), when a source is
 * newer than the build: the CLI tests run the compiled CLI, and a stale one would test old code.
 * `npm test` has built already (`pretest`), so there this finds dist/ fresh and does nothing.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The build writes it last (scripts/precompile-validators.js): dist/ is complete once it is there. */
const LAST_OUTPUT = path.join(REPO, 'dist/engine/validate/precompiled-validators.cjs');
/** What the build reads: the TypeScript of tsconfig.json and the runbooks whose params it precompiles. */
const SOURCES = [
  { dir: 'engine', ext: '.ts' },
  { dir: 'steps', ext: '.ts' },
  { dir: 'state', ext: '.ts' },
  { dir: 'test/support', ext: '.ts' },
  { dir: 'runbooks', ext: '.yaml' },
  { dir: 'scripts', ext: '.js' },
];

function modifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The first source written after the build's last output, if any. */
export function sourceNewerThan(builtAt: number): string | undefined {
  for (const { dir, ext } of SOURCES) {
    for (const entry of readdirSync(path.join(REPO, dir), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith(ext)) continue;
      const file = path.join(entry.parentPath, entry.name);
      if ((modifiedAt(file) ?? 0) > builtAt) return path.relative(REPO, file);
    }
  }
  return undefined;
}

export default function setup(): void {
  const builtAt = modifiedAt(LAST_OUTPUT);
  const reason = builtAt === undefined ? 'dist/ is not built' : sourceNewerThan(builtAt);
  if (reason === undefined) return;
  console.warn(`\n[stepwise] npm run build (${builtAt === undefined ? reason : `${reason} changed since the last build`})\n`);
  const build = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed, so the CLI tests cannot run:\n${build.stdout}\n${build.stderr}`);
}
