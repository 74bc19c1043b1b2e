import { describe, expect, it } from 'vitest';
import { SHORT_RUN_MAX_FILES, shortRunV8Flags } from '../../src/cli/short-run.js';

describe('V8 flags for a short CLI run', () => {
  it('keep WebAssembly on its baseline tier when validating a few files', () => {
    expect(shortRunV8Flags(['validate', 'a.xml'])).toEqual(['--liftoff-only']);
    expect(shortRunV8Flags(['validate', '--format', 'json', 'a.xml', 'b.xml'])).toEqual(['--liftoff-only']);
  });

  it('leave batches and every other command (the service above all) with the optimising tier', () => {
    const many = Array.from({ length: SHORT_RUN_MAX_FILES + 1 }, (_, i) => `f${i}.xml`);
    expect(shortRunV8Flags(['validate', ...many])).toEqual([]);
    expect(shortRunV8Flags(['serve'])).toEqual([]);
    expect(shortRunV8Flags([])).toEqual([]);
  });
});
