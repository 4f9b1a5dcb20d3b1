/** The EDN step types by name, each loaded only when a runbook uses it. */
export const ednSteps = {
  'edn.ensure': () => import('./ensure.js'),
};
