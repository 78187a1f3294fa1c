// 巡查通's shell: installs the service worker that lets the app open offline, shows whether
// the phone is online, and switches the language. The screens of the inspector's work are
// drawn into #view.
import { t, language, setLanguage } from "/app/i18n.js";

const view = document.getElementById("view");
const network = document.getElementById("network");
const langButton = document.getElementById("lang");

function showNetwork() {
  network.textContent = navigator.onLine ? t("net.online") : t("net.offline");
  network.classList.toggle("offline", !navigator.onLine);
}

function showShell(installed) {
  view.replaceChildren();
  const p = document.createElement("p");
  p.id = "shell-state";
  p.dataset.i18n = installed ? "shell.ready" : "shell.install";
  p.dataset.installed = String(installed);
  p.textContent = t(p.dataset.i18n);
  view.append(p);
}

function applyLanguage(next) {
  setLanguage(next);
  langButton.textContent = t("lang.switch");
  langButton.setAttribute("aria-label", t("lang.label"));
  showNetwork();
}

langButton.addEventListener("click", () => applyLanguage(language() === "zh" ? "en" : "zh"));
addEventListener("online", showNetwork);
addEventListener("offline", showNetwork);
applyLanguage(language());

async function install() {
  if (!("serviceWorker" in navigator)) {
    showShell(false);
    return;
  }
  await navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
  await navigator.serviceWorker.ready;
  showShell(navigator.serviceWorker.controller !== null);
  navigator.serviceWorker.addEventListener("controllerchange", () => showShell(true));
}

install().catch(() => showShell(false));
