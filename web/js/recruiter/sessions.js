// Interviews: the list (all, or completed: sorted, filtered, exported, picked to compare), and one interview with
// its score, actions and decision.

import { ApiError } from "../api.js";
import { all, call } from "../auth.js";
import { formatDate, h, mount } from "../dom.js";
import { navigate } from "../router.js";
import { badge, clearFieldErrors, field, recommendationBadge, reportError, showFieldErrors, stageBadge } from "../ui.js";
import { act, canEdit, formError, inviteLink, load, readOnly, saveFile, sessionRows, sessionTable, submit, viewOnly } from "./common.js";
import { comparePicker } from "./compare.js";
import { timeline } from "./timeline.js";

const ALL = "/auth/sessions/";
const RESULTS = "/results/";
const VIEWS = [
  ["All", ALL],
  ["Completed", RESULTS],
];
const SORTS = [
  ["-completed_at", "Newest completed"],
  ["completed_at", "Oldest completed"],
  ["-score", "Highest score"],
  ["score", "Lowest score"],
];
const FILTERS = ["sort", "job", "recommendation", "decision", "flagged", "completed_from", "completed_to"];

/** The list, all or completed; the completed one sorts, filters, exports and picks interviews to compare, and
 * keeps its filters in the address (`?view=completed&sort=…`) so that going back restores them. */
export async function sessionsPage(main) {
  const jobs = await load(main, () => all("/jobs/"));
  if (!jobs) return;
  const titles = new Map(jobs.map((job) => [job.id, job.title]));
  const asked = new URLSearchParams(location.search);
  const listing = h("div", { class: "panel flush", "aria-live": "polite" });
  const filters = resultFilters(jobs, asked);
  const picker = comparePicker();
  const exporting = h("button", { type: "button", class: "secondary" }, "Export CSV");
  const today = () => new Date().toISOString().slice(0, 10); // the API names the file by its UTC day too
  exporting.addEventListener("click", () =>
    act(exporting, "Exporting…", () => saveFile(`${RESULTS}export.csv?${filters.query()}`, `talentcrew-results-${today()}.csv`)),
  );
  const tools = h("div", { class: "results-tools" }, filters.form, h("div", { class: "results-actions" }, picker.bar, exporting));
  const tabs = VIEWS.map(([label, path]) => h("button", { type: "button", class: "tab", onclick: () => show(path) }, label));
  let shown = 0; // which show() is the latest: an older answer must not replace a newer one
  const show = async (path) => {
    const mine = ++shown;
    const completed = path === RESULTS;
    tabs.forEach((tab, i) => tab.setAttribute("aria-pressed", String(VIEWS[i][1] === path)));
    tools.hidden = !completed;
    const query = completed ? filters.query() : new URLSearchParams();
    history.replaceState(null, "", completed ? `/sessions?${new URLSearchParams([["view", "completed"], ...query])}` : "/sessions");
    picker.clear();
    clearFieldErrors(filters.form);
    mount(listing, h("p", { class: "loading" }, "Loading…"));
    try {
      const first = await call(`${path}?${new URLSearchParams([...query, ["limit", "20"]])}`);
      if (mine !== shown) return;
      mount(listing, first.items.length ? pages(path, query, first, titles, completed ? picker.select : null) : noSessions(path, query));
    } catch (error) {
      if (mine !== shown) return;
      const refused = completed && error instanceof ApiError && error.status === 422; // a filter the API refused
      mount(listing, h("p", { class: "empty" }, refused ? "Correct the filters above to list interviews." : "The interviews could not be loaded."));
      if (refused) showFieldErrors(filters.form, error);
      else reportError(error);
    }
  };
  filters.form.addEventListener("change", () => show(RESULTS));
  filters.form.addEventListener("submit", (event) => event.preventDefault());
  mount(
    main,
    h("div", { class: "page-head" }, h("div", {}, h("h1", {}, "Interviews"), h("p", {}, "Every candidate you invited, newest first."))),
    h("div", { class: "tabs", role: "group", "aria-label": "Show interviews" }, tabs),
    tools,
    listing,
  );
  await show(asked.get("view") === "completed" ? RESULTS : ALL);
}

/** The completed list's sort and filters, as the address last had them; `query` is what the API is asked. */
function resultFilters(jobs, asked) {
  const choice = (label, name, options) =>
    field(label, name, h("select", {}, options.map(([value, text]) => h("option", { value, selected: asked.get(name) === value }, text))));
  const day = (label, name) => field(label, name, h("input", { type: "date", value: asked.get(name) ?? "" }));
  const any = ["", "Any"];
  const form = h(
    "form",
    { class: "results-filters", role: "search", "aria-label": "Sort and filter completed interviews", novalidate: true },
    choice("Sort by", "sort", SORTS),
    choice("Job", "job", [["", "All jobs"], ...jobs.map((job) => [job.id, job.title])]),
    choice("Recommendation", "recommendation", [any, ["HIRE", "HIRE"], ["REJECT", "REJECT"]]),
    choice("Decision", "decision", [any, ["HIRE", "HIRE"], ["REJECT", "REJECT"], ["pending", "Pending"]]),
    choice("Flagged", "flagged", [any, ["true", "Flagged"], ["false", "Not flagged"]]),
    day("Completed from", "completed_from"),
    day("Completed to", "completed_to"),
  );
  const query = () => new URLSearchParams(FILTERS.map((name) => [name, form.elements[name].value]).filter(([, value]) => value));
  return { form, query };
}

