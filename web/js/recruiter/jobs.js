// Jobs: the list, the editor for a job and its rubric, and inviting candidates to a job.

import { ApiError } from "../api.js";
import { all, call } from "../auth.js";
import { formatDay, h, mount } from "../dom.js";
import { navigate } from "../router.js";
import { busy, field, list, reportError } from "../ui.js";
import { act, canEdit, copyable, formError, inviteLink, load, readOnly, sessionTable, submit, viewOnly } from "./common.js";
import { questionsEditor } from "./questions.js";

const LEVELS = ["Junior", "Mid-Level", "Senior", "Staff"];

/** A webhook signing secret to show on its job's page once that page is drawn: the api shows a secret only in the
 * answer that made it (creating the job, or a new secret), and the page is drawn again from the stored job. */
let madeSecret = null;

export async function jobsPage(main) {
  const data = await load(main, () => Promise.all([all("/jobs/"), canEdit()]));
  if (!data) return;
  const [jobs, editable] = data;
  const head = h(
    "div",
    { class: "page-head" },
    h("div", {}, h("h1", {}, "Jobs"), h("p", {}, "Each job holds the rubric its interviews follow.")),
    editable ? h("a", { class: "button", href: "/jobs/new" }, "New job") : viewOnly(),
  );
  mount(main, head, jobs.length ? h("section", { class: "panel flush" }, jobTable(jobs)) : noJobs(editable));
}

function noJobs(editable) {
  return h(
    "section",
    { class: "panel empty" },
    h("h2", {}, "No jobs yet"),
    h("p", {}, "Create a job with the skills to assess, then invite candidates to an AI interview."),
    editable ? h("a", { class: "button", href: "/jobs/new" }, "Create your first job") : null,
  );
}

function jobTable(jobs) {
  const th = (text, className) => h("th", { scope: "col", class: className }, text);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, th("Title"), th("Level"), th("Core skills", "hide-phone"), th("Hire at", "num nowrap"), th("Created", "hide-phone"))),
      h(
        "tbody",
        {},
        jobs.map((job) =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: `/jobs/${job.id}` }, job.title)),
            h("td", { class: "nowrap" }, job.rubric_template.experience_level),
            h("td", { class: "hide-phone" }, h("ul", { class: "chips" }, job.rubric_template.core_skills.map((skill) => h("li", {}, skill)))),
            h("td", { class: "num" }, job.hire_threshold),
            h("td", { class: "hide-phone nowrap" }, formatDay(job.created_at)),
          ),
        ),
      ),
    ),
  );
}

export async function jobPage(main, params) {
  if (!params.id) {
    const editable = await load(main, canEdit);
    if (editable === null) return;
    const head = h("div", {}, h("h1", {}, "New job"), h("p", {}, "Describe the role and what its interviews should cover."));
    mount(main, h("div", { class: "page-head medium" }, head), h("section", { class: "panel medium" }, editable ? jobForm(null) : viewOnly()));
    return;
  }
  const data = await load(main, () => Promise.all([call(`/jobs/${params.id}/`), all("/auth/sessions/"), canEdit()]));
  if (!data) return;
  const [job, sessions, editable] = data;
  const mine = sessions.filter((session) => session.job_id === job.id);
  mount(
    main,
    h(
      "div",
      { class: "page-head" },
      h("div", {}, h("h1", {}, job.title), h("p", {}, `Rubric version ${job.rubric_version} · created ${formatDay(job.created_at)}`)),
    ),
    h(
      "div",
      { class: "job-layout" },
      h(
        "section",
        { class: "panel", "aria-labelledby": "job-details" },
        h("h2", { id: "job-details" }, "Job details"),
        editable ? [jobForm(job), deleteJob(job)] : [viewOnly(), readOnly(jobForm(job))],
      ),
      h("div", {}, invitePanel(job, mine, editable)),
    ),
  );
}

