import type { DeclarationView } from '../../declarations/render/declaration-view.js';
import { Layout } from '../layout.js';
import { evidenceNameNb, usedProfilesNb } from '../../declarations/render/labels-nb.js';
import { dateNb, DIRECTION_SHORT_NB, LEVEL_NB, STATUS_NB, statusReasonNb, retestNb, waivedNb } from '../text-nb.js';

/** One declaration for a reader in a municipality: who, what, how strong, whether it still holds, and a check of its signature in the browser. */
export function DeclarationPage(props: { view: DeclarationView }) {
  const v = props.view;
  const d = v.declaration;
  const api = `/api/v1/declarations/${encodeURIComponent(d.id)}`;
  const labConfirmations = v.countersignatures.filter((c) => c.confirmedBy.role === 'lab');
  return (
    <Layout title={`${d.product.name} ${d.product.version}`} section="register" scripts={['verify-declaration.js']}>
      <p>
        <a href="/register">Tilbake til registeret</a>
      </p>
      <h1>
        Egenerklæring for {d.product.name} {d.product.version}
      </h1>
      <div class={`notice ${v.status.status === 'active' ? 'ok' : 'bad'}`}>
        <p>
          <strong>Status: {STATUS_NB[v.status.status]}</strong>
          {statusReasonNb(v.status) ? ` ${statusReasonNb(v.status)}` : '.'} {retestNb(v.status)}
        </p>
      </div>
      {v.assuranceLevel === 'A' ? (
        <p class="notice">
          Tillitsnivå A: leverandørens egen erklæring på grunnlag av vedlagt dokumentasjon. Samsvar har ikke testet systemet.
        </p>
      ) : null}
      <dl class="facts">
        <dt>Leverandør</dt>
        <dd>
          {d.manufacturer.name}, organisasjonsnummer <span class="mono">{d.manufacturer.organisasjonsnummer}</span>
          {v.manufacturerIdentity === 'verified' ? (
            ' (verifisert mot Enhetsregisteret av forvaltningen)'
          ) : (
            <strong> (ikke verifisert: navn og organisasjonsnummer er slik leverandøren selv registrerte dem)</strong>
          )}
        </dd>
        <dt>System</dt>
        <dd>
          {d.product.name}, versjon {d.product.version}
        </dd>
        <dt>Tillitsnivå</dt>
        <dd>{LEVEL_NB[v.assuranceLevel]}</dd>
        <dt>Utstedt</dt>
        <dd>
          {dateNb(d.issuedAt)} i {d.placeOfIssue}, signert for leverandøren av {d.signatory.name} ({d.signatory.function})
        </dd>
        <dt>Gyldig til</dt>
        <dd>{dateNb(d.expiresAt)}</dd>
        <dt>Grunnlag</dt>
        <dd>
          {d.validator && d.runId
            ? `Testkjøring ${d.runId} i samsvar ${d.validator.version}`
            : 'Ikke testet i samsvar: egenerklært på grunnlag av dokumentasjon'}
        </dd>
        <dt>Erklæring-ID</dt>
        <dd class="mono">{d.id}</dd>
      </dl>

      <h2>Erklæringen</h2>
      <p>{d.statement}</p>

      <h2>Meldingsprofiler</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Profil</th>
              <th scope="col">Versjon</th>
              <th scope="col">Retning</th>
              <th scope="col">Sjekksum for profilen (SHA-256)</th>
            </tr>
          </thead>
          <tbody>
            {d.conformsTo.map((p) => (
              <tr>
                <td>
                  <a href={`/profiler/${encodeURIComponent(p.profile)}`}>{p.title}</a>
                </td>
                <td>{p.version}</td>
                <td>{DIRECTION_SHORT_NB[p.direction]}</td>
                <td>
                  <code class="digest">{p.profileSha256}</code>
                  {usedProfilesNb(p).map((u) => (
                    <div>
                      {u.text}: <code class="digest">{u.sha256}</code>
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Bevis</h2>
      {d.testCases.length === 0 ? (
        <p>Ingen testtilfeller: erklæringen er ikke testet i samsvar.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Testtilfelle</th>
                <th scope="col">Innsendt fra systemet</th>
              </tr>
            </thead>
            <tbody>
              {d.testCases.map((t) => (
                <tr>
                  <td>
                    <span class="mono">{t.id}</span>
                    {t.waived?.length ? <div>{waivedNb(t)}</div> : null}
                  </td>
                  <td>
                    <ul>
                      {t.evidence.map((e) => (
                        <li>
                          {evidenceNameNb(e.name)}: <code class="digest">{e.sha256}</code>
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {d.documentation?.length ? (
        <>
          <h3>Dokumentasjon</h3>
          <ul>
            {d.documentation.map((x) => (
              <li>
                {x.name} ({x.size} byte): <code class="digest">{x.sha256}</code>
              </li>
            ))}
          </ul>
        </>
      ) : null}

      <h2>Avvik</h2>
      {d.deviations.length === 0 ? (
        <p>Ingen avvik.</p>
      ) : (
        <ul>
          {d.deviations.map((x) => (
            <li>
              {x.profile}, regel <span class="mono">{x.ruleId}</span>: {x.justification}. Frist {dateNb(x.deadline)}.
            </li>
          ))}
        </ul>
      )}

      <h2>Bekreftelse fra testlaboratorium</h2>
      {labConfirmations.length === 0 ? (
        <p>Ingen testlaboratorium har bekreftet erklæringen.</p>
      ) : (
        <ul>
          {labConfirmations.map((c) => (
            <li>
              Testlaboratorium: <strong>{c.confirmedBy.name}</strong>, {dateNb(c.at)}: {c.statement}
              {c.retest ? (
                <>
                  {' '}
                  Kjørt på nytt i laboratoriets testkjøring {c.retest.runId}: {c.retest.testCases.map((t) => t.id).join(', ')}.
                </>
              ) : null}
            </li>
          ))}
        </ul>
      )}

      <h2 id="kontroll">Kontroller signaturen</h2>
      <p>
        Erklæringen er signert av ordningen. Knappen under henter den signerte erklæringen og ordningens offentlige nøkler og kontrollerer
        signaturen i nettleseren din, uten å stole på denne siden.
      </p>
      <button type="button" id="verify" data-jws={`${api}.jws`} data-jwks="/.well-known/jwks.json" data-id={d.id}>
        Kontroller signaturen
      </button>
      <div id="verify-result" class="verify-result" role="status" aria-live="polite"></div>

      <h2>Last ned</h2>
      <ul>
        <li>
          <a href={`${api}.jws`} download={`${d.id}.jws`}>
            Signert erklæring (JWS)
          </a>
        </li>
        <li>
          <a href={`${api}.pdf`}>Erklæringen som PDF</a>
        </li>
        <li>
          <a href={`${api}.fhir.json`}>Erklæringen som FHIR-ressurs (TestReport)</a>
        </li>
        <li>
          <a href="/.well-known/jwks.json">Ordningens offentlige nøkler (JWKS)</a>
        </li>
      </ul>
    </Layout>
  );
}
