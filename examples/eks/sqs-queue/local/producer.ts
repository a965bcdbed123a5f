// The walkthrough's producer loop, against any SQS endpoint: creates the queue if needed and sends COUNT messages
// one SendMessage call at a time (the walkthrough's 500 `aws sqs send-message` calls).
//   AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
//     node --import tsx producer.ts 500
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const count = Number(process.argv[2] ?? process.env.COUNT ?? 500);
if (!Number.isInteger(count) || count < 0) throw new Error(`producer: the message count must be a whole number, got '${process.argv[2]}'`);
const queueName = process.env.QUEUE_NAME ?? 'app-queue';
const sqs = new SQSClient({
  region: process.env.AWS_REGION ?? 'us-west-2',
  ...(process.env.AWS_ENDPOINT_URL ? { endpoint: process.env.AWS_ENDPOINT_URL } : {}),
});
const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl;
for (let i = 0; i < count; i++) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `order ${i}` }));
sqs.destroy();
console.log(`sent ${count} messages to ${queueUrl}`);
