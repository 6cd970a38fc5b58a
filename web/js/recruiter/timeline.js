// An interview's answers, turn by turn: scores, evidence, and the flags a recruiter reviews.

import { call } from "../auth.js";
import { formatDate, h, mount } from "../dom.js";
import { badge } from "../ui.js";
import { act } from "./common.js";

const SIGNALS = {
  long_pause: "Long pause",
  paste: "Pasted text",
  focus_lost: "Left the page",
  textbook_answer: "Textbook answer",
  fluency_spike: "Fluency jump",
  uniform_pauses: "Regular pauses",
  ideal_similarity: "Close to the ideal answer",
  typing_cadence: "Typing cadence",
};
const REVIEWABLE = 0.5; // weaker signals are context, not flags
const OUTCOMES = [
  ["upheld", "Uphold", "Upheld"],
  ["dismissed", "Dismiss", "Dismissed"],
];

/** The timeline section of a SessionDetail. */
export function timeline(detail) {
  const sessionId = detail.session.id;
  const verdicts = new Map(detail.reviews.map((review) => [`${review.kind}:${review.subject_id}`, review]));
  const review = (subjectId, kind, what) => reviewControl(sessionId, subjectId, kind, what, verdicts.get(`${kind}:${subjectId}`));
  const answers = [...detail.answers].sort((a, b) => a.turn_index - b.turn_index);
  const turns = new Set(answers.map((answer) => answer.turn_index));
  const signalsOf = (turn) => detail.integrity_signals.filter((signal) => signal.turn_index === turn);
  const other = detail.integrity_signals.filter((signal) => !turns.has(signal.turn_index));
  return h(
    "section",
    { class: "panel timeline", "aria-labelledby": "answers-title" },
    h("h2", { id: "answers-title" }, "Answers"),
    answers.length || other.length
      ? h(
          "p",
          { class: "review-note" },
          h("strong", {}, "Flags are for human review, never automatic decisions. "),
          "A flag or signal points at something worth a second look; uphold it if you agree, dismiss it if not.",
        )
      : h("p", { class: "empty" }, "No answers yet. They appear here as the candidate answers."),
    answers.map((answer) => answerCard(answer, signalsOf(answer.turn_index), review)),
    other.length
      ? h("article", { class: "answer" }, h("h3", {}, "Signals outside an answer"), h("div", { class: "flags" }, signalList(other, review)))
      : null,
  );
}

function answerCard(answer, signals, review) {
  const titleId = `answer-${answer.id}`;
  return h(
    "article",
    { class: "answer", "aria-labelledby": titleId },
    h(
      "header",
      { class: "answer-head" },
      h("h3", { id: titleId }, `Question ${answer.turn_index}`),
      h("span", { class: "skill" }, answer.skill),
      answer.drill_depth ? badge("Follow-up", "info") : null,
      answer.needs_clarification ? badge("Asked for clarification: not scored", "warn") : null,
      answer.needs_human_grade ? badge("Needs a human grade", "warn") : null,
      answer.off_topic ? badge("Off topic", "warn") : null,
    ),
    h(
      "div",
      { class: "answer-body" },
      h(
        "div",
        { class: "exchange" },
        h("h4", {}, "Asked"),
        h("p", { class: "asked" }, answer.question_asked),
        h("h4", {}, "Answer"),
        h("p", { class: "said" }, answer.candidate_answer || "(no answer)"),
        answer.pause_seconds === null || answer.pause_seconds === undefined
          ? null
          : h("p", { class: "pause small muted" }, `Paused ${answer.pause_seconds.toFixed(1)} s before answering`),
        answer.evidence ? [h("h4", {}, "Evidence"), h("blockquote", {}, answer.evidence)] : null,
        answer.critique ? [h("h4", {}, "Critique"), h("p", {}, answer.critique)] : null,
        answer.ideal_answer ? h("details", { class: "ideal" }, h("summary", {}, "Ideal answer"), h("p", {}, answer.ideal_answer)) : null,
      ),
      h(
        "div",
        { class: "grades" },
        h("h4", {}, "Scores"),
        scoreBar("Understanding", answer.understanding_score, `${titleId}-understanding`),
        scoreBar("Explainability", answer.explainability_score, `${titleId}-explainability`),
        scoreBar("Confidence", answer.confidence_score, `${titleId}-confidence`),
        answer.concepts_missed.length
          ? [h("h4", {}, "Concepts missed"), h("ul", { class: "chips" }, answer.concepts_missed.map((concept) => h("li", {}, concept)))]
          : null,
      ),
    ),
    flags(answer, signals, review),
  );
}

