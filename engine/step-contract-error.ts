/**
 * A step type's module breaks the contract; `origin` names the file or catalog it came from,
 * `stepType` the definition at fault when it has a type name, and `field` its key at fault
 * (`includes`), where its author must look, when one is.
 */
export class StepContractError extends Error {
  constructor(
    readonly origin: string,
    message: string,
    readonly stepType?: string,
    readonly field?: string,
  ) {
    super(`${origin}: ${message}`);
    this.name = 'StepContractError';
  }
}
