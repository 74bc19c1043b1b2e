import { readFileSync } from 'node:fs';
import type { ArtifactFormat, ArtifactValidator, ValidationResult } from '../engine/engine.js';

export interface FileJob {
  file: string;
  /** Absolute path to read. */
  path: string;
}

export type FileOutcome = ({ file: string } & ValidationResult) | { file: string; unreadable: string };

export interface ValidateFilesOptions {
  profile?: string;
  importedDir: string;
}

function formatOf(file: string, profile?: string): ArtifactFormat | undefined {
  return !profile && file.toLowerCase().endsWith('.json') ? 'fhir' : undefined;
}

/** Reads and validates one file, on whichever thread holds the validator. */
export async function validateFile(validator: ArtifactValidator, job: FileJob, profile?: string): Promise<FileOutcome> {
  let content: Buffer;
  try {
    content = readFileSync(job.path);
  } catch (e) {
    return { file: job.file, unreadable: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
  return { file: job.file, ...(await validator.validate(content, { profile, format: formatOf(job.file, profile) })) };
}
