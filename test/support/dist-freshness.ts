/** Whether dist/ is older than what it is built from. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The build writes it last (scripts/precompile-validators.js): dist/ is complete once it is there. */
const LAST_OUTPUT = path.join(REPO, 'dist/engine/validate/precompiled-validators.cjs');
/**
 * What the build reads: the folders tsconfig.json compiles (include patterns such as
 * `engine/**`), the runbooks whose params it precompiles, and its scripts.
 */
function sources(): { dir: string; ext: string }[] {
  const { include } = JSON.parse(readFileSync(path.join(REPO, 'tsconfig.json'), 'utf8')) as { include: string[] };
  const compiled = include.map((pattern) => /^(.+)\/\*\*\/\*(\.\w+)$/.exec(pattern)).flatMap((match) => (match ? [{ dir: match[1]!, ext: match[2]! }] : []));
  return [...compiled, { dir: 'runbooks', ext: '.yaml' }, { dir: 'scripts', ext: '.js' }];
}

function modifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The first source written after the build's last output, if any. */
export function sourceNewerThan(builtAt: number): string | undefined {
  for (const { dir, ext } of sources()) {
    for (const entry of readdirSync(path.join(REPO, dir), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith(ext)) continue;
      const file = path.join(entry.parentPath, entry.name);
      if ((modifiedAt(file) ?? 0) > builtAt) return path.relative(REPO, file);
    }
  }
  return undefined;
}

/** Why dist/ needs a build, or undefined when it is up to date. */
export function whyDistIsStale(): string | undefined {
  const builtAt = modifiedAt(LAST_OUTPUT);
  if (builtAt === undefined) return 'dist/ is not built';
  const changed = sourceNewerThan(builtAt);
  return changed && `${changed} changed since the last build`;
}
