import { registerFunction, TYPE_STRING } from '@jmespath-community/jmespath';
// the functions alone: all of semver takes 13 ms to load, these 7
import compare from 'semver/functions/compare.js';
import satisfies from 'semver/functions/satisfies.js';

let registered = false;

/** The domain's functions, registered once per process before the first expression compiles. */
export function registerFunctions(): void {
  if (registered) return;
  registered = true;
  registerFunction('datomic_version_compare', ([a, b]) => compareDatomicVersions(asVersion(a), asVersion(b)), [
    { types: [TYPE_STRING] },
    { types: [TYPE_STRING] },
  ]);
  registerFunction('datomic_version_at_least', ([version, minimum]) => compareDatomicVersions(asVersion(version), asVersion(minimum)) >= 0, [
    { types: [TYPE_STRING] },
    { types: [TYPE_STRING] },
  ]);
  registerFunction('semver_satisfies', ([version, range]) => satisfies(String(version), String(range), { includePrerelease: true }), [
    { types: [TYPE_STRING] },
    { types: [TYPE_STRING] },
  ]);
  registerFunction('semver_compare', ([a, b]) => compare(String(a), String(b)), [{ types: [TYPE_STRING] }, { types: [TYPE_STRING] }]);
}

export const CUSTOM_FUNCTIONS = ['datomic_version_compare', 'datomic_version_at_least', 'semver_satisfies', 'semver_compare'];

/** A Datomic release `<cft>-<code>`, optionally with a `.N` suffix (470-8654.1). */
export type DatomicVersion = [cft: number, code: number, suffix: number];

const DATOMIC_VERSION = /^(\d+)-(\d+)(?:\.(\d+))?$/;

export function parseDatomicVersion(text: string): DatomicVersion | undefined {
  const match = DATOMIC_VERSION.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

/** Numeric per part, CloudFormation revision first: as text, "1067" would sort before "990". */
export function compareDatomicVersions(a: DatomicVersion, b: DatomicVersion): number {
  for (let i = 0; i < 3; i++) {
    const difference = a[i]! - b[i]!;
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

function asVersion(value: unknown): DatomicVersion {
  const parsed = typeof value === 'string' ? parseDatomicVersion(value) : undefined;
  if (!parsed) throw new Error(`"${String(value)}" is not a Datomic version such as 480-8770`);
  return parsed;
}
