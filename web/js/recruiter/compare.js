// Comparing candidates: picking 2 to 4 completed interviews of one job on the results list, and the page that
// shows them side by side (per-skill scores as a grouped bar chart, and everything as a table).

import { call } from "../auth.js";
import { groupedBarChart } from "../charts.js";
import { h, mount } from "../dom.js";
import { navigate } from "../router.js";
import { badge, recommendationBadge } from "../ui.js";
import { flagCounts, load } from "./common.js";

const MOST = 4; // the API compares 2 to 4 interviews

/** The results list's picking: `select` (a row's checkbox), `bar` (what the pick allows, and Compare), `clear`. */
export function comparePicker() {
  const picked = new Map(); // session id → its row
  const said = h("p", { class: "compare-said", "aria-live": "polite" });
  const button = h("button", { type: "button", class: "secondary" }, "Compare");
  const jobs = () => new Set([...picked.values()].map((session) => session.job_id));
  const update = () => {
    button.disabled = !(jobs().size === 1 && picked.size >= 2 && picked.size <= MOST);
    if (!picked.size) said.textContent = `Select 2 to ${MOST} interviews of one job to compare them.`;
    else if (jobs().size > 1) said.textContent = "Comparisons are within one job: select interviews of the same job.";
    else if (picked.size > MOST) said.textContent = `Compare at most ${MOST} interviews at a time.`;
    else {
      const title = picked.values().next().value.job_title;
      said.textContent = `${picked.size} selected (${title})${picked.size === 1 ? ": select another of this job to compare." : "."}`;
    }
  };
  button.addEventListener("click", () => {
    const [job] = jobs();
    navigate(`/jobs/${encodeURIComponent(job)}/compare?sessions=${[...picked.keys()].join(",")}`);
  });
  const select = (session) =>
    h("input", {
      type: "checkbox",
      "aria-label": `Select ${session.candidate_name} to compare`,
      checked: picked.has(session.id),
      onchange: (event) => {
        if (event.target.checked) picked.set(session.id, session);
        else picked.delete(session.id);
        update();
      },
    });
  const clear = () => {
    picked.clear();
    update();
  };
  update();
  return { bar: h("div", { class: "compare-bar" }, said, button), select, clear };
}

export async function comparePage(main, params) {
  const sessions = new URLSearchParams(location.search).get("sessions") ?? "";
  const data = await load(main, () => call(`/jobs/${encodeURIComponent(params.id)}/compare/?sessions=${encodeURIComponent(sessions)}`));
  if (!data) return;
  const names = data.interviews.map((interview) => interview.candidate_name);
  const box = h("div", { class: "chart-box" });
  mount(
    main,
    h("p", { class: "back" }, h("a", { href: "/sessions?view=completed" }, "← Completed interviews")),
    h(
      "div",
      { class: "page-head" },
      h("div", {}, h("h1", {}, "Compare candidates"), h("p", {}, h("a", { href: `/jobs/${data.job_id}` }, data.job_title), ` · ${names.length} interviews side by side`)),
    ),
    h("figure", { class: "chart compare-chart" }, h("figcaption", {}, "Score per skill (1–10)"), data.skills.length ? box : h("p", { class: "empty" }, "This job's rubric names no skills.")),
    h("section", { class: "panel flush", "aria-labelledby": "side-by-side" }, h("h2", { id: "side-by-side", class: "visually-hidden" }, "Side by side"), sideBySide(data)),
  );
  let drawnAt = 0;
  const draw = () => {
    const width = Math.max(box.clientWidth, 280);
    if (!data.skills.length || width === drawnAt) return;
    drawnAt = width;
    box.replaceChildren(
      groupedBarChart({
        groups: data.skills.map((skill) => ({ label: skill, values: data.interviews.map((interview) => interview.skills[skill] ?? null) })),
        series: names,
        title: `Score per skill: ${names.join(", ")} for ${data.job_title}`,
        description: "The mean score, 1 to 10, of each candidate's graded answers on each skill of the job's rubric. The table below holds the same numbers.",
        width,
        axis: "Mean score",
        max: 10,
        format: (value) => value.toFixed(1),
      }),
    );
  };
  draw();
  const redraw = new ResizeObserver(draw); // again when the width changes (a phone turned, a window resized)
  redraw.observe(main);
  return () => redraw.disconnect();
}

/** The comparison as a table: a column per candidate (linking to the interview), a row per skill and outcome. */
function sideBySide({ skills, interviews }) {
  const row = (label, cell) => h("tr", {}, h("th", { scope: "row" }, label), interviews.map((interview) => h("td", {}, cell(interview))));
  const score = (value) => (value === null || value === undefined ? "—" : value.toFixed(1));
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "compare" },
      h("caption", { class: "visually-hidden" }, "Each candidate's mean score per skill (1 to 10), overall score, recommendation, decision and flags"),
      h(
        "thead",
        {},
        h("tr", {}, h("td", {}), interviews.map((interview) => h("th", { scope: "col" }, h("a", { href: `/sessions/${interview.session_id}` }, interview.candidate_name)))),
      ),
      h(
        "tbody",
        {},
        skills.map((skill) => row(skill, (interview) => score(interview.skills[skill]))),
        row("Overall score", (interview) => interview.overall_score ?? "—"),
        row("Recommendation", (interview) => recommendationBadge(interview.recommendation)),
        row("Decision", (interview) =>
          interview.final_decision ? badge(interview.final_decision, interview.final_decision === "HIRE" ? "good" : "bad") : badge("Pending", "muted"),
        ),
        row("Flags", (interview) => flagCounts(interview.integrity_flags, interview.bias_flags, interview.transcript_checks)),
      ),
    ),
  );
}
