import type { AuditRecord } from '../../storage/audit-log.js';
import type { LoadedProfile } from '../../profiles/manifest.js';
import type { RegistryEntry } from '../../registry/registry-view.js';
import type { RequirementSet } from '../../requirement-sets/requirement-set.js';
import type { VendorWithIdentity } from '../../vendors/verification.js';
import { Layout } from '../layout.js';
import { countNb, dateNb, LEVEL_SHORT_NB, STATUS_NB, statusReasonNb } from '../text-nb.js';
import { Csrf } from './vendor.js';

export type AdminRole = 'admin' | 'lab';

const ROLE_NB: Record<AdminRole, string> = { admin: 'forvalter', lab: 'testlaboratorium' };
const PROFILE_STATUS_NB = { draft: 'utkast', active: 'aktiv', deprecated: 'foreldet', retired: 'faset ut' } as const;

export interface AdminProps {
  who: string;
  role: AdminRole;
  csrf: string;
  problem?: string;
  done?: string;
}

export function AdminLayout(props: AdminProps & { title: string; scripts?: string[]; children?: unknown }) {
  return (
    <Layout title={props.title} section="forvaltning" signedInAs={`${props.who} (${ROLE_NB[props.role]})`} scripts={props.scripts}>
      <nav aria-label="Forvaltning">
        <ul class="inline-list">
          <li>
            <a href="/forvaltning">Oversikt</a>
          </li>
          <li>
            <a href="/forvaltning/erklaeringer">Erklæringer</a>
          </li>
          {props.role === 'admin' ? (
            <>
              <li>
                <a href="/forvaltning/profiler">Profiler</a>
              </li>
              <li>
                <a href="/forvaltning/revalidering">Revalidering</a>
              </li>
              <li>
                <a href="/forvaltning/kravsett">Kravsett</a>
              </li>
              <li>
                <a href="/forvaltning/leverandorer">Leverandører</a>
              </li>
              <li>
                <a href="/forvaltning/revisjon">Revisjonslogg</a>
              </li>
            </>
          ) : null}
        </ul>
      </nav>
      <h1>{props.title}</h1>
      {props.problem ? (
        <div class="notice bad" role="alert">
          <p>{props.problem}</p>
        </div>
      ) : null}
      {props.done ? (
        <div class="notice ok" role="status">
          <p>{props.done}</p>
        </div>
      ) : null}
      {props.children as never}
      <form method="post" action="/forvaltning/logg-ut">
        <Csrf token={props.csrf} />
        <button type="submit" class="secondary">
          Logg ut
        </button>
      </form>
    </Layout>
  );
}

export function AdminSignInPage(props: { problem?: string }) {
  return (
    <Layout title="Forvaltning" section="forvaltning">
      <h1>Forvaltning og testlaboratorier</h1>
      <p>Logg inn med en forvalter- eller laboratorienøkkel. Leverandører logger inn under «For leverandører».</p>
      {props.problem ? (
        <div class="notice bad" role="alert">
          <p>{props.problem}</p>
        </div>
      ) : null}
      <form class="stack" method="post" action="/forvaltning/logg-inn">
        <div>
          <label for="token">Nøkkel</label>
          <input type="password" id="token" name="token" autocomplete="current-password" required />
        </div>
        <div>
          <button type="submit">Logg inn</button>
        </div>
      </form>
    </Layout>
  );
}

export function AdminHomePage(props: AdminProps & { counts: { declarations: number; active: number; profiles: number; vendors: number } }) {
  const c = props.counts;
  return (
    <AdminLayout {...props} title="Oversikt">
      <ul>
        <li>
          {countNb(c.declarations, 'erklæring', 'erklæringer')} i registeret, {countNb(c.active, 'gyldig', 'gyldige')}.
        </li>
        <li>{countNb(c.profiles, 'profil', 'profiler')}.</li>
        <li>{countNb(c.vendors, 'registrert leverandør', 'registrerte leverandører')}.</li>
      </ul>
    </AdminLayout>
  );
}

/** A form field on the declarations list that was refused, with the value given and why. */
export interface FieldProblem {
  declarationId: string;
  field: 'frist' | 'kjoring';
  value: string;
  text: string;
}

