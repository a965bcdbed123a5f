// Starts a real Apache Kafka broker (KRaft, broker + controller in one JVM) from the Maven Central artifacts that
// scripts/deps/kafka.sh installs, on loopback with random ports and a temporary log dir. Listeners:
//   plaintext      PLAINTEXT
//   sasl           SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (one user, SCRAM credentials
//                  written at storage format time)
//   ssl            SSL with a test CA, client certificates required
//   mskIam         SASL_SSL with OAUTHBEARER validated as AWS MSK IAM tokens (test/support/kafka-msk-validator)
//   oauth          SASL_PLAINTEXT with OAUTHBEARER and Kafka's own unsecured-JWT validator (for the client
//                  credentials token provider: a test token endpoint hands out unsecured JWTs)
// Stop it with `stop()`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { freePort } from './free-port.ts';
import { certFactory, type Pem } from './openssl-certs.ts';
import { eventually, waitFor } from './wait.ts';

/** A client error with its nested errors' codes (for test failure messages). */
function describeError(e: unknown, depth = 0): string {
  const o = e as { message?: string; code?: string; apiId?: string; errors?: unknown[]; cause?: unknown };
  if (!o || depth > 5) return '';
  const inner = [...(o.errors ?? []), ...(o.cause ? [o.cause] : [])].map((x) => describeError(x, depth + 1)).filter(Boolean);
  return `${o.apiId ?? o.code ?? ''} ${o.message ?? ''}${inner.length ? ` [${inner.join('; ')}]` : ''}`.trim();
}

export const KAFKA_VERSION = '4.1.1';

export function kafkaHome(): string {
  return join(process.env.UPDRAFT_CACHE ?? join(homedir(), '.cache', 'updraft'), 'kafka', KAFKA_VERSION);
}

export interface KafkaBroker {
  plaintext: string;
  sasl: string;
  ssl: string;
  mskIam: string;
  oauth: string;
  user: { username: string; password: string };
  /** The MSK IAM listener's key pair and region (what the validator verifies signatures against). */
  msk: { accessKeyId: string; secretAccessKey: string; region: string };
  ca: Pem;
  client: Pem;
  /** The client key encrypted with `clientKeyPassword` (PKCS#8). */
  clientKeyEncrypted: string;
  clientKeyPassword: string;
  createTopic(name: string, partitions: number): Promise<void>;
  /** Produce `count` messages to each given partition. */
  produce(topic: string, perPartition: Record<number, number>): Promise<void>;
  /** Set the group's committed offsets (the group must have no active members). */
  commit(group: string, topic: string, offsets: Record<number, number>): Promise<void>;
  /** The broker's stderr tail (the MSK validator logs there). */
  stderr(): string;
  stop(): Promise<void>;
}

