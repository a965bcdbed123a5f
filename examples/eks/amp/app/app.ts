// The Managed Prometheus walkthrough's sample app (the guidance uses a Flask app): it counts requests in the
// Prometheus counter adot_app_request_count_total and serves it on /metrics for the ADOT collector to scrape and
// remote-write to the AMP workspace.
//   GET /        the endpoint to load
//   GET /metrics Prometheus exposition
import { createServer } from 'node:http';
import { Counter, Registry } from 'prom-client';

const port = Number(process.env.PORT ?? 8080);
const registry = new Registry();
const requests = new Counter({ name: 'adot_app_request_count_total', help: 'Requests served', registers: [registry] });

const server = createServer((req, res) => {
  if (req.url === '/metrics') {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    });
    return;
  }
  if (req.url === '/healthz') return res.end('ok');
  requests.inc();
  res.end('hello\n');
});
server.listen(port, () => console.log(`sample-app listening on :${port}`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
