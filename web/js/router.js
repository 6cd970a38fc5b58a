// History-based routing: each path pattern names a page; a page renders into <main> and may
// return a function that stops what it started (a socket, the microphone) when the user leaves.

const routes = [];
let leave = null;

/** route("/jobs/:id", page, {public: true, area: "recruiter"}) */
export function route(pattern, page, options = {}) {
  const names = [];
  const regex = new RegExp(
    `^${pattern.replace(/:(\w+)/g, (_, name) => (names.push(name), "([^/]+)"))}/?$`,
  );
  routes.push({ regex, names, page, ...options });
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  return render();
}

function match(pathname) {
  for (const candidate of routes) {
    const found = candidate.regex.exec(pathname);
    if (found) {
      const params = Object.fromEntries(candidate.names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      return { ...candidate, params };
    }
  }
  return null;
}

let onRender = () => {};

/** Called before each page renders, with the route: the header follows the page's area. */
export function beforeRender(hook) {
  onRender = hook;
}

export async function render() {
  leave?.();
  leave = null;
  const main = document.getElementById("main");
  const found = match(location.pathname);
  const current = found ?? match("/not-found");
  if (await onRender(current) === false) return;
  main.replaceChildren();
  const cleanup = await current.page(main, current.params ?? {});
  if (typeof cleanup === "function") leave = cleanup;
  main.focus({ preventScroll: true });
}

export function start() {
  window.addEventListener("popstate", render);
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || link.target || link.hasAttribute("download") || event.defaultPrevented) return;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const url = new URL(link.href);
    if (url.origin !== location.origin) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  return render();
}
