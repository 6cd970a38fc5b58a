// The page an emailed workspace invitation opens (/join#t=…). Signed in, the member joins with one button;
// otherwise they create the invited email's account here, or log in first (/login?next=/join) when it has one.
// The token waits in this tab's sessionStorage until it is used, so that the page finds it again after logging in.

import { ApiError } from "../api.js";
import { call, joinWorkspace, logOut, signedIn } from "../auth.js";
import { h, mount } from "../dom.js";
import { navigate } from "../router.js";
import { field, reportError } from "../ui.js";
import { linkPage, message } from "./account.js";
import { formError, load, submit } from "./common.js";

const KEY = "talentcrew.invitation";
const LOG_IN = `/login?next=${encodeURIComponent("/join")}`;
const INVALID = "This invitation is not valid: it may have expired or been used already.";

export function joinPage(main) {
  return linkPage(main, (into, token) => {
    if (token) sessionStorage.setItem(KEY, token);
    const invitation = sessionStorage.getItem(KEY);
    if (!invitation) return message(into, "This link is incomplete", "Open the link from the invitation email again, in full.");
    return signedIn() ? joinAs(into, invitation) : createAndJoin(into, invitation);
  });
}

/** Joins with the invitation (as the signed-in account, or creating one with `account`); the used token is
 * forgotten, and so is one the API refuses (used, expired, unknown or cut off). */
async function accept(invitation, account) {
  try {
    await joinWorkspace(invitation, account);
  } catch (error) {
    const refused = error instanceof ApiError && (error.status === 401 || (error.status === 422 && error.fields.token));
    if (!refused) throw error;
    sessionStorage.removeItem(KEY);
    throw new ApiError(401, { detail: INVALID });
  }
  sessionStorage.removeItem(KEY);
  return true;
}

async function joinAs(main, invitation) {
  const me = await load(main, () => call("/auth/me/")); // an expired sign-in goes to log in, and comes back here
  if (!me) return;
  const button = h("button", { type: "button", class: "big" }, "Join the workspace");
  const box = h("div", {}, formError(), button);
  button.addEventListener("click", async () => {
    const joined = await submit(box, button, "Joining…", async () => {
      try {
        return await accept(invitation);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 403) throw error;
        throw new ApiError(403, { detail: `This invitation was sent to another email address than ${me.email}: log out, then log in with that one.` });
      }
    });
    if (joined) navigate("/jobs", { replace: true });
  });
  const another = () => logOut().catch(reportError).finally(() => navigate("/join", { replace: true })); // the token is kept
  mount(
    main,
    panel(
      h("p", { class: "muted" }, `You are logged in as ${me.email}. Joining makes the workspace your current one; you can switch back on the Team page.`),
      box,
      h("p", { class: "account-switch" }, "Invited at another address? ", h("button", { type: "button", class: "link", onclick: another }, "Log out")),
    ),
  );
}

function createAndJoin(main, invitation) {
  const button = h("button", { type: "submit", class: "big" }, "Create your account and join");
  const form = h(
    "form",
    { novalidate: true },
    formError(),
    field("Full name", "full_name", h("input", { type: "text", autocomplete: "name", required: true })),
    field("Password", "password", h("input", { type: "password", autocomplete: "new-password", required: true }), "At least 10 characters"),
    button,
  );
  const exists = h("p", { class: "notice", role: "alert", hidden: true }, "This email has an account already. ", h("a", { href: LOG_IN }, "Log in to accept the invitation"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    exists.hidden = true;
    const body = Object.fromEntries(new FormData(form));
    const joined = await submit(form, button, "Creating your account…", async () => {
      try {
        return await accept(invitation, body);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 409) throw error;
        exists.hidden = false;
        return false;
      }
    });
    if (joined) navigate("/jobs", { replace: true });
  });
  mount(
    main,
    panel(
      h("p", { class: "muted" }, "You are invited to a TalentCrew workspace. Create your account with the invited email address to join it."),
      exists,
      form,
      h("p", { class: "account-switch" }, "Already have an account? ", h("a", { href: LOG_IN }, "Log in to accept")),
    ),
  );
}

function panel(...children) {
  return h("section", { class: "panel narrow account" }, h("h1", {}, "Join a workspace"), children);
}
