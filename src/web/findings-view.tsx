import type { Finding } from '../core/finding.js';
import { findingTextNb, SEVERITY_NB } from './finding-text-nb.js';

/** Lines beyond this are not listed on a page (the findings still are). */
const MAX_LISTED_LINES = 5000;

const where = (f: Finding) => f.xpath ?? f.path ?? '';

/** Findings, most severe first, each linked to its line in the listing below. */
export function FindingList(props: { findings: Finding[]; idPrefix?: string }) {
  const prefix = props.idPrefix ?? 'L';
  if (props.findings.length === 0) return <p>Ingen funn.</p>;
  return (
    <ol class="findings">
      {props.findings.map((f) => (
        <li>
          <span class={`sev ${f.severity}`}>{SEVERITY_NB[f.severity]}</span> <span class="mono">{f.ruleId}</span>
          {f.line ? (
            <>
              {' '}
              på{' '}
              <a href={`#${prefix}${f.line}`}>
                linje {f.line}
                {f.column ? `, kolonne ${f.column}` : ''}
              </a>
            </>
          ) : null}
          {where(f) ? (
            <>
              {' '}
              (<span class="mono">{where(f)}</span>)
            </>
          ) : null}
          : {findingTextNb(f)}
          {f.reference ? <div class="hint">Krav: {f.reference}</div> : null}
        </li>
      ))}
    </ol>
  );
}

/** The message with line numbers; lines with findings are marked and name them. */
export function MarkedMessage(props: { text: string; findings: Finding[]; idPrefix?: string }) {
  const prefix = props.idPrefix ?? 'L';
  const lines = props.text.split(/\r\n|\r|\n/);
  const byLine = new Map<number, Finding[]>();
  for (const f of props.findings) if (f.line) byLine.set(f.line, [...(byLine.get(f.line) ?? []), f]);
  const shown = lines.slice(0, MAX_LISTED_LINES);
  return (
    <div class="listing" role="region" aria-label="Meldingen med funn markert" tabindex={0}>
      <ol>
        {shown.map((line, i) => {
          const n = i + 1;
          const here = byLine.get(n);
          const worst = here?.some((f) => f.severity === 'error') ? 'error' : here ? 'warning' : '';
          return (
            <li id={`${prefix}${n}`} class={here ? `has-finding ${worst}` : undefined}>
              <span class="no">{n}</span>
              <pre>{line}</pre>
              {here ? (
                <span class="visually-hidden">
                  {here.map((f) => `${SEVERITY_NB[f.severity]} ${f.ruleId}: ${findingTextNb(f)}`).join(' ')}
                </span>
              ) : null}
            </li>
          );
        })}
      </ol>
      {lines.length > MAX_LISTED_LINES ? (
        <p class="hint">
          Meldingen har {lines.length} linjer; de første {MAX_LISTED_LINES} vises.
        </p>
      ) : null}
    </div>
  );
}
