import type { Child } from 'hono/jsx';
import { assetUrl } from './assets.js';

export type Section = 'forside' | 'register' | 'kravsett' | 'profiler' | 'validering' | 'leverandor' | 'forvaltning';

const NAV: Array<{ section: Section; href: string; label: string }> = [
  { section: 'register', href: '/register', label: 'Registeret' },
  { section: 'kravsett', href: '/kravsett', label: 'Kravsett' },
  { section: 'profiler', href: '/profiler', label: 'Profiler og testtilfeller' },
  { section: 'validering', href: '/validering', label: 'Valider en melding' },
  { section: 'leverandor', href: '/leverandor', label: 'For leverandører' },
];

export interface LayoutProps {
  title: string;
  section: Section;
  children?: Child;
  /** Scripts this page needs, by asset name; every other page runs none. */
  scripts?: string[];
  /** Shown under the heading area for a signed-in user. */
  signedInAs?: string;
}

/** Every page: bokmål, landmarks, a skip link, the site navigation with the current section marked. */
export function Layout(props: LayoutProps) {
  return (
    <html lang="nb">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} – samsvar`}</title>
        <link rel="stylesheet" href={assetUrl('samsvar.css')} />
        {(props.scripts ?? []).map((s) => (
          <script src={assetUrl(s)} defer></script>
        ))}
      </head>
      <body>
        <a class="skip" href="#innhold">
          Hopp til innholdet
        </a>
        <header class="site">
          <a class="brand" href="/">
            samsvar
          </a>
          <span class="tagline">Godkjenningsordningen for meldingsstandarder i EPJ-systemer</span>
          <nav aria-label="Hovedmeny">
            <ul>
              {NAV.map((n) => (
                <li>
                  <a href={n.href} aria-current={n.section === props.section ? 'page' : undefined}>
                    {n.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          {props.signedInAs ? <p class="signed-in">Innlogget som {props.signedInAs}</p> : null}
        </header>
        <main id="innhold" tabindex={-1}>
          {props.children}
        </main>
        <footer class="site">
          <p>
            samsvar tester og registrerer egenerklæringer om meldingsstandarder. Maskinlesbart grensesnitt:{' '}
            <a href="/api/v1/docs">API-dokumentasjon</a>.
          </p>
        </footer>
      </body>
    </html>
  );
}
