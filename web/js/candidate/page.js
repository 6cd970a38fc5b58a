// The candidate's page, opened from the invite link: consent, a microphone check, the interview
// by voice or text, and the end. The relay decides what comes next; this page shows it, plays the
// questions, streams the microphone, and reports what the integrity rules need (see Telemetry in
// functions/talentcrew/interview/integrity.py).

import { ApiError, request } from "../api.js";
import { h, mount } from "../dom.js";
import { navigate } from "../router.js";
import { busy, reportError } from "../ui.js";
import { Microphone, Player } from "./audio.js";
import { Interview } from "./relay.js";

const HEARD_LEVEL = 0.02; // RMS of a 100 ms frame above room noise: the meter says "we can hear you"
const MAX_INTERVALS = 5000;
// The EEO-1 categories of talentcrew.models.RaceEthnicity, which NYC Local Law 144 audits use.
const RACE_ETHNICITY = [
  "Hispanic or Latino",
  "White",
  "Black or African American",
  "Native Hawaiian or Other Pacific Islander",
  "Asian",
  "American Indian or Alaska Native",
  "Two or More Races",
]; // keystroke intervals kept per answer (the relay's limit)

// The invite link is /interview#t=<token>: a fragment never reaches a server (nor its logs), and the
// token leaves this page only in the X-Invite-Token header.
export async function interviewPage(main) {
  const token = new URLSearchParams(location.hash.slice(1)).get("t");
  if (!token) return invalidLink(main);
  let view;
  try {
    view = await request("/interview/", { invite: token });
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) return invalidLink(main);
    throw error;
  }
  const page = new CandidatePage(main, token, view);
  if (view.is_completed) page.finished();
  else page.intro();
  return () => page.leave();
}

/** A link sent before the token moved to the fragment (/interview/<token>): the same page, the token out of the path. */
export function oldInviteLink(main, { token }) {
  return navigate(`/interview#t=${encodeURIComponent(token)}`, { replace: true });
}

function invalidLink(main) {
  mount(
    main,
    h(
      "section",
      { class: "panel narrow candidate" },
      h("h1", {}, "This interview link does not work"),
      h("p", {}, "It may have expired, or a newer link may have replaced it. Ask the recruiter who sent it for a new one."),
    ),
  );
}

class CandidatePage {
  constructor(main, token, view) {
    this.main = main;
    this.token = token;
    this.view = view;
    this.mode = "voice";
    this.context = null;
    this.mic = null;
    this.player = null;
    this.interview = null;
    this.turn = null;
    this.listening = false; // microphone audio goes to the relay
    this.submitting = false; // an answer is being taken
    this.finals = [];
    this.partial = "";
    this.away = false;
    this.onAway = () => this.focusChanged(document.hidden || !document.hasFocus());
  }

  // -- before the interview ------------------------------------------------------------------------

  intro() {
    const agree = h("input", { type: "checkbox", id: "consent" });
    const next = h("button", { type: "button", class: "big", disabled: true, onclick: () => this.setup() }, "Continue");
    agree.addEventListener("change", () => (next.disabled = !agree.checked));
    mount(
      this.main,
      h(
        "section",
        { class: "panel medium candidate" },
        h("p", { class: "eyebrow" }, "Technical interview"),
        h("h1", {}, `Interview for ${this.view.job_title}`),
        h("p", { class: "lead" }, `Hi ${this.view.candidate_name}. This interview has about ${this.view.questions} questions and takes 15–25 minutes. Answer by speaking or by typing, whichever suits you.`),
        h("h2", {}, "Before you start"),
        h("p", {}, this.view.consent_notice),
        h(
          "ul",
          { class: "facts" },
          h("li", {}, h("strong", {}, "What is recorded: "), "your answers (the transcript of what you say, or what you type), how long you take before answering, and, while typing, pasted text and leaving this page."),
          h("li", {}, h("strong", {}, "A person reviews every flag. "), "Signals such as a long pause are reasons for a recruiter to look, never a decision. Taking time to think is normal: use “Let me think” whenever you like. The recruiter sees that you asked; it never counts against you."),
          h("li", {}, h("strong", {}, "Need an accommodation? "), "If you need more time, a different format, or any other adjustment, reply to the message that brought you this link before you start, and the recruiter will arrange it."),
        ),
        h("label", { class: "check", for: "consent" }, agree, "I have read this and agree to take part"),
        h("div", { class: "form-foot" }, next),
      ),
    );
  }

