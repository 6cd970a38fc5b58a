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
const UNSURE_WORD = 0.6; // a word heard with less confidence is often misheard: marked for the reader to check
const OUTCOMES = [
  ["upheld", "Uphold", "Upheld"],
  ["dismissed", "Dismiss", "Dismissed"],
];

/** The timeline section of a SessionDetail. */
export function timeline(detail) {
  const sessionId = detail.session.id;
  const verdicts = new Map(detail.reviews.map((review) => [`${review.kind}:${review.subject_id}`, review]));
  const review = (subjectId, kind, what) => reviewControl(sessionId, subjectId, kind, what, verdicts.get(`${kind}:${subjectId}`));
  const threshold = detail.flag_threshold;
  const flagged = new Set(detail.flagged_answers); // the domain's integrity flags (sessions.is_integrity_flag)
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
          "A flag points at something worth a second look; uphold it if you agree, dismiss it if not. ",
          `A signal of ${Math.round(threshold * 100)}% strength or more flags its answer; weaker ones are context, not flags.`,
        )
      : h("p", { class: "empty" }, "No answers yet. They appear here as the candidate answers."),
    answers.map((answer) => answerCard(answer, signalsOf(answer.turn_index), review, threshold, flagged.has(answer.id))),
    other.length
      ? h("article", { class: "answer" }, h("h3", {}, "Signals outside an answer"), h("div", { class: "flags" }, contextBox(other, threshold, null)))
      : null,
  );
}

function answerCard(answer, signals, review, threshold, flagged) {
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
      answer.asked_for_time ? badge("Asked for time to think", "info") : null,
      answer.transcript_check ? badge("Transcript uncertain – listen/check", "warn") : null,
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
        h("p", { class: "said" }, answer.candidate_answer ? saidWords(answer) : "(no answer)"),
        answer.recording_object ? recordingPlayer(answer) : null,
        answer.pause_seconds === null || answer.pause_seconds === undefined
          ? null
          : h("p", { class: "pause small muted" }, `Paused ${answer.pause_seconds.toFixed(1)} s before answering`),
        answer.asked_for_time
          ? h("p", { class: "thought small muted" }, "Asked for time to think (“Let me think”): the time asked for is never counted as a pause.")
          : null,
        answer.transcript_confidence === null || answer.transcript_confidence === undefined
          ? null
          : h("p", { class: "heard small muted" }, `Heard with ${Math.round(answer.transcript_confidence * 100)}% confidence by speech recognition`),
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
    flags(answer, signals, review, threshold, flagged),
  );
}

/** The answer's text with the words speech recognition was unsure of marked; the heard words are found in
 * the text in order (a typed part, or words kept from before a reconnection, have none). */
function saidWords(answer) {
  const heard = answer.heard_words ?? [];
  if (!heard.length) return answer.candidate_answer;
  let next = 0;
  return answer.candidate_answer.split(/(\s+)/).map((token) => {
    const word = heard[next];
    if (!word || token !== word.text) return token;
    next += 1;
    if (word.confidence >= UNSURE_WORD) return token;
    return h("mark", { class: "unsure", title: `confidence ${word.confidence.toFixed(2)}` }, token);
  });
}

/** The spoken answer as it was said, beside its transcript: the link is signed and expires, so it is asked for on
 * the first play, and the recording plays in the browser's own player. */
function recordingPlayer(answer) {
  const label = `Recording of the answer to question ${answer.turn_index}`;
  const audio = h("audio", { controls: true, preload: "auto", hidden: true, "aria-label": label });
  const seconds = answer.recording_seconds ? ` (${Math.round(answer.recording_seconds)} s)` : "";
  const button = h("button", { type: "button", class: "secondary" }, `Play recording${seconds}`);
  button.addEventListener("click", async () => {
    const link = await act(button, "Loading…", () => call(`/sessions/${answer.session_id}/answers/${answer.turn_index}/recording/`));
    if (!link) return;
    audio.src = link.url;
    audio.hidden = false;
    button.hidden = true;
    audio.play().catch(() => {}); // a browser that refuses to start it still shows the player's controls
  });
  return h("div", { class: "recording" }, button, audio);
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

/** The answer's flags, each once: its strong signals are the reasons of its integrity flag (with the grader's, if
 * any), and every other signal is context below them, never a flag. */
function flags(answer, signals, review, threshold, flagged) {
  const boxes = [];
  const reasons = flagged ? signals.filter((signal) => signal.strength >= threshold) : [];
  const context = signals.filter((signal) => !reasons.includes(signal));
  if (flagged) {
    const others = answer.cheating_reasons.filter((reason) => !reasons.some((signal) => signal.reason === reason));
    boxes.push(
      h(
        "div",
        { class: "flag" },
        h("h4", {}, "Possible outside help"),
        reasons.length ? signalList(reasons, () => "At or above the flag threshold: a reason for this flag.") : null,
        others.length ? h("ul", {}, others.map((reason) => h("li", {}, reason))) : null,
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
  if (context.length) boxes.push(contextBox(context, threshold, answer));
  return boxes.length ? h("div", { class: "flags" }, boxes) : null;
}

/** Signals that are not flags, each saying why: most are below the threshold; a strong one on an answer that is
 * not a flag (a request to rephrase, or no answer) is not counted either. */
function contextBox(signals, threshold, answer) {
  const why = (signal) => {
    if (signal.strength < threshold) return `Context, below the flag threshold (${Math.round(threshold * 100)}%): not a flag.`;
    if (answer?.needs_clarification) return "Not a flag: a request to rephrase the question is not an answer.";
    return "Not a flag: its answer is not flagged.";
  };
  return h("div", { class: "flag flag-signals" }, h("h4", {}, "Context: signals that are not flags"), signalList(signals, why));
}

function signalList(signals, note) {
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
        h("p", { class: "small muted" }, note(signal)),
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
