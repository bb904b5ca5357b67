/** @packageDocumentation The `pausenet` command line: node lifecycle, DKG ceremony, API client, devnet. */

export { type VerifyOutcome, verifyCertificateJson } from './commands/verify-core.js';
export { ManagedChild } from './devnet/children.js';
export { freePorts } from './devnet/ports.js';
export { type DevnetOptions, runDevnet } from './devnet/run.js';
export type { DevnetResult, Scenario } from './devnet/types.js';
export { sleep, waitFor } from './devnet/wait.js';
export { CliError, type CliErrorCode, EXIT, toCliError } from './errors.js';
export { runCli } from './main.js';
export { buildProgram } from './program.js';
