import { createHash } from "node:crypto";

// The login page's only style, allowed by its hash in the Content-Security-Policy (the page has no script).
const LOGIN_CSS =
  "body{font:16px system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.5rem 0;font:inherit}input,button{padding:.5rem;box-sizing:border-box}.error{color:#b00020}";

export const LOGIN_CSS_HASH = `'sha256-${createHash("sha256").update(LOGIN_CSS).digest("base64")}'`;

/** The web UI's sign-in form (POST /login), answered with 401 to a browser that has no session yet. */
export function loginPage(failed: boolean): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>tsinfer: sign in</title><style>${LOGIN_CSS}</style></head>
<body>
<main>
<h1>tsinfer</h1>
<p>This server requires an API key.</p>
${failed ? '<p class="error" role="alert">That key is not valid.</p>\n' : ""}<form method="post" action="/login">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;
}
