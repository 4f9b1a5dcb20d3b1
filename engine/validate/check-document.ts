import satisfies from 'semver/functions/satisfies.js';
import valid from 'semver/functions/valid.js';
import validRange from 'semver/ranges/valid.js';
import { API_VERSION, runbookSchemaFor } from '../document/runbook-schema.js';
import { isJsonObject } from '../json.js';
import { ENGINE_VERSION } from '../version.js';
import { compileSchema } from './ajv.js';
import { actionableErrors, describeSchemaError } from './describe-schema-error.js';
import { describePath } from './describe-path.js';
import type { NotifyChannel, SettingsBlock } from '../step-family.js';
import type { Report } from './report.js';

/** The document against runbook.schema.json with the families' settings blocks and notify channels, then what a schema cannot say. */
export function checkDocument(document: unknown, blocks: readonly SettingsBlock[], channels: readonly NotifyChannel[], report: Report): void {
  const validate = compileSchema(runbookSchemaFor(blocks, channels));
  if (!validate(document)) {
    for (const error of actionableErrors(validate.errors ?? [])) {
      const problem = describeSchemaError(error, (path) => describePath(path, document), (path) => report.written(path));
      report.at(problem.path, problem.rule, problem.message, problem.atKey);
    }
  }
  if (!isJsonObject(document)) return;
  checkApiVersion(document.apiVersion, report);
  checkVersion(document.version, report);
  checkRequires(document.requires, report);
}

function checkApiVersion(apiVersion: unknown, report: Report): void {
  if (typeof apiVersion === 'string' && apiVersion !== API_VERSION) {
    report.at(['apiVersion'], 'unknown-api-version', `unknown apiVersion "${apiVersion}": this version of stepwise reads ${API_VERSION} only`);
  }
}

function checkVersion(version: unknown, report: Report): void {
  if (typeof version === 'string' && !valid(version)) {
    report.at(['version'], 'version-not-semver', `"version" must be a semantic version such as 1.0.0, not ${JSON.stringify(version)}`);
  }
}

function checkRequires(requires: unknown, report: Report): void {
  if (!isJsonObject(requires) || typeof requires.stepwise !== 'string') return;
  const range = requires.stepwise;
  if (validRange(range) === null) {
    report.at(['requires', 'stepwise'], 'requires-range', `"requires.stepwise" must be a semver range such as ">=0.1.0" or "^1.2.0", not ${JSON.stringify(range)}`);
  } else if (!satisfies(ENGINE_VERSION, range, { includePrerelease: true })) {
    report.at(['requires', 'stepwise'], 'requires-unmet', `this runbook needs stepwise ${range}, but this is stepwise ${ENGINE_VERSION}: upgrade stepwise`);
  }
}
