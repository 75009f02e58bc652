// The /mesh page's live charts (dashboard-charts.ts renders their place): reads /mesh/series.json
// every few seconds and draws, with uPlot, a row of small charts per worker and one for the mesh.
// Each chart is titled with its series and latest value (no legend); a worker's restarts are red
// lines and its time without an answer a red band. `data-points` on a chart counts its points.
(() => {
  const root = document.getElementById("charts");
  const rows = document.getElementById("chart-rows");
  const workers = JSON.parse(root.dataset.workers);
  const colours = JSON.parse(root.dataset.colours);
  const metrics = JSON.parse(root.dataset.metrics);
  const charts = JSON.parse(root.dataset.charts);
  const every = Number(root.dataset.refreshMs) || 5000;
  const plots = new Map();

  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const chartsOf = (owner) => (owner === "mesh" ? ["orders"] : charts);
  const metricsOf = (chart) => Object.keys(metrics).filter((metric) => metrics[metric].chart === chart);
  const colourOf = (owner, metric) => (owner === "mesh" ? (metric === "rejected_per_s" ? "#c0392b" : "#2e8b57") : colours[owner] || "#446");
  const formatted = (value, unit) => {
    if (value === null || value === undefined) return "–";
    const shown = Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
    return unit === "/s" || unit === "%" ? `${shown}${unit}` : `${shown}${unit ? ` ${unit}` : ""}`;
  };
  const latest = (values) => [...values].reverse().find((value) => value !== null);

  function buildRows() {
    rows.textContent = "";
    for (const owner of workers) {
      const row = element("div", "row");
      row.dataset.worker = owner;
      row.append(element("div", "who", owner));
      for (const chart of chartsOf(owner)) {
        const cell = element("div", "chart none", "–");
        Object.assign(cell.dataset, { chart: `${owner}:${chart}`, points: "0", marks: "0" });
        row.append(cell);
      }
      rows.append(row);
    }
  }

  /** A worker's restarts (times) and spells without an answer ([from, to]), in seconds. */
  function marksOf(owner, events, end) {
    const restarts = [];
    const down = [];
    let since = null;
    for (const event of events.filter((e) => e.worker === owner)) {
      if (event.kind === "restarted") restarts.push(event.at / 1000);
      if (event.kind === "down" && since === null) since = event.at / 1000;
      if (event.kind === "up" && since !== null) (down.push([since, event.at / 1000]), (since = null));
    }
    if (since !== null) down.push([since, end]);
    return { restarts, down };
  }

  function drawMarks(plot) {
    const { ctx, bbox } = plot;
    const x = (seconds) => plot.valToPos(seconds, "x", true);
    ctx.save();
    ctx.fillStyle = "rgba(200,0,0,0.15)";
    for (const [from, to] of plot.marks.down) ctx.fillRect(x(from), bbox.top, Math.max(2, x(to) - x(from)), bbox.height);
    ctx.strokeStyle = "#c00";
    ctx.lineWidth = 2;
    for (const at of plot.marks.restarts) {
      ctx.beginPath();
      ctx.moveTo(x(at), bbox.top);
      ctx.lineTo(x(at), bbox.top + bbox.height);
      ctx.stroke();
    }
    ctx.restore();
  }

  function newPlot(cell, owner, shown, data) {
    cell.textContent = "";
    cell.classList.remove("none");
    cell.append(element("div", "title"));
    const series = [
      {},
      ...shown.map((metric) => ({ label: metrics[metric].title, stroke: colourOf(owner, metric), width: 1.5, dash: metric === "p99_ms" ? [4, 3] : undefined, spanGaps: false })),
    ];
    const options = {
      width: 150,
      height: 72,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true } },
      axes: [{ show: false }, { size: 34, font: "10px system-ui", ticks: { show: false }, grid: { stroke: "#eee" } }],
      series,
      hooks: { draw: [drawMarks] },
    };
    return new uPlot(options, data, cell);
  }

  function title(cell, owner, shown, columns) {
    const head = cell.querySelector(".title");
    head.textContent = "";
    shown.forEach((metric, i) => {
      if (i > 0) head.append(" · ");
      const part = element("span", "", `${shown.length > 1 ? `${metrics[metric].title} ` : ""}${formatted(latest(columns[i]), metrics[metric].unit)}`);
      part.style.color = colourOf(owner, metric);
      head.append(part);
    });
  }

  function drawChart(owner, chart, json, byKey) {
    const cell = rows.querySelector(`[data-chart="${owner}:${chart}"]`);
    const shown = metricsOf(chart).filter((metric) => byKey.has(`${owner}:${metric}`));
    if (!cell || shown.length === 0) return;
    const columns = shown.map((metric) => byKey.get(`${owner}:${metric}`));
    const x = json.at.map((at) => at / 1000);
    const marks = marksOf(owner, json.events, x.at(-1));
    cell.dataset.points = String(columns.reduce((count, column) => count + column.filter((value) => value !== null).length, 0));
    cell.dataset.marks = String(marks.restarts.length + marks.down.length);
    const key = `${owner}:${chart}`;
    let plot = plots.get(key);
    if (!plot || plot.series.length !== shown.length + 1) plots.set(key, (plot = newPlot(cell, owner, shown, [x, ...columns])));
    plot.marks = marks;
    plot.setData([x, ...columns]);
    title(cell, owner, shown, columns);
  }

  async function refresh() {
    try {
      const answer = await fetch(root.dataset.series, { credentials: "same-origin" });
      if (!answer.ok) throw new Error(`HTTP ${answer.status}: ${(await answer.text()).slice(0, 200)}`);
      const json = await answer.json();
      if (!rows.dataset.built) (buildRows(), (rows.dataset.built = "1"));
      const byKey = new Map(json.series.map((column) => [column.key, column.values]));
      for (const owner of workers) for (const chart of chartsOf(owner)) drawChart(owner, chart, json, byKey);
      root.dataset.updatedAt = String(Date.now());
      root.querySelector(".failed")?.remove();
    } catch (error) {
      const note = root.querySelector(".failed") || root.insertBefore(element("p", "failed bad"), rows);
      note.textContent = `charts not refreshed: ${error.message}`;
    }
    setTimeout(refresh, every);
  }
  refresh();
})();
