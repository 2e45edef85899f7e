/** An operator's HTTP session with the console, as a browser keeps it: one cookie, the CSRF token of the last form. */
export class ConsoleClient {
  cookie = '';
  csrf = '';

  constructor(readonly base: string) {}

  /** A request with the session cookie; remembers a new cookie and the page's CSRF token. */
  async request(path: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; text: string }> {
    const response = await fetch(`${this.base}${path}`, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    const set = response.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0] ?? '';
    const text = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token) this.csrf = token;
    return { status: response.status, headers: response.headers, text };
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