  setup() {
    const level = h("span");
    const meter = h("div", { class: "meter", role: "meter", "aria-label": "Microphone level", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": 0 }, level);
    const heard = h("p", { class: "small muted", "aria-live": "polite" }, "Say a few words to check that we can hear you.");
    const check = h("div", { class: "mic-check", hidden: true }, meter, heard);
    const start = h("button", { type: "button", class: "big", onclick: () => busy(start, "Starting…", () => this.begin()) }, "Start interview");
    const problem = h("p", { class: "form-error", role: "alert", hidden: true });
    const test = h("button", { type: "button", class: "secondary", onclick: () => busy(test, "Asking for the microphone…", () => this.testMicrophone(check, level, meter, heard, problem)) }, "Test my microphone");
    const choice = (value, title, detail) => {
      const input = h("input", { type: "radio", name: "mode", value, checked: value === this.mode });
      input.addEventListener("change", () => {
        this.mode = value;
        voiceOnly.hidden = value !== "voice";
      });
      return h("label", { class: "choice" }, input, h("span", {}, h("strong", {}, title), h("span", { class: "small muted" }, detail)));
    };
    const voiceOnly = h("div", { class: "stack" }, test, check, problem);
    mount(
      this.main,
      h(
        "section",
        { class: "panel medium candidate" },
        h("h1", {}, "How would you like to answer?"),
        h(
          "fieldset",
          { class: "choices" },
          h("legend", { class: "visually-hidden" }, "Answer mode"),
          choice("voice", "Speak my answers", "Questions are read aloud and your answers are transcribed as you speak."),
          choice("text", "Type my answers", "Questions appear on screen and you type your answers."),
        ),
        voiceOnly,
        h("div", { class: "form-foot" }, h("span", { class: "small muted" }, "You can switch to typing at any time during the interview."), start),
      ),
    );
  }

  /** One AudioContext for the page, made on a click so that the browser lets it play. */
  async audio() {
    this.context ??= new AudioContext();
    await this.context.resume();
    this.player ??= new Player(this.context);
    return this.context;
  }

  async testMicrophone(check, level, meter, heard, problem) {
    problem.hidden = true;
    try {
      await this.openMicrophone();
    } catch (error) {
      problem.textContent = microphoneProblem(error);
      problem.hidden = false;
      return;
    }
    check.hidden = false;
    this.meter = (rms) => {
      const percent = Math.min(100, Math.round(Math.sqrt(rms) * 180));
      level.className = `level-${Math.round(percent / 5) * 5}`;
      meter.setAttribute("aria-valuenow", percent);
      if (rms > HEARD_LEVEL) heard.textContent = "We can hear you.";
    };
  }

  async openMicrophone() {
    if (this.mic) return;
    const context = await this.audio();
    this.mic = await Microphone.open(context);
    this.mic.onframe = (pcm, rms) => {
      this.meter?.(rms);
      if (this.listening && !this.submitting && this.mode === "voice") this.interview?.sendAudio(pcm);
    };
  }

  async begin() {
    await this.audio();
    if (this.mode === "voice") {
      try {
        await this.openMicrophone();
      } catch (error) {
        this.mode = "text";
        this.notice = `${microphoneProblem(error)} You can type your answers instead.`;
      }
    }
    this.room();
    document.addEventListener("visibilitychange", this.onAway);
    window.addEventListener("blur", this.onAway);
    window.addEventListener("focus", this.onAway);
    this.interview = new Interview(this.view.session_id, this.token, this.mode, {
      message: (message) => this.received(message),
      audio: (data) => this.player.push(data),
      status: (status) => this.connection(status),
      finished: () => this.finished(),
      stopped: (reason) => this.stopped(reason),
    });
    await this.interview.connect();
  }

  // -- the interview -------------------------------------------------------------------------------

  room() {
    this.ui = {};
    const ui = this.ui;
    ui.progressText = h("p", { class: "small muted" }, "Connecting…");
    ui.progressBar = h("span", { class: "w-0" });
    ui.question = h("h1", { class: "question", id: "question", tabindex: "-1" }, "Your first question is coming…");
    ui.notice = h("p", { class: "notice", hidden: !this.notice }, this.notice ?? "");
    ui.replay = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => this.player.replay() }, "Play question again");
    ui.finals = h("span");
    ui.partial = h("span", { class: "partial" });
    ui.transcript = h("p", { class: "transcript", "aria-live": "polite" }, ui.finals, " ", ui.partial);
    ui.heard = h("section", { class: "heard", "aria-labelledby": "heard-title" }, h("h2", { id: "heard-title", class: "small muted" }, "What we heard"), ui.transcript);
    ui.status = h("p", { class: "status", role: "status" });
    ui.done = h("button", { type: "button", class: "big", onclick: () => this.done() }, "I'm done");
    // One "Let me think" in each mode's controls (an element sits in one place only); both ask the same.
    const thinkButton = () => h("button", { type: "button", class: "secondary big", "aria-pressed": "false", onclick: () => this.think() }, "Let me think");
    ui.thinks = [thinkButton(), thinkButton()];
    ui.typeInstead = h("button", { type: "button", class: "link", onclick: () => this.switchToText() }, "Type instead");
    ui.answer = h("textarea", { id: "answer", rows: 8, spellcheck: "true" });
    ui.count = h("span", { class: "small muted" }, "");
    ui.submit = h("button", { type: "submit", class: "big" }, "Submit answer");
    ui.form = h(
      "form",
      { class: "answer-form", onsubmit: (event) => (event.preventDefault(), this.submitText()) },
      h("label", { for: "answer" }, "Your answer"),
      h("p", { class: "hint" }, "Write as you would explain it to a colleague. Ctrl+Enter submits."),
      ui.answer,
      h("div", { class: "form-foot" }, ui.count, h("div", { class: "row" }, ui.thinks[0], ui.submit)),
    );
    ui.voice = h("div", { class: "voice-controls" }, ui.heard, h("div", { class: "row" }, ui.done, ui.thinks[1], ui.typeInstead));
    ui.leave = h("button", { type: "button", class: "ghost small", onclick: () => this.leaveEarly() }, "Leave interview");
    mount(
      this.main,
      h(
        "section",
        { class: "panel medium candidate interview" },
        h("div", { class: "progress-row" }, ui.progressText, ui.leave),
        h("div", { class: "progress", "aria-hidden": "true" }, ui.progressBar),
        ui.question,
        ui.replay,
        ui.notice,
        ui.voice,
        ui.form,
        ui.status,
      ),
    );
    this.telemetry = newTelemetry();
    ui.answer.addEventListener("keydown", (event) => this.keystroke(event));
    ui.answer.addEventListener("input", (event) => this.typed(event));
    ui.answer.addEventListener("paste", (event) => this.pasted(event));
    this.showMode();
  }

