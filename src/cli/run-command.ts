import { SamsvarError } from '../core/samsvar-error.js';
import type { CliCommand, CliIo } from './cli-io.js';

/** Runs one command and returns its exit code. Every user-facing failure ends as a message and exit 2. */
export async function runCommand(name: string, cmd: CliCommand, args: string[], io: CliIo): Promise<number> {
  try {
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof SamsvarError) {
      io.err(`samsvar ${name}: ${e.detail}`);
      return 2;
    }
    if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS_')) {
      io.err(`samsvar ${name}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
