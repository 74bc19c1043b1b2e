import { Layout } from '../layout.js';
import { countNb } from '../text-nb.js';

export interface FrontPageFacts {
  declarations: number;
  systems: number;
  profiles: number;
}

/** What samsvar is, and a way in for each kind of user. */
export function FrontPage(props: { facts: FrontPageFacts }) {
  const f = props.facts;
  return (
    <Layout title="Forside" section="forside">
      <h1>Hvilke meldingsstandarder støtter EPJ-systemet?</h1>
      <p>
        samsvar er godkjenningsordningen for meldingsstandarder i elektroniske pasientjournalsystemer (EPJ). Leverandørene tester systemene
        sine mot standardene for Hodemelding, dialogmelding, PLO-meldinger, henvisning, epikrise, laboratoriesvar og FHIR-profilene, og får
        en signert egenerklæring som viser hvilke meldingsprofiler systemet har bestått. Alle erklæringer står i et åpent register, og hvem
        som helst kan kontrollere signaturen.
      </p>
      <p>
        Registeret har nå {countNb(f.declarations, 'erklæring', 'erklæringer')} for {countNb(f.systems, 'systemversjon', 'systemversjoner')}
        , og ordningen har {countNb(f.profiles, 'meldingsprofil', 'meldingsprofiler')}.
      </p>
      <div class="cards">
        <section class="card" aria-labelledby="kommune">
          <h2 id="kommune">Kommuner og innkjøpere</h2>
          <p>Finn ut hvilke systemer som støtter meldingene tjenesten deres trenger, før dere kjøper.</p>
          <ul>
            <li>
              <a href="/register">Søk i registeret</a> etter system, leverandør eller meldingsprofil.
            </li>
            <li>
              <a href="/kravsett">Sammenlign systemer mot et kravsett</a> for sykehjem, hjemmetjeneste, legekontor eller legevakt.
            </li>
            <li>Kontroller signaturen på en erklæring direkte på erklæringens side.</li>
          </ul>
        </section>
        <section class="card" aria-labelledby="leverandor">
          <h2 id="leverandor">EPJ-leverandører</h2>
          <p>Test systemet mot meldingsprofilene, se nøyaktig hva som er feil, og utsted en signert egenerklæring.</p>
          <ul>
            <li>
              <a href="/validering">Valider en melding</a> uten å logge inn. Ingenting lagres.
            </li>
            <li>
              <a href="/profiler">Les profilene og testtilfellene</a> og se hvordan meldingene vurderes.
            </li>
            <li>
              <a href="/leverandor">Logg inn</a> for å kjøre testene og utstede erklæringer.
            </li>
          </ul>
        </section>
        <section class="card" aria-labelledby="forvaltning">
          <h2 id="forvaltning">Forvaltning og testlaboratorier</h2>
          <p>
            Norsk helsenett forvalter profilene og testtilfellene, verifiserer leverandører, tar stikkprøver og trekker tilbake erklæringer.
          </p>
          <ul>
            <li>
              <a href="/forvaltning">Logg inn i forvaltningen</a>.
            </li>
          </ul>
        </section>
      </div>
    </Layout>
  );
}
