// The SLA-by-holder page's stacked bar: hours held per client, one colour per holder.
document.addEventListener("DOMContentLoaded", () => {
  const canvas = document.getElementById("holder-chart");
  if (!canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(canvas.dataset.chart || "{}");
  new Chart(canvas, {
    type: "bar",
    data,
    options: {
      aspectRatio: 3,
      animation: false,
      plugins: { legend: { position: "bottom" } },
      scales: {
        x: { stacked: true },
        y: { stacked: true, title: { display: true, text: "Hours" } },
      },
    },
  });
});
