// Building the page from data, never from HTML strings: text is always text, so a candidate's
// answer or a job title can never run as markup.

/** h("button", {class: "primary", onclick: go}, "Save") → an element with its children. */
export function h(tag, props = {}, ...children) {
  const node = document.createElementNS(
    SVG_TAGS.has(tag) ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml",
    tag,
  );
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else if (key === "value" && "value" in node) {
      node.value = value;
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

const SVG_TAGS = new Set(["svg", "g", "rect", "line", "path", "text", "tspan", "circle", "polyline", "title", "desc"]);

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `node`. */
export function mount(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function formatDate(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function formatDay(iso) {
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" });
}