export async function startKafka(): Promise<KafkaBroker> {
  const home = kafkaHome();
  const libs = join(home, 'libs');
  const validator = join(home, 'msk-validator', 'current');
  if (!existsSync(join(home, '.installed')) || !existsSync(validator)) throw new Error(`Kafka not installed at ${home}; run scripts/deps/kafka.sh`);
  const dir = mkdtempSync(join(tmpdir(), 'updraft-kafka-'));
  const certs = certFactory();
  const ca = certs.ca('kafka-ca');
  const server = certs.leaf('kafka-server', ca, { cn: '127.0.0.1', usage: 'server', hosts: ['127.0.0.1', 'localhost'] });
  const client = certs.leaf('kafka-client', ca, { cn: 'updraft', usage: 'client' });
  const clientKeyPassword = 'client-key-pass';
  const encryptedKeyFile = join(certs.dir, 'client-enc.key');
  spawnSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', client.keyFile, '-out', encryptedKeyFile, '-passout', `pass:${clientKeyPassword}`], {
    stdio: 'ignore',
  });
  const { readFileSync } = await import('node:fs');
  const clientKeyEncrypted = readFileSync(encryptedKeyFile, 'utf8');
  const keystore = join(dir, 'server-keystore.pem');
  writeFileSync(keystore, `${server.key}\n${server.cert}`);

  const [plain, controller, sasl, ssl, mskIam, oauth] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const user = { username: 'alice', password: 'alice-secret' };
  const msk = { accessKeyId: 'AKIAUPDRAFTTEST', secretAccessKey: 'msk-test-secret/key+value', region: 'eu-west-1' };
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${plain},CONTROLLER://127.0.0.1:${controller},SASL_PLAINTEXT://127.0.0.1:${sasl},SSL://127.0.0.1:${ssl},SASL_SSL://127.0.0.1:${mskIam},OAUTH://127.0.0.1:${oauth}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${plain},SASL_PLAINTEXT://127.0.0.1:${sasl},SSL://127.0.0.1:${ssl},SASL_SSL://127.0.0.1:${mskIam},OAUTH://127.0.0.1:${oauth}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,OAUTH:SASL_PLAINTEXT',
    'listener.name.oauth.sasl.enabled.mechanisms=OAUTHBEARER',
    'listener.name.oauth.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${user.username}="${user.password}";`,
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.sasl.enabled.mechanisms=OAUTHBEARER',
    `listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required accessKeyId="${msk.accessKeyId}" secretAccessKey="${msk.secretAccessKey}" region="${msk.region}" unsecuredLoginStringClaim_sub="broker";`,
    'listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class=dev.updraft.MskIamValidator',
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${keystore}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${ca.certFile}`,
    'listener.name.ssl.ssl.client.auth=required',
    'ssl.endpoint.identification.algorithm=',
    `log.dirs=${join(dir, 'data')}`,
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'log.flush.interval.messages=1000000',
  ].join('\n');
  const propsFile = join(dir, 'server.properties');
  writeFileSync(propsFile, `${props}\n`);
  const log4j = join(dir, 'log4j2.properties');
  writeFileSync(
    log4j,
    [
      'status=error',
      'appender.console.type=Console',
      'appender.console.name=STDERR',
      'appender.console.target=SYSTEM_ERR',
      'appender.console.layout.type=PatternLayout',
      'appender.console.layout.pattern=%p %m (%c)%n',
      'rootLogger.level=WARN',
      'rootLogger.appenderRef.stderr.ref=STDERR',
    ].join('\n'),
  );
  const classpath = `${libs}/*:${validator}`;
  // Fast JVM start for a short-lived test broker: client compiler only, serial GC, small heap.
  const jvm = ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto', `-Dlog4j2.configurationFile=${log4j}`, '-cp', classpath];
  const format = spawnSync(
    'java',
    [
      ...jvm,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      'dXBkcmFmdC10ZXN0LWNsdQ',
      '-c',
      propsFile,
      '--add-scram',
      `SCRAM-SHA-256=[name=${user.username},password=${user.password}]`,
      '--add-scram',
      `SCRAM-SHA-512=[name=${user.username},password=${user.password}]`,
    ],
    { encoding: 'utf8' },
  );
  if (format.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    certs.cleanup();
    throw new Error(`kafka storage format failed: ${format.stdout}\n${format.stderr}`);
  }
  const child: ChildProcess = spawn('java', [...jvm, 'kafka.Kafka', propsFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-20000);
  });
  const plaintext = `127.0.0.1:${plain}`;
  const admin = new Admin({ clientId: 'test-setup', bootstrapBrokers: [plaintext], retries: 0, connectTimeout: 1000 });

  const stop = async () => {
    await admin.close().catch(() => undefined);
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
    rmSync(dir, { recursive: true, force: true });
    certs.cleanup();
  };
  try {
    await waitFor(
      'kafka broker',
      async () => {
        if (child.exitCode !== null) throw new Error(`broker exited ${child.exitCode}`);
        try {
          await Promise.race([admin.listTopics(), new Promise((_, reject) => setTimeout(() => reject(new Error('slow')), 2000).unref())]);
          return true;
        } catch {
          return false;
        }
      },
      60_000,
      200,
    );
  } catch (e) {
    await stop();
    throw new Error(`kafka broker did not start: ${(e as Error).message}\n${stderr}`);
  }

  return {
    plaintext,
    sasl: `127.0.0.1:${sasl}`,
    ssl: `127.0.0.1:${ssl}`,
    mskIam: `127.0.0.1:${mskIam}`,
    oauth: `127.0.0.1:${oauth}`,
    user,
    msk,
    ca,
    client,
    clientKeyEncrypted,
    clientKeyPassword,
    async createTopic(name, partitions) {
      await admin.createTopics({ topics: [name], partitions, replicas: 1 });
      await waitFor(
        `topic ${name} leaders`,
        async () => {
          const md = await admin.metadata({ topics: [name], forceUpdate: true }).catch(() => undefined);
          const t = md?.topics.get(name);
          return !!t && t.partitionsCount === partitions && t.partitions.every((p) => p.leader >= 0);
        },
        30_000,
        100,
      );
    },
    async produce(topic, perPartition) {
      // Idempotent, so a retried batch (a first send to a new topic may time out on a busy machine) is not
      // written twice; the latest offsets are checked afterwards, since the tests assert exact lags.
      const latest = () =>
        eventually(
          `latest offsets of ${topic}`,
          async () => {
            const ids = Object.keys(perPartition).map(Number);
            const r = await admin
              .listOffsets({ topics: [{ name: topic, partitions: ids.map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) }] })
              .catch((e: unknown) => {
                throw new Error(describeError(e));
              });
            return new Map(r[0].partitions.map((x) => [x.partitionIndex, Number(x.offset)]));
          },
          30_000,
          200,
        );
      const before = await latest();
      const producer = new Producer({ clientId: 'test-producer', bootstrapBrokers: [plaintext], serializers: stringSerializers, idempotent: true, acks: -1 });
      try {
        const messages = Object.entries(perPartition).flatMap(([partition, n]) =>
          Array.from({ length: n }, (_, i) => ({ topic, partition: Number(partition), key: `k${i}`, value: `m${i}` })),
        );
        for (let i = 0; i < messages.length; i += 500) await producer.send({ messages: messages.slice(i, i + 500) });
      } finally {
        await producer.close();
      }
      const after = await latest();
      for (const [partition, n] of Object.entries(perPartition)) {
        const got = (after.get(Number(partition)) ?? 0) - (before.get(Number(partition)) ?? 0);
        if (got !== n) throw new Error(`produce to ${topic}/${partition}: ${got} messages written, wanted ${n}`);
      }
    },
    async commit(group, topic, offsets) {
      // The first commit creates __consumer_offsets: the coordinator answers "not available" until it is loaded.
      let last: unknown;
      await waitFor(
        `commit of ${group}`,
        async () => {
          try {
            await admin.alterConsumerGroupOffsets({
              groupId: group,
              topics: [
                {
                  name: topic,
                  partitionOffsets: Object.entries(offsets).map(([partition, offset]) => ({ partition: Number(partition), offset: BigInt(offset) })),
                },
              ],
            });
            return true;
          } catch (e) {
            last = e;
            const codes = JSON.stringify((e as { errors?: Array<{ apiId?: string }> }).errors?.map((x) => x.apiId) ?? []);
            if (!/COORDINATOR|NOT_COORDINATOR|LOAD_IN_PROGRESS/.test(codes)) throw e;
            return false;
          }
        },
        30_000,
        100,
      ).catch((e: unknown) => {
        throw last ?? e;
      });
    },
    stderr: () => stderr,
    stop,
  };
}
