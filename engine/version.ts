import { readFileSync } from 'node:fs';

/** The engine's version, from package.json (one folder up from source, two from dist/). */
function readEngineVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'stepwise' && pkg.version) return pkg.version;
    } catch {
      continue;
    }
  }
  return '0.0.0';
}

export const ENGINE_VERSION = readEngineVersion();