  showMode() {
    const asked = this.turn !== null; // nothing to answer before the first question arrives
    this.ui.voice.hidden = !asked || this.mode !== "voice";
    this.ui.form.hidden = !asked || this.mode !== "text";
    this.ui.replay.hidden = this.mode !== "voice" || !this.player?.buffers.length;
  }

  received(message) {
    switch (message.type) {
      case "question":
        return this.question(message);
      case "tts_audio":
        this.player.begin(message.sample_rate);
        return this.say(this.said ? "" : "The interviewer is asking the question…");
      case "tts_audio_complete":
        return this.player.finished().then(() => this.ready(message.turn));
      case "transcript":
        return this.heard(message);
      case "closing":
        return this.closing(message);
      case "interview_complete":
        return this.finished();
      case "error":
        return this.relayError(message);
    }
  }

  question(message) {
    const again = message.turn === this.turn; // a reconnection repeats the question
    this.turn = message.turn;
    this.submitting = false;
    this.listening = false;
    // The relay keeps a request for time with the answer's draft, and says so when it asks again (after a
    // reconnection or a reload); one made while the connection was down is sent now.
    const lost = again && this.thinking && !message.thinking;
    this.thinking = Boolean(message.thinking) || lost;
    if (lost) this.interview.send({ type: "thinking" });
    for (const button of this.ui.thinks) button.setAttribute("aria-pressed", String(this.thinking));
    this.finals = [];
    this.partial = "";
    this.showTranscript();
    const total = this.view.questions;
    const current = Math.min(message.turn, total);
    this.ui.progressText.textContent = `Question ${current} of ${total}`;
    this.ui.progressBar.className = `w-${Math.round((100 * (current - 1)) / total / 5) * 5}`;
    this.ui.question.textContent = message.text;
    this.ui.notice.textContent = message.notice || this.notice || "";
    this.ui.notice.hidden = !this.ui.notice.textContent;
    this.notice = null;
    if (!again) {
      this.ui.answer.value = "";
      this.telemetry = newTelemetry();
      this.say("");
    }
    this.showMode();
    this.ui.question.focus();
    if (this.mode === "text") this.ready(message.turn);
  }