/** The first page as a table, and a button that adds the next page (of the same `query`) under it. */
function pages(path, query, first, titles, select) {
  const columns = { flags: path === RESULTS, select };
  const table = sessionTable(first.items, titles, columns);
  const more = h("button", { type: "button", class: "secondary" }, "Load more");
  const foot = h("div", { class: "table-foot" }, more);
  let after = first.next_after;
  foot.hidden = !after;
  more.addEventListener("click", async () => {
    const next = await act(more, "Loading…", () => call(`${path}?${new URLSearchParams([...query, ["limit", "20"], ["after", after]])}`));
    if (!next) return;
    table.querySelector("tbody").append(...sessionRows(next.items, titles, columns));
    after = next.next_after;
    foot.hidden = !after;
  });
  return [table, foot];
}

function noSessions(path, query) {
  if (path === ALL) {
    return h("div", { class: "empty" }, h("p", {}, "No interviews yet. Open a job and invite a candidate to start one."), h("a", { class: "button", href: "/jobs" }, "Go to jobs"));
  }
  const filtered = [...query.keys()].some((name) => name !== "sort");
  return h("p", { class: "empty" }, filtered ? "No completed interviews match these filters." : "No completed interviews yet. They appear here once candidates finish.");
}

export async function sessionPage(main, params) {
  const data = await load(main, () => Promise.all([call(`/sessions/${params.id}/`), canEdit()]));
  if (!data) return;
  const [detail, editable] = data;
  const changes = editable ? (node) => node : readOnly; // a viewer reads the decision and the reviews
  mount(
    main,
    h("p", { class: "back" }, h("a", { href: "/sessions" }, "← All interviews")),
    summary(detail, editable),
    h("div", { class: "grid-2" }, changes(decision(detail.session)), about(detail.session)),
    changes(timeline(detail)),
  );
}

function summary(detail, editable) {
  const { session } = detail;
  const count = (n, what) => badge(`${n} ${what}${n === 1 ? "" : "s"}`, n ? "warn" : "muted");
  return h(
    "section",
    { class: "panel session-head", "aria-labelledby": "candidate" },
    h(
      "div",
      { class: "who" },
      h("h1", { id: "candidate" }, session.candidate_name),
      h("p", { class: "muted" }, h("a", { href: `/jobs/${session.job_id}` }, detail.job_title), " · ", h("a", { href: `mailto:${session.candidate_email}` }, session.candidate_email)),
      h("p", { class: "row" }, stageBadge(session), count(detail.cheating_incidents, "integrity flag"), count(detail.bias_incidents, "bias flag")),
    ),
    h(
      "div",
      { class: "verdict" },
      session.is_completed
        ? [h("p", { class: "score-big" }, h("strong", {}, session.overall_score ?? "—"), " / 100"), recommendationBadge(session.recommendation)]
        : h("p", { class: "muted" }, "No score until the interview ends."),
    ),
    actions(session, editable, detail.invite_emails),
  );
}

function actions(session, editable, emails) {
  const said = h("div", { class: "action-said", "aria-live": "polite" });
  const erase = h("button", { type: "button", class: "danger" }, "Erase interview");
  erase.addEventListener("click", async () => {
    if (!confirm(`Erase the interview of ${session.candidate_name}? Its answers, recordings, flags, reviews and scorecard are deleted for good.`)) return;
    const erased = await act(erase, "Erasing…", async () => (await call(`/sessions/${session.id}/`, { method: "DELETE" }), true));
    if (erased) navigate("/sessions");
  });
  const sent = session.is_completed ? null : sentEmails(emails);
  const main = session.is_completed ? download(session, said) : editable && reinvite(session, said, sent);
  return h("div", { class: "session-actions" }, h("div", { class: "row" }, main, editable ? erase : viewOnly()), said, sent?.panel);
}

function download(session, said) {
  const button = h("button", { type: "button" }, "Download scorecard (PDF)");
  button.addEventListener("click", async () => {
    said.textContent = "";
    const link = await act(button, "Preparing…", async () => {
      try {
        return await call(`/sessions/${session.id}/download-pdf/`);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 409) throw error;
        mount(said, h("p", { class: "inline-note" }, "The scorecard is still being prepared — try again in a minute."));
        return null;
      }
    });
    if (link) window.location.assign(link.url);
  });
  return button;
}

