// What every page shares: the banner for failures, forms with inline field errors, busy buttons.

import { ApiError, NetworkError } from "./api.js";
import { h } from "./dom.js";

const banner = () => document.getElementById("banner");

/** Shows a message across the top of the page until dismissed or replaced. */
export function showBanner(message, tone = "error") {
  const node = banner();
  node.className = `banner banner-${tone}`;
  node.replaceChildren(
    h("span", {}, message),
    h("button", { type: "button", class: "link", onclick: hideBanner, "aria-label": "Dismiss" }, "×"),
  );
  node.hidden = false;
}

export function hideBanner() {
  banner().hidden = true;
}

/** Reports an error nobody handled more precisely: never silently. */
export function reportError(error) {
  if (error instanceof NetworkError || error instanceof ApiError) {
    showBanner(error.message);
  } else {
    console.error(error);
    showBanner("Something went wrong on this page. Reload it to try again.");
  }
}

/** A labelled input with room for its error; `name` is the API field path it fills. */
export function field(label, name, input, hint) {
  const id = `field-${name.replaceAll(".", "-")}`;
  input.id = id;
  input.name = name;
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
  const help = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  input.setAttribute("aria-describedby", [help && help.id, error.id].filter(Boolean).join(" "));
  return h("div", { class: "field", dataset: { field: name } }, h("label", { for: id }, label), help, input, error);
}

/** Shows the API's per-field messages beside their inputs; what has no input goes to `general`. */
export function showFieldErrors(form, error) {
  clearFieldErrors(form);
  const fields = error instanceof ApiError ? error.fields : {};
  const unplaced = [];
  for (const [path, message] of Object.entries(fields)) {
    const box = form.querySelector(`[data-field="${CSS.escape(path)}"]`);
    if (!box) {
      unplaced.push(`${path}: ${message}`);
      continue;
    }
    const text = box.querySelector(".field-error");
    text.textContent = message;
    text.hidden = false;
    box.querySelector("input, select, textarea")?.setAttribute("aria-invalid", "true");
  }
  const first = form.querySelector("[aria-invalid=true]");
  first?.focus();
  const general = form.querySelector(".form-error");
  if (unplaced.length || !Object.keys(fields).length) {
    const message = unplaced.length ? unplaced.join("; ") : error.message;
    if (error instanceof NetworkError || !general) return reportError(error);
    general.textContent = message;
    general.hidden = false;
  }
}

export function clearFieldErrors(form) {
  for (const text of form.querySelectorAll(".field-error, .form-error")) text.hidden = true;
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/** Runs `work` with the button disabled and saying what is happening. */
export async function busy(button, label, work) {
  const before = button.textContent;
  button.disabled = true;
  button.textContent = label;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.textContent = before;
  }
}

/** Splits "Python, SQL" into ["Python", "SQL"]. */
export function list(text) {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

export function badge(text, tone) {
  return h("span", { class: `badge badge-${tone}` }, text);
}

export function recommendationBadge(recommendation) {
  if (!recommendation) return badge("—", "muted");
  return badge(recommendation, recommendation === "HIRE" ? "good" : "bad");
}

export function stageBadge(session) {
  if (session.is_completed) return badge("Completed", "good");
  if (session.stage === "invited") return badge("Invited", "muted");
  return badge("In progress", "info");
}
