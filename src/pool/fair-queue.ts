/**
 * Waiting jobs by client, served round-robin: each time a worker is free, the next client in turn
 * gets it, so one client with many waiting jobs delays another by at most one job per worker, not
 * by all of its jobs. A client over its running share is passed over while another client waits.
 */
export class FairQueue<J extends { client: string }> {
  private readonly byClient = new Map<string, J[]>();
  /** Clients with waiting jobs, in turn order. */
  private ring: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  sizeOf(client: string): number {
    return this.byClient.get(client)?.length ?? 0;
  }

  push(job: J): void {
    let jobs = this.byClient.get(job.client);
    if (!jobs) {
      this.byClient.set(job.client, (jobs = []));
      this.ring.push(job.client);
    }
    jobs.push(job);
    this.count++;
  }

  /**
   * The next job: from the first client in turn that runs fewer than `share` jobs, else (every
   * waiting client is at its share, so nobody else is kept waiting by it) from the first in turn.
   */
  take(running: (client: string) => number, share: number): J | undefined {
    if (this.count === 0) return undefined;
    const client = this.ring.find((c) => running(c) < share) ?? this.ring[0]!;
    const jobs = this.byClient.get(client)!;
    const job = jobs.shift()!;
    this.count--;
    this.ring = this.ring.filter((c) => c !== client);
    if (jobs.length > 0) this.ring.push(client);
    else this.byClient.delete(client);
    return job;
  }

  drain(): J[] {
    const all = this.ring.flatMap((c) => this.byClient.get(c)!);
    this.byClient.clear();
    this.ring = [];
    this.count = 0;
    return all;
  }
}
