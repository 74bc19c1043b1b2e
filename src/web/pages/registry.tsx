import type { RegistryEntry } from '../../registry/registry-view.js';
import { Layout } from '../layout.js';
import { countNb, dateNb, DIRECTION_SHORT_NB, LEVEL_SHORT_NB, STATUS_NB, statusReasonNb, retestNb } from '../text-nb.js';

export interface RegistryFilter {
  q?: string;
  leverandor?: string;
  system?: string;
  profil?: string;
  standard?: string;
  status?: RegistryEntry['status']['status'];
  niva?: 'A' | 'B' | 'C';
}

export interface Option {
  value: string;
  label: string;
}

export interface RegistryPageProps {
  filter: RegistryFilter;
  entries: RegistryEntry[];
  total: number;
  offset: number;
  pageSize: number;
  profiles: Option[];
  standards: Option[];
  query: (changes: Record<string, string | undefined>) => string;
}

const STATUS_OPTIONS: Option[] = (['active', 'revoked', 'superseded', 'expired'] as const).map((s) => ({ value: s, label: STATUS_NB[s] }));
const LEVEL_OPTIONS: Option[] = (['A', 'B', 'C'] as const).map((l) => ({ value: l, label: LEVEL_SHORT_NB[l] }));

function Select(props: { name: string; label: string; options: Option[]; value?: string; any: string }) {
  return (
    <div>
      <label for={`f-${props.name}`}>{props.label}</label>
      <select id={`f-${props.name}`} name={props.name}>
        <option value="">{props.any}</option>
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function TextField(props: { name: string; label: string; value?: string; hint?: string }) {
  return (
    <div>
      <label for={`f-${props.name}`}>{props.label}</label>
      <input type="search" id={`f-${props.name}`} name={props.name} value={props.value ?? ''} />
    </div>
  );
}

/** The public registry: search and filter, each row leads to its declaration. */
export function RegistryPage(p: RegistryPageProps) {
  const f = p.filter;
  const from = p.total === 0 ? 0 : p.offset + 1;
  const to = Math.min(p.offset + p.pageSize, p.total);
  return (
    <Layout title="Registeret" section="register">
      <h1>Registeret over egenerklæringer</h1>
      <p>
        Hver erklæring gjelder én versjon av ett EPJ-system og lister meldingsprofilene systemet har bestått. Nivå B er testet i samsvar,
        nivå C er i tillegg bekreftet av et testlaboratorium. Nivå A er leverandørens egen erklæring på grunnlag av dokumentasjon, uten
        test.
      </p>
      <form class="search" method="get" action="/register" role="search" aria-label="Søk i registeret">
        <TextField name="q" label="Fritekst" value={f.q} />
        <TextField name="leverandor" label="Leverandør eller organisasjonsnummer" value={f.leverandor} />
        <TextField name="system" label="System" value={f.system} />
        <Select name="standard" label="Standard" options={p.standards} value={f.standard} any="Alle standarder" />
        <Select name="profil" label="Meldingsprofil" options={p.profiles} value={f.profil} any="Alle profiler" />
        <Select name="status" label="Status" options={STATUS_OPTIONS} value={f.status} any="Alle statuser" />
        <Select name="niva" label="Nivå" options={LEVEL_OPTIONS} value={f.niva} any="Alle nivåer" />
        <div>
          <button type="submit">Søk</button>
        </div>
      </form>
      <p role="status">
        {p.total === 0
          ? 'Ingen erklæringer passer søket.'
          : `Viser ${from}–${to} av ${countNb(p.total, 'erklæring', 'erklæringer')}, nyeste først.`}
      </p>
      {p.total > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Erklæringer som passer søket</caption>
            <thead>
              <tr>
                <th scope="col">System og versjon</th>
                <th scope="col">Leverandør</th>
                <th scope="col">Meldingsprofiler</th>
                <th scope="col">Nivå</th>
                <th scope="col">Status</th>
                <th scope="col">Utstedt</th>
              </tr>
            </thead>
            <tbody>
              {p.entries.map((e) => {
                const d = e.declaration;
                return (
                  <tr>
                    <td>
                      <a href={`/erklaering/${encodeURIComponent(d.id)}`}>
                        {d.product.name} {d.product.version}
                      </a>
                    </td>
                    <td>
                      {d.manufacturer.name} <span class="mono">({d.manufacturer.organisasjonsnummer})</span>
                      {e.manufacturerIdentity === 'verified' ? null : <div class="hint">Leverandøren er ikke verifisert</div>}
                    </td>
                    <td>
                      <ul>
                        {d.conformsTo.map((c) => (
                          <li>
                            {c.title} <span class="hint">({DIRECTION_SHORT_NB[c.direction]})</span>
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>{LEVEL_SHORT_NB[e.assuranceLevel]}</td>
                    <td>
                      <span class={`badge ${e.status.status}`}>{STATUS_NB[e.status.status]}</span>
                      {e.status.cause ? <div class="hint">{statusReasonNb(e.status)}</div> : null}
                      {e.status.retestRequired ? <div class="hint">{retestNb(e.status)}</div> : null}
                    </td>
                    <td>{dateNb(d.issuedAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {p.total > p.pageSize ? (
        <nav class="pager" aria-label="Sider">
          {p.offset > 0 ? <a href={p.query({ fra: String(Math.max(0, p.offset - p.pageSize)) })}>Forrige side</a> : null}
          {to < p.total ? <a href={p.query({ fra: String(p.offset + p.pageSize) })}>Neste side</a> : null}
        </nav>
      ) : null}
    </Layout>
  );
}
