import { SamsvarError } from '../core/samsvar-error.js';
import { configFromEnv } from '../server/config.js';
import { serveUntilSignalled } from './lifecycle.js';

/** `npm start`: the service on PORT with SQLite in SAMSVAR_DATA, or PostgreSQL from DATABASE_URL. */
serveUntilSignalled(configFromEnv)
  .then((code) => process.exit(code))
  .catch((e) => {
    console.error(e instanceof SamsvarError ? `samsvar: ${e.detail}` : e);
    process.exit(1);
  });
