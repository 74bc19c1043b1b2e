import { osloTimeNb } from '../../core/oslo-day.js';
import { countNb } from '../text-nb.js';
import type { LoadedProfile } from '../../profiles/manifest.js';
import type { Revalidation } from '../../storage/revalidation-store.js';
import type { RevalidationView } from '../../runs/revalidation.js';
import { AdminLayout, type AdminProps } from './admin.js';
import { Csrf } from './vendor.js';

const STATUS_NB = { queued: 'i kø', running: 'pågår', done: 'ferdig' } as const;
const VERDICT_NB = { passed: 'bestått', failed: 'ikke bestått' } as const;

function Progress(props: { job: Revalidation }) {
  const j = props.job;
  return (
    <p>
      <progress value={j.done} max={Math.max(j.total, 1)} aria-label="Fremdrift">
        {j.done} av {j.total}
      </progress>{' '}
      {j.done} av {countNb(j.total, 'innsending', 'innsendinger')} kjørt på nytt ({STATUS_NB[j.status]}), {j.changed} med endret resultat
      {j.skipped ? `, ${j.skipped} kunne ikke kjøres på nytt (live-tester eller testtilfeller som ikke lenger finnes)` : ''}.
    </p>
  );
}

export function AdminRevalidationsPage(props: AdminProps & { jobs: Revalidation[]; profiles: LoadedProfile[] }) {
  return (
    <AdminLayout {...props} title="Revalidering">
      <p>
        Etter en rettelse i en profil kan lagrede innsendinger kjøres på nytt mot versjonen tjenesten har lastet nå. Innsendingene beholder
        resultatet de fikk; her ser du hvilke som ville fått et annet resultat.
      </p>
      <form class="stack" method="post" action="/forvaltning/revalidering">
        <Csrf token={props.csrf} />
        <div>
          <label for="profil">Profil</label>
          <select id="profil" name="profil" required>
            {props.profiles.map((p) => (
              <option value={p.manifest.id}>
                {p.manifest.title} ({p.manifest.id} {p.manifest.version})
              </option>
            ))}
          </select>
        </div>
        <div>
          <button type="submit">Kjør innsendingene på nytt</button>
        </div>
      </form>
      <h2>Kjøringer</h2>
      {props.jobs.length === 0 ? (
        <p>Ingen revalideringer ennå.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Profil</th>
                <th scope="col">Versjon</th>
                <th scope="col">Startet</th>
                <th scope="col">Status</th>
                <th scope="col">Kjørt</th>
                <th scope="col">Endret resultat</th>
              </tr>
            </thead>
            <tbody>
              {props.jobs.map((j) => (
                <tr>
                  <td>
                    <a href={`/forvaltning/revalidering/${encodeURIComponent(j.id)}`}>{j.profileId}</a>
                  </td>
                  <td>{j.profileVersion}</td>
                  <td>{osloTimeNb(j.createdAt)}</td>
                  <td>{STATUS_NB[j.status]}</td>
                  <td>
                    {j.done} av {j.total}
                  </td>
                  <td>{j.changed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </AdminLayout>
  );
}

/** The progress block the page script replaces while the job runs (id fremdrift, data-status). */
export function RevalidationProgress(props: { job: RevalidationView }) {
  const j = props.job;
  return (
    <div id="fremdrift" data-status={j.status} role="status">
      <Progress job={j} />
      {j.runnableHere ? null : (
        <p>Denne instansen har lastet en annen versjon av profilen enn kjøringen ble startet for, og tar ikke del i den.</p>
      )}
      <h2>Innsendinger med endret resultat</h2>
      {j.changedItems.length === 0 ? (
        <p>{j.status === 'done' ? 'Ingen innsendinger fikk et annet resultat.' : 'Ingen så langt.'}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Innsending</th>
                <th scope="col">Testtilfelle</th>
                <th scope="col">Før</th>
                <th scope="col">Nå</th>
                <th scope="col">Feil nå</th>
              </tr>
            </thead>
            <tbody>
              {j.changedItems.map((i) => (
                <tr>
                  <td class="mono">{i.submissionId}</td>
                  <td class="mono">{i.testcaseId}</td>
                  <td>{VERDICT_NB[i.oldVerdict]}</td>
                  <td>{i.newVerdict ? VERDICT_NB[i.newVerdict] : '–'}</td>
                  <td class="mono">{i.newErrors.join(', ') || '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function AdminRevalidationPage(props: AdminProps & { job: RevalidationView }) {
  const j = props.job;
  return (
    <AdminLayout {...props} title={`Revalidering av ${j.profileId} ${j.profileVersion}`} scripts={['progress.js']}>
      <RevalidationProgress job={j} />
      {j.status === 'done' ? null : (
        <p>
          <a href={`/forvaltning/revalidering/${encodeURIComponent(j.id)}`}>Oppdater</a> (siden oppdaterer seg selv når JavaScript er på)
        </p>
      )}
      <p>
        <a href="/forvaltning/revalidering">Alle revalideringer</a>
      </p>
    </AdminLayout>
  );
}
