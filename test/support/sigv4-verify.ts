// Verifies a recorded SigV4 request with an independent implementation: Python botocore's SigV4Auth (installed with
// moto by scripts/deps/moto.sh), recomputing the signature from the request and the secret key.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { CapturedRequest } from './capture-server.ts';
import { motoVenv } from './moto.ts';

const VERIFY_PY = `
import json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
a = json.load(sys.stdin)
h = {k.lower(): v for k, v in a['headers'].items()}
auth = h['authorization']
parts = dict(p.strip().split('=', 1) for p in auth[len('AWS4-HMAC-SHA256 '):].split(','))
signed = parts['SignedHeaders'].split(';')
scope = parts['Credential'].split('/')
class Fixed(SigV4Auth):
    def headers_to_sign(self, request):
        out = super().headers_to_sign(request)
        for k in list(out.keys()):
            if k not in signed:
                del out[k]
        return out
creds = Credentials(a['accessKeyId'], a['secretAccessKey'], a.get('sessionToken'))
req = AWSRequest(method=a['method'], url=a['url'], headers={k: v for k, v in h.items() if k in signed and k != 'authorization'}, data=a['body'])
req.context['timestamp'] = h['x-amz-date']
signer = Fixed(creds, scope[3], scope[2])
canonical = signer.canonical_request(req)
sts = signer.string_to_sign(req, canonical)
sig = signer.signature(sts, req)
print(json.dumps({'ok': sig == parts['Signature'], 'service': scope[3], 'region': scope[2], 'accessKeyId': scope[0], 'signedHeaders': signed}))
`;

export interface SigV4Check {
  ok: boolean;
  service: string;
  region: string;
  accessKeyId: string;
  signedHeaders: string[];
}

/** `baseUrl` is the scheme+host the request was sent to (the captured URL is only the path and query). */
export function verifySigV4(req: CapturedRequest, baseUrl: string, creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): SigV4Check {
  const python = join(motoVenv(), 'bin', 'python');
  const input = JSON.stringify({ ...creds, method: req.method, url: `${baseUrl}${req.url}`, headers: req.headers, body: req.body });
  const r = spawnSync(python, ['-c', VERIFY_PY], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`botocore verifier failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as SigV4Check;
}
