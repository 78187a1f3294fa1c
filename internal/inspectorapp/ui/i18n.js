// The app's words, Chinese first. A key missing in English falls back to Chinese, never to
// the key itself.
const words = {
  zh: {
    "app.name": "巡查通",
    "shell.loading": "正在打开…",
    "shell.ready": "巡查通已安装在本机，没有网络也能打开。",
    "shell.install": "首次使用请在有网络时打开，之后可离线使用。",
    "net.online": "在线",
    "net.offline": "离线：记录保存在本机，联网后自动同步",
    "lang.switch": "EN",
    "lang.label": "English",
  },
  en: {
    "app.name": "Xunchatong",
    "shell.loading": "Opening…",
    "shell.ready": "The app is installed on this phone and opens without a network.",
    "shell.install": "Open it once online on first use; afterwards it works offline.",
    "net.online": "Online",
    "net.offline": "Offline: records stay on this phone and sync when the network is back",
    "lang.switch": "中文",
    "lang.label": "中文",
  },
};

let lang = localStorage.getItem("xcz.lang") === "en" ? "en" : "zh";

export function t(key) {
  return words[lang][key] ?? words.zh[key] ?? key;
}

export function language() {
  return lang;
}

export function setLanguage(next) {
  lang = next === "en" ? "en" : "zh";
  localStorage.setItem("xcz.lang", lang);
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}
