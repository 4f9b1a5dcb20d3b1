import type { ApprovalDesk } from '../approval/approval-desk.js';
import type { Identity } from '../approval/who-is-running.js';
import { approvalRounds } from '../approval/approval-rounds.js';
import type { JournalEntry } from '../state/journal.js';
import type { StateBackend } from '../state/state-backend.js';
import { builtInIdentity } from './builtins.js';
import type { OpenedState } from './open-state.js';
import { commandLine } from './resume-command-line.js';

/** How often a waiting run reads the decisions: a second is quick for a person, and cheap for a store. */
const POLL_MS = 1000;

/** The approvals of a run whose state is `state`: this process's identity, and the decisions the state keeps. */
export function approvalDesk(state: OpenedState, runId: string, noWait: boolean, earlier: readonly JournalEntry[] = []): ApprovalDesk {
  const round = approvalRounds(earlier);
  const backend: StateBackend = state.backend;
  let operator: Promise<Identity> | undefined;
  let warned = false;
  return {
    operator: async () => {
      const identity = await (operator ??= builtInIdentity());
      if (warned) return { name: identity.name, foundBy: identity.foundBy };
      warned = true;
      return identity;
    },
    decisions: () => backend.decisions(runId),
    record: (decision) => backend.recordDecision(runId, decision),
    round,
    command: (stepId) => approveCommandLine(runId, stepId, state.elsewhereArguments),
    noWait,
    pollMs: POLL_MS,
  };
}

function approveCommandLine(runId: string, stepId: string, stateArguments: readonly string[]): string {
  return commandLine(['stepwise', 'approve', runId, '--step', stepId, ...stateArguments]);
}
