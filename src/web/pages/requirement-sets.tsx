import type { CoverageMark, MatrixRow } from '../../requirement-sets/coverage-matrix.js';
import type { RequirementSet } from '../../requirement-sets/requirement-set.js';
import { Layout } from '../layout.js';
import { DIRECTION_SHORT_NB } from '../text-nb.js';

const MARK_NB: Record<CoverageMark, { symbol: string; text: string }> = {
  tested: { symbol: '✔', text: 'Testet' },
  documented: { symbol: '◐', text: 'Bare dokumentert (nivå A, ikke testet)' },
  revoked: { symbol: '✖', text: 'Tilbakekalt' },
  missing: { symbol: '–', text: 'Mangler' },
};

const LEVEL_NB = { mandatory: 'påkrevd', recommended: 'anbefalt' } as const;

export function RequirementSetListPage(props: { sets: RequirementSet[] }) {
  return (
    <Layout title="Kravsett" section="kravsett">
      <h1>Kravsett</h1>
      <p>
        Et kravsett sier hvilke meldingsprofiler en type kommunal tjeneste må eller bør støtte. Velg et kravsett for å se hvilke systemer
        som dekker det, profil for profil.
      </p>
      {props.sets.length === 0 ? (
        <p>Forvaltningen har ikke publisert noen kravsett ennå.</p>
      ) : (
        <ul>
          {props.sets.map((s) => (
            <li>
              <a href={`/kravsett/${encodeURIComponent(s.id)}`}>{s.title}</a>{' '}
              <span class="hint">
                ({s.serviceType}, {s.requirements.length} krav)
              </span>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}

/** Systems per page of a kravsett's matrix. */
export const MATRIX_PAGE_SIZE = 50;

export function RequirementSetPage(props: {
  set: RequirementSet;
  rows: MatrixRow[];
  /** Systems with an active or revoked declaration for the set, and where this page starts among them (by system name). */
  total: number;
  offset: number;
  profileTitle: (id: string) => string;
}) {
  const s = props.set;
  return (
    <Layout title={s.title} section="kravsett">
      <p>
        <a href="/kravsett">Alle kravsett</a>
      </p>
      <h1>Kravsett: {s.title}</h1>
      {s.description ? <p>{s.description}</p> : null}
      {s.basis ? <p class="hint">Grunnlag: {s.basis}</p> : null}
      <h2>Tegnforklaring</h2>
      <ul>
        {(Object.keys(MARK_NB) as CoverageMark[]).map((m) => (
          <li>
            <span class={`mark ${m}`} aria-hidden="true">
              {MARK_NB[m].symbol}
            </span>{' '}
            {MARK_NB[m].text}
          </li>
        ))}
      </ul>
      <p>Bare erklæringer på nivå B eller C teller som testet. Nivå A er leverandørens egen dokumentasjon uten test.</p>
      <h2>Systemer</h2>
      {props.rows.length === 0 ? (
        <p>Ingen systemer i registeret har erklæringer for profilene i dette kravsettet.</p>
      ) : (
        <div class="table-wrap">
          <table class="matrix">
            <caption>Systemer mot kravene i kravsettet «{s.title}»</caption>
            <thead>
              <tr>
                <th scope="col">System</th>
                {s.requirements.map((r) => (
                  <th scope="col">
                    {props.profileTitle(r.profile)}
                    <div class="hint">
                      {LEVEL_NB[r.level]}
                      {r.direction ? `, ${DIRECTION_SHORT_NB[r.direction]}` : ''}
                    </div>
                  </th>
                ))}
                <th scope="col">Påkrevde krav testet</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr>
                  <th scope="row">
                    {row.system} {row.version}
                    <div class="hint">{row.vendor.name}</div>
                  </th>
                  {row.cells.map((c) => (
                    <td class={`mark ${c.mark}`}>
                      <span aria-hidden="true">{MARK_NB[c.mark].symbol}</span>{' '}
                      {c.declarationId ? (
                        <a href={`/erklaering/${encodeURIComponent(c.declarationId)}`}>{MARK_NB[c.mark].text}</a>
                      ) : (
                        MARK_NB[c.mark].text
                      )}
                    </td>
                  ))}
                  <td>
                    {row.mandatoryTested.covered} av {row.mandatoryTested.total}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.total > MATRIX_PAGE_SIZE ? (
        <p>
          Systemer {props.offset + 1}–{Math.min(props.offset + MATRIX_PAGE_SIZE, props.total)} av {props.total}, etter systemnavn.{' '}
          {props.offset > 0 ? (
            <a href={`/kravsett/${encodeURIComponent(s.id)}?fra=${Math.max(0, props.offset - MATRIX_PAGE_SIZE)}`}>Forrige side</a>
          ) : null}{' '}
          {props.offset + MATRIX_PAGE_SIZE < props.total ? (
            <a href={`/kravsett/${encodeURIComponent(s.id)}?fra=${props.offset + MATRIX_PAGE_SIZE}`}>Neste side</a>
          ) : null}
        </p>
      ) : null}
      <p>
        <a href={`/api/v1/requirement-sets/${encodeURIComponent(s.id)}.csv`}>Last ned som regneark (CSV) til konkurransegrunnlaget</a>
      </p>
    </Layout>
  );
}