/** Marks a refused field and points it at the reason shown under it (none when the field was not refused). */
function refused(p: FieldProblem | undefined, declarationId: string, field: FieldProblem['field'], id: string) {
  if (p?.declarationId !== declarationId || p.field !== field) return { attrs: {}, reason: null };
  return {
    attrs: { 'aria-invalid': 'true', 'aria-describedby': `${id}-feil`, value: p.value },
    reason: (
      <p id={`${id}-feil`} class="field-problem">
        {p.text}
      </p>
    ),
  };
}

export function AdminDeclarationsPage(
  props: AdminProps & {
    entries: RegistryEntry[];
    fieldProblem?: FieldProblem;
    testcaseTitle: (id: string) => string;
    /** This page's place in the registry, newest first: links to the newer and older pages. */
    paging: { total: number; offset: number; pageSize: number };
  },
) {
  const { total, offset, pageSize } = props.paging;
  const pager =
    total > pageSize ? (
      <nav aria-label="Sider" class="pager">
        <p>
          Erklæring {Math.min(offset + 1, total)}–{Math.min(offset + pageSize, total)} av {total}.{' '}
          {offset > 0 ? <a href={`/forvaltning/erklaeringer?fra=${Math.max(0, offset - pageSize)}`}>Nyere</a> : null}{' '}
          {offset + pageSize < total ? <a href={`/forvaltning/erklaeringer?fra=${offset + pageSize}`}>Eldre</a> : null}
        </p>
      </nav>
    ) : null;
  return (
    <AdminLayout {...props} title="Erklæringer">
      {props.entries.length === 0 ? <p>Ingen erklæringer.</p> : null}
      {pager}
      {props.entries.map((e) => {
        const d = e.declaration;
        const active = e.status.status === 'active';
        const run = refused(props.fieldProblem, d.id, 'kjoring', `kj-${d.id}`);
        const deadline = refused(props.fieldProblem, d.id, 'frist', `frist-${d.id}`);
        return (
          <section class="card" aria-labelledby={`d-${d.id}`}>
            <h2 id={`d-${d.id}`}>
              <a href={`/erklaering/${encodeURIComponent(d.id)}`}>
                {d.product.name} {d.product.version}
              </a>
            </h2>
            <p>
              {d.manufacturer.name}. {LEVEL_SHORT_NB[e.assuranceLevel]}.{' '}
              <span class={`badge ${e.status.status}`}>{STATUS_NB[e.status.status]}</span> {statusReasonNb(e.status)}
            </p>
            {active && props.role === 'lab' && d.assuranceLevel === 'B' && e.assuranceLevel === 'B' ? (
              <>
                <form method="post" action={`/forvaltning/erklaeringer/${encodeURIComponent(d.id)}/testkjoring`}>
                  <Csrf token={props.csrf} />
                  <button type="submit">Start laboratoriets testkjøring</button>
                </form>
                <form class="stack" method="post" action={`/forvaltning/erklaeringer/${encodeURIComponent(d.id)}/bekreft`}>
                  <Csrf token={props.csrf} />
                  <label for={`kj-${d.id}`}>Laboratoriets testkjøring (id)</label>
                  <input id={`kj-${d.id}`} name="kjoring" required {...run.attrs} />
                  {run.reason}
                  <fieldset>
                    <legend>Testtilfeller laboratoriet kjørte på nytt (ingen valgt: alle)</legend>
                    {d.testCases.map((t, i) => (
                      <div>
                        <input type="checkbox" id={`lt-${d.id}-${i}`} name="testtilfelle" value={t.id} />{' '}
                        <label class="inline" for={`lt-${d.id}-${i}`}>
                          {props.testcaseTitle(t.id)}
                        </label>
                      </div>
                    ))}
                  </fieldset>
                  <button type="submit">Bekreft nivå C etter laboratoriets testkjøring</button>
                </form>
              </>
            ) : null}
            {active && props.role === 'admin' ? (
              <>
                <form class="stack" method="post" action={`/forvaltning/erklaeringer/${encodeURIComponent(d.id)}/stikkprove`}>
                  <Csrf token={props.csrf} />
                  <fieldset>
                    <legend>Stikkprøve: testtilfeller leverandøren må kjøre på nytt</legend>
                    {d.testCases.map((t, i) => (
                      <div>
                        <input type="checkbox" id={`sp-${d.id}-${i}`} name="testtilfelle" value={t.id} />{' '}
                        <label class="inline" for={`sp-${d.id}-${i}`}>
                          {props.testcaseTitle(t.id)}
                        </label>
                      </div>
                    ))}
                  </fieldset>
                  <div>
                    <label for={`frist-${d.id}`}>Frist</label>
                    <input type="date" id={`frist-${d.id}`} name="frist" required {...deadline.attrs} />
                    {deadline.reason}
                  </div>
                  <div>
                    <button type="submit" class="secondary">
                      Be om stikkprøve
                    </button>
                  </div>
                </form>
                <form class="stack" method="post" action={`/forvaltning/erklaeringer/${encodeURIComponent(d.id)}/tilbakekall`}>
                  <Csrf token={props.csrf} />
                  <div>
                    <label for={`grunn-${d.id}`}>Begrunnelse for tilbakekalling</label>
                    <input type="text" id={`grunn-${d.id}`} name="begrunnelse" required />
                  </div>
                  <div>
                    <button type="submit">Trekk tilbake erklæringen</button>
                  </div>
                </form>
              </>
            ) : null}
          </section>
        );
      })}
    </AdminLayout>
  );
}

