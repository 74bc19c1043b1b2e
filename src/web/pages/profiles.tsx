import type { LoadedProfile } from '../../profiles/manifest.js';
import type { Testcase } from '../../testcases/testcase.js';
import type { LifecycleStatus, StandardGroup } from '../../profiles/standards.js';
import { Layout } from '../layout.js';
import { countNb } from '../text-nb.js';
import { runRequirementsNb } from '../../testcases/run-instructions.js';

const STATUS_NB = { draft: 'utkast', active: 'aktiv', deprecated: 'foreldet', retired: 'faset ut' } as const;

/** The profile catalogue: every standard with its versions, message types, test cases by direction and code-list completeness, each profile one click away. */
export function ProfileListPage(props: { standards: StandardGroup[] }) {
  return (
    <Layout title="Profiler og testtilfeller" section="profiler">
      <h1>Meldingsprofiler og testtilfeller</h1>
      <p>
        En meldingsprofil er én meldingstype i én versjon av en standard, med skjema, forretningsregler og kodeverk. Hver profil har
        testtilfeller som sier hva systemet skal gjøre og hvordan samsvar vurderer resultatet: «sender» når systemet lager meldingen,
        «mottar» når systemet leser en melding samsvar har laget og svarer med en applikasjonskvittering.
      </p>
      <nav aria-label="Standarder">
        <ul class="inline-list">
          {props.standards.map((g) => (
            <li>
              <a href={`#std-${slug(g.id)}`}>{g.name}</a>
            </li>
          ))}
        </ul>
      </nav>
      {props.standards.map((g) => (
        <section aria-labelledby={`std-${slug(g.id)}`}>
          <h2 id={`std-${slug(g.id)}`}>{g.name}</h2>
          {g.versions.map((v) => (
            <>
              <h3>Versjon {v.version}</h3>
              <p>
                {countNb(v.testcasesByDirection.send, 'testtilfelle', 'testtilfeller')} for sending og {v.testcasesByDirection.receive} for
                mottak.{' '}
                {v.codelistsComplete
                  ? 'Alle kodeverkene standarden bruker, kontrolleres.'
                  : `Kodeverk som ikke kontrolleres fordi samsvar ikke har en fullstendig liste: ${v.codelistsNotShipped.map((c) => `${c.oid} ${c.name}`).join('; ')}.`}
              </p>
              <ul>
                {v.profiles.map((p) => (
                  <li>
                    <a href={`/profiler/${encodeURIComponent(p.id)}`}>{p.title}</a>{' '}
                    <span class="hint">
                      ({STATUS_NB[p.status]}, {countNb(p.testcases, 'testtilfelle', 'testtilfeller')})
                    </span>
                  </li>
                ))}
              </ul>
            </>
          ))}
        </section>
      ))}
    </Layout>
  );
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9æøå]+/g, '-');
}

const KIND_NB = {
  submit: 'Systemet sender: last opp meldingen systemet lager.',
  receive: 'Systemet mottar: samsvar lager en melding for testkjøringen, systemet leser den og svarer med en applikasjonskvittering.',
  live: 'Systemet tilbyr et FHIR-API: samsvar leser og søker i det og validerer ressursene det svarer med.',
} as const;

const APPREC_STATUS_NB: Record<string, string> = { '1': 'OK', '2': 'Avvist', '3': 'OK med feil i deler av meldingen' };