/** A new link to copy, or one emailed to the candidate (`sent` lists the email); either way older links stop. */
function reinvite(session, said, sent) {
  const button = h("button", { type: "button", class: "secondary" }, "New invite link");
  button.addEventListener("click", async () => {
    const created = await act(button, "Creating link…", () => call(`/sessions/${session.id}/invite/`, { method: "POST" }));
    if (created) mount(said, inviteLink(created));
  });
  const email = h("button", { type: "button", class: "secondary" }, "Email a new link");
  email.addEventListener("click", async () => {
    if (!confirm(`Email ${session.candidate_name} a new invite link? The links sent before stop working.`)) return;
    const created = await act(email, "Sending…", () => call(`/sessions/${session.id}/invite/?send=true`, { method: "POST" }));
    if (!created) return;
    mount(said, inviteLink(created));
    sent.add(created.invite_email);
  });
  return h("div", { class: "row" }, button, email);
}

/** The invitations and reminders emailed to the candidate, oldest first, and `add` for one just sent. */
function sentEmails(emails) {
  const th = (text, className) => h("th", { scope: "col", class: className }, text);
  const row = (email) =>
    h(
      "tr",
      {},
      h("td", {}, email.kind === "reminder" ? "Reminder" : "Invitation"),
      h("td", { class: "hide-phone" }, email.to),
      h("td", { class: "nowrap" }, formatDate(email.sent_at)),
      h(
        "td",
        {},
        email.status === "sent" ? badge("Sent", "good") : [badge("Not sent", "bad"), h("p", { class: "email-error small" }, email.error)],
      ),
    );
  const list = h("div");
  const draw = () =>
    mount(
      list,
      emails.length
        ? h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, th("Email"), th("To", "hide-phone"), th("Sent"), th("Status"))), h("tbody", {}, emails.map(row))))
        : h("p", { class: "muted small" }, "Nothing has been emailed to the candidate yet."),
    );
  draw();
  const add = (email) => {
    emails = [...emails, email];
    draw();
  };
  return { panel: h("section", { class: "sent-emails", "aria-labelledby": "sent-emails-title" }, h("h2", { id: "sent-emails-title" }, "Emails to the candidate"), list), add };
}

/** The recruiter's final decision, which may differ from the recommendation. */
function decision(session) {
  const current = h("p", { class: "decision-current", "aria-live": "polite" });
  const showCurrent = (decided) =>
    mount(
      current,
      decided.final_decision
        ? ["Current decision: ", badge(decided.final_decision, decided.final_decision === "HIRE" ? "good" : "bad"), ` · ${formatDate(decided.decided_at)}`]
        : "No decision yet. The recommendation is a suggestion; the decision is yours.",
    );
  showCurrent(session);
  const choice = (value) =>
    h("label", { class: "decision-choice" }, h("input", { type: "radio", name: "decision", value, checked: session.final_decision === value, required: true }), value);
  const button = h("button", { type: "submit" }, "Save decision");
  const form = h(
    "form",
    { novalidate: true },
    formError(),
    h(
      "fieldset",
      { class: "field", dataset: { field: "decision" } },
      h("legend", {}, "Decision"),
      h("div", { class: "decision-choices" }, choice("HIRE"), choice("REJECT")),
      h("p", { class: "field-error", hidden: true }),
    ),
    field("Note", "note", h("textarea", { rows: 3, maxlength: 2000 }, session.decision_note), "Why you decided so; kept with the interview's audit trail"),
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { decision: form.elements.decision.value || null, note: form.elements.note.value };
    const decided = await submit(form, button, "Saving…", () => call(`/sessions/${session.id}/decision/`, { method: "PUT", body }));
    if (decided) showCurrent(decided);
  });
  return h("section", { class: "panel decision", "aria-labelledby": "decision-title" }, h("h2", { id: "decision-title" }, "Final decision"), current, form);
}

function about(session) {
  const row = (term, value) => (value ? [h("dt", {}, term), h("dd", {}, value)] : null);
  const made = session.provenance;
  return h(
    "section",
    { class: "panel", "aria-labelledby": "about-title" },
    h("h2", { id: "about-title" }, "About this interview"),
    h(
      "dl",
      { class: "session-facts" },
      row("Invited", formatDate(session.created_at)),
      row("Started", session.started_at && formatDate(session.started_at)),
      row("Ended", session.ended_at && formatDate(session.ended_at)),
      row("Questions", String(session.max_questions)),
      row("Graded by", made && `${made.brain} brain (${made.model})`),
      row("Versions", made && `rubric ${made.rubric_version}, question bank ${made.question_bank_version}, prompt ${made.prompt_version}`),
    ),
  );
}