/** The editor: creates a job (`job` null) or saves changes to one. */
function jobForm(job) {
  const rubric = job?.rubric_template;
  const text = (value, props = {}) => h("input", { type: "text", value: value ?? "", ...props });
  const joined = (values) => text(values?.join(", "), { required: true });
  const level = h("select", { required: true }, LEVELS.map((name) => h("option", { value: name, selected: (rubric?.experience_level ?? "Mid-Level") === name }, name)));
  const threshold = h("input", { type: "number", min: 0, max: 100, step: 1, value: job?.hire_threshold ?? 70, inputmode: "numeric", class: "short" });
  const webhook = h("input", { type: "url", value: job?.webhook_url ?? "", placeholder: "https://hooks.example.com/talentcrew", autocomplete: "off" });
  const skills = joined(rubric?.core_skills);
  const length = h("input", { type: "number", min: 3, max: 12, step: 1, value: job?.interview_length ?? 6, inputmode: "numeric", class: "short" });
  const record = h("input", { type: "checkbox", name: "record_answers", checked: job?.record_answers ?? false, "aria-describedby": "record-answers-hint" });
  let own = null;
  const coverage = coveragePanel(skills, () => ({ questions: own?.questions() ?? [], length: length.valueAsNumber || 6 }));
  own = questionsEditor(job, skills, () => coverage.refresh());
  length.addEventListener("input", () => coverage.refresh());
  const button = h("button", { type: "submit" }, job ? "Save changes" : "Create job");
  const saved = h("p", { class: "saved small", "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true, class: "job-form" },
    formError(),
    h(
      "fieldset",
      {},
      h("legend", {}, "The role"),
      field("Job title", "title", text(job?.title, { required: true, maxlength: 200 })),
      field("Tech stack", "stack", text(job?.stack.join(", ")), "Comma-separated, e.g. Python, Django, Postgres"),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Rubric"),
      field("Languages", "rubric_template.languages", joined(rubric?.languages), "Comma-separated, e.g. Python, SQL"),
      field("Core skills", "rubric_template.core_skills", skills, "Comma-separated: each one gets its own questions"),
      coverage.panel,
      field("Experience level", "rubric_template.experience_level", level),
      field("Evaluation focus", "rubric_template.evaluation_focus", joined(rubric?.evaluation_focus), "Comma-separated, e.g. Problem Solving, Technical Depth"),
      field("Answers per interview", "interview_length", length, "3 to 12; each core skill is opened before any is asked twice"),
    ),
    own.panel,
    h(
      "fieldset",
      {},
      h("legend", {}, "Scoring and notifications"),
      field("Hire threshold", "hire_threshold", threshold, "Score at or above which the scorecard recommends HIRE"),
      field("Webhook URL (optional)", "webhook_url", webhook, "We POST each finished scorecard here (https, on the public internet)."),
      job?.webhook_url ? webhookSecret(job) : null,
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Recordings"),
      h(
        "div",
        { class: "field" },
        h("label", { class: "check" }, record, "Record spoken answers for review"),
        h(
          "p",
          { class: "hint", id: "record-answers-hint" },
          "Off by default. When on, candidates invited from now on are told before they start that their spoken answers are recorded, ",
          "that only your team can listen, and that recordings are erased with the interview. Each recording plays beside its transcript.",
        ),
      ),
    ),
    h("div", { class: "form-foot" }, button, saved),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    saved.textContent = "";
    const unaskable = (await coverage.refresh()).filter((item) => item.source === "none").map((item) => item.skill);
    const askable = list(skills.value).length > unaskable.length;
    if (unaskable.length && askable && !confirm(`No interviewer can ask about ${unaskable.join(", ")}: candidates will be told a recruiter covers it. Save anyway?`)) return;
    const values = (name) => list(form.elements[name].value);
    const body = {
      title: form.elements.title.value,
      stack: values("stack"),
      rubric_template: {
        languages: values("rubric_template.languages"),
        core_skills: values("rubric_template.core_skills"),
        experience_level: level.value,
        evaluation_focus: values("rubric_template.evaluation_focus"),
      },
      hire_threshold: Number.isNaN(threshold.valueAsNumber) ? null : threshold.valueAsNumber,
      webhook_url: webhook.value.trim() || null,
      interview_length: Number.isNaN(length.valueAsNumber) ? null : length.valueAsNumber,
      record_answers: record.checked,
    };
    if (!job) body.questions = own.questions();
    const answer = await submit(form, button, job ? "Saving…" : "Creating…", () =>
      call(job ? `/jobs/${job.id}/` : "/jobs/", { method: job ? "PUT" : "POST", body }),
    );
    if (!answer) return;
    madeSecret = { jobId: answer.id, secret: answer.webhook_secret ?? null };
    if (job && !job.webhook_url && answer.webhook_url) {
      // a job's first webhook gets a secret no answer shows: make the one to show
      const made = await act(button, "Saving…", () => call(`/jobs/${job.id}/webhook-secret/`, { method: "POST" }));
      madeSecret.secret = made?.webhook_secret ?? null;
    }
    if (job) navigate(`/jobs/${answer.id}`, { replace: true }).then(() => showSaved());
    else navigate(`/jobs/${answer.id}`);
  });
  return form;
}

