import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../exit-codes.js';
import { LocalStateBackend } from '../state/local-state-backend.js';
import type { StateBackend, StateBackendCatalog } from '../state/state-backend.js';
import { findProjectConfig } from './project-config.js';

const DEFAULT_STATE_DIR = '.stepwise';
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** The command line's say on where runs are kept. */
export interface StateOptions {
  state?: string;
  stateDir?: string;
}

export interface OpenedState {
  backend: StateBackend;
  /** What a later command needs on its command line to reach the same runs (empty when it finds them by itself). */
  arguments: string[];
  /**
   * What someone else (another terminal, another machine) needs on theirs: the address taken from
   * STEPWISE_STATE or stepwise.config.yaml, which their shell or folder may not give them, and a
   * local folder as an absolute path, since their shell may be in another folder.
   */
  elsewhereArguments: string[];
}

/**
 * `existing`: the command only reads runs (runs, show, resume), so a folder that is not there is
 * a mistyped one, not an empty one; the default `.stepwise`, which nobody typed, may be absent.
 */
export interface OpenOptions {
  existing?: boolean;
}

/**
 * Where runs are kept, first that says: `--state ADDRESS` or `--state-dir DIR`, then
 * STEPWISE_STATE, then `state:` in the nearest stepwise.config.yaml, then `.stepwise` here.
 * An address with a scheme (s3://...) goes to the store of that scheme; anything else is a folder.
 */
export async function openState(
  options: StateOptions,
  catalog: StateBackendCatalog,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  open: OpenOptions = {},
): Promise<OpenedState> {
  if (options.state !== undefined && options.stateDir !== undefined) {
    throw new UsageError('--state and --state-dir both say where runs are kept: give one of them');
  }
  const existing = open.existing === true;
  if (options.state !== undefined) return given(await openAddress(options.state, '--state', cwd, catalog, existing), ['--state', options.state]);
  if (options.stateDir !== undefined) return givenFolder(localFolder(path.resolve(cwd, options.stateDir), '--state-dir', existing), ['--state-dir', options.stateDir], path.resolve(cwd, options.stateDir));
  const fromEnv = env.STEPWISE_STATE;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return found(await openAddress(fromEnv, 'STEPWISE_STATE', cwd, catalog, existing), absoluteAddress(fromEnv, cwd));
  const config = findProjectConfig(cwd);
  if (config?.state) return found(await openAddress(config.state.value, config.state.where, path.dirname(config.file), catalog, existing), absoluteAddress(config.state.value, path.dirname(config.file)));
  return { backend: new LocalStateBackend(path.resolve(cwd, DEFAULT_STATE_DIR)), arguments: [], elsewhereArguments: ['--state-dir', path.resolve(cwd, DEFAULT_STATE_DIR)] };
}

function given(backend: StateBackend, words: string[]): OpenedState {
  return { backend, arguments: words, elsewhereArguments: words };
}

/** Another terminal may be in another folder: it is given the folder as an absolute path. */
function givenFolder(backend: StateBackend, words: string[], folder: string): OpenedState {
  return { backend, arguments: words, elsewhereArguments: ['--state-dir', folder] };
}

function found(backend: StateBackend, address: string): OpenedState {
  return { backend, arguments: [], elsewhereArguments: ['--state', address] };
}

/** A folder as an absolute path, so that it holds from any folder; an address with a scheme as it is. */
function absoluteAddress(address: string, base: string): string {
  return SCHEME.test(address) ? address : path.resolve(base, address);
}

function localFolder(folder: string, source: string, existing: boolean): LocalStateBackend {
  // a file in the way is the store's to report, as for `run`
  if (existing && !existsSync(folder)) throw new UsageError(`${source}: ${folder} does not exist, so no run was ever kept there: check the path`);
  return new LocalStateBackend(folder);
}

/** `source` says where the address came from, for a message about it; a folder is relative to `base`. */
async function openAddress(address: string, source: string, base: string, catalog: StateBackendCatalog, existing: boolean): Promise<StateBackend> {
  const scheme = SCHEME.exec(address)?.[1];
  if (scheme === undefined) return localFolder(path.resolve(base, address), source, existing);
  const open = catalog[scheme.toLowerCase()];
  if (!open) {
    const allowed = [...Object.keys(catalog).map((known) => `${known}://...`), 'a folder'].join(', ');
    throw new UsageError(`${source}: stepwise cannot keep runs in ${scheme}:// addresses (${address}); allowed: ${allowed}`);
  }
  try {
    return await open(address);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${source}: ${error.message}`, error.details, error.diagnostics);
    throw error;
  }
}
