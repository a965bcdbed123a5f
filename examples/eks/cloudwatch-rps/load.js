// k6 run load.js — the walkthrough's load: 16 virtual users, one request per second each, for 10 minutes.
//   kubectl port-forward svc/myapi 8080:80 &   TARGET=http://127.0.0.1:8080/ k6 run load.js
import http from 'k6/http';
import { sleep } from 'k6';

export const options = { vus: 16, duration: '10m' };

export default function () {
  http.get(__ENV.TARGET || 'http://127.0.0.1:8080/');
  sleep(1);
}
