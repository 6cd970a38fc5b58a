// The workspace's team: its members with their roles and the invitations not yet accepted. Owners invite
// people, change roles, remove members, withdraw invitations and set the workspace's name and retention;
// everyone else reads. A member of several workspaces switches between them here.

import { ApiError } from "../api.js";
import { call, switchWorkspace, workspace } from "../auth.js";
import { formatDay, h, mount } from "../dom.js";
import { navigate } from "../router.js";
import { clearFieldErrors, field, reportError, showFieldErrors } from "../ui.js";
import { apiKeysPanel } from "./apikeys.js";
import { formError, load, submit } from "./common.js";

const ROLES = [
  ["owner", "Owner", "everything, with members and settings"],
  ["recruiter", "Recruiter", "jobs, invites, reviews and decisions"],
  ["viewer", "Viewer", "reads only"],
];

const roleName = (role) => ROLES.find(([value]) => value === role)?.[1] ?? role;
const withArticle = (role) => `${role === "owner" ? "an" : "a"} ${role}`;

export async function teamPage(main) {
  const data = await load(main, () =>
    Promise.all([workspace({ fresh: true }), call("/workspace/members/"), call("/workspaces/"), call("/auth/me/")]),
  );
  if (!data) return;
  const [current, team, memberships, me] = data;
  const owner = current.role === "owner";
  const name = h("strong", {}, current.name || "Your workspace");
  const kept = h("span", {}, retention(current.retention_days));
  const invitations = invitationsPanel(team.invitations, owner);
  mount(
    main,
    h(
      "div",
      { class: "page-head" },
      h("div", {}, h("h1", {}, "Team"), h("p", {}, name, ` · your role: ${roleName(current.role)} · `, kept)),
      memberships.items.length > 1 ? switcher(memberships.items) : null,
    ),
    owner ? null : h("p", { class: "notice small" }, "Only owners change the team and the workspace: ask one to invite someone or change a role."),
    owner
      ? h(
          "div",
          { class: "grid-2" },
          invitePanel(invitations.add),
          settingsPanel(current, (saved) => {
            name.textContent = saved.name || "Your workspace";
            kept.textContent = retention(saved.retention_days);
          }),
        )
      : null,
    membersPanel(team.members, me, owner),
    invitations.panel,
    apiKeysPanel(owner),
  );
}

function retention(days) {
  return days === null ? "interviews are kept until erased" : `interviews are erased ${days} days after they end`;
}

/** The API's words for a refusal (a 409: the last owner, already a member), as a sentence. */
function sentence(error) {
  if (!(error instanceof ApiError) || error.status !== 409) return error;
  return new ApiError(409, { detail: error.message.replace(/^./, (first) => first.toUpperCase()).replace(/\.?$/, ".") });
}

function ask(path, options) {
  return call(path, options).catch((error) => {
    throw sentence(error);
  });
}

/** For a member of several workspaces: makes another one current and draws the app again from its data. */
function switcher(items) {
  const select = h(
    "select",
    { id: "workspace-switch" },
    items.map((item) => h("option", { value: item.workspace_id, selected: item.current }, `${item.name || "Unnamed workspace"} (${item.role})`)),
  );
  select.addEventListener("change", async () => {
    select.disabled = true;
    try {
      await switchWorkspace(select.value);
      await navigate("/team", { replace: true });
    } catch (error) {
      select.value = items.find((item) => item.current).workspace_id;
      select.disabled = false;
      reportError(error);
    }
  });
  return h("div", { class: "field workspace-switch" }, h("label", { for: "workspace-switch" }, "Switch workspace"), select);
}

/** The owner's invitation form; `add` puts a new invitation in the list. */
function invitePanel(add) {
  const email = h("input", { type: "email", required: true, autocomplete: "off" });
  const role = h("select", {}, ROLES.map(([value, label, what]) => h("option", { value, selected: value === "recruiter" }, `${label}: ${what}`)));
  const button = h("button", { type: "submit" }, "Send invitation");
  const sent = h("p", { class: "saved small", "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true },
    formError(),
    field("Email", "email", email),
    field("Role", "role", role),
    h("div", { class: "form-foot" }, button, sent),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    sent.textContent = "";
    const body = { email: email.value.trim(), role: role.value };
    const invited = await submit(form, button, "Sending…", () => ask("/workspace/members/", { method: "POST", body }));
    if (!invited) return;
    form.reset();
    add(invited);
    sent.textContent = `Invitation sent to ${invited.email}.`;
  });
  return h(
    "section",
    { class: "panel", "aria-labelledby": "invite-title" },
    h("h2", { id: "invite-title" }, "Invite a teammate"),
    h("p", { class: "muted small" }, "We email them a link to join, which works once, for 7 days, for an account with that email."),
    form,
  );
}

function settingsPanel(current, saved) {
  const name = h("input", { type: "text", value: current.name, maxlength: 200, autocomplete: "organization" });
  const days = h("input", { type: "number", min: 30, max: 3650, step: 1, inputmode: "numeric", class: "short", value: current.retention_days ?? "" });
  const button = h("button", { type: "submit" }, "Save settings");
  const said = h("p", { class: "saved small", "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true },
    formError(),
    field("Workspace name", "name", name),
    field("Erase interviews after (days)", "retention_days", days, "30 to 3650 days after an interview ends; empty keeps interviews until you erase them"),
    h("div", { class: "form-foot" }, button, said),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    said.textContent = "";
    const body = { name: name.value, retention_days: days.value === "" ? null : days.valueAsNumber };
    const changed = await submit(form, button, "Saving…", () => ask("/workspace/", { method: "PATCH", body }));
    if (!changed) return;
    saved(changed);
    said.textContent = "Settings saved.";
  });
  return h("section", { class: "panel", "aria-labelledby": "settings-title" }, h("h2", { id: "settings-title" }, "Workspace settings"), form);
}