export interface ProfileImpact {
  profile: LoadedProfile;
  status: 'draft' | 'active' | 'deprecated' | 'retired';
  /** The newest of them (a page); declarationTotal counts all. `through`: the profiles using this one that the declaration lists instead. */
  declarations: (RegistryEntry & { through?: string[] })[];
  declarationTotal: number;
  /** Runs opened against the served version that have not led to a declaration. */
  runs: { runId: string; createdAt: string }[];
  /** The imported versions administrators manage (none for a shipped profile). */
  versions: {
    version: string;
    status: 'draft' | 'active' | 'deprecated' | 'retired';
    importedAt: string;
    replacement: string | null;
    retestDeadline: string | null;
    served: boolean;
  }[];
}

export function AdminProfilesPage(props: AdminProps & { profiles: ProfileImpact[] }) {
  return (
    <AdminLayout {...props} title="Profiler">
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Profil</th>
              <th scope="col">Versjon</th>
              <th scope="col">Status</th>
              <th scope="col">Gyldige erklæringer som lister den</th>
            </tr>
          </thead>
          <tbody>
            {props.profiles.map((p) => (
              <tr>
                <td>
                  <a href={`/forvaltning/profiler/${encodeURIComponent(p.profile.manifest.id)}`}>{p.profile.manifest.title}</a>
                </td>
                <td>{p.profile.manifest.version}</td>
                <td>{PROFILE_STATUS_NB[p.status]}</td>
                <td>{p.declarationTotal}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </AdminLayout>
  );
}

export function AdminProfilePage(props: AdminProps & { impact: ProfileImpact }) {
  const { profile, status, declarations, declarationTotal } = props.impact;
  const m = profile.manifest;
  return (
    <AdminLayout {...props} title={m.title}>
      <p>
        Profil <span class="mono">{m.id}</span>, versjon {m.version}, status {PROFILE_STATUS_NB[status]}.
      </p>
      <h2>Konsekvenser av å fase ut profilen</h2>
      {declarations.length === 0 ? (
        <p>
          Ingen gyldige erklæringer bygger på denne profilen, verken direkte eller gjennom en profil som bruker den. Å fase den ut rammer
          ingen erklæringer.
        </p>
      ) : (
        <>
          <p>
            {countNb(declarationTotal, 'gyldig erklæring', 'gyldige erklæringer')} bygger på profilen og utløper når den fases ut
            {declarationTotal > declarations.length ? `; de ${declarations.length} nyeste er` : ''}:
          </p>
          <ul class="impact">
            {declarations.map((e) => (
              <li>
                <a href={`/erklaering/${encodeURIComponent(e.declaration.id)}`}>
                  {e.declaration.product.name} {e.declaration.product.version}
                </a>{' '}
                ({e.declaration.manufacturer.name})
                {e.through ? (
                  <>
                    {' '}
                    – gjennom <span class="mono">{e.through.join(', ')}</span>, som bruker reglene i denne profilen
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Åpne testkjøringer mot versjon {m.version}</h2>
      {props.impact.runs.length === 0 ? (
        <p>Ingen åpne testkjøringer bruker denne versjonen.</p>
      ) : (
        <p>
          {countNb(props.impact.runs.length, 'testkjøring', 'testkjøringer')} uten erklæring bruker denne versjonen. Når profilen fases ut,
          kan {props.impact.runs.length === 1 ? 'den' : 'de'} ikke lenger føre til en erklæring.
        </p>
      )}
      {props.impact.versions.length > 0 ? (
        <>
          <h2>Versjoner</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Versjon</th>
                  <th scope="col">Status</th>
                  <th scope="col">Importert</th>
                  <th scope="col">Merknad</th>
                </tr>
              </thead>
              <tbody>
                {props.impact.versions.map((v) => (
                  <tr>
                    <td>
                      {v.version}
                      {v.served ? ' (i bruk)' : ''}
                    </td>
                    <td>{PROFILE_STATUS_NB[v.status]}</td>
                    <td>{dateNb(v.importedAt)}</td>
                    <td>
                      {v.replacement ? `Erstattes av ${v.replacement}. ` : ''}
                      {v.retestDeadline ? `Erklæringer for eldre versjoner må testes på nytt innen ${dateNb(v.retestDeadline)}.` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {props.impact.versions.some((v) => !v.served) ? (
            <>
              <h2>Ta i bruk en ny versjon</h2>
              <p>Erklæringer som er testet mot en annen versjon, må testes på nytt innen fristen. Ellers utløper de.</p>
              <form class="stack" method="post" action={`/forvaltning/profiler/${encodeURIComponent(m.id)}/publiser`}>
                <Csrf token={props.csrf} />
                <div>
                  <label for="versjon">Versjon</label>
                  <select id="versjon" name="versjon">
                    {props.impact.versions
                      .filter((v) => !v.served)
                      .map((v) => (
                        <option value={v.version}>
                          {v.version} ({PROFILE_STATUS_NB[v.status]})
                        </option>
                      ))}
                  </select>
                </div>
                <div>
                  <label for="frist">Frist for ny test</label>
                  <input type="date" id="frist" name="frist" />
                </div>
                <div>
                  <label for="publiser-begrunnelse">Begrunnelse</label>
                  <input type="text" id="publiser-begrunnelse" name="begrunnelse" />
                </div>
                <div>
                  <button type="submit">Ta i bruk versjonen</button>
                </div>
              </form>
            </>
          ) : null}
        </>
      ) : null}
      <h2>Endre status</h2>
      <form class="stack" method="post" action={`/forvaltning/profiler/${encodeURIComponent(m.id)}/status`}>
        <Csrf token={props.csrf} />
        <div>
          <label for="status">Ny status</label>
          <select id="status" name="status">
            {(['active', 'draft', 'deprecated', 'retired'] as const).map((s) => (
              <option value={s} selected={s === status}>
                {PROFILE_STATUS_NB[s]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="begrunnelse">Begrunnelse</label>
          <input type="text" id="begrunnelse" name="begrunnelse" required />
        </div>
        <div>
          <button type="submit">Lagre status</button>
        </div>
      </form>
    </AdminLayout>
  );
}

const LEVEL_NB = { mandatory: 'Påkrevd', recommended: 'Anbefalt' } as const;

export function AdminRequirementSetsPage(
  props: AdminProps & { sets: RequirementSet[]; profiles: LoadedProfile[]; editing?: RequirementSet },
) {
  const e = props.editing;
  const levelOf = (id: string) => e?.requirements.find((r) => r.profile === id)?.level ?? '';
  const directionOf = (id: string) => e?.requirements.find((r) => r.profile === id)?.direction ?? '';
  return (
    <AdminLayout {...props} title="Kravsett">
      <ul>
        {props.sets.map((s) => (
          <li>
            <a href={`/forvaltning/kravsett?rediger=${encodeURIComponent(s.id)}`}>{s.title}</a>{' '}
            <span class="hint">({s.requirements.length} krav)</span>
          </li>
        ))}
      </ul>
      <h2>{e ? `Rediger «${e.title}»` : 'Nytt kravsett'}</h2>
      <form class="stack" method="post" action="/forvaltning/kravsett">
        <Csrf token={props.csrf} />
        <div>
          <label for="ks-id">ID (små bokstaver, tall og bindestrek)</label>
          <input type="text" id="ks-id" name="id" value={e?.id ?? ''} required readonly={e ? true : undefined} />
        </div>
        <div>
          <label for="ks-tittel">Tittel</label>
          <input type="text" id="ks-tittel" name="tittel" value={e?.title ?? ''} required />
        </div>
        <div>
          <label for="ks-tjeneste">Tjenestetype</label>
          <input type="text" id="ks-tjeneste" name="tjeneste" value={e?.serviceType ?? ''} required />
        </div>
        <div>
          <label for="ks-grunnlag">Grunnlag (forskrift eller katalog)</label>
          <input type="text" id="ks-grunnlag" name="grunnlag" value={e?.basis ?? ''} />
        </div>
        <div class="table-wrap">
          <table>
            <caption>Krav per profil</caption>
            <thead>
              <tr>
                <th scope="col">Profil</th>
                <th scope="col">Krav</th>
                <th scope="col">Retning</th>
              </tr>
            </thead>
            <tbody>
              {props.profiles.map((p, i) => (
                <tr>
                  <th scope="row">
                    <label for={`niva-${i}`}>{p.manifest.title}</label>
                    <input type="hidden" name="profil" value={p.manifest.id} />
                  </th>
                  <td>
                    <select id={`niva-${i}`} name="niva">
                      <option value="">Ikke med</option>
                      {(['mandatory', 'recommended'] as const).map((l) => (
                        <option value={l} selected={levelOf(p.manifest.id) === l}>
                          {LEVEL_NB[l]}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <select name="retning" aria-label={`Retning for ${p.manifest.title}`}>
                      <option value="">Begge</option>
                      <option value="send" selected={directionOf(p.manifest.id) === 'send'}>
                        Sender
                      </option>
                      <option value="receive" selected={directionOf(p.manifest.id) === 'receive'}>
                        Mottar
                      </option>
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <button type="submit">Lagre kravsettet</button>
        </div>
      </form>
    </AdminLayout>
  );
}

export function AdminVendorsPage(props: AdminProps & { vendors: VendorWithIdentity[] }) {
  const unverified = props.vendors.filter((v) => v.identity === 'unverified');
  return (
    <AdminLayout {...props} title="Leverandører">
      <p>
        En leverandør er ikke verifisert før forvaltningen har slått opp organisasjonsnummeret i Enhetsregisteret (data.brreg.no) og sett at
        enheten finnes, ikke er slettet og har navnet leverandøren registrerte. Erklæringene til en leverandør som ikke er verifisert,
        merkes slik i registeret.
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Leverandør</th>
              <th scope="col">Organisasjonsnummer</th>
              <th scope="col">Registrert</th>
              <th scope="col">Identitet</th>
            </tr>
          </thead>
          <tbody>
            {props.vendors.map((v) => (
              <tr>
                <td>{v.name}</td>
                <td class="mono">{v.orgNumber}</td>
                <td>{dateNb(v.createdAt)}</td>
                <td>
                  {v.verification
                    ? `Verifisert ${dateNb(v.verification.verifiedAt)} av ${v.verification.verifiedBy}: ${v.verification.checked}`
                    : 'Ikke verifisert'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {unverified.map((v) => (
        <section class="card" aria-labelledby={`v-${v.id}`}>
          <h2 id={`v-${v.id}`}>
            Verifiser {v.name} ({v.orgNumber})
          </h2>
          <form class="stack" method="post" action={`/forvaltning/leverandorer/${encodeURIComponent(v.id)}/verifiser`}>
            <Csrf token={props.csrf} />
            <label for={`rn-${v.id}`}>Navn i Enhetsregisteret</label>
            <input id={`rn-${v.id}`} name="navn" required maxlength={200} />
            <label for={`ck-${v.id}`}>Hva du kontrollerte (kilde, dato, hva som stemte)</label>
            <textarea id={`ck-${v.id}`} name="kontrollert" required minlength={10} maxlength={2000}></textarea>
            <button type="submit">Verifiser leverandøren</button>
          </form>
        </section>
      ))}
    </AdminLayout>
  );
}

export function AdminAuditPage(props: AdminProps & { entries: AuditRecord[]; older?: string }) {
  return (
    <AdminLayout {...props} title="Revisjonslogg">
      <p>Alle endringer i tjenesten, eldste først. Loggen kan bare utvides, aldri endres.</p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Nr.</th>
              <th scope="col">Tid</th>
              <th scope="col">Hvem</th>
              <th scope="col">Handling</th>
              <th scope="col">Objekt</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((a) => (
              <tr>
                <td>{a.seq}</td>
                <td>
                  {new Intl.DateTimeFormat('nb-NO', { dateStyle: 'short', timeStyle: 'medium', timeZone: 'Europe/Oslo' }).format(
                    new Date(a.at),
                  )}
                </td>
                <td class="mono">{a.actor}</td>
                <td class="mono">{a.action}</td>
                <td class="mono">
                  {a.objectType} {a.objectId}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.older ? (
        <p>
          <a href={props.older}>Neste side</a>
        </p>
      ) : null}
    </AdminLayout>
  );
}
