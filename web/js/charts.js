// Small SVG charts drawn from data: column bars, grouped column bars, horizontal bars, and scores week by week.
// Each returns an <svg role="img"> whose viewBox is `width` wide (pass the container's width so
// that text is drawn at its real size) and which then scales with its container.

import { h } from "./dom.js";

const INK = "#1b1f2a";
const MUTED = "#5f6778";
const GRID = "#dfe3ec";
const ACCENT = "#3b4cca";
const GOOD = "#17703f";
const LINE = "#8a5300";
const CELL_EMPTY = "#f1f3f9";
const CHAR = 6.8; // width of an average character at 12px, to fit labels
const SERIES = [ACCENT, "#b54708", "#0e7c66", "#8e3fc4"]; // one per compared candidate, each at least 3:1 on white

/**
 * Vertical bars, one per item: {label, value}. `max` fixes the scale (else a round number at or
 * above the largest value); `threshold` {value, label} draws a dashed line across.
 */
export function barChart({ items, label, width, axis, format = String, max, threshold }) {
  const top = 30;
  const left = 44;
  const right = threshold ? 84 : 12;
  const plotW = width - left - right;
  const plotH = 200;
  const band = plotW / items.length;
  const fit = Math.floor((band - 6) / CHAR);
  const rotated = fit < 8;
  const bottom = rotated ? 96 : 44;
  const grid = ticks(max ?? Math.max(...items.map((item) => item.value)));
  const y = (value) => top + plotH - (value / grid.at(-1)) * plotH;
  const barW = Math.min(band * 0.6, 56);
  return frame(
    width,
    top + plotH + bottom,
    label,
    axisTitle(axis),
    yGrid(grid, y, left, left + plotW, format),
    items.map((item, i) => {
      const cx = left + band * i + band / 2;
      return h(
        "g",
        {},
        h("title", {}, `${item.label}: ${format(item.value)}`),
        h("rect", { x: cx - barW / 2, y: y(item.value), width: barW, height: top + plotH - y(item.value), rx: 3, fill: ACCENT }),
        valueText(cx, y(item.value) - 6, format(item.value), { "text-anchor": "middle" }),
        rotated
          ? text(cx, top + plotH + 14, truncate(item.label, 13), { "text-anchor": "end", transform: `rotate(-55 ${cx} ${top + plotH + 14})` })
          : text(cx, top + plotH + 18, wrap(item.label, fit).map((line, n) => h("tspan", { x: cx, dy: n ? 15 : 0 }, line)), { "text-anchor": "middle" }),
      );
    }),
    threshold
      ? h(
          "g",
          {},
          h("line", { x1: left, x2: left + plotW, y1: y(threshold.value), y2: y(threshold.value), stroke: GOOD, "stroke-width": 2, "stroke-dasharray": "6 4" }),
          text(left + plotW + 6, y(threshold.value) + 4, threshold.label, { fill: GOOD, "font-weight": 600 }),
        )
      : null,
  );
}

/**
 * Columns in groups: one group per `groups` item {label, values}, one bar per `series` name in each (values[i]
 * for series[i], null for none), under a legend of the series. Named by its own <title> and <desc> (`title`,
 * `description`), for a table on the page that holds the same numbers.
 */
