/** The known name closest to a mistyped one, when it is close enough to be a typo. */
export function closestName(wrong: string, known: Iterable<string>): string | undefined {
  const lower = wrong.toLowerCase();
  const allowed = Math.max(1, Math.floor(wrong.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const lowerCandidate = candidate.toLowerCase();
    if (lowerCandidate === lower) return candidate;
    // the distance is at least the difference in length: a pasted paragraph is no typo of a
    // name, and comparing it character by character would take seconds
    if (Math.abs(lowerCandidate.length - lower.length) > allowed) continue;
    const distance = editDistance(lower, lowerCandidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= allowed ? best : undefined;
}

export function didYouMean(wrong: string, known: Iterable<string>): string {
  const close = closestName(wrong, known);
  return close ? `; did you mean "${close}"?` : '';
}

/** Optimal string alignment: a swap of two neighbours (`wiht`) counts as one edit, like a typo. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = rows[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}