  /** The question has been heard (or shown): the pause before answering starts now. */
  ready(turn) {
    if (turn !== this.turn || this.submitting) return;
    this.interview.send({ type: "playback_finished", turn });
    this.showMode();
    if (this.mode === "voice") {
      this.listening = true;
      if (!this.thinking) this.say("Listening… answer in your own words, then press “I'm done”.");
    } else {
      this.telemetry.shownAt ??= performance.now();
      this.ui.answer.focus();
    }
  }

  heard(message) {
    if (message.turn !== this.turn) return;
    if (message.final) {
      this.finals.push(message.text);
      this.partial = "";
    } else {
      this.partial = message.text;
    }
    this.showTranscript();
  }

  showTranscript() {
    this.ui.finals.textContent = this.finals.join(" ");
    this.ui.partial.textContent = this.partial;
    if (!this.finals.length && !this.partial) this.ui.finals.textContent = "Your words appear here as you speak.";
    this.ui.transcript.classList.toggle("placeholder", !this.finals.length && !this.partial);
  }

  done() {
    if (this.submitting || !this.interview.send({ type: "user_finished_speaking" })) return;
    this.submitting = true;
    this.listening = false;
    this.say("Thanks — preparing the next question…");
  }

  think() {
    if (this.thinking || this.submitting) return;
    this.thinking = true;
    this.interview.send({ type: "thinking" });
    if (this.mode === "text" && this.telemetry.firstInputAt === null) this.telemetry.thought = true;
    for (const button of this.ui.thinks) button.setAttribute("aria-pressed", "true");
    this.say(this.mode === "voice" ? "Take your time. Nothing ends your answer until you press “I'm done”." : "Take your time. The time you take does not count against you.");
  }

  switchToText() {
    this.mode = "text";
    this.interview.setMode("text");
    this.listening = false;
    this.showMode();
    this.telemetry.shownAt ??= performance.now();
    this.ui.answer.focus();
    this.say(this.finals.length ? "What you said so far is kept; what you type is added to it." : "");
  }

