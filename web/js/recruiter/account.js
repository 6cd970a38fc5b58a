// The recruiter's way in: signing up, confirming the email, logging in, resetting a password.
// Emailed links carry their token in the fragment (#t=…), which no server sees; a page reads it,
// then takes it out of the address bar and the history.

import { ApiError, request } from "../api.js";
import { logIn, signUp, verifyEmail } from "../auth.js";
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
    const signedIn = await submit(form, button, "Creating account…", () => signUp(body));
    if (signedIn === true) navigate("/jobs");
    if (signedIn === false) {
      message(
        main,
        "Check your inbox",
        "Check your inbox: we sent a link to confirm your email.",
        "Open it within 24 hours to finish. Nothing there? Look in spam, or sign up again.",
      );
    }
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
      h("p", { class: "account-switch" }, h("a", { href: "/reset" }, "Forgot your password?")),
      h("p", { class: "account-switch" }, "New to TalentCrew? ", h("a", { href: "/signup" }, "Create an account")),
    ),
  );
}

/** The page an emailed sign-up link opens: with the password chosen at sign-up it confirms the email, which
 * creates the account and signs in. The link proves the mailbox; the password, that whoever confirms is whoever
 * signed up (anyone may type a stranger's email at sign-up). */
export function verifyPage(main) {
  return linkPage(main, confirmEmailForm);
}

/** Without a token: ask for a reset link. With the token of an emailed link: choose the new password. */
export function resetPage(main) {
  return linkPage(main, (into, token) => (token ? newPasswordForm(into, token) : resetRequestForm(into)));
}

/** A page an emailed link opens: shown with the link's token, and again when another link is opened in this
 * tab while it is shown (only the fragment changes then, so the browser loads nothing). */
export function linkPage(main, show) {
  const opened = () => {
    if (location.hash) show(main, linkToken());
  };
  show(main, linkToken());
  window.addEventListener("hashchange", opened);
  return () => window.removeEventListener("hashchange", opened);
}

function confirmEmailForm(main, token) {
  if (!token) return message(main, "This link is incomplete", "Open the link from the email again, in full.");
  const button = h("button", { type: "submit", class: "big" }, "Confirm and log in");
  const form = h(
    "form",
    { novalidate: true },
    formError(),
    field("Enter the password you chose when signing up", "password", input("password", "current-password")),
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { password } = Object.fromEntries(new FormData(form));
    const done = await submit(form, button, "Confirming…", async () => {
      try {
        await verifyEmail(token, password);
      } catch (error) {
        const mangled = error instanceof ApiError && error.status === 422 && error.fields.token; // a cut-off link
        throw refusal(mangled ? new ApiError(401, {}) : error, NOT_CONFIRMED);
      }
      return true;
    });
    if (done) navigate("/jobs", { replace: true });
  });
  mount(
    main,
    h(
      "section",
      { class: "panel narrow account" },
      h("h1", {}, "Confirm your email"),
      h("p", { class: "muted" }, "One step left: this creates your account and logs you in."),
      form,
      h("p", { class: "account-switch" }, "Did not sign up? Close this page: no account is created."),
      h("p", { class: "account-switch" }, "Confirmed it already? ", h("a", { href: "/login" }, "Log in")),
    ),
  );
}

function resetRequestForm(main) {
  const button = h("button", { type: "submit", class: "big" }, "Email me a link");
  const form = h("form", { novalidate: true }, formError(), field("Email", "email", input("email", "email")), button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(new FormData(form));
    const sent = await submit(form, button, "Sending…", async () => {
      await request("/auth/password-reset/", { method: "POST", body });
      return true;
    });
    if (sent) {
      message(
        main,
        "Check your inbox",
        "Check your inbox: if an account uses this email, we sent it a link to choose a new password.",
        "The link works for an hour, once.",
      );
    }
  });
  mount(
    main,
    h(
      "section",
      { class: "panel narrow account" },
      h("h1", {}, "Reset your password"),
      h("p", { class: "muted" }, "We will email you a link to choose a new password."),
      form,
      h("p", { class: "account-switch" }, "Remembered it? ", h("a", { href: "/login" }, "Log in")),
    ),
  );
}

function newPasswordForm(main, token) {
  const button = h("button", { type: "submit", class: "big" }, "Set the new password");
  const form = h(
    "form",
    { novalidate: true },
    formError(),
    field("New password", "password", input("password", "new-password"), "At least 10 characters"),
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { password } = Object.fromEntries(new FormData(form));
    const done = await submit(form, button, "Saving…", async () => {
      try {
        await request("/auth/password-reset/confirm/", { method: "POST", body: { token, password } });
      } catch (error) {
        throw error instanceof ApiError && error.status === 401
          ? new ApiError(401, { detail: "This link has expired or was used already. Ask for a new one." })
          : error;
      }
      return true;
    });
    if (done) message(main, "Password changed", "Your password is changed. Log in with it.", "", "/login", "Log in");
  });
  mount(
    main,
    h(
      "section",
      { class: "panel narrow account" },
      h("h1", {}, "Choose a new password"),
      form,
      h("p", { class: "account-switch" }, h("a", { href: "/reset" }, "Ask for a new link")),
    ),
  );
}

/** The token of an emailed link (`#t=…`), taken out of the address bar and the history. */
function linkToken() {
  const token = new URLSearchParams(location.hash.slice(1)).get("t");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  return token;
}

/** A page that only tells something, with one way on. */
export function message(main, title, text, more = "", href = "/login", label = "Go to log in") {
  mount(
    main,
    h(
      "section",
      { class: "panel narrow account" },
      h("h1", {}, title),
      h("p", { class: "notice", role: "status" }, text),
      more ? h("p", { class: "muted" }, more) : null,
      h("a", { class: "button secondary", href }, label),
    ),
  );
}

const NOT_CONFIRMED =
  "This is not the password you chose when signing up, or this link has expired or was used already. " +
  "Try the password again; if the link is old, sign up again.";

/** A refused login or confirmation, said for people: `wrong` for a 401, or too many tries (the API's words kept). */
function refusal(error, wrong = "Email or password is not right.") {
  if (!(error instanceof ApiError)) return error;
  if (error.status === 401) return new ApiError(401, { detail: wrong });
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
