// The walkthrough's consumer, against any SQS endpoint: receive one message (long poll), work WORK_MS, delete it;
// until SIGTERM. `updraft up` runs one per replica (updraft.yaml), as the Deployment runs one per pod.
import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as delay } from 'node:timers/promises';

const workMs = Number(process.env.WORK_MS ?? 2000);
const instance = process.env.UPDRAFT_INSTANCE ?? process.env.HOSTNAME ?? 'consumer';
const sqs = new SQSClient({
  region: process.env.AWS_REGION ?? 'us-west-2',
  ...(process.env.AWS_ENDPOINT_URL ? { endpoint: process.env.AWS_ENDPOINT_URL } : {}),
});
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
process.once('SIGINT', () => stop.abort());

const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: process.env.QUEUE_NAME ?? 'app-queue' }));
console.log(`${instance} consuming ${QueueUrl}`);
while (!stop.signal.aborted) {
  try {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 5 }), { abortSignal: stop.signal });
    for (const m of out.Messages ?? []) {
      await delay(workMs, undefined, { signal: stop.signal });
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
      console.log(`${instance} done: ${m.Body}`);
    }
  } catch (e) {
    if (!stop.signal.aborted) throw e;
  }
}
sqs.destroy();
