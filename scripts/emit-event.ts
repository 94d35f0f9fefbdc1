// `npm run event -- <name> [dataTime] [--port 3000] [--source acme.local]`: puts an event on
// the embedded runtime's bus through `POST /v1/events`, the same envelope and rules as AWS.
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { port: { type: 'string' }, source: { type: 'string', default: 'rondo-cli.local' } },
});
const [name, dataTime] = positionals;
if (!name) {
  console.error('Usage: npm run event -- <event name> [dataTime ISO 8601] [--port 3000] [--source NAME]');
  process.exit(2);
}
const port = values.port ?? process.env.RONDO_PORT ?? '3000';
const response = await fetch(`http://127.0.0.1:${port}/v1/events`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    Source: values.source,
    DetailType: name,
    Detail: dataTime ? { dataTime } : {},
  }),
});
console.log(response.status, await response.text());
process.exit(response.ok ? 0 : 1);