export function groupedBarChart({ groups, series, title, description, width, axis, max, format = String }) {
  const left = 44;
  const right = 12;
  const plotW = width - left - right;
  const legend = legendRows(series, plotW);
  const top = legend.length * 22 + 34;
  const plotH = 200;
  const band = plotW / groups.length;
  const fit = Math.floor((band - 6) / CHAR);
  const rotated = fit < 8;
  const bottom = rotated ? 96 : 44;
  const grid = ticks(max ?? Math.max(1, ...groups.flatMap((group) => group.values.filter((value) => value !== null))));
  const y = (value) => top + plotH - (value / grid.at(-1)) * plotH;
  const barW = Math.min((band * 0.8) / series.length, 40);
  const labelled = barW >= 24; // narrower bars leave their numbers to the tooltips and the table
  return frame(
    width,
    top + plotH + bottom,
    { title, description },
    legend.map((row, r) =>
      row.map(({ name, i, x }) =>
        h("g", {}, h("rect", { x: left + x, y: r * 22 + 2, width: 12, height: 12, rx: 2, fill: SERIES[i % SERIES.length] }), text(left + x + 18, r * 22 + 12, name, { fill: INK })),
      ),
    ),
    axis ? text(0, top - 16, axis, { "font-weight": 600 }) : null,
    yGrid(grid, y, left, left + plotW, format),
    groups.map((group, g) => {
      const cx = left + band * g + band / 2;
      const start = cx - (barW * series.length) / 2;
      return h(
        "g",
        {},
        group.values.map((value, i) => {
          const x = start + barW * i;
          const said = `${series[i]}, ${group.label}: ${value === null ? "no graded answer" : format(value)}`;
          return value === null
            ? h("g", {}, h("title", {}, said), labelled ? text(x + barW / 2, top + plotH - 6, "none", { "text-anchor": "middle" }) : null)
            : h(
                "g",
                {},
                h("title", {}, said),
                h("rect", { x: x + 1, y: y(value), width: barW - 2, height: top + plotH - y(value), rx: 2, fill: SERIES[i % SERIES.length] }),
                labelled ? valueText(x + barW / 2, y(value) - 6, format(value), { "text-anchor": "middle" }) : null,
              );
        }),
        rotated
          ? text(cx, top + plotH + 14, truncate(group.label, 13), { "text-anchor": "end", transform: `rotate(-55 ${cx} ${top + plotH + 14})` })
          : text(cx, top + plotH + 18, wrap(group.label, fit).map((line, n) => h("tspan", { x: cx, dy: n ? 15 : 0 }, line)), { "text-anchor": "middle" }),
      );
    }),
  );
}

/** The legend's rows: each series' name (at most 28 characters) after its swatch, as many as fit in `width`. */
function legendRows(series, width) {
  const rows = [[]];
  let x = 0;
  series.forEach((name, i) => {
    const shown = truncate(name, 28);
    const wide = 18 + shown.length * CHAR + 20;
    if (x && x + wide > width) {
      rows.push([]);
      x = 0;
    }
    rows.at(-1).push({ name: shown, i, x });
    x += wide;
  });
  return rows;
}

/** Horizontal bars, one row per item {label, value}: for long labels and counts. */
export function horizontalBarChart({ items, label, width, axis, format = String }) {
  const labelW = Math.min(Math.round(width * 0.4), 220);
  const left = labelW + 10;
  const right = 44;
  const top = 8;
  const row = 30;
  const plotW = width - left - right;
  const plotH = row * items.length;
  const grid = ticks(Math.max(...items.map((item) => item.value)));
  const x = (value) => left + (value / grid.at(-1)) * plotW;
  return frame(
    width,
    top + plotH + 50,
    label,
    grid.map((tick) => [
      h("line", { x1: x(tick), x2: x(tick), y1: top, y2: top + plotH, stroke: GRID }),
      text(x(tick), top + plotH + 16, format(tick), { "text-anchor": "middle" }),
    ]),
    items.map((item, i) => {
      const cy = top + row * i + row / 2;
      return h(
        "g",
        {},
        h("title", {}, `${item.label}: ${format(item.value)}`),
        text(left - 8, cy + 4, truncate(item.label, Math.floor(labelW / CHAR)), { "text-anchor": "end", fill: INK }),
        h("rect", { x: left, y: cy - 9, width: x(item.value) - left, height: 18, rx: 3, fill: ACCENT }),
        valueText(x(item.value) + 6, cy + 4, format(item.value)),
      );
    }),
    text(left + plotW / 2, top + plotH + 40, axis, { "text-anchor": "middle" }),
  );
}

/**
 * Scores by week: weeks [{week_start, sessions, average_score, histogram[10]}]. Each week is a
 * column of ten cells on the 0-100 axis, shaded by how many interviews scored in that band; the
 * average runs across as a line with points.
 */
