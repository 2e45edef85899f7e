/** An operator's HTTP session with the console, as a browser keeps it: one cookie, the CSRF token of the last form. */
import https from 'node:https';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

interface Sent {
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** One request over HTTPS trusting only `ca` (a self-signed certificate verified, not waved through). */
function httpsSend(url: string, sent: Sent, ca: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: sent.method, headers: sent.headers, ca, servername: 'localhost' }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
        }
        resolve({ status: response.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.on('error', reject);
    request.end(sent.body);
  });
}

async function fetchSend(url: string, sent: Sent): Promise<Answer> {
  const response = await fetch(url, { method: sent.method, redirect: 'manual', headers: sent.headers, ...(sent.body !== undefined ? { body: sent.body } : {}) });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export class ConsoleClient {
  cookie = '';
  csrf = '';

  /** `options.ca`: the base is HTTPS with this certificate (PEM) as the only one trusted. */
  constructor(
    readonly base: string,
    private readonly options: { ca?: string } = {},
  ) {}

  /** A request with the session cookie; remembers a new cookie and the page's CSRF token. */
  async request(path: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Answer> {
    const sent: Sent = {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    };
    const url = `${this.base}${path}`;
    const answer = this.options.ca ? await httpsSend(url, sent, this.options.ca) : await fetchSend(url, sent);
    const set = answer.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0] ?? '';
    const token = /name="_csrf" value="([^"]+)"/.exec(answer.text)?.[1];
    if (token) this.csrf = token;
    return answer;
  }

  /** Logs in through the login form; the status of the answer to the POST. */
  async logIn(name: string, password: string, next?: string): Promise<{ status: number; location: string | null; text: string }> {
    await this.request('/console/login');
    const answer = await this.request('/console/login', { form: { _csrf: this.csrf, name, password, ...(next ? { next } : {}) } });
    return { status: answer.status, location: answer.headers.get('location'), text: answer.text };
  }

  /** Posts a form with the session's CSRF token. */
  post(path: string, form: Record<string, string>) {
    return this.request(path, { form: { _csrf: this.csrf, ...form } });
  }
}
