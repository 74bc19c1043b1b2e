import type { ValidationResult } from '../../engine/engine.js';
import { FindingList, MarkedMessage } from '../findings-view.js';
import { Layout } from '../layout.js';

export interface ValidatorOutcome {
  result: ValidationResult;
  text: string;
  profileTitle?: string;
}

/** Anyone can paste or upload a message and see its findings on the message's lines; nothing is stored. */
export function ValidatorPage(props: {
  profiles: Array<{ id: string; title: string }>;
  chosen?: string;
  outcome?: ValidatorOutcome;
  problem?: string;
  text?: string;
}) {
  const o = props.outcome;
  const errors = o?.result.findings.filter((f) => f.severity === 'error').length ?? 0;
  return (
    <Layout title="Valider en melding" section="validering" scripts={['progress.js']}>
      <h1>Valider en melding</h1>
      <p>
        Lim inn en XML-melding eller en FHIR-ressurs (JSON), eller last opp en fil. samsvar sjekker den med de samme reglene som i
        testkjøringene: skjema, forretningsregler, kodeverk og identifikatorer. Meldingen lagres ikke. Bruk bare syntetiske testdata, aldri
        opplysninger om virkelige pasienter.
      </p>
      <form class="stack" method="post" action="/validering" enctype="multipart/form-data" data-progress="Validerer meldingen …">
        <div>
          <label for="melding">Meldingen</label>
          <p class="hint" id="melding-hint">
            Lim inn hele meldingen, eller velg en fil under.
          </p>
          <textarea id="melding" name="melding" aria-describedby="melding-hint" spellcheck={false}>
            {props.text ?? ''}
          </textarea>
        </div>
        <div>
          <label for="fil">Eller last opp en fil</label>
          <input type="file" id="fil" name="fil" accept=".xml,.json,application/xml,text/xml,application/fhir+json,application/json" />
        </div>
        <div>
          <label for="profil">Profil</label>
          <select id="profil" name="profil">
            <option value="">Finn profilen automatisk</option>
            {props.profiles.map((p) => (
              <option value={p.id} selected={p.id === props.chosen}>
                {p.title} ({p.id})
              </option>
            ))}
          </select>
        </div>
        <div>
          <button type="submit">Valider</button>
        </div>
        <div class="progress" aria-hidden="true">
          <progress></progress> <span>Validerer meldingen …</span>
        </div>
      </form>
      {props.problem ? (
        <div class="notice bad" role="alert">
          <p>{props.problem}</p>
        </div>
      ) : null}
      {o ? (
        <section aria-labelledby="resultat">
          <h2 id="resultat" tabindex={-1}>
            Resultat
          </h2>
          <div class={`notice ${o.result.valid ? 'ok' : 'bad'}`} role="status">
            <p>
              <strong>{o.result.valid ? 'Meldingen er gyldig' : `Meldingen er ikke gyldig: ${errors} feil`}</strong>
              {o.result.profile
                ? ` etter profilen ${o.profileTitle ?? o.result.profile} (${o.result.profile}${o.result.profileVersion ? ` ${o.result.profileVersion}` : ''}).`
                : '.'}
            </p>
          </div>
          <h3>Funn</h3>
          <FindingList findings={o.result.findings} />
          <h3>Meldingen</h3>
          <MarkedMessage text={o.text} findings={o.result.findings} />
        </section>
      ) : null}
    </Layout>
  );
}
