// A job's own questions: written by the recruiter for one of its core skills, asked before the bank's for that
// skill and graded against their ideal answer. A new job keeps them here until it is created (they go with it);
// a saved job stores each change at once (each is a new rubric version).

import { ApiError } from "../api.js";
import { call } from "../auth.js";
import { h, mount } from "../dom.js";
import { busy, field, list } from "../ui.js";

const LEVELS = [
  [1, "Junior"],
  [2, "Mid-level"],
  [3, "Senior"],
];

/** The non-empty lines of a text area, trimmed. */
function lines(text) {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

/** "name: term, term" per line → key concepts; a line without ":" is its own term. */
function concepts(text) {
  return lines(text).map((line) => {
    const [name, terms] = line.includes(":") ? [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)] : [line, line];
    return { name: name.trim(), terms: list(terms) };
  });
}

/** "claim | correction | term, term" per line → misconceptions. */
function misconceptions(text) {
  return lines(text).map((line) => {
    const [claim = "", correction = "", terms = ""] = line.split("|").map((part) => part.trim());
    return { claim, correction, terms: list(terms) };
  });
}

const conceptLines = (question) => question.key_concepts.map((c) => `${c.name}: ${c.terms.join(", ")}`).join("\n");
const misconceptionLines = (question) => question.misconceptions.map((m) => `${m.claim} | ${m.correction} | ${m.terms.join(", ")}`).join("\n");

/** What the API says went wrong with a question, in one line. */
function problem(failure) {
  if (!(failure instanceof ApiError)) throw failure;
  const fields = Object.entries(failure.fields);
  return fields.length ? fields.map(([path, message]) => `${path}: ${message}`).join("; ") : failure.message;
}

/**
 * The editor. `skills` is the core-skills input (a question is for one of them); `changed` runs after every change
 * (the coverage shown above counts these questions). `drafts()` gives what a new job is created with.
 */
export function questionsEditor(job, skills, changed) {
  let items = [...(job?.questions ?? [])];
  let editing = null; // the index being edited, or null when adding
  const shown = h("ul", { class: "own-questions" });
  const skill = h("select", {});
  const level = h("select", {}, LEVELS.map(([value, name]) => h("option", { value, selected: value === 2 }, name)));
  const question = h("textarea", { rows: 2, maxlength: 4000 });
  const ideal = h("textarea", { rows: 4, maxlength: 4000 });
  const keys = h("textarea", { rows: 3, placeholder: "isolation: isolation level, dirty read\nindexes: index, b-tree" });
  const wrong = h("textarea", { rows: 2, placeholder: "Indexes always make queries faster | They slow writes and can be skipped | always faster" });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const save = h("button", { type: "button", class: "secondary" }, "Add question");
  const cancel = h("button", { type: "button", class: "link", hidden: true }, "Cancel");

  const skillOptions = () => {
    const chosen = skill.value;
    mount(skill, list(skills.value).map((name) => h("option", { value: name, selected: name === chosen }, name)));
  };
  const clear = () => {
    editing = null;
    for (const input of [question, ideal, keys, wrong]) input.value = "";
    save.textContent = "Add question";
    cancel.hidden = true;
    error.hidden = true;
  };
  const draw = () => {
    mount(
      shown,
      items.map((item, index) =>
        h(
          "li",
          {},
          h("span", {}, h("strong", {}, item.skill), ` · ${LEVELS[item.level - 1][1]} — ${item.question}`),
          h("button", { type: "button", class: "link", onclick: () => edit(index) }, "Edit"),
          h("button", { type: "button", class: "link danger", onclick: () => remove(index) }, "Remove"),
        ),
      ),
    );
    changed();
  };
  const edit = (index) => {
    const item = items[index];
    editing = index;
    skillOptions();
    skill.value = item.skill;
    level.value = String(item.level);
    question.value = item.question;
    ideal.value = item.ideal_answer;
    keys.value = conceptLines(item);
    wrong.value = misconceptionLines(item);
    save.textContent = "Save question";
    cancel.hidden = false;
    question.focus();
  };
  const failed = (message) => {
    error.textContent = message;
    error.hidden = false;
  };
  const remove = async (index) => {
    error.hidden = true;
    const item = items[index];
    if (job) {
      try {
        await call(`/jobs/${job.id}/questions/${item.id}/`, { method: "DELETE" });
      } catch (failure) {
        return failed(problem(failure));
      }
    }
    items = items.filter((_, at) => at !== index);
    if (editing !== null) clear();
    draw();
  };
  save.addEventListener("click", async () => {
    error.hidden = true;
    const body = {
      skill: skill.value,
      level: Number(level.value),
      question: question.value.trim(),
      ideal_answer: ideal.value.trim(),
      key_concepts: concepts(keys.value),
      misconceptions: misconceptions(wrong.value),
    };
    if (!body.skill) return failed("Write the job's core skills first: a question is for one of them.");
    let stored = body;
    if (job) {
      const target = editing === null ? `/jobs/${job.id}/questions/` : `/jobs/${job.id}/questions/${items[editing].id}/`;
      try {
        stored = await busy(save, "Saving…", () => call(target, { method: editing === null ? "POST" : "PUT", body }));
      } catch (failure) {
        return failed(problem(failure));
      }
    }
    items = editing === null ? [...items, stored] : items.map((item, at) => (at === editing ? stored : item));
    clear();
    draw();
  });
  cancel.addEventListener("click", clear);
  skill.addEventListener("focus", skillOptions);
  skills.addEventListener("input", skillOptions);
  skillOptions();
  draw();

  const panel = h(
    "fieldset",
    { class: "questions-editor" },
    h("legend", {}, "Your own questions (optional)"),
    h("p", { class: "hint" }, "Asked before the question bank's for their skill, and graded against your ideal answer and key concepts."),
    shown,
    field("For skill", "question.skill", skill),
    field("Level", "question.level", level),
    field("Your question", "question.question", question),
    field("Its ideal answer", "question.ideal_answer", ideal, "What a strong candidate says, in a few sentences"),
    field("Key concepts", "question.key_concepts", keys, "One per line: a name, then the words a correct answer uses (each found in the ideal answer)"),
    field("Misconceptions (optional)", "question.misconceptions", wrong, "One per line: wrong claim | what is true | words that show it"),
    error,
    h("div", { class: "form-foot" }, save, cancel),
  );
  return { panel, questions: () => items };
}