function scoreBar(label, value, id) {
  return h(
    "div",
    { class: "score-bar" },
    h("label", { for: id }, label),
    h("meter", { id, min: 0, max: 10, low: 4.5, high: 6.5, optimum: 10, "aria-valuetext": `${value} out of 10`, value }),
    h("span", { class: "score-value", "aria-hidden": "true" }, h("strong", {}, value), " / 10"),
  );
}

function flags(answer, signals, review) {
  const boxes = [];
  if (answer.is_cheating_suspected) {
    boxes.push(
      h(
        "div",
        { class: "flag" },
        h("h4", {}, "Possible outside help"),
        answer.cheating_reasons.length ? h("ul", {}, answer.cheating_reasons.map((reason) => h("li", {}, reason))) : null,
        review(answer.id, "integrity", `possible outside help, question ${answer.turn_index}`),
      ),
    );
  }
  if (answer.bias_flag) {
    boxes.push(
      h(
        "div",
        { class: "flag flag-bias" },
        h("h4", {}, "Question may be biased"),
        answer.bias_reason ? h("p", {}, answer.bias_reason) : null,
        review(answer.id, "bias", `possible bias, question ${answer.turn_index}`),
      ),
    );
  }
  if (signals.length) boxes.push(h("div", { class: "flag flag-signals" }, h("h4", {}, "Integrity signals"), signalList(signals, review)));
  return boxes.length ? h("div", { class: "flags" }, boxes) : null;
}

function signalList(signals, review) {
  return h(
    "ul",
    { class: "signals" },
    signals.map((signal) => {
      const name = SIGNALS[signal.kind] ?? signal.kind;
      const id = `strength-${signal.id}`;
      return h(
        "li",
        { class: "signal" },
        h(
          "div",
          { class: "signal-head" },
          h("strong", {}, name),
          h(
            "span",
            { class: "strength" },
            h("label", { for: id, class: "small muted" }, "Strength"),
            h("meter", { id, min: 0, max: 1, low: 0.3, high: 0.6, optimum: 0, value: signal.strength }),
            h("span", { class: "small", "aria-hidden": "true" }, `${Math.round(signal.strength * 100)}%`),
          ),
        ),
        h("p", {}, signal.reason),
        signal.strength >= REVIEWABLE
          ? review(signal.id, "integrity", `${name.toLowerCase()} signal, turn ${signal.turn_index}`)
          : h("p", { class: "small muted" }, "A weak signal, shown for context."),
      );
    }),
  );
}

/** Uphold / Dismiss for one flag, with the verdict on record. */
function reviewControl(sessionId, subjectId, kind, what, existing) {
  const status = h("span", { class: "review-status small", "aria-live": "polite" });
  const buttons = OUTCOMES.map(([outcome, label]) =>
    h(
      "button",
      {
        type: "button",
        class: "secondary",
        onclick: async (event) => {
          const body = { subject_id: subjectId, kind, outcome, note: "" };
          const recorded = await act(event.currentTarget, "Saving…", () => call(`/sessions/${sessionId}/reviews/`, { method: "POST", body }));
          if (recorded) show(recorded);
        },
      },
      label,
    ),
  );
  const show = (verdict) => {
    OUTCOMES.forEach(([outcome], i) => buttons[i].setAttribute("aria-pressed", String(verdict?.outcome === outcome)));
    const said = OUTCOMES.find(([outcome]) => outcome === verdict?.outcome)?.[2];
    mount(status, said ? [badge(said, verdict.outcome === "upheld" ? "bad" : "muted"), ` ${formatDate(verdict.reviewed_at)}`] : "Not reviewed yet");
  };
  show(existing);
  return h("div", { class: "review", role: "group", "aria-label": `Review of ${what}` }, buttons, status);
}
