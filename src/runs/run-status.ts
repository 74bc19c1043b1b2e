import type { Testcase } from '../testcases/testcase.js';
import type { RunProfile, SubmissionSummary } from '../storage/repository.js';

export type ProfileState = 'not_started' | 'failing' | 'passed';

export interface TestcaseResult {
  id: string;
  kind: Testcase['kind'];
  title: string;
  /** The verdict of the latest submission; null when nothing was submitted yet. */
  verdict: 'passed' | 'failed' | null;
  latestSubmission: { id: string; createdAt: string; artifactSha256: string; findingsSha256: string } | null;
  submissions: number;
}

export interface ProfileStatus {
  profile: string;
  version: string;
  sha256: string;
  status: ProfileState;
  testcases: TestcaseResult[];
}

/**
 * A profile has passed when the latest submission of every one of its test cases passed; it is
 * not started while nothing was submitted for it, and failing otherwise (a missing or failed test
 * case keeps it from passing). A profile without test cases cannot pass.
 */
export function profileStatus(rp: RunProfile, testcases: Testcase[], submissions: SubmissionSummary[]): ProfileStatus {
  const results: TestcaseResult[] = testcases.map((tc) => {
    const mine = submissions.filter((s) => s.testcaseId === tc.id);
    const latest = mine.at(-1);
    return {
      id: tc.id,
      kind: tc.kind,
      title: tc.title,
      verdict: latest?.verdict ?? null,
      latestSubmission: latest ? { id: latest.id, createdAt: latest.createdAt, artifactSha256: latest.artifactSha256, findingsSha256: latest.findingsSha256 } : null,
      submissions: mine.length,
    };
  });
  let status: ProfileState;
  if (results.every((r) => r.verdict === null)) status = 'not_started';
  else if (results.length > 0 && results.every((r) => r.verdict === 'passed')) status = 'passed';
  else status = 'failing';
  return { profile: rp.profileId, version: rp.profileVersion, sha256: rp.profileSha256, status, testcases: results };
}