function membersPanel(members, me, owner) {
  const said = h("p", { class: "saved small", "aria-live": "polite" });
  const box = h("div", {}, formError(), said);
  const rows = h("tbody");
  const draw = () => mount(rows, members.map((member) => memberRow(member)));
  const memberRow = (member) => {
    const who = member.full_name || member.email;
    const yourself = member.user_id === me.id;
    const path = `/workspace/members/${encodeURIComponent(member.user_id)}/`;
    let role = roleName(member.role);
    let remove = null;
    if (owner) {
      role = h("select", { "aria-label": `Role of ${who}` }, ROLES.map(([value, label]) => h("option", { value, selected: value === member.role }, label)));
      role.addEventListener("change", async () => {
        said.textContent = "";
        const changed = await changing(box, role, () => ask(path, { method: "PATCH", body: { role: role.value } }));
        if (!changed) {
          role.value = member.role;
          return;
        }
        if (yourself) return navigate("/team", { replace: true }); // no longer an owner: the page is read-only now
        member.role = changed.role;
        said.textContent = `${who} is now ${withArticle(changed.role)}.`;
      });
      remove = h("button", { type: "button", class: "link danger" }, "Remove");
      remove.addEventListener("click", async () => {
        said.textContent = "";
        const whom = yourself ? "yourself" : who;
        if (!confirm(`Remove ${whom} from the workspace? ${yourself ? "You lose" : "They lose"} access to it at once.`)) return;
        const gone = await submit(box, remove, "Removing…", async () => (await ask(path, { method: "DELETE" }), true));
        if (!gone) return;
        if (yourself) return navigate("/team", { replace: true }); // now in a workspace of their own
        members = members.filter((other) => other !== member);
        draw();
        said.textContent = `${who} was removed from the workspace.`;
      });
    }
    return h(
      "tr",
      {},
      h("td", {}, member.full_name, yourself ? h("span", { class: "muted" }, " (you)") : null),
      h("td", {}, member.email),
      h("td", {}, role),
      h("td", { class: "hide-phone nowrap" }, formatDay(member.joined_at)),
      owner ? h("td", { class: "num" }, remove) : null,
    );
  };
  draw();
  return h(
    "section",
    { class: "panel", "aria-labelledby": "members-title" },
    h("h2", { id: "members-title" }, "Members"),
    box,
    table(["Name", "Email", "Role", ["Joined", "hide-phone"], owner ? [h("span", { class: "visually-hidden" }, "Actions"), "num"] : null], rows),
  );
}

/** The open invitations, and `add` for a new one (which replaces an earlier one to the same email, as the API does). */
function invitationsPanel(invitations, owner) {
  const said = h("p", { class: "saved small", "aria-live": "polite" });
  const box = h("div", {}, formError(), said);
  const list = h("div");
  const invitationRow = (invitation) => {
    const withdraw = owner ? h("button", { type: "button", class: "link danger" }, "Withdraw") : null;
    withdraw?.addEventListener("click", async () => {
      said.textContent = "";
      const path = `/workspace/invitations/${encodeURIComponent(invitation.id)}/`;
      const done = await submit(box, withdraw, "Withdrawing…", async () => (await ask(path, { method: "DELETE" }), true));
      if (!done) return;
      invitations = invitations.filter((other) => other !== invitation);
      draw();
      said.textContent = `The invitation to ${invitation.email} was withdrawn: its link no longer works.`;
    });
    return h(
      "tr",
      {},
      h("td", {}, invitation.email),
      h("td", {}, roleName(invitation.role)),
      h("td", { class: "nowrap" }, formatDay(invitation.expires_at)),
      owner ? h("td", { class: "num" }, withdraw) : null,
    );
  };
  const draw = () =>
    mount(
      list,
      invitations.length
        ? table(["Email", "Role", "Expires", owner ? [h("span", { class: "visually-hidden" }, "Actions"), "num"] : null], h("tbody", {}, invitations.map(invitationRow)))
        : h("p", { class: "empty" }, "No open invitations."),
    );
  draw();
  const add = (invited) => {
    invitations = [...invitations.filter((open) => open.email !== invited.email), invited];
    draw();
  };
  return { panel: h("section", { class: "panel", "aria-labelledby": "invitations-title" }, h("h2", { id: "invitations-title" }, "Open invitations"), box, list), add };
}

/** A table under `headings` (text, or [text, class]). */
function table(headings, body) {
  const th = (heading) => (Array.isArray(heading) ? h("th", { scope: "col", class: heading[1] }, heading[0]) : h("th", { scope: "col" }, heading));
  return h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, headings.filter(Boolean).map(th))), body));
}

/** Like `submit`, for a select that acts as soon as it changes (a busy label would replace its options). */
async function changing(box, select, work) {
  clearFieldErrors(box);
  select.disabled = true;
  try {
    return await work();
  } catch (error) {
    showFieldErrors(box, error);
    return undefined;
  } finally {
    select.disabled = false;
  }
}