  submitText() {
    const text = this.ui.answer.value.trim();
    if (this.submitting) return;
    if (!text && !this.finals.length) return this.say("Write your answer first, or press “Let me think” to take your time.");
    const t = this.telemetry;
    const now = performance.now();
    const pause = t.thought || t.firstInputAt === null || t.shownAt === null ? null : (t.firstInputAt - t.shownAt) / 1000;
    const message = {
      type: "text_message",
      text,
      pause_seconds: pause === null ? null : Math.round(Math.max(0, pause) * 1000) / 1000,
      telemetry: {
        paste_events: t.pasteEvents,
        pasted_chars: t.pastedChars,
        focus_lost: t.focusLost,
        focus_lost_seconds: Math.round((t.awaySeconds + (t.awaySince ? (now - t.awaySince) / 1000 : 0)) * 1000) / 1000,
        typed_chars: t.typedChars,
        typing_seconds: t.firstKeyAt === null ? 0 : Math.round((t.lastKeyAt - t.firstKeyAt)) / 1000,
        keystroke_intervals_ms: t.intervals,
      },
    };
    if (!this.interview.send(message)) return this.say("Not connected right now — your answer is still here; submit it again in a moment.");
    this.submitting = true;
    this.say("Thanks — preparing the next question…");
  }

