/** Every CloudFormation stack status, kept here so that a schema can list them without the SDK. */
export const STACK_STATUSES = [
  'CREATE_IN_PROGRESS',
  'CREATE_FAILED',
  'CREATE_COMPLETE',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_FAILED',
  'ROLLBACK_COMPLETE',
  'DELETE_IN_PROGRESS',
  'DELETE_FAILED',
  'DELETE_COMPLETE',
  'UPDATE_IN_PROGRESS',
  'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_COMPLETE',
  'UPDATE_FAILED',
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_FAILED',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE',
  'REVIEW_IN_PROGRESS',
  'IMPORT_IN_PROGRESS',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_IN_PROGRESS',
  'IMPORT_ROLLBACK_FAILED',
  'IMPORT_ROLLBACK_COMPLETE',
] as const;

export type StackStatusName = (typeof STACK_STATUSES)[number];

/** A status the stack will leave by itself: waiting goes on. */
export function isInProgress(status: string): boolean {
  return status.endsWith('_IN_PROGRESS');
}

/** The operation has failed even if the stack is still cleaning up. */
export function isRollbackOrFailure(status: string): boolean {
  return status.includes('ROLLBACK') || status.endsWith('_FAILED');
}

/**
 * An update CloudFormation is still working on, rolling back or cleaning up included: sending
 * another UpdateStack now would be refused, and the first one's outcome is yet to come.
 */
export function isUpdateInProgress(status: string): boolean {
  return status.startsWith('UPDATE_') && isInProgress(status);
}
