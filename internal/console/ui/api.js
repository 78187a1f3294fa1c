// The console's only way to the server: PocketBase's and fieldsync's API with the signed-in
// user's token, exactly as a phone or any other client calls it.
const KEY = "fieldsync.console.auth";

export let auth = JSON.parse(sessionStorage.getItem(KEY) || "null");

export class APIError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function call(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (auth) headers["Authorization"] = auth.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) signOut();
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body ?? {});

// list returns the records of a collection the user may see, as REST lists them.
export async function list(coll, { filter = "", sort = "", expand = "", perPage = 100 } = {}) {
  const q = new URLSearchParams({ perPage: String(perPage), skipTotal: "1" });
  if (filter) q.set("filter", filter);
  if (sort) q.set("sort", sort);
  if (expand) q.set("expand", expand);
  return (await get(`/api/collections/${coll}/records?${q}`)).items;
}

export async function signIn(identity, password) {
  const res = await post("/api/collections/users/auth-with-password", { identity, password });
  auth = { token: res.token, record: res.record };
  sessionStorage.setItem(KEY, JSON.stringify(auth));
  return auth;
}

// isSuperuser tells whether the identity and password are a district administrator's
// (a PocketBase superuser), without keeping the token: the console is not their tool.
export async function isSuperuser(identity, password) {
  const res = await fetch("/api/collections/_superusers/auth-with-password", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ identity, password }) });
  return res.ok;
}

export function signOut() {
  auth = null;
  sessionStorage.removeItem(KEY);
  location.hash = "#/login";
}

// command runs a named workflow step through the REST door, with the rules a phone meets.
export const command = (name, coll, id, args = {}) => post("/api/fs/commands", { name, coll, id, args });

// upload posts a multipart form (a file and its fields) and returns the server's answer.
export async function upload(path, form) {
  const res = await fetch(path, { method: "POST", headers: { "Accept": "application/json", "Authorization": auth.token }, body: form });
  if (res.status === 401) signOut();
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

// download fetches a file with the token and hands it to the browser as a download; a refusal
// carries the server's answer, so that its words can be shown.
export async function download(path) {
  await save(await fetch(path, { headers: { "Authorization": auth.token } }));
}

// downloadPost posts body as JSON and hands the file the server answers to the browser.
export async function downloadPost(path, body) {
  await save(await fetch(path, { method: "POST", headers: { "Authorization": auth.token, "Content-Type": "application/json" },
    body: JSON.stringify(body) }));
}

async function save(res) {
  if (!res.ok) throw new APIError(res.status, await res.json().catch(() => null));
  const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "")?.[1] || "export";
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// imageURL fetches a photo with the token (an <img> cannot send it) as a local blob URL.
export async function imageURL(path) {
  const res = await fetch(path, { headers: { "Authorization": auth.token } });
  if (!res.ok) throw new APIError(res.status, null);
  return URL.createObjectURL(await res.blob());
}
