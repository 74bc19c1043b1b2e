import type { CliIo } from './cli-io.js';

/**
 * One request from a CLI command to a samsvar service. Transport failures and non-2xx answers are
 * reported on stderr as `samsvar <command>: …` (the problem document's detail and code when there is
 * one) and give null; otherwise the answer's status and body text.
 */
export async function callServer(
  io: CliIo,
  command: string,
  url: URL,
  init: RequestInit,
): Promise<{ status: number; text: string } | null> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    io.err(`samsvar ${command}: cannot reach ${url.origin}: ${((e as Error).cause as Error)?.message ?? (e as Error).message}`);
    return null;
  }
  const text = await res.text();
  if (!res.ok) {
    io.err(`samsvar ${command}: HTTP ${res.status}: ${problemDetail(text)}`);
    return null;
  }
  return { status: res.status, text };
}

function problemDetail(text: string): string {
  try {
    const problem = JSON.parse(text) as { detail?: string; code?: string };
    if (problem.detail) return `${problem.detail}${problem.code ? ` (${problem.code})` : ''}`;
  } catch {
    // Not a problem document (a proxy's error page): show its start.
  }
  return text.slice(0, 500);
}
