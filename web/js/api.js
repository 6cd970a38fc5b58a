// The API's client: JSON in and out, problem+json errors as ApiError (with each field's message),
// an unreachable API as NetworkError. Where the API lives comes from /config.json, which the
// hosting writes (the local platform serves it; Terraform uploads it beside the app).

let configured = null;

/** Where the API lives, without a trailing slash (read once from /config.json). */
export async function apiUrl() {
  configured ??= fetch("/config.json")
    .then((response) => (response.ok ? response.json() : {}))
    .then((config) => (config.api_url ?? "/api").replace(/\/$/, ""))
    .catch(() => "/api");
  return configured;
}

/** An error the API answered with (RFC 9457 problem details). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The request failed (${status}).`);
    this.status = status;
    this.problem = problem ?? {};
    // "rubric_template.core_skills" → "must have at least 1 item"; body fields only.
    this.fields = {};
    for (const error of this.problem.errors ?? []) {
      const path = error.loc.filter((part) => part !== "body" && !/^\d+$/.test(part)).join(".");
      this.fields[path] ??= error.msg.replace(/^Value error, /, "");
    }
  }
}

/** The API could not be reached at all. */
export class NetworkError extends Error {
  constructor() {
    super("TalentCrew cannot be reached. Check your connection; nothing you entered was lost.");
  }
}

/** Calls the API: request("/jobs/", {method: "POST", body, token}). */
export async function request(path, { method = "GET", body, token, invite } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  if (invite) headers["X-Invite-Token"] = invite;
  let response;
  try {
    response = await fetch(`${await apiUrl()}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new NetworkError();
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
