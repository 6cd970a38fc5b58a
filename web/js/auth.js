// The recruiter's sign-in: a bearer token kept in this browser until it expires or they log out.

import { ApiError, request } from "./api.js";

const KEY = "talentcrew.token";

export function token() {
  return localStorage.getItem(KEY);
}

export function signedIn() {
  return token() !== null;
}

export async function logIn(email, password) {
  const answer = await request("/auth/login/", { method: "POST", body: { email, password } });
  localStorage.setItem(KEY, answer.access_token);
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
