/** What a CLI command may touch, so that tests run commands in-process and read their output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  env: process.env,
  cwd: process.cwd(),
};

/** A command module in src/cli/commands/<name>.ts. Exit codes: 0 ok, 1 a negative verdict, 2 usage or I/O error. */
export interface CliCommand {
  summary: string;
  run(args: string[], io: CliIo): Promise<number>;
}
