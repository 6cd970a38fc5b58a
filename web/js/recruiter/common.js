// What the recruiter's pages share: loading a page's data, submitting a form with inline errors,
// a copyable read-only value, the table of interview sessions, what a viewer may not change, and
// saving a file only a member may download.

import { ApiError, NetworkError, apiUrl } from "../api.js";
import { token, workspace } from "../auth.js";
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

/** Whether the member may change things here: a viewer may only look. The API's 403 is the real guard; this
 * spares a viewer controls that would be refused. */
export async function canEdit() {
  return (await workspace()).role !== "viewer";
}

/** Said where a viewer's controls are left out or disabled. */
export function viewOnly() {
  return h("p", { class: "notice small view-only" }, "View only: ask an owner for the recruiter role.");
}

/** `node` with every control in it disabled, for a viewer to read. */
export function readOnly(node) {
  for (const control of node.querySelectorAll("button, input, select, textarea")) control.disabled = true;
  return node;
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

/** What a fresh invite shows: whether it was emailed (when asked), the link (to send by hand when the email failed,
 * or another way), when it stops working, and the interview. */
export function inviteLink(created, { view = false } = {}) {
  const email = created.invite_email;
  const sent = email?.status === "sent";
  return h(
    "div",
    { class: "invite-link" },
    email ? emailSaid(email) : null,
    copyable("Invite link", created.invite_url, "Copy link"),
    h(
      "p",
      { class: "small muted" },
      `${sent ? "This is the link emailed to" : "Send this link to"} ${created.session.candidate_name}. It works until ${formatDay(created.invite_expires_at)}; `,
      "it is shown only now, and a new one makes this one stop working.",
    ),
    view ? h("a", { href: `/sessions/${created.session.id}` }, "View interview") : null,
  );
}

/** Whether the mail server took the invitation; when it did not, why, and what to do instead. */
function emailSaid(email) {
  if (email.status === "sent") return h("p", { class: "saved", role: "status" }, `Invitation emailed to ${email.to}.`);
  return h(
    "p",
    { class: "inline-note", role: "alert" },
    `The invitation could not be emailed to ${email.to} (${email.error || "the mail server refused it"}). `,
    "Copy the link below and send it to the candidate yourself.",
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

/** Integrity and bias flags, and (not a flag: the speech engine was unsure of the words) transcripts to check. */
export function flagCounts(integrity, bias, transcripts = 0) {
  const count = (n, what) => (n ? badge(`${n} ${what}`, "warn") : null);
  const flags = integrity || bias ? [count(integrity, "integrity"), count(bias, "bias")] : [badge("None", "muted")];
  const toCheck = transcripts ? badge(`${transcripts} transcript${transcripts > 1 ? "s" : ""} to check`, "info") : null;
  return h("span", { class: "outcome" }, ...flags, toCheck);
}

/** The table of sessions; with `titles` (job id → title) it has a Job column. Results rows (GET /results/)
 * carry their job's title and flag counts: `flags` adds a Flags column, `select` (session → checkbox) a first
 * column to pick rows by. */
export function sessionTable(sessions, titles = null, { flags = false, select = null } = {}) {
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
          select ? h("th", { scope: "col", class: "pick" }, h("span", { class: "visually-hidden" }, "Select")) : null,
          h("th", { scope: "col" }, "Candidate"),
          titles ? h("th", { scope: "col", class: "hide-phone" }, "Job") : null,
          h("th", { scope: "col", class: "hide-phone" }, "Status"),
          h("th", { scope: "col", class: "num" }, "Score"),
          h("th", { scope: "col" }, "Recommendation"),
          flags ? h("th", { scope: "col", class: "hide-phone" }, "Flags") : null,
          h("th", { scope: "col", class: "hide-phone" }, "Date"),
        ),
      ),
      h("tbody", {}, sessionRows(sessions, titles, { flags, select })),
    ),
  );
}

export function sessionRows(sessions, titles = null, { flags = false, select = null } = {}) {
  return sessions.map((session) =>
    h(
      "tr",
      {},
      select ? h("td", { class: "pick" }, select(session)) : null,
      h(
        "td",
        {},
        h("a", { href: `/sessions/${session.id}` }, session.candidate_name),
        h("span", { class: "phone-only" }, stageBadge(session)), // the Status column is hidden on phones
      ),
      titles ? h("td", { class: "hide-phone" }, session.job_title ?? titles.get(session.job_id) ?? "Deleted job") : null,
      h("td", { class: "hide-phone" }, stageBadge(session)),
      h("td", { class: "num" }, session.overall_score ?? "—"),
      h("td", {}, outcome(session)),
      flags
        ? h(
            "td",
            { class: "hide-phone" },
            flagCounts(session.integrity_flags, session.bias_flags, session.transcript_checks),
          )
        : null,
      h("td", { class: "hide-phone nowrap" }, formatDay(session.ended_at ?? session.created_at)),
    ),
  );
}

/** Saves a file the API serves to members only (a plain link cannot carry the bearer token): fetched with
 * the token, then handed to the browser through a Blob URL under the API's file name, or `fallback` where
 * the API's origin does not let the page read that header. */
export async function saveFile(path, fallback) {
  let response;
  try {
    response = await fetch(`${await apiUrl()}${path}`, { headers: { Authorization: `Bearer ${token()}` } });
  } catch {
    throw new NetworkError();
  }
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "");
  const url = URL.createObjectURL(await response.blob());
  h("a", { href: url, download: named ? named[1] : fallback }).click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000); // once the browser has read it
}
