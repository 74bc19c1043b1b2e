/**
 * Told when the engine starts and ends compiling what it validates with (a profile's schemas and
 * rules, the FHIR definitions): work done once per engine, not per message. The validation pool's
 * workers use it to keep that work out of a validation's time limit.
 */
export interface PreparationObserver {
  start(): void;
  end(): void;
}