  keystroke(event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      return this.submitText();
    }
    const t = this.telemetry;
    const now = performance.now();
    if (t.lastKeyAt !== null && t.intervals.length < MAX_INTERVALS) t.intervals.push(Math.round(now - t.lastKeyAt));
    t.firstKeyAt ??= now;
    t.firstInputAt ??= now;
    t.lastKeyAt = now;
  }

  typed(event) {
    if (event.inputType?.startsWith("insert") && event.inputType !== "insertFromPaste") this.telemetry.typedChars += event.data?.length ?? 1;
    this.ui.count.textContent = `${this.ui.answer.value.length.toLocaleString()} characters`;
  }

  pasted(event) {
    const t = this.telemetry;
    t.pasteEvents += 1;
    t.pastedChars += event.clipboardData?.getData("text")?.length ?? 0;
    t.firstInputAt ??= performance.now();
  }

  focusChanged(away) {
    if (away === this.away || !this.interview) return;
    this.away = away;
    const t = this.telemetry;
    if (away) {
      t.focusLost += 1;
      t.awaySince = performance.now();
    } else if (t.awaySince !== null) {
      t.awaySeconds += (performance.now() - t.awaySince) / 1000;
      t.awaySince = null;
    }
    this.interview.send({ type: "client_event", event: away ? "focus_lost" : "focus_regained" });
  }

  relayError({ code, message }) {
    const words = {
      nothing_heard: "We didn't hear anything. Please answer again, or type your answer.",
      busy: "Your last answer is still being taken — one moment.",
      turn_failed: "Your answer could not be sent. It is kept: press “I'm done” or “Submit answer” again.",
      speech_unavailable: "Speech isn't working right now. Read the question on screen, and type your answer if you like.",
      audio_dropped: "Your connection is slow, so some audio was lost. Please repeat the last part, or type it.",
    };
    if (code === "nothing_heard" || code === "turn_failed") {
      this.submitting = false;
      this.listening = this.mode === "voice";
    }
    if (code === "speech_unavailable") this.ui.replay.hidden = true;
    this.say(words[code] ?? message);
  }

  connection(status) {
    this.ui.status.classList.toggle("offline", status === "reconnecting");
    if (status === "reconnecting") this.say("Connection lost — reconnecting… Nothing you said or typed is lost.");
    if (status === "open" && this.ui.status.classList.contains("was-offline")) this.say("Reconnected.");
    this.ui.status.classList.toggle("was-offline", status === "reconnecting");
  }

  say(text) {
    this.ui.status.textContent = text;
  }

  async leaveEarly() {
    if (!confirm("Leave the interview now? Your answers so far are kept, and you cannot come back to it.")) return;
    try {
      await request(`/sessions/${this.view.session_id}/end/`, { method: "POST", invite: this.token });
      this.finished();
    } catch (error) {
      reportError(error);
    }
  }

  // -- after -----------------------------------------------------------------------------------------

  /** The interviewer's last words: shown, and (in voice mode) heard before the page says goodbye. */
  closing(message) {
    this.said = message.text;
    this.ui.question.textContent = message.text;
    this.ui.voice.hidden = this.ui.form.hidden = true;
    this.say("");
  }

  async finished() {
    if (this.ended) return; // the message and the closed connection both say so
    this.ended = true;
    await this.player?.finished();
    this.stop();
    mount(
      this.main,
      h(
        "section",
        { class: "panel medium candidate done" },
        h("div", { class: "tick", "aria-hidden": "true" }, "✓"),
        h("h1", {}, `Thank you, ${this.view.candidate_name}!`),
        this.said ? h("p", { class: "closing" }, `“${this.said}”`) : null,
        h("p", { class: "lead" }, `Your interview for ${this.view.job_title} is complete.`),
        h("p", {}, "Your answers have been sent to the recruiter, who will review them and be in touch. You can close this page."),
      ),
      this.selfIdentification(),
    );
  }

  /** Optional, after the interview: categories for the bias audit's group statistics, never for grading. */
  selfIdentification() {
    const select = (label, name, options) =>
      h("div", { class: "field" }, h("label", { for: `self-${name}` }, label), h("select", { id: `self-${name}`, name }, h("option", { value: "" }, "Prefer not to say"), options.map((option) => h("option", { value: option }, option))));
    const saved = h("p", { class: "small muted", role: "status" });
    const form = h(
      "form",
      { class: "panel medium candidate self-id" },
      h("h2", {}, "Optional: help us check that hiring is fair"),
      h("p", { class: "small muted" }, "We audit our interviews for bias by comparing results across groups. What you choose here is used only in those anonymous group statistics: it is never used to grade you, the recruiter never sees it, and you can leave it blank."),
      select("Sex", "sex", ["female", "male"]),
      select("Race or ethnicity", "race_ethnicity", RACE_ETHNICITY),
      h("div", { class: "form-foot" }, saved, h("button", { type: "submit", class: "secondary" }, "Save")),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = Object.fromEntries([...new FormData(form)].map(([key, value]) => [key, value || null]));
      try {
        await request(`/sessions/${this.view.session_id}/self-identification/`, { method: "PUT", body, invite: this.token });
        saved.textContent = "Saved. Thank you.";
      } catch (error) {
        reportError(error);
      }
    });
    return form;
  }

  stopped(reason) {
    this.stop();
    mount(this.main, h("section", { class: "panel medium candidate" }, h("h1", {}, "The interview is paused"), h("p", {}, reason)));
  }

  stop() {
    this.interview?.close();
    this.interview = null;
    this.mic?.close();
    this.mic = null;
    this.player?.stop();
    this.context?.close();
    this.context = null;
    document.removeEventListener("visibilitychange", this.onAway);
    window.removeEventListener("blur", this.onAway);
    window.removeEventListener("focus", this.onAway);
  }

  leave() {
    this.stop();
  }
}

function newTelemetry() {
  return {
    shownAt: null,
    firstInputAt: null,
    firstKeyAt: null,
    lastKeyAt: null,
    thought: false,
    pasteEvents: 0,
    pastedChars: 0,
    typedChars: 0,
    intervals: [],
    focusLost: 0,
    awaySeconds: 0,
    awaySince: null,
  };
}

function microphoneProblem(error) {
  if (error?.name === "NotAllowedError") return "The browser did not allow the microphone. Allow it in the address bar, then try again.";
  if (error?.name === "NotFoundError") return "No microphone was found. Connect one, then try again.";
  return "The microphone could not be started.";
}
