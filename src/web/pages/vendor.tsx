import type { Submission } from '../../storage/submission-repository.js';
import type { System } from '../../storage/system-repository.js';
import type { FhirServerStatus, RunView } from '../../runs/run-service.js';
import { runRequirementsNb } from '../../testcases/run-instructions.js';
import type { Testcase } from '../../testcases/testcase.js';
import { FindingList, MarkedMessage } from '../findings-view.js';
import { Layout } from '../layout.js';
import { countNb, dateNb } from '../text-nb.js';

export function Csrf(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

function Problem(props: { text?: string }) {
  return props.text ? (
    <div class="notice bad" role="alert">
      <p>{props.text}</p>
    </div>
  ) : null;
}

export function VendorSignInPage(props: { problem?: string; next?: string }) {
  return (
    <Layout title="For leverandører" section="leverandor">
      <h1>For leverandører</h1>
      <p>
        Logg inn med API-nøkkelen leverandøren fikk ved registreringen. Nøkkelen er den samme som kommandolinjen og API-et bruker.
        Nettleseren får en sesjon som varer i åtte timer; nøkkelen lagres ikke i nettleseren.
      </p>
      <Problem text={props.problem} />
      <form class="stack" method="post" action="/leverandor/logg-inn">
        {props.next ? <input type="hidden" name="neste" value={props.next} /> : null}
        <div>
          <label for="token">API-nøkkel</label>
          <input type="password" id="token" name="token" autocomplete="current-password" required />
        </div>
        <div>
          <button type="submit">Logg inn</button>
        </div>
      </form>
      <h2>Ny leverandør?</h2>
      <p>Registrer virksomheten med organisasjonsnummeret. Dere får en API-nøkkel som bare vises én gang.</p>
      <form class="stack" method="post" action="/leverandor/registrer">
        <div>
          <label for="orgnr">Organisasjonsnummer</label>
          <input type="text" id="orgnr" name="orgnr" inputmode="numeric" autocomplete="off" required />
        </div>
        <div>
          <label for="navn">Virksomhetens navn</label>
          <input type="text" id="navn" name="navn" autocomplete="organization" required />
        </div>
        <div>
          <label for="epost">E-postadresse for kontakt</label>
          <input type="text" id="epost" name="epost" autocomplete="email" inputmode="email" required />
        </div>
        <div>
          <button type="submit" class="secondary">
            Registrer
          </button>
        </div>
      </form>
    </Layout>
  );
}

export function RegisteredPage(props: { name: string; token: string }) {
  return (
    <Layout title="Registrert" section="leverandor" signedInAs={props.name}>
      <h1>{props.name} er registrert</h1>
      <div class="notice">
        <p>Ta vare på API-nøkkelen nå. Den vises bare denne ene gangen, og samsvar lagrer den ikke i klartekst.</p>
      </div>
      <p>
        <label for="ny-nokkel">API-nøkkel</label>
        <input type="text" id="ny-nokkel" readonly value={props.token} class="mono" />
      </p>
      <p>Du er logget inn.</p>
      <p>
        <a class="button" href="/leverandor">
          Videre til systemene
        </a>
      </p>
    </Layout>
  );
}

const STATE_NB = {
  not_started: 'ikke startet',
  failing: 'ikke bestått ennå',
  passed: 'bestått',
  passed_with_deviation: 'bestått med avvik',
} as const;

export function VendorHomePage(props: {
  name: string;
  csrf: string;
  systems: System[];
  /** The registered FHIR API's server of each version that has one, by version id: verified, or the challenge to serve. */
  fhirServers: Record<string, FhirServerStatus>;
  runs: RunView[];
  profiles: Array<{ id: string; title: string }>;
  problem?: string;
  fhirProblem?: FhirApiProblem;
}) {
  const versions = props.systems.flatMap((s) => s.versions.map((v) => ({ id: v.id, label: `${s.name} ${v.version}` })));
  return (
    <Layout title="Mine systemer" section="leverandor" signedInAs={props.name}>
      <h1>Systemer og testkjøringer</h1>
      <form method="post" action="/leverandor/logg-ut">
        <Csrf token={props.csrf} />
        <button type="submit" class="secondary">
          Logg ut
        </button>
      </form>
      <Problem text={props.problem} />
      <h2>Testkjøringer</h2>
      {props.runs.length === 0 ? (
        <p>Ingen testkjøringer ennå.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Testkjøring</th>
                <th scope="col">System</th>
                <th scope="col">Profiler</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {props.runs.map((r) => (
                <tr>
                  <td>
                    <a href={`/leverandor/kjoringer/${encodeURIComponent(r.id)}`}>Startet {dateNb(r.createdAt)}</a>
                    <div class="hint mono">{r.id}</div>
                  </td>
                  <td>
                    {r.system.name} {r.system.version}
                  </td>
                  <td>{r.profiles.length}</td>
                  <td>{STATE_NB[r.status]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {versions.length > 0 ? (
        <>
          <h3>Start en testkjøring</h3>
          <form class="stack" method="post" action="/leverandor/kjoringer">
            <Csrf token={props.csrf} />
            <div>
              <label for="systemversjon">Systemversjon</label>
              <select id="systemversjon" name="systemversjon" required>
                {versions.map((v) => (
                  <option value={v.id}>{v.label}</option>
                ))}
              </select>
            </div>
            <fieldset>
              <legend>Meldingsprofiler som skal testes</legend>
              {props.profiles.map((p, i) => (
                <div>
                  <input type="checkbox" id={`profil-${i}`} name="profil" value={p.id} />{' '}
                  <label for={`profil-${i}`} class="inline">
                    {p.title}
                  </label>
                </div>
              ))}
            </fieldset>
            <div>
              <button type="submit">Start testkjøringen</button>
            </div>
          </form>
        </>
      ) : null}
      <h2>Systemer</h2>
      {props.systems.length === 0 ? (
        <p>Registrer systemet og versjonen som skal testes.</p>
      ) : (
        <ul>
          {props.systems.map((s) => (
            <li>
              {s.name}: {s.versions.length === 0 ? 'ingen versjoner' : s.versions.map(versionNb).join(', ')}
              {s.versions.length > 0 ? (
                <ul>
                  {s.versions.map((v) => (
                    <li>
                      <FhirApiForm
                        systemId={s.id}
                        label={`${s.name} ${v.version}`}
                        version={v}
                        csrf={props.csrf}
                        problem={props.fhirProblem}
                      />
                      {props.fhirServers[v.id] ? (
                        <FhirServerProof systemId={s.id} versionId={v.id} server={props.fhirServers[v.id]!} csrf={props.csrf} />
                      ) : null}
                    </li>
                  ))}
                </ul>
              ) : null}
              <form class="search" method="post" action={`/leverandor/systemer/${encodeURIComponent(s.id)}/versjoner`}>
                <Csrf token={props.csrf} />
                <div>
                  <label for={`versjon-${s.id}`}>Ny versjon av {s.name}</label>
                  <input type="text" id={`versjon-${s.id}`} name="versjon" required />
                </div>
                <div>
                  <label for={`herid-${s.id}`}>HER-id for systemets testkommunikasjonspart</label>
                  <input
                    type="text"
                    id={`herid-${s.id}`}
                    name="herid"
                    inputmode="numeric"
                    pattern="[0-9]{1,9}"
                    aria-describedby={`herid-hjelp-${s.id}`}
                  />
                  <p class="hint" id={`herid-hjelp-${s.id}`}>
                    Systemets egen part i testmiljøets adresseregister. Meldinger systemet sender i en testkjøring skal ha denne HER-id-en
                    som avsender, og samsvar sender sine meldinger til den. Påkrevd for å teste meldingsprofiler.
                  </p>
                </div>
                <div>
                  <label for={`fhir-${s.id}`}>Adressen til systemets FHIR-API</label>
                  <input type="url" id={`fhir-${s.id}`} name="fhir" aria-describedby={`fhir-hjelp-${s.id}`} />
                  <p class="hint" id={`fhir-hjelp-${s.id}`}>
                    Basisadressen, for eksempel https://fhir.leverandor.no/r4. Live-testene av versjonen kjøres bare mot denne adressen, og
                    ingen annen leverandør kan registrere den. Påkrevd for live-tester av et FHIR-API.
                  </p>
                </div>
                <div>
                  <button type="submit" class="secondary">
                    Legg til versjon
                  </button>
                </div>
              </form>
            </li>
          ))}
        </ul>
      )}
      <form class="search" method="post" action="/leverandor/systemer">
        <Csrf token={props.csrf} />
        <div>
          <label for="systemnavn">Nytt system</label>
          <input type="text" id="systemnavn" name="navn" required />
        </div>
        <div>
          <button type="submit" class="secondary">
            Registrer systemet
          </button>
        </div>
      </form>
    </Layout>
  );
}

/** A refused FHIR API address of one version: the address given and why, shown next to that version's field. */
export interface FhirApiProblem {
  versionId: string;
  value: string;
  text: string;
}

/** Registers or moves a version's FHIR API (the live tests run against it only), with its refusal next to the field. */
function FhirApiForm(props: {
  systemId: string;
  label: string;
  version: { id: string; fhirBaseUrl: string | null };
  csrf: string;
  problem?: FhirApiProblem;
}) {
  const { id: vid, fhirBaseUrl } = props.version;
  const refused = props.problem?.versionId === vid ? props.problem : undefined;
  const id = `fhir-api-${vid}`;
  return (
    <form
      class="search"
      method="post"
      action={`/leverandor/systemer/${encodeURIComponent(props.systemId)}/versjoner/${encodeURIComponent(vid)}/fhir-api`}
    >
      <Csrf token={props.csrf} />
      <div>
        <label for={id}>Adressen til FHIR-API-et for {props.label}</label>
        <input
          type="url"
          id={id}
          name="fhir"
          required
          value={refused?.value ?? fhirBaseUrl ?? ''}
          aria-describedby={refused ? `${id}-feil ${id}-hjelp` : `${id}-hjelp`}
          {...(refused ? { 'aria-invalid': 'true' } : {})}
        />
        {refused ? (
          <p id={`${id}-feil`} class="field-problem">
            {refused.text}
          </p>
        ) : null}
        <p class="hint" id={`${id}-hjelp`}>
          {fhirBaseUrl
            ? 'Flytter du API-et, teller ikke lenger live-testene som ble kjørt mot den forrige adressen. Kjør dem på nytt.'
            : 'Live-testene av versjonen kjøres bare mot denne adressen.'}
        </p>
      </div>
      <div>
        <button type="submit" class="secondary">
          {fhirBaseUrl ? 'Flytt FHIR-API-et' : 'Registrer FHIR-API-et'}
        </button>
      </div>
    </form>
  );
}

/**
 * Whether the version's FHIR server is verified as the vendor's, and if not, the challenge to serve
 * there and the button that has samsvar fetch it: until then no live test runs or counts on it.
 */
function FhirServerProof(props: { systemId: string; versionId: string; server: FhirServerStatus; csrf: string }) {
  const { server, challenge } = props.server;
  if (props.server.verified)
    return (
      <p>
        Serveren <span class="mono">{server}</span> er bekreftet som deres
        {props.server.verifiedAt ? ` (${dateNb(props.server.verifiedAt)})` : ''}.
      </p>
    );
  return (
    <form
      class="search"
      method="post"
      action={`/leverandor/systemer/${encodeURIComponent(props.systemId)}/versjoner/${encodeURIComponent(props.versionId)}/fhir-api/bekreft`}
    >
      <Csrf token={props.csrf} />
      <p>
        Serveren <span class="mono">{server}</span> er ikke bekreftet som deres, så live-tester mot den kjøres ikke og teller ikke. Vis at
        dere kontrollerer den: la adressen <span class="mono">{challenge.url}</span> svare HTTP 200 med koden{' '}
        <span class="mono">{challenge.answer}</span> som hele innholdet, og bekreft.
      </p>
      <div>
        <button type="submit" class="secondary">
          Bekreft kontroll over serveren
        </button>
      </div>
    </form>
  );
}

/** A version as the vendor's list names it, with what binds its evidence to the system: its HER-id and FHIR API. */
function versionNb(v: { version: string; herId: string | null; fhirBaseUrl: string | null }): string {
  const bound = [v.herId ? `HER-id ${v.herId}` : null, v.fhirBaseUrl ? `FHIR-API ${v.fhirBaseUrl}` : null].filter(Boolean);
  return bound.length ? `${v.version} (${bound.join(', ')})` : v.version;
}

const OUTCOME_NB = { passed: 'Bestått', passed_with_deviation: 'Bestått med avvik', failed: 'Ikke bestått' } as const;

function TestcaseRow(props: {
  run: RunView;
  tc: Testcase;
  result: RunView['profiles'][number]['testcases'][number];
  csrf: string;
  format: 'xml' | 'fhir';
}) {
  const { run, tc, result } = props;
  const base = `/leverandor/kjoringer/${encodeURIComponent(run.id)}`;
  const requirements = runRequirementsNb(tc.kind, run.testData, props.format);
  return (
    <section class="card" aria-labelledby={`tc-${tc.id}`}>
      <h4 id={`tc-${tc.id}`}>{tc.title}</h4>
      <p>
        <strong>{result.outcome ? OUTCOME_NB[result.outcome] : 'Ikke sendt inn'}</strong>
        {tc.kind === 'live' && result.verdict === 'passed' && result.outcome === 'failed'
          ? run.system.fhirServerVerified
            ? ': testen ble kjørt mot et annet FHIR-API enn det som nå er registrert på systemversjonen, så den teller ikke. Kjør den på nytt'
            : ': FHIR-serveren til systemversjonen er ikke bekreftet som deres, så testen teller ikke. Bekreft kontroll over serveren under versjonen på forsiden'
          : null}
        {result.latestSubmission ? (
          <>
            {' '}
            (<a href={`${base}/innsendinger/${encodeURIComponent(result.latestSubmission.id)}`}>siste innsending</a>, {result.submissions} i
            alt)
          </>
        ) : null}
      </p>
      <p>{tc.description}</p>
      {requirements ? <p>{requirements}</p> : null}
      {tc.kind === 'receive' ? (
        <p>
          <a href={`${base}/testtilfeller/${encodeURIComponent(tc.id)}/melding`} download={`${tc.id}.xml`}>
            Last ned meldingen samsvar har laget for denne testkjøringen
          </a>
          , les den inn i systemet og last opp applikasjonskvitteringen systemet svarer med.
        </p>
      ) : null}
      {tc.kind === 'live' ? (
        // A live test case is run against the system's FHIR API, not judged from a file: an upload here could only be refused.
        <p>
          Denne testen kjøres mot systemets FHIR-API, ikke ved å laste opp en fil,{' '}
          {run.system.fhirBaseUrl ? (
            <>
              og bare mot adressen som er registrert på systemversjonen: <span class="mono">{run.system.fhirBaseUrl}</span>
            </>
          ) : (
            <>
              men systemversjonen har ingen registrert adresse til et FHIR-API. Registrer den først under versjonen på{' '}
              <a href="/leverandor">systemsiden</a>, eller med API-nøkkelen (
              <code>
                PUT /api/v1/systems/{run.system.id}/versions/{run.systemVersionId}/fhir-base-url
              </code>
              )
            </>
          )}
          . Start testen med API-nøkkelen:{' '}
          <code>
            POST /api/v1/runs/{run.id}/testcases/{tc.id}/live
          </code>
          {tc.parameters?.length ? (
            <>
              {' '}
              med testdataene testen ber om (<code>parameters</code>: {tc.parameters.map((p) => `${p.name}: ${p.description}`).join('; ')})
            </>
          ) : null}
          . Resultatet vises her.
        </p>
      ) : (
        <form class="stack" method="post" action={`${base}/innsendinger`} enctype="multipart/form-data" data-progress="Validerer …">
          <Csrf token={props.csrf} />
          <input type="hidden" name="testtilfelle" value={tc.id} />
          <div>
            <label for={`fil-${tc.id}`}>
              {tc.kind === 'receive' ? 'Applikasjonskvitteringen fra systemet' : 'Meldingen systemet sendte'}
            </label>
            <input type="file" id={`fil-${tc.id}`} name="fil" required />
          </div>
          <div>
            <button type="submit">Last opp og vurder</button>
          </div>
          <div class="progress" aria-hidden="true">
            <progress></progress> <span>Validerer …</span>
          </div>
        </form>
      )}
    </section>
  );
}

export function RunPage(props: {
  name: string;
  csrf: string;
  run: RunView;
  testcases: Map<string, Testcase>;
  profileTitle: (id: string) => string;
  profileFormat: (id: string) => 'xml' | 'fhir';
  problem?: string;
}) {
  const r = props.run;
  const passed = r.profiles.some((p) => p.status === 'passed' || p.status === 'passed_with_deviation');
  return (
    <Layout
      title={`Testkjøring for ${r.system.name} ${r.system.version}`}
      section="leverandor"
      signedInAs={props.name}
      scripts={['progress.js']}
    >
      <p>
        <a href="/leverandor">Tilbake til systemene</a>
      </p>
      <h1>
        Testkjøring for {r.system.name} {r.system.version}
      </h1>
      <Problem text={props.problem} />
      <dl class="facts">
        <dt>Testkjøring</dt>
        <dd class="mono">{r.id}</dd>
        <dt>Startet</dt>
        <dd>{dateNb(r.createdAt)}</dd>
        <dt>Status</dt>
        <dd>{STATE_NB[r.status]}</dd>
      </dl>
      {r.testData ? (
        <section aria-labelledby="testdata">
          <h2 id="testdata">Testdata for kjøringen</h2>
          <p>
            Kjøringen har sine egne testdata. Registrer testpasienten i systemet, og bruk partene under: samsvar godtar bare meldinger og
            kvitteringer systemet har laget i denne kjøringen.
          </p>
          <dl class="facts">
            <dt>Testpasient</dt>
            <dd>
              {r.testData.patient.givenName} {r.testData.patient.familyName}, født {dateNb(r.testData.patient.dateOfBirth)}
            </dd>
            <dt>Fødselsnummer</dt>
            <dd class="mono">{r.testData.patient.fnr}</dd>
            <dt>Hjelpenummer</dt>
            <dd class="mono">{r.testData.patient.hnr}</dd>
            <dt>Mottaker av meldinger systemet sender</dt>
            <dd>
              {r.testData.samsvarParty.name}, HER-id <span class="mono">{r.testData.samsvarParty.herId}</span>
            </dd>
            <dt>Systemets egen part (avsender)</dt>
            <dd>
              {r.testData.systemParty ? (
                <>
                  HER-id <span class="mono">{r.testData.systemParty.herId}</span>
                </>
              ) : (
                'ingen HER-id registrert på systemversjonen'
              )}
            </dd>
          </dl>
        </section>
      ) : null}
      {r.profiles.map((p) => {
        const done = p.testcases.filter((t) => t.outcome === 'passed' || t.outcome === 'passed_with_deviation').length;
        return (
          <section aria-labelledby={`p-${p.profile}`}>
            <h2 id={`p-${p.profile}`}>{props.profileTitle(p.profile)}</h2>
            <p>
              {STATE_NB[p.status]}: {done} av {countNb(p.testcases.length, 'testtilfelle', 'testtilfeller')} bestått.
            </p>
            <progress max={p.testcases.length} value={done} aria-label={`Fremdrift for ${props.profileTitle(p.profile)}`}></progress>
            <div class="testcases">
              {p.testcases.map((t) => {
                const tc = props.testcases.get(t.id);
                return tc ? <TestcaseRow run={r} tc={tc} result={t} csrf={props.csrf} format={props.profileFormat(p.profile)} /> : null;
              })}
            </div>
          </section>
        );
      })}
      <h2>Utsted egenerklæring</h2>
      {passed ? (
        <form class="stack" method="post" action={`/leverandor/kjoringer/${encodeURIComponent(r.id)}/erklaering`}>
          <Csrf token={props.csrf} />
          <p>Erklæringen lister profilene som er bestått i denne testkjøringen, og signeres av ordningen.</p>
          <div>
            <label for="sted">Utstedelsessted</label>
            <input type="text" id="sted" name="sted" required />
          </div>
          <div>
            <label for="signatar">Navn på den som signerer for leverandøren</label>
            <input type="text" id="signatar" name="signatar" autocomplete="name" required />
          </div>
          <div>
            <label for="funksjon">Stilling eller rolle</label>
            <input type="text" id="funksjon" name="funksjon" autocomplete="organization-title" required />
          </div>
          <div>
            <button type="submit">Utsted erklæringen</button>
          </div>
        </form>
      ) : (
        <p>Når minst én profil er bestått, kan du utstede en egenerklæring for den her.</p>
      )}
    </Layout>
  );
}

const VERDICT_NB = { passed: 'Bestått', failed: 'Ikke bestått' } as const;

export function SubmissionPage(props: { name: string; run: RunView; submission: Submission; testcase?: Testcase; text: string }) {
  const s = props.submission;
  return (
    <Layout title="Innsending" section="leverandor" signedInAs={props.name}>
      <p>
        <a href={`/leverandor/kjoringer/${encodeURIComponent(props.run.id)}`}>Tilbake til testkjøringen</a>
      </p>
      <h1>Innsending til «{props.testcase?.title ?? s.testcaseId}»</h1>
      <div class={`notice ${s.verdict === 'passed' ? 'ok' : 'bad'}`} role="status">
        <p>
          <strong>{VERDICT_NB[s.verdict]}.</strong> Sendt inn {dateNb(s.createdAt)}. SHA-256 <code class="digest">{s.artifactSha256}</code>
        </p>
      </div>
      <h2>Funn</h2>
      <FindingList findings={s.findings} />
      <h2>Det som ble sendt inn</h2>
      <MarkedMessage text={props.text} findings={s.findings} />
    </Layout>
  );
}