export function weeklyScoreChart({ weeks, label, width, day }) {
  const top = 30;
  const left = 44;
  const right = 12;
  const plotW = width - left - right;
  const plotH = 230;
  const band = plotW / weeks.length;
  const colW = Math.min(band * 0.7, 44);
  const y = (score) => top + plotH - (score / 100) * plotH;
  const most = Math.max(1, ...weeks.flatMap((week) => week.histogram));
  const every = Math.ceil(weeks.length / Math.max(1, Math.floor(plotW / 64)));
  const cx = (i) => left + band * i + band / 2;
  const labelled = band >= 30; // narrower weeks leave the numbers to the tooltips and the table
  const points = weeks.map((week, i) => [cx(i), y(week.average_score)]);
  return frame(
    width,
    top + plotH + 40,
    label,
    axisTitle("Score"),
    yGrid([0, 20, 40, 60, 80, 100], y, left, left + plotW, String),
    weeks.map((week, i) =>
      h(
        "g",
        {},
        week.histogram.map((count, band10) => {
          const low = band10 * 10;
          const high = band10 === 9 ? 100 : low + 9;
          return h(
            "rect",
            {
              x: cx(i) - colW / 2,
              y: y(low + 10) + 1,
              width: colW,
              height: plotH / 10 - 2,
              rx: 2,
              fill: count ? ACCENT : CELL_EMPTY,
              "fill-opacity": count ? (0.18 + (0.72 * count) / most).toFixed(2) : 1,
            },
            h("title", {}, `Week of ${day(week.week_start)}, scores ${low}–${high}: ${count} interview${count === 1 ? "" : "s"}`),
          );
        }),
        i % every === 0 ? text(cx(i), top + plotH + 20, day(week.week_start), { "text-anchor": "middle" }) : null,
      ),
    ),
    h("polyline", { points: points.map((point) => point.join(",")).join(" "), fill: "none", stroke: LINE, "stroke-width": 2.5, "stroke-linejoin": "round" }),
    weeks.map((week, i) =>
      h(
        "g",
        {},
        h("title", {}, `Week of ${day(week.week_start)}: average ${Math.round(week.average_score)} over ${week.sessions} interview${week.sessions === 1 ? "" : "s"}`),
        h("circle", { cx: points[i][0], cy: points[i][1], r: 4.5, fill: "#fff", stroke: LINE, "stroke-width": 2.5 }),
        labelled ? valueText(points[i][0], points[i][1] - 10, Math.round(week.average_score), { "text-anchor": "middle" }) : null,
      ),
    ),
  );
}

let framed = 0;

/** The chart's <svg role="img">, named by `label`: a string, or {title, description} drawn as its <title> and <desc>. */
function frame(width, height, label, ...children) {
  const svg = { role: "img", viewBox: `0 0 ${width} ${height}`, width: "100%", class: "chart-svg" };
  if (typeof label === "string") return h("svg", { ...svg, "aria-label": label }, children);
  const id = `chart-${++framed}`;
  return h(
    "svg",
    { ...svg, "aria-labelledby": `${id}-title`, "aria-describedby": `${id}-desc` },
    h("title", { id: `${id}-title` }, label.title),
    h("desc", { id: `${id}-desc` }, label.description),
    children,
  );
}

function text(x, y, content, props = {}) {
  return h("text", { x, y, "font-size": 12, fill: MUTED, ...props }, content);
}

/** A figure's number: bold, with a white halo so it stays readable over bars and cells. */
function valueText(x, y, content, props = {}) {
  return text(x, y, content, { fill: INK, "font-weight": 600, stroke: "#fff", "stroke-width": 3, "paint-order": "stroke", ...props });
}

function axisTitle(title) {
  return title ? text(0, 12, title, { "font-weight": 600 }) : null;
}

function yGrid(values, y, x1, x2, format) {
  return values.map((value) => [
    h("line", { x1, x2, y1: y(value), y2: y(value), stroke: GRID }),
    text(x1 - 8, y(value) + 4, format(value), { "text-anchor": "end" }),
  ]);
}

/** Round gridline values from 0 to at or above `value`: about four steps of 1, 2, 2.5 or 5 × 10ⁿ
 * (never below 1, so counts and percentages get whole-number lines). */
function ticks(value) {
  const raw = Math.max(value / 4, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw);
  return Array.from({ length: Math.max(1, Math.ceil(value / step)) + 1 }, (_, n) => n * step);
}

function truncate(label, chars) {
  return label.length <= chars ? label : `${label.slice(0, Math.max(1, chars - 1)).trimEnd()}…`;
}

/** Up to two lines of at most `chars` characters, word by word; what does not fit ends in "…". */
function wrap(label, chars) {
  const lines = [""];
  for (const word of label.split(/\s+/)) {
    const last = lines.length - 1;
    if (!lines[last]) lines[last] = word;
    else if (`${lines[last]} ${word}`.length <= chars) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  const shown = lines.slice(0, 2).map((line) => truncate(line, chars));
  if (lines.length > 2) shown[1] = truncate(`${lines[1]} ${lines[2]}`, chars);
  return shown;
}