function TestcaseDetails(props: { tc: Testcase; format: 'xml' | 'fhir' }) {
  const tc = props.tc;
  const assertions = tc.kind === 'live' ? [] : (tc.expect.assertions ?? []);
  return (
    <section class="card" aria-labelledby={`tc-${tc.id}`}>
      <h3 id={`tc-${tc.id}`}>{tc.title}</h3>
      <p class="hint">
        <span class="mono">{tc.id}</span>. {KIND_NB[tc.kind as keyof typeof KIND_NB] ?? ''}
      </p>
      <p>{tc.description}</p>
      {runRequirementsNb(tc.kind, null, props.format) ? <p>{runRequirementsNb(tc.kind, null, props.format)}</p> : null}
      <h4>Slik vurderes det</h4>
      <ul>
        {tc.kind === 'live' ? (
          <li>Hvert steg må lykkes, og hver ressurs API-et svarer med må være gyldig etter profilen.</li>
        ) : tc.kind === 'receive' ? (
          <li>
            Applikasjonskvitteringen må være gyldig og ha status{' '}
            {tc.expect.apprec.status.map((s) => `${s} (${APPREC_STATUS_NB[s] ?? s})`).join(' eller ')}, og referere til meldingen samsvar
            sendte.
          </li>
        ) : (
          <li>Meldingen må være gyldig etter profilen: skjema, forretningsregler, kodeverk og identifikatorer.</li>
        )}
        {assertions.map((a) => (
          <li>
            <span class="mono">{a.id}</span>
            {a.severity === 'warning' ? ' (advarsel)' : ''}: {a.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ProfilePage(props: {
  profile: LoadedProfile;
  testcases: Testcase[];
  examples: { valid: string[]; invalid: string[] };
  standardName: string;
  /** The lifecycle status now: the administrators' decision, else the manifest's. */
  status: LifecycleStatus;
}) {
  const m = props.profile.manifest;
  const detect = m.kind === 'xml' && m.detect ? (Array.isArray(m.detect) ? m.detect : [m.detect]) : [];
  const namespaces = [...new Set(detect.map((d) => d.documentNamespace ?? d.rootNamespace))];
  const msgTypes = [...new Set(detect.map((d) => d.msgType).filter((t): t is string => !!t))];
  const exampleLink = (kind: 'valid' | 'invalid', file: string) =>
    `/profiler/${encodeURIComponent(m.id)}/eksempler/${kind}/${encodeURIComponent(file)}`;
  return (
    <Layout title={m.title} section="profiler">
      <p>
        <a href="/profiler">Alle profiler</a>
      </p>
      <h1>{m.title}</h1>
      <dl class="facts">
        <dt>Standard</dt>
        <dd>{props.standardName}</dd>
        <dt>Profil-ID</dt>
        <dd class="mono">{m.id}</dd>
        <dt>Versjon</dt>
        <dd>{m.version}</dd>
        <dt>Status</dt>
        <dd>{STATUS_NB[props.status]}</dd>
        <dt>Format</dt>
        <dd>{m.kind === 'xml' ? 'XML-melding' : 'FHIR R4-ressurs'}</dd>
        {namespaces.length ? (
          <>
            <dt>Navnerom</dt>
            <dd class="mono">{namespaces.join(', ')}</dd>
          </>
        ) : null}
        {msgTypes.length ? (
          <>
            <dt>Meldingstype (MsgInfo/Type)</dt>
            <dd class="mono">{msgTypes.join(', ')}</dd>
          </>
        ) : null}
        {m.kind === 'fhir' ? (
          <>
            <dt>Kanonisk URL</dt>
            <dd class="mono">{m.url}</dd>
          </>
        ) : null}
        <dt>Sjekksum (SHA-256)</dt>
        <dd>
          <code class="digest">{props.profile.sha256}</code>
        </dd>
      </dl>
      <h2>Testtilfeller</h2>
      {props.testcases.length === 0 ? (
        <p>Profilen har ingen testtilfeller ennå.</p>
      ) : (
        <div class="cards">
          {props.testcases.map((tc) => (
            <TestcaseDetails tc={tc} format={m.kind} />
          ))}
        </div>
      )}
      <h2>Eksempelmeldinger</h2>
      <h3>Gyldige</h3>
      {props.examples.valid.length === 0 ? (
        <p>Ingen.</p>
      ) : (
        <ul>
          {props.examples.valid.map((f) => (
            <li>
              <a href={exampleLink('valid', f)}>{f}</a>
            </li>
          ))}
        </ul>
      )}
      <h3>Ugyldige, med regelen de bryter</h3>
      {props.examples.invalid.length === 0 ? (
        <p>Ingen.</p>
      ) : (
        <ul>
          {props.examples.invalid.map((f) => (
            <li>
              <a href={exampleLink('invalid', f)}>{f}</a>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}
