// The CloudWatch walkthrough's web API: it counts its own requests and, every PUSH_INTERVAL_MS (1 s), calls
// CloudWatch PutMetricData with the requests per second of that interval — namespace MyApiNamespace, metric
// RequestPerSecond, unit Count/Second, dimension Host=<pod name>. The ScaledObject averages it over the pods.
//   GET /        the endpoint to load (WORK_MS of simulated work)
//   GET /healthz readiness
// On EKS the pod's ServiceAccount role needs cloudwatch:PutMetricData (app-policy.json). AWS_ENDPOINT_URL points
// it at another endpoint (moto, in local/).
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const port = Number(process.env.PORT ?? 8080);
const intervalMs = Number(process.env.PUSH_INTERVAL_MS ?? 1000);
const workMs = Number(process.env.WORK_MS ?? 20);
// The pod name (Kubernetes sets HOSTNAME to it); `updraft up` names its instances myapi-deployment-0, -1, ...
const host = process.env.UPDRAFT_INSTANCE ?? process.env.HOSTNAME ?? hostname();
const cloudwatch = new CloudWatchClient({
  region: process.env.AWS_REGION ?? 'us-east-2',
  ...(process.env.AWS_ENDPOINT_URL ? { endpoint: process.env.AWS_ENDPOINT_URL } : {}),
});

let served = 0;
const server = createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  served++;
  setTimeout(() => res.end('hello\n'), workMs);
});

async function push(): Promise<void> {
  const count = served;
  served = 0;
  const value = count / (intervalMs / 1000);
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: 'MyApiNamespace',
      MetricData: [{ MetricName: 'RequestPerSecond', Unit: 'Count/Second', Value: value, Dimensions: [{ Name: 'Host', Value: host }] }],
    }),
  );
  console.log(`pushed RequestPerSecond=${value} Host=${host}`);
}

// One push at a time: a slow PutMetricData never overlaps the next.
let pushing = Promise.resolve();
const timer = setInterval(() => {
  pushing = pushing.then(push).catch((e: Error) => console.error(`PutMetricData failed: ${e.message}`));
}, intervalMs);

server.listen(port, () => console.log(`myapi ${host} listening on :${port}, pushing every ${intervalMs} ms`));

process.once('SIGTERM', () => {
  clearInterval(timer);
  server.close();
  // The last interval's requests are pushed before exit.
  void pushing
    .then(push)
    .catch((e: Error) => console.error(`PutMetricData failed: ${e.message}`))
    .finally(() => {
      cloudwatch.destroy();
      process.exit(0);
    });
});
