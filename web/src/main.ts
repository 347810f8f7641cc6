import "uplot/dist/uPlot.min.css";
import "./style.css";
import { setupChat } from "./chat.js";
import { showInspector } from "./inspector.js";
import { loadModelPage } from "./model-page.js";
import { startServerPanel } from "./server-panel.js";

function showView(name: string): void {
  for (const tab of document.querySelectorAll<HTMLButtonElement>(".tab")) tab.setAttribute("aria-pressed", String(tab.dataset.view === name));
  for (const view of document.querySelectorAll<HTMLElement>(".view")) view.hidden = view.id !== `view-${name}`;
}

for (const tab of document.querySelectorAll<HTMLButtonElement>(".tab")) {
  tab.addEventListener("click", () => showView(tab.dataset.view ?? "chat"));
}

setupChat((response) => void showInspector(response));
startServerPanel(document.querySelector<HTMLElement>("#server-chart")!);
void loadModelPage().then((info) => {
  if (info) document.querySelector("#model-name")!.textContent = `${info.id} · ${info.architecture}`;
});