/**
 * Where each typed skill's questions come from, shown as the recruiter types: the recruiter's own questions, the
 * bank (exactly, or a broader skill), the configured brain, or nobody (with bank skills it may have meant); and
 * which skills an interview of the chosen length does not reach. `job()` gives the own questions and the length.
 */
function coveragePanel(input, job) {
  const items = h("ul", { class: "coverage" });
  const panel = h("div", { class: "coverage-panel", "aria-live": "polite" }, items);
  const known = new Map();
  let timer = null;
  const lookup = async (skill) => {
    if (!known.has(skill)) {
      known.set(skill, (async () => {
        const found = await call(`/skills/coverage/?skill=${encodeURIComponent(skill)}`);
        if (found.source !== "none") return { ...found, suggestions: [] };
        const words = skill.split(/\s+/).filter((word) => word.length >= 3);
        const near = await Promise.all(words.map((word) => call(`/skills/?limit=3&q=${encodeURIComponent(word)}`)));
        return { ...found, suggestions: [...new Set(near.flatMap((page) => page.items.map((item) => item.title)))].slice(0, 3) };
      })());
    }
    return known.get(skill);
  };
  const line = (item) => {
    if (!item.reached && item.source !== "none") return h("li", { class: "warn" }, h("strong", {}, item.skill), ` — not reached: an interview of ${job().length} answers opens the skills before it first`);
    if (item.source === "custom") return h("li", {}, h("strong", {}, item.skill), ` — ${item.own} question${item.own === 1 ? "" : "s"} of your own${item.bank_title ? `, then bank questions (${item.bank_title})` : ""}`);
    if (item.source === "bank" && !item.broader) return h("li", {}, h("strong", {}, item.skill), ` — ${item.questions} bank questions (${item.bank_title})`);
    if (item.source === "bank") return h("li", { class: "warn" }, h("strong", {}, item.skill), ` — no questions of its own yet: asked as ${item.bank_title}`);
    if (item.source === "gemini") return h("li", {}, h("strong", {}, item.skill), " — not in the bank: the AI interviewer writes its questions");
    const hint = item.suggestions.length ? ` Did you mean ${item.suggestions.join(", ")}?` : "";
    return h("li", { class: "bad" }, h("strong", {}, item.skill), ` — no interviewer can ask about it; candidates are told a recruiter will cover it.${hint}`);
  };
  const refresh = async () => {
    try {
      const { questions, length } = job();
      let askable = 0;
      const found = (await Promise.all(list(input.value).map(lookup))).map((item) => {
        const own = questions.filter((question) => question.skill.toLowerCase() === item.skill.toLowerCase()).length;
        const source = own ? "custom" : item.source;
        return { ...item, own, source, reached: source !== "none" && ++askable <= length };
      });
      mount(items, found.map(line));
      return found;
    } catch {
      mount(items);  // coverage is advice: the save still says what the server accepts
      return [];
    }
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  if (input.value) refresh();
  return { panel, refresh };
}

/** After a save the page is drawn again from the stored job; this says that it worked. */
function showSaved() {
  const saved = document.querySelector(".job-form .saved");
  if (saved) saved.textContent = "Changes saved.";
}

/** How to check our signatures, the secret itself when it has just been made (never otherwise: the api shows it
 * once), and a way to replace it. */
function webhookSecret(job) {
  const fresh = madeSecret?.jobId === job.id ? madeSecret.secret : null;
  madeSecret = null;
  const shown = h("div", { "aria-live": "polite" }, fresh ? secretOnce(fresh) : null);
  if (fresh) requestAnimationFrame(() => shown.scrollIntoView({ block: "center" }));  // once the page is drawn
  const button = h("button", { type: "button", class: "secondary" }, "New webhook secret");
  button.addEventListener("click", async () => {
    if (!confirm("Make a new webhook signing secret? Notifications are signed with it from now on: the current secret stops working.")) return;
    const made = await act(button, "Making a secret…", () => call(`/jobs/${job.id}/webhook-secret/`, { method: "POST" }));
    if (made) mount(shown, secretOnce(made.webhook_secret));
  });
  return h(
    "div",
    { class: "secret" },
    shown,
    h(
      "p",
      { class: "hint" },
      "Each notification carries the header X-TalentCrew-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of \"<t>.<body>\"> made with this job's signing secret. ",
      "Compute the same HMAC on your side and reject notifications that do not match. The secret is shown only when it is made; if it is lost, make a new one.",
    ),
    button,
  );
}

function secretOnce(secret) {
  return [
    copyable("Webhook signing secret", secret),
    h("p", { class: "notice small" }, "Copy this secret now and keep it with your receiver: it will not be shown again."),
  ];
}

function deleteJob(job) {
  const error = formError();
  const button = h("button", { type: "button", class: "danger" }, "Delete job");
  button.addEventListener("click", async () => {
    if (!confirm(`Delete the job "${job.title}"? This cannot be undone.`)) return;
    error.hidden = true;
    try {
      await busy(button, "Deleting…", () => call(`/jobs/${job.id}/`, { method: "DELETE" }));
      navigate("/jobs");
    } catch (failure) {
      if (!(failure instanceof ApiError) || failure.status !== 409) return reportError(failure);
      error.textContent = "This job has interviews, so it cannot be deleted. Erase its interviews first.";
      error.hidden = false;
    }
  });
  return h(
    "div",
    { class: "danger-zone" },
    h("h3", {}, "Delete this job"),
    h("p", { class: "small muted" }, "A job can be deleted once it has no interviews."),
    error,
    button,
  );
}

/** The invite form (not for a viewer) and the job's interviews. */
function invitePanel(job, sessions, editable) {
  const button = h("button", { type: "submit" }, "Create invite link");
  const result = h("div", { "aria-live": "polite" });
  const table = h("div", {}, jobSessions(sessions));
  const form = h(
    "form",
    { novalidate: true },
    formError(),
    field("Candidate name", "candidate_name", h("input", { type: "text", required: true, autocomplete: "off" })),
    field("Candidate email", "candidate_email", h("input", { type: "email", required: true, autocomplete: "off" })),
    h("div", { class: "field" }, h("label", { class: "check" }, h("input", { type: "checkbox", name: "send_invite", checked: true }), "Email the invitation to the candidate")),
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { candidate_name, candidate_email, send_invite } = form.elements;
    const body = { job: job.id, candidate_name: candidate_name.value, candidate_email: candidate_email.value, send_invite: send_invite.checked };
    const label = send_invite.checked ? "Sending invitation…" : "Creating link…";
    const created = await submit(form, button, label, () => call("/sessions/", { method: "POST", body }));
    if (!created) return;
    form.reset();
    mount(result, inviteLink(created, { view: true }));
    sessions.unshift(created.session);
    mount(table, jobSessions(sessions));
  });
  return [
    editable &&
      h(
        "section",
        { class: "panel", "aria-labelledby": "invite" },
        h("h2", { id: "invite" }, "Invite a candidate"),
        h("p", { class: "muted small" }, "Each candidate gets a personal link to a text or voice interview on this job's rubric."),
        form,
        result,
      ),
    h("section", { class: "panel job-sessions", "aria-labelledby": "job-sessions" }, h("h2", { id: "job-sessions" }, "Interviews for this job"), table),
  ];
}

function jobSessions(sessions) {
  if (!sessions.length) return h("p", { class: "empty" }, "No interviews yet. Invite a candidate to start one.");
  return sessionTable(sessions);
}
