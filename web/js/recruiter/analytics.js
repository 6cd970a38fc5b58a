// Analytics: summary figures and charts over the recruiter's jobs and interviews.

import { ApiError } from "../api.js";
import { call } from "../auth.js";
import { barChart, horizontalBarChart, weeklyScoreChart } from "../charts.js";
import { formatDate, formatDay, h, mount } from "../dom.js";
import { load } from "./common.js";

const HIRE_AT = 70;
const BANDS = ["0–9", "10–19", "20–29", "30–39", "40–49", "50–59", "60–69", "70–79", "80–89", "90–100"];

const sum = (values) => values.reduce((total, value) => total + value, 0);
const percent = (value) => `${Math.round(value * 10) / 10}%`;
/** "2026-03-02" → "Mar 2" (a date without a time is a calendar day, not a UTC instant). */
const weekDay = (day) => new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });

export async function analyticsPage(main) {
  const loaded = await load(main, () => Promise.all([call("/analytics/"), latestReport()]));
  if (!loaded) return;
  const [data, report] = loaded;
  const figures = charts(data).map(chartFigure);
  mount(
    main,
    h("div", { class: "page-head" }, h("div", {}, h("h1", {}, "Analytics"), h("p", {}, `Across all your jobs · updated ${formatDate(data.generated_at)}`))),
    tiles(data),
    audit(report),
    h("div", { class: "charts" }, figures.map((figure) => figure.node)),
  );
  // Drawn at their laid-out width, and again when it changes (a phone turned, a window resized).
  const redraw = new ResizeObserver(() => figures.forEach((figure) => figure.draw()));
  redraw.observe(main);
  return () => redraw.disconnect();
}

