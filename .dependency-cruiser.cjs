// The layers of stepwise, checked by test/engine/dependency-rules.test.ts (so by `npm test` in CI)
// and by hand with `npx depcruise engine steps state aws`. Type-only imports count: they tie the
// layers as much as any other, and swc reads them where the JavaScript tsc writes has none.
/** The one module of engine/ that meets the built-in step families and state stores. */
const COMPOSITION_ROOT = '^engine/cli/builtins\\.ts$';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'an import cycle: modules that cannot be understood, tested or loaded one without the other', from: {}, to: { circular: true } },
    { name: 'engine-knows-no-domain', severity: 'error', comment: 'engine/ meets steps/, state/ and aws/ only in its composition root', from: { path: '^engine/', pathNot: COMPOSITION_ROOT }, to: { path: '^(steps|state|aws)/' } },
    { name: 'no-cli-below', severity: 'error', comment: 'step types, state stores and the AWS module are used by the command line, never the reverse', from: { path: '^(steps|state|aws)/' }, to: { path: '^engine/cli(\\.ts$|/)' } },
    { name: 'steps-and-state-apart', severity: 'error', comment: 'steps/ and state/ share AWS through aws/, not through each other', from: { path: '^steps/' }, to: { path: '^state/' } },
    { name: 'state-apart-from-steps', severity: 'error', comment: 'steps/ and state/ share AWS through aws/, not through each other', from: { path: '^state/' }, to: { path: '^steps/' } },
    { name: 'aws-is-shared', severity: 'error', comment: 'aws/ is what steps/aws and state/s3 share: it uses neither', from: { path: '^aws/' }, to: { path: '^(steps|state)/' } },
  ],
  options: {
    // swc reads TypeScript and keeps type-only imports; tsc 7 offers dependency-cruiser no compiler API
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
  },
};
