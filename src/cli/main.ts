import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { processIo, type CliCommand, type CliIo } from './cli-io.js';
import { runCommand } from './run-command.js';

const COMMANDS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');

function commandNames(): string[] {
  return readdirSync(COMMANDS_DIR)
    .filter((f) => /^[a-z-]+\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.(js|ts)$/, ''))
    .sort();
}

async function loadCommand(name: string): Promise<CliCommand | undefined> {
  if (!commandNames().includes(name)) return undefined;
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return (await import(`./commands/${name}.${ext}`)) as CliCommand;
}

async function usage(io: CliIo): Promise<void> {
  const lines = ['usage: samsvar <command> [options]', '', 'commands:'];
  for (const name of commandNames()) {
    const cmd = await loadCommand(name);
    lines.push(`  ${name.padEnd(12)} ${cmd?.summary ?? ''}`);
  }
  lines.push('', "Run `samsvar <command> --help` for a command's options.");
  io.err(lines.join('\n'));
}

/** Runs one CLI invocation and returns its exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await usage(io);
    return name ? 0 : 2;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    io.err(`samsvar: unknown command '${name}'`);
    await usage(io);
    return 2;
  }
  return runCommand(name, cmd, rest, io);
}
