// The recruiter's way in: signing up for an account and logging in.

import { ApiError, request } from "../api.js";
import { logIn } from "../auth.js";
import { h, mount } from "../dom.js";
import { navigate } from "../router.js";
import { field } from "../ui.js";
import { formError, submit } from "./common.js";

const input = (type, autocomplete) => h("input", { type, autocomplete, required: true });

export function signUpPage(main) {
  const button = h("button", { type: "submit", class: "big" }, "Create account");
  const form = h(
    "form",
    { novalidate: true },
    formError(),
    field("Full name", "full_name", input("text", "name")),
    field("Company", "company_name", h("input", { type: "text", autocomplete: "organization" })),
    field("Work email", "email", input("email", "email")),
    field("Password", "password", input("password", "new-password"), "At least 10 characters"),
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(new FormData(form));
    const done = await submit(form, button, "Creating account…", async () => {
      try {
        await request("/users/", { method: "POST", body });
      } catch (error) {
        throw error instanceof ApiError && error.status === 409
          ? new ApiError(409, { detail: "An account with this email already exists. Log in instead." })
          : error;
      }
      await logIn(body.email, body.password);
      return true;
    });
    if (done) navigate("/jobs");
  });
  mount(
    main,
    h(
      "section",
      { class: "panel narrow account" },
      h("h1", {}, "Create your account"),
      h("p", { class: "muted" }, "Set up AI technical interviews for your open roles in a few minutes."),
      form,
      h("p", { class: "account-switch" }, "Already have an account? ", h("a", { href: "/login" }, "Log in")),
    ),
  );
}

export function logInPage(main) {
  const button = h("button", { type: "submit", class: "big" }, "Log in");
  const form = h(
    "form",
    { novalidate: true },
    formError(),
    field("Email", "email", input("email", "email")),
    field("Password", "password", input("password", "current-password")),
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { email, password } = Object.fromEntries(new FormData(form));
    const done = await submit(form, button, "Logging in…", async () => {
      try {
        await logIn(email, password);
      } catch (error) {
        throw refusal(error);
      }
      return true;
    });
    if (done) navigate(nextPath());
  });
  mount(
    main,
    h(
      "section",
      { class: "panel narrow account" },
      h("h1", {}, "Log in"),
      h("p", { class: "muted" }, "Welcome back. Log in to see your jobs and interviews."),
      form,
      h("p", { class: "account-switch" }, "New to TalentCrew? ", h("a", { href: "/signup" }, "Create an account")),
    ),
  );
}

/** A refused login, said for people: a wrong password, or too many tries (the API's words kept). */
function refusal(error) {
  if (!(error instanceof ApiError)) return error;
  if (error.status === 401) return new ApiError(401, { detail: "Email or password is not right." });
  if (error.status !== 429) return error;
  const detail = error.message.replace(/^./, (first) => first.toUpperCase()).replace(/\.?$/, ".");
  return new ApiError(429, { detail: `${detail} Wait a few minutes, then try again.` });
}

/** Where to go after logging in: the `next` path of this site, never another site's address. */
function nextPath() {
  const next = new URLSearchParams(location.search).get("next") ?? "";
  const local = next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\");
  if (!local || new URL(next, location.origin).origin !== location.origin) return "/jobs";
  return ["/login", "/signup"].includes(new URL(next, location.origin).pathname) ? "/jobs" : next;
}
