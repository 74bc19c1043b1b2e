import type { ValidationResult } from '../../engine/engine.js';
import type { LoadedProfile } from '../../profiles/manifest.js';
import { FindingList, MarkedMessage } from '../findings-view.js';
import { Layout } from '../layout.js';

/** An example message of a profile with what samsvar finds in it: a valid one has no errors, an invalid one shows the rule it breaks. */
export function ExamplePage(props: {
  profile: LoadedProfile;
  kind: 'valid' | 'invalid';
  file: string;
  text: string;
  result: ValidationResult;
}) {
  const m = props.profile.manifest;
  return (
    <Layout title={props.file} section="profiler">
      <p>
        <a href={`/profiler/${encodeURIComponent(m.id)}`}>Tilbake til {m.title}</a>
      </p>
      <h1>
        {props.kind === 'valid' ? 'Gyldig eksempel' : 'Ugyldig eksempel'}: {props.file}
      </h1>
      <h2>Funn</h2>
      <FindingList findings={props.result.findings} />
      <h2>Meldingen</h2>
      <MarkedMessage text={props.text} findings={props.result.findings} />
    </Layout>
  );
}
