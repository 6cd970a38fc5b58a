// Interviews: the list (all or completed), and one interview with its score, actions and decision.

import { ApiError } from "../api.js";
import { all, call } from "../auth.js";
import { formatDate, h, mount } from "../dom.js";
import { navigate } from "../router.js";
import { badge, field, recommendationBadge, reportError, stageBadge } from "../ui.js";
import { act, formError, inviteLink, load, sessionRows, sessionTable, submit } from "./common.js";
import { timeline } from "./timeline.js";

const VIEWS = [
  ["All", "/auth/sessions/"],
  ["Completed", "/results/"],
];

export async function sessionsPage(main) {
  const jobs = await load(main, () => all("/jobs/"));
  if (!jobs) return;
  const titles = new Map(jobs.map((job) => [job.id, job.title]));
  const listing = h("div", { class: "panel flush", "aria-live": "polite" });
  const tabs = VIEWS.map(([label, path]) => h("button", { type: "button", class: "tab", onclick: () => show(path) }, label));
  let shown = null;
  const show = async (path) => {
    shown = path;
    tabs.forEach((tab, i) => tab.setAttribute("aria-pressed", String(VIEWS[i][1] === path)));
    mount(listing, h("p", { class: "loading" }, "Loading…"));
    try {
      const first = await call(`${path}?limit=20`);
      if (shown === path) mount(listing, first.items.length ? pages(path, first, titles) : noSessions(path));
    } catch (error) {
      mount(listing, h("p", { class: "empty" }, "The interviews could not be loaded."));
      reportError(error);
    }
  };
  mount(
    main,
    h("div", { class: "page-head" }, h("div", {}, h("h1", {}, "Interviews"), h("p", {}, "Every candidate you invited, newest first."))),
    h("div", { class: "tabs", role: "group", "aria-label": "Show interviews" }, tabs),
    listing,
  );
  await show(VIEWS[0][1]);
}

/** The first page as a table, and a button that adds the next page under it. */
function pages(path, first, titles) {
  const table = sessionTable(first.items, titles);
  const more = h("button", { type: "button", class: "secondary" }, "Load more");
  const foot = h("div", { class: "table-foot" }, more);
  let after = first.next_after;
  foot.hidden = !after;
  more.addEventListener("click", async () => {
    const next = await act(more, "Loading…", () => call(`${path}?limit=20&after=${encodeURIComponent(after)}`));
    if (!next) return;
    table.querySelector("tbody").append(...sessionRows(next.items, titles));
    after = next.next_after;
    foot.hidden = !after;
  });
  return [table, foot];
}

function noSessions(path) {
  return path === VIEWS[0][1]
    ? h("div", { class: "empty" }, h("p", {}, "No interviews yet. Open a job and invite a candidate to start one."), h("a", { class: "button", href: "/jobs" }, "Go to jobs"))
    : h("p", { class: "empty" }, "No completed interviews yet. They appear here once candidates finish.");
}

export async function sessionPage(main, params) {
  const detail = await load(main, () => call(`/sessions/${params.id}/`));
  if (!detail) return;
  mount(
    main,
    h("p", { class: "back" }, h("a", { href: "/sessions" }, "← All interviews")),
    summary(detail),
    h("div", { class: "grid-2" }, decision(detail.session), about(detail.session)),
    timeline(detail),
  );
}

function summary(detail) {
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
    actions(session),
  );
}

function actions(session) {
  const said = h("div", { class: "action-said", "aria-live": "polite" });
  const erase = h("button", { type: "button", class: "danger" }, "Erase interview");
  erase.addEventListener("click", async () => {
    if (!confirm(`Erase the interview of ${session.candidate_name}? Its answers, flags, reviews and scorecard are deleted for good.`)) return;
    const erased = await act(erase, "Erasing…", async () => (await call(`/sessions/${session.id}/`, { method: "DELETE" }), true));
    if (erased) navigate("/sessions");
  });
  const main = session.is_completed ? download(session, said) : reinvite(session, said);
  return h("div", { class: "session-actions" }, h("div", { class: "row" }, main, erase), said);
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

function reinvite(session, said) {
  const button = h("button", { type: "button", class: "secondary" }, "New invite link");
  button.addEventListener("click", async () => {
    const created = await act(button, "Creating link…", () => call(`/sessions/${session.id}/invite/`, { method: "POST" }));
    if (created) mount(said, inviteLink(created));
  });
  return button;
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