/** The latest daily report, or null before the first (the API answers 404 until then). */
async function latestReport() {
  try {
    return await call("/analytics/reports/latest/");
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/** What the day's retention step erased (it runs before the audit; null: it had not run that day). */
function retention(run) {
  if (!run) return "The retention step had not run for this day when the audit was written.";
  if (run.retention_days === null) return "Interviews are kept until you erase them.";
  return `${run.sessions_erased} interviews (${run.answers_erased} answers) past ${run.retention_days} days were erased.`;
}

/** The daily audit: its alerts for a person to look at, and what each check found. */
function audit(report) {
  if (!report) {
    return h("section", { class: "panel audit" }, h("h2", {}, "Daily audit"), h("p", { class: "muted" }, "The first daily audit (score drift, grader checks, bias audits) runs at the next scheduled tick."));
  }
  const alerts = report.alerts.length
    ? h("ul", { class: "alerts" }, report.alerts.map((alert) => h("li", { class: `alert alert-${alert.severity.toLowerCase()}` }, h("strong", {}, ALERT_TITLES[alert.type] ?? alert.type), " ", alert.message)))
    : h("p", { class: "audit-ok" }, "No alerts: scores are stable, the grader matches its golden set, and no bias check fired.");
  const checks = [
    ["Grader", report.grader?.reason ?? "No jobs to grade for yet."],
    ["Name-swap audit", report.counterfactual.reason],
    ["Retention", retention(report.retention)],
  ];
  return h(
    "section",
    { class: "panel audit" },
    h("h2", {}, `Daily audit · ${formatDay(`${report.day}T12:00:00Z`)}`),
    alerts,
    h("dl", { class: "checks" }, checks.map(([name, text]) => [h("dt", {}, name), h("dd", {}, text)])),
  );
}

const ALERT_TITLES = {
  "talentcrew.alert.score_drift": "Score drift.",
  "talentcrew.alert.grader_drift": "Grader drift.",
  "talentcrew.alert.counterfactual_flip": "Name-swap flip.",
  "talentcrew.alert.adverse_impact": "Adverse impact.",
};

function tiles({ jobs, score_over_time: weeks }) {
  const completed = sum(jobs.map((job) => job.completed));
  const scored = sum(weeks.map((week) => week.sessions));
  const answers = sum(jobs.map((job) => job.answers));
  const flagged = sum(jobs.map((job) => job.flagged_answers));
  const tile = (label, value, note) => h("div", { class: "tile" }, h("dt", {}, label), h("dd", { class: "tile-value" }, value), h("dd", { class: "small muted" }, note));
  return h(
    "dl",
    { class: "tiles" },
    tile("Interviews completed", completed, `of ${sum(jobs.map((job) => job.sessions))} invited`),
    tile("Average score", scored ? Math.round(sum(weeks.map((week) => week.average_score * week.sessions)) / scored) : "—", `over ${scored} scored interview${scored === 1 ? "" : "s"}`),
    tile("Integrity-flag rate", answers ? percent((flagged / answers) * 100) : "—", `${flagged} of ${answers} graded answers flagged`),
    tile("Bias flags", sum(jobs.map((job) => job.bias_flags)), "questions flagged for review"),
  );
}

/** What each chart shows: its caption, its empty state, how to draw it, and its numbers. */
function charts({ jobs, missed_concepts: concepts, score_over_time: weeks }) {
  const scored = jobs.filter((job) => job.average_score !== null);
  const rated = jobs.filter((job) => job.integrity_flag_rate !== null);
  return [
    {
      caption: "Average score per job",
      empty: scored.length ? null : "No scored interviews yet. Averages appear here once candidates finish.",
      draw: (width) =>
        barChart({
          items: scored.map((job) => ({ label: job.title, value: job.average_score })),
          label: `Average score per job, 0 to 100, with the hiring line at ${HIRE_AT}: ${scored.map((job) => `${job.title} ${Math.round(job.average_score)}`).join(", ")}`,
          width,
          axis: "Average score",
          format: (value) => String(Math.round(value)),
          max: 100,
          threshold: { value: HIRE_AT, label: `HIRE at ${HIRE_AT}` },
        }),
      table: [["Job", "Completed", "Average score"], scored.map((job) => [job.title, job.completed, Math.round(job.average_score)])],
    },
    {
      caption: "Integrity-flag rate per job",
      empty: rated.length ? null : "No graded answers yet. The share of answers flagged for review appears here.",
      draw: (width) =>
        barChart({
          items: rated.map((job) => ({ label: job.title, value: job.integrity_flag_rate * 100 })),
          label: `Share of answers flagged for possible outside help, per job: ${rated.map((job) => `${job.title} ${percent(job.integrity_flag_rate * 100)}`).join(", ")}`,
          width,
          axis: "Answers flagged",
          format: percent,
        }),
      table: [["Job", "Graded answers", "Flagged", "Rate"], rated.map((job) => [job.title, job.answers, job.flagged_answers, percent(job.integrity_flag_rate * 100)])],
    },
    {
      caption: "Most-missed concepts",
      wide: true,
      empty: concepts.length ? null : "No missed concepts yet. The concepts candidates leave out most appear here.",
      draw: (width) =>
        horizontalBarChart({
          items: concepts.map((item) => ({ label: item.concept, value: item.count })),
          label: `The ${concepts.length} most-missed concepts: ${concepts.map((item) => `${item.concept} ${item.count}`).join(", ")}`,
          width,
          axis: "Answers that missed it",
        }),
      table: [["Concept", "Answers that missed it"], concepts.map((item) => [item.concept, item.count])],
    },
    {
      caption: "Scores over time",
      wide: true,
      empty: weeks.length ? null : "No finished interviews yet. Scores appear here week by week.",
      draw: (width) =>
        weeklyScoreChart({
          weeks,
          label: `Average score per week: ${weeks.map((week) => `week of ${weekDay(week.week_start)} ${Math.round(week.average_score)}`).join(", ")}`,
          width,
          day: weekDay,
        }),
      legend: h(
        "p",
        { class: "legend small muted" },
        h("span", { class: "legend-item" }, h("span", { class: "key key-line", "aria-hidden": "true" }), "Average score"),
        h("span", { class: "legend-item" }, h("span", { class: "key key-cells", "aria-hidden": "true" }), "Interviews per 10-point band (darker: more)"),
      ),
      table: [
        ["Week of", "Interviews", "Average score", ...BANDS],
        weeks.map((week) => [weekDay(week.week_start), week.sessions, Math.round(week.average_score), ...week.histogram]),
      ],
    },
  ];
}

function chartFigure(chart) {
  const box = h("div", { class: "chart-box" });
  const node = h(
    "figure",
    { class: chart.wide ? "chart chart-wide" : "chart" },
    h("figcaption", {}, chart.caption),
    chart.empty ? h("p", { class: "empty" }, chart.empty) : [box, chart.legend, numbers(...chart.table)],
  );
  let drawnAt = 0;
  const draw = () => {
    const width = Math.max(box.clientWidth, 280);
    if (chart.empty || width === drawnAt) return;
    drawnAt = width;
    box.replaceChildren(chart.draw(width));
  };
  return { node, draw };
}

function numbers(head, rows) {
  return h(
    "details",
    { class: "numbers" },
    h("summary", {}, "Show as table"),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, head.map((name, i) => h("th", { scope: "col", class: i ? "num" : null }, name)))),
        h("tbody", {}, rows.map(([first, ...rest]) => h("tr", {}, h("th", { scope: "row" }, first), rest.map((value) => h("td", { class: "num" }, value))))),
      ),
    ),
  );
}
