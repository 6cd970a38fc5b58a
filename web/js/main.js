// The app: which page answers which path, and the header that goes with it.

import { logOut, signedIn } from "./auth.js";
import { interviewPage, oldInviteLink } from "./candidate/page.js";
import { h, mount } from "./dom.js";
import { analyticsPage } from "./recruiter/analytics.js";
import { logInPage, resetPage, signUpPage, verifyPage } from "./recruiter/account.js";
import { comparePage } from "./recruiter/compare.js";
import { jobPage, jobsPage } from "./recruiter/jobs.js";
import { joinPage } from "./recruiter/join.js";
import { sessionPage, sessionsPage } from "./recruiter/sessions.js";
import { teamPage } from "./recruiter/team.js";
import { beforeRender, navigate, route, start } from "./router.js";
import { hideBanner, reportError } from "./ui.js";

route("/interview", interviewPage, { area: "candidate" });
route("/interview/:token", oldInviteLink, { area: "candidate" }); // links sent before the token moved to the fragment
route("/login", logInPage, { area: "public", title: "Log in" });
route("/signup", signUpPage, { area: "public", title: "Sign up" });
route("/verify", verifyPage, { area: "public", title: "Confirm your email" }); // emailed link: #t=<token>
route("/reset", resetPage, { area: "public", title: "Reset your password" }); // #t=<token> when from the email
route("/join", joinPage, { area: "public", title: "Join a workspace" }); // emailed invitation: #t=<token>
route("/jobs", jobsPage, { title: "Jobs" });
route("/jobs/new", jobPage, { title: "New job" });
route("/jobs/:id", jobPage, { title: "Job" });
route("/jobs/:id/compare", comparePage, { title: "Compare candidates" }); // ?sessions=<id>,<id>[,…]
route("/sessions", sessionsPage, { title: "Interviews" });
route("/sessions/:id", sessionPage, { title: "Interview" });
route("/analytics", analyticsPage, { title: "Analytics" });
route("/team", teamPage, { title: "Team" });
route("/", () => navigate(signedIn() ? "/jobs" : "/login", { replace: true }), { area: "public" });
route("/not-found", notFound, { area: "public", title: "Not found" });

const NAV = [
  ["/jobs", "Jobs"],
  ["/sessions", "Interviews"],
  ["/analytics", "Analytics"],
  ["/team", "Team"],
];

function header(area) {
  const brand = h("a", { class: "brand", href: area === "candidate" ? null : "/" }, h("span", { class: "logo", "aria-hidden": "true" }, "T"), "TalentCrew");
  if (area !== undefined || !signedIn()) return [brand];
  const nav = h(
    "nav",
    { "aria-label": "Main" },
    h(
      "ul",
      {},
      NAV.map(([path, label]) =>
        h("li", {}, h("a", { href: path, "aria-current": location.pathname.startsWith(path) ? "page" : null }, label)),
      ),
    ),
  );
  const out = h("button", { type: "button", class: "ghost", onclick: () => logOut().catch(reportError).finally(() => navigate("/login")) }, "Log out");
  return [brand, nav, out];
}

beforeRender((current) => {
  hideBanner();
  document.title = current.title ? `${current.title} · TalentCrew` : "TalentCrew";
  if (current.area === undefined && !signedIn()) {
    navigate(`/login?next=${encodeURIComponent(location.pathname)}`, { replace: true });
    return false;
  }
  mount(document.getElementById("top"), header(current.area));
  return true;
});

window.addEventListener("talentcrew:signed-out", () => {
  navigate(`/login?next=${encodeURIComponent(location.pathname)}`);
});
window.addEventListener("unhandledrejection", (event) => reportError(event.reason));

function notFound(main) {
  mount(
    main,
    h("section", { class: "panel narrow" }, h("h1", {}, "Page not found"), h("p", {}, "The address may be mistyped, or the page has moved."), h("a", { href: "/", class: "button" }, "Go to TalentCrew")),
  );
}

start();
