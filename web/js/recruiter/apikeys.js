// The workspace's API keys, on the Team page: how another system (an applicant tracking system, say) reads
// results without a person's login. Owners make keys (each shown once: only its hash is kept), see which are in
// use, and revoke them; everyone else is told who manages them.

import { ApiError } from "../api.js";
import { call } from "../auth.js";
import { formatDate, formatDay, h, mount } from "../dom.js";
import { badge, reportError } from "../ui.js";
import { act, copyable, formError, submit } from "./common.js";

const SCOPES = [
  ["results:read", "Results", "interviews with their answers, scores and scorecards"],
  ["jobs:read", "Jobs", "jobs and their rubrics"],
];

/** The API keys section. An owner's loads its keys by itself, so the page around it need not wait for them. */
export function apiKeysPanel(owner) {
  const section = h("section", { class: "panel api-keys", "aria-labelledby": "api-keys-title" }, h("h2", { id: "api-keys-title" }, "API keys"));
  if (!owner) {
    section.append(h("p", { class: "muted" }, "Owners manage the API keys that let other systems read this workspace's results."));
    return section;
  }
  const said = h("p", { class: "saved small", "aria-live": "polite" });
  const list = h("div", {}, h("p", { class: "loading" }, "Loading…"));
  let keys = [];
  const revoke = async (key, button) => {
    said.textContent = "";
    if (!confirm(`Revoke the API key "${key.name}"? Systems that use it are refused from now on; this cannot be undone.`)) return;
    const path = `/api-keys/${encodeURIComponent(key.id)}/`;
    const listed = await act(button, "Revoking…", async () => (await call(path, { method: "DELETE" }), call("/api-keys/")));
    if (!listed) return;
    keys = listed.items;
    draw();
    said.textContent = `The key "${key.name}" was revoked.`;
  };
  const draw = () => mount(list, keys.length ? keyTable(keys, revoke) : h("p", { class: "empty" }, "No API keys yet."));
  call("/api-keys/")
    .then((listed) => {
      keys = listed.items;
      draw();
    })
    .catch((error) => {
      mount(list, h("p", { class: "empty" }, "The API keys could not be loaded. Reload the page to try again."));
      if (!(error instanceof ApiError) || error.status !== 401) reportError(error); // a 401 goes to log in
    });
  section.append(
    h("p", { class: "muted small" }, "A key lets another system, such as your applicant tracking system, read what its scopes allow, as a viewer would."),
    said,
    list,
    ...keyForm((made) => {
      keys = [...keys, made];
      draw();
    }),
  );
  return section;
}

function keyTable(keys, revoke) {
  const th = (text, className) => h("th", { scope: "col", class: className }, text);
  const row = (key) => {
    const button = key.revoked_at ? null : h("button", { type: "button", class: "link danger", "aria-label": `Revoke ${key.name}` }, "Revoke");
    button?.addEventListener("click", () => revoke(key, button));
    return h(
      "tr",
      {},
      h("td", {}, key.name),
      h("td", {}, h("ul", { class: "chips" }, key.scopes.map((scope) => h("li", {}, scope)))),
      h("td", { class: "hide-phone nowrap" }, formatDay(key.created_at)),
      h("td", { class: "nowrap" }, key.last_used_at ? formatDate(key.last_used_at) : "Never"),
      h("td", { class: "nowrap" }, key.revoked_at ? badge(`Revoked ${formatDay(key.revoked_at)}`, "muted") : badge("Active", "good")),
      h("td", { class: "num" }, button),
    );
  };
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, th("Name"), th("Scopes"), th("Created", "hide-phone"), th("Last used"), th("Status"), th(h("span", { class: "visually-hidden" }, "Actions"), "num"))),
      h("tbody", {}, keys.map(row)),
    ),
  );
}

/** Makes a key and shows it this once; `made` adds it (without its secret) to the list. Built by hand rather than
 * with ui.field, whose ids follow the API's field names and would repeat the Team page's "name" field. */
function keyForm(made) {
  const name = h("input", { type: "text", id: "api-key-name", maxlength: 100, autocomplete: "off", "aria-describedby": "api-key-name-hint api-key-name-error" });
  const scopes = SCOPES.map(([value, label, what]) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "scopes", value }), h("span", {}, h("strong", {}, label), `: ${what}`)),
  );
  const button = h("button", { type: "submit" }, "Create key");
  const shown = h("div", { class: "new-key", "aria-live": "polite" }); // under the list, beside the new row
  const form = h(
    "form",
    { novalidate: true, class: "api-key-form" },
    h("h3", {}, "New key"),
    formError(),
    h(
      "div",
      { class: "field", dataset: { field: "name" } },
      h("label", { for: name.id }, "Key name"),
      h("p", { class: "hint", id: "api-key-name-hint" }, "Which system uses it, e.g. Greenhouse"),
      name,
      h("p", { class: "field-error", id: "api-key-name-error", hidden: true }),
    ),
    h("fieldset", { class: "field", dataset: { field: "scopes" } }, h("legend", {}, "It may read"), scopes, h("p", { class: "field-error", hidden: true })),
    h("div", { class: "form-foot" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    mount(shown);
    const chosen = [...form.querySelectorAll("input[name=scopes]:checked")].map((box) => box.value);
    const created = await submit(form, button, "Creating…", () => call("/api-keys/", { method: "POST", body: { name: name.value, scopes: chosen } }));
    if (!created) return;
    form.reset();
    const { key, ...listed } = created;
    made(listed);
    mount(
      shown,
      copyable(`API key "${listed.name}"`, key, "Copy key"),
      h("p", { class: "notice small" }, "Copy it now: it will not be shown again. Systems send it as the header Authorization: Bearer <key>."),
    );
  });
  return [shown, form];
}
