/** A step type's module breaks the contract; `origin` names the file or catalog it came from. */
export class StepContractError extends Error {
  constructor(
    readonly origin: string,
    message: string,
  ) {
    super(`${origin}: ${message}`);
    this.name = 'StepContractError';
  }
}
