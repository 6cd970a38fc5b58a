// What the recruiter's pages share: loading a page's data, submitting a form with inline errors,
// a copyable read-only value, and the table of interview sessions.

import { ApiError } from "../api.js";
import { formatDay, h, mount } from "../dom.js";
import { badge, busy, clearFieldErrors, recommendationBadge, reportError, showFieldErrors, stageBadge } from "../ui.js";

/** Shows "Loading…", runs `work`; answers its result, or null when it failed (the failure is shown)
 * or the user has meanwhile gone to another page (whose content must not be overwritten). */
export async function load(main, work) {
  const here = location.href;
  mount(main, h("p", { class: "loading", role: "status" }, "Loading…"));
  try {
    const data = await work();
    return location.href === here ? data : null;
  } catch (error) {
    if (location.href === here) loadFailed(main, error);
    return null;
  }
}

function loadFailed(main, error) {
  if (error instanceof ApiError && error.status === 401) return; // auth.js sends them to log in
  const missing = error instanceof ApiError && error.status === 404;
  if (!missing) reportError(error);
  mount(
    main,
    h(
      "section",
      { class: "panel narrow" },
      h("h1", {}, missing ? "Not found" : "This page could not be loaded"),
      h("p", { class: "muted" }, missing ? "It may have been deleted, or the address is mistyped." : "Check your connection and try again."),
      h("a", { class: "button secondary", href: location.pathname + location.search }, "Try again"),
    ),
  );
}

/** A form's general error line (showFieldErrors fills the first one in the form). */
export function formError() {
  return h("p", { class: "form-error", role: "alert", hidden: true });
}

/** Submits: clears old errors, shows progress on `button`, places failures beside their fields. */
export async function submit(form, button, label, work) {
  clearFieldErrors(form);
  try {
    return await busy(button, label, work);
  } catch (error) {
    showFieldErrors(form, error);
    return undefined;
  }
}

/** Runs an action outside a form; anything that fails goes to the banner. */
export async function act(button, label, work) {
  try {
    return await busy(button, label, work);
  } catch (error) {
    reportError(error);
    return undefined;
  }
}

let copies = 0;

/** A labelled read-only value (an invite link, a secret) with a copy button and its confirmation. */
export function copyable(label, value, buttonText = "Copy") {
  const id = `copy-${++copies}`;
  const input = h("input", { type: "text", id, value, readonly: true, class: "copy-value", spellcheck: "false" });
  const said = h("span", { class: "copy-said small", "aria-live": "polite" });
  const copy = async () => {
    said.textContent = "";
    try {
      await navigator.clipboard.writeText(value);
      said.textContent = "Copied";
    } catch {
      input.focus();
      input.select();
      said.textContent = document.execCommand("copy") ? "Copied" : "Selected: press Ctrl+C (⌘C on a Mac) to copy";
    }
  };
  return h(
    "div",
    { class: "field copy" },
    h("label", { for: id }, label),
    h("div", { class: "copy-row" }, input, h("button", { type: "button", class: "secondary", onclick: copy }, buttonText)),
    said,
  );
}

/** What a fresh invite shows: the link to send, when it stops working, and the interview. */
export function inviteLink(created, { view = false } = {}) {
  return h(
    "div",
    { class: "invite-link" },
    copyable("Invite link", created.invite_url, "Copy link"),
    h(
      "p",
      { class: "small muted" },
      `Send this link to ${created.session.candidate_name}. It works until ${formatDay(created.invite_expires_at)}; `,
      "it is shown only now, and a new one makes this one stop working.",
    ),
    view ? h("a", { href: `/sessions/${created.session.id}` }, "View interview") : null,
  );
}

/** The recommendation, with the recruiter's own decision beside it once there is one. */
function outcome(session) {
  return h(
    "span",
    { class: "outcome" },
    recommendationBadge(session.recommendation),
    session.final_decision ? badge(`Decision: ${session.final_decision}`, session.final_decision === "HIRE" ? "good" : "bad") : null,
  );
}

/** The table of sessions; with `titles` (job id → title) it has a Job column. */
export function sessionTable(sessions, titles = null) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "sessions" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Candidate"),
          titles ? h("th", { scope: "col", class: "hide-phone" }, "Job") : null,
          h("th", { scope: "col", class: "hide-phone" }, "Status"),
          h("th", { scope: "col", class: "num" }, "Score"),
          h("th", { scope: "col" }, "Recommendation"),
          h("th", { scope: "col", class: "hide-phone" }, "Date"),
        ),
      ),
      h("tbody", {}, sessionRows(sessions, titles)),
    ),
  );
}

export function sessionRows(sessions, titles = null) {
  return sessions.map((session) =>
    h(
      "tr",
      {},
      h(
        "td",
        {},
        h("a", { href: `/sessions/${session.id}` }, session.candidate_name),
        h("span", { class: "phone-only" }, stageBadge(session)), // the Status column is hidden on phones
      ),
      titles ? h("td", { class: "hide-phone" }, titles.get(session.job_id) ?? "Deleted job") : null,
      h("td", { class: "hide-phone" }, stageBadge(session)),
      h("td", { class: "num" }, session.overall_score ?? "—"),
      h("td", {}, outcome(session)),
      h("td", { class: "hide-phone nowrap" }, formatDay(session.ended_at ?? session.created_at)),
    ),
  );
}
