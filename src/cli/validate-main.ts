/**
 * `samsvar validate` as a program of its own: the entry of the bundle that bin/samsvar.js runs for
 * this command (scripts/build-validate-bundle.mjs), so that a one-file run loads one script instead
 * of some sixty modules. Does what main() does for `validate`, nothing else.
 */
import { processIo } from './cli-io.js';
import * as validate from './commands/validate.js';
import { runCommand } from './run-command.js';

process.exitCode = await runCommand('validate', validate, process.argv.slice(3), processIo);
