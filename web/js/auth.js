// The recruiter's sign-in: a bearer token kept in this browser until it expires or they log out.
// Sign-up answers the same for every email (202) and the next step may come by email: the
// account works at once only where the platform does not verify emails.

import { ApiError, request } from "./api.js";

const KEY = "talentcrew.token";

export function token() {
  return localStorage.getItem(KEY);
}

export function signedIn() {
  return token() !== null;
}

let current = null; // the promise of GET /workspace/ for this sign-in

function keep(access) {
  localStorage.setItem(KEY, access.access_token);
  current = null;
}

/** The current workspace and the member's role in it ({id, name, retention_days, role}): asked once per sign-in,
 * join or switch (or when `fresh`), so that pages can spare a viewer the controls the API would refuse (its 403 is
 * the real guard). */
export function workspace({ fresh = false } = {}) {
  if (fresh) current = null;
  current ??= call("/workspace/").catch((error) => {
    current = null;
    throw error;
  });
  return current;
}

/** Makes another of the member's workspaces the current one (for them, in every browser). */
export async function switchWorkspace(id) {
  await call("/workspaces/current/", { method: "PUT", body: { workspace_id: id } });
  current = null;
}

/** Accepts an emailed workspace invitation: signed in, as this account; otherwise `account` ({full_name, password})
 * creates the invited email's account. Either way the answer's token signs in to the workspace. */
export async function joinWorkspace(invitation, account = {}) {
  keep(await request("/workspace/join/", { method: "POST", body: { token: invitation, ...account }, token: token() }));
}

export async function logIn(email, password) {
  keep(await request("/auth/login/", { method: "POST", body: { email, password } }));
}

/** Asks for an account, then tries to log in with it: true when signed in, false when the email must be
 * confirmed first (or already had an account: the API does not say which; the email does). */
export async function signUp(body) {
  await request("/users/", { method: "POST", body });
  try {
    await logIn(body.email, body.password);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false;
    throw error;
  }
}

/** Confirms a sign-up with the token of its emailed link and the password chosen at sign-up, which creates the
 * account and signs in. */
export async function verifyEmail(token, password) {
  keep(await request("/auth/verify/", { method: "POST", body: { token, password } }));
}

export async function logOut() {
  try {
    await request("/auth/logout/", { method: "POST", token: token() });
  } finally {
    localStorage.removeItem(KEY);
  }
}

/** A recruiter's call: an expired or revoked token sends them back to log in. */
export async function call(path, options = {}) {
  try {
    return await request(path, { ...options, token: token() });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      localStorage.removeItem(KEY);
      window.dispatchEvent(new CustomEvent("talentcrew:signed-out"));
    }
    throw error;
  }
}

/** Every page of a list endpoint. */
export async function all(path) {
  const items = [];
  let after = null;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const query = `${separator}limit=100${after ? `&after=${encodeURIComponent(after)}` : ""}`;
    const page = await call(`${path}${query}`);
    items.push(...page.items);
    after = page.next_after;
  } while (after);
  return items;
}
