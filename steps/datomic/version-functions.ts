import type { ExpressionFunction } from '../../engine/step-family.js';

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

/** `datomic_version_at_least(steps.read.outputs.version, '480-8770')` in a runbook's expressions. */
export const datomicVersionFunctions: readonly ExpressionFunction[] = [
  { name: 'datomic_version_compare', parameters: ['string', 'string'], implementation: ([a, b]) => compareDatomicVersions(asVersion(a), asVersion(b)) },
  { name: 'datomic_version_at_least', parameters: ['string', 'string'], implementation: ([version, minimum]) => compareDatomicVersions(asVersion(version), asVersion(minimum)) >= 0 },
];
