import { paramDeclarationSchema } from '../document/runbook-schema.js';
import { isJsonObject } from '../json.js';
import { paramSchema } from '../params/param-schema.js';
import { compileSchema } from './ajv.js';
import { actionableErrors, describeSchemaError } from './describe-schema-error.js';
import type { Report } from './report.js';

/** A default must itself be a valid value of its param. */
export function checkParamDefaults(document: unknown, report: Report): void {
  if (!isJsonObject(document) || !isJsonObject(document.params)) return;
  for (const [name, spec] of Object.entries(document.params)) {
    // a declaration the document schema refused is reported there, where the mistake is
    if (!isJsonObject(spec) || spec.default === undefined || !compileSchema(paramDeclarationSchema)(spec)) continue;
    let validate;
    try {
      validate = compileSchema(paramSchema(spec));
    } catch (error) {
      report.at(['params', name], 'param-schema', `param "${name}" is not a valid JSON Schema: ${(error as Error).message}`);
      continue;
    }
    if (validate(spec.default)) continue;
    for (const error of actionableErrors(validate.errors ?? [])) {
      const problem = describeSchemaError(error, () => `the default of param "${name}"`, (path) => report.written(['params', name, 'default', ...path]));
      report.at(['params', name, 'default', ...problem.path], problem.rule, problem.message);
    }
  }
}
