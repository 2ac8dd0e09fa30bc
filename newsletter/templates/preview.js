// The preview page's script (newsletter preview): live reload, the switches, the frames'
// height, jumps from the report into the email, the image comparison and the test mail.
// Everything else is rendered on the server, and so are this script's words: the page hands
// them over in its language (the JSON block #vorschau-texte, from the gettext catalogue).
"use strict";

const body = document.body;
const texts = JSON.parse(document.getElementById("vorschau-texte").textContent);
const frames = ["telefon", "desktop"].map((n) => ({
  frame: document.getElementById("rahmen-" + n),
  scroller: document.getElementById("scroller-" + n),
  name: n,
})).filter((f) => f.frame);
const SCROLL_KEY = "vorschau-scroll";
// scroll positions to restore once the frames have loaded (after a reload or a switch)
const pending = savedScroll();
sessionStorage.removeItem(SCROLL_KEY);

// --- live reload: the server says when the state changed ----------------------------------
function listen() {
  const events = new EventSource("/ereignisse");
  events.onerror = () => {
    const status = document.getElementById("status");
    if (status) {
      status.className = "status error";
      status.textContent = texts.offline;
    }
  };
  events.onmessage = (e) => {
    const s = JSON.parse(e.data);
    const status = document.getElementById("status");
    if (status) {
      status.className = "status " + s.status[0];
      status.textContent = s.status[1];
    }
    if (String(s.page) !== body.dataset.page) {
      saveScroll();
      location.reload();
    } else if (String(s.pdf) !== body.dataset.pdf) {
      body.dataset.pdf = String(s.pdf);
      refreshPdf();
    }
  };
}

async function refreshPdf() {
  const panel = document.getElementById("pdf-panel");
  const answer = await fetch("/teil/pdf", { cache: "no-store" });
  if (panel && answer.ok) panel.outerHTML = await answer.text();
}

function saveScroll() {
  const state = { page: window.scrollY };
  for (const f of frames) state[f.name] = f.scroller.scrollTop;
  sessionStorage.setItem(SCROLL_KEY, JSON.stringify(state));
}

function savedScroll() {
  try {
    return JSON.parse(sessionStorage.getItem(SCROLL_KEY) || "{}");
  } catch {
    return {};
  }
}

// --- the frames: as tall as the email, so the device frame scrolls, not the email ----------
function fit(f) {
  const doc = f.frame.contentDocument;
  if (!doc || !doc.documentElement) return;
  f.frame.style.height = doc.documentElement.scrollHeight + "px";
}

function prepare(f) {
  const doc = f.frame.contentDocument;
  if (!doc || !doc.documentElement) return;
  fit(f);
  new ResizeObserver(() => fit(f)).observe(doc.documentElement);
  // links in the email open in a new tab; jumps inside the email scroll the device frame
  doc.addEventListener("click", (e) => {
    const a = e.target.closest && e.target.closest("a[href]");
    if (!a) return;
    e.preventDefault();
    const href = a.getAttribute("href");
    if (href.startsWith("#")) jump(f, href.slice(1));
    else window.open(a.href, "_blank", "noopener");
  });
  if (pending[f.name] !== undefined) {
    f.scroller.scrollTop = pending[f.name];
    delete pending[f.name];
  }
}

function jump(f, id) {
  const doc = f.frame.contentDocument;
  const target = doc && doc.getElementById(id);
  if (target) f.scroller.scrollTop = target.getBoundingClientRect().top + doc.documentElement.scrollTop - 8;
}

for (const f of frames) {
  f.frame.addEventListener("load", () => prepare(f));
  if (f.frame.contentDocument && f.frame.contentDocument.readyState === "complete") prepare(f);
}

// --- the switches: dark mode, images blocked, <style> stripped -----------------------------
const switches = document.getElementById("schalter");
if (switches) {
  switches.addEventListener("change", () => {
    const query = new URLSearchParams(new FormData(switches)).toString();
    const q = query ? "?" + query : "";
    body.dataset.abfrage = q;
    history.replaceState(null, "", location.pathname + q + location.hash);
    for (const f of frames) {
      pending[f.name] = f.scroller.scrollTop;
      f.frame.src = "/ausgabe/email.html" + q;
    }
    for (const a of document.querySelectorAll("a[data-anker]")) {
      a.href = "/ausgabe/email.html" + q + "#" + a.dataset.anker;
    }
  });
}

// --- the report: "show in the email" scrolls both frames to the organisation ---------------
for (const a of document.querySelectorAll("a[data-anker]")) {
  a.addEventListener("click", (e) => {
    e.preventDefault();
    for (const f of frames) jump(f, a.dataset.anker);
    document.getElementById("email").scrollIntoView({ behavior: "smooth" });
  });
}

// --- the image table: original and email rendition side by side -----------------------------
for (const button of document.querySelectorAll("button[data-vergleich]")) {
  button.addEventListener("click", () => {
    const row = document.getElementById(button.dataset.vergleich);
    row.hidden = !row.hidden;
    button.setAttribute("aria-expanded", String(!row.hidden));
    button.textContent = row.hidden ? texts.compare : texts.close;
  });
}

// --- the test mail, behind a confirmation ----------------------------------------------------
const mailForm = document.getElementById("testmail-form");
const dialog = document.getElementById("testmail-dialog");
const result = document.getElementById("testmail-ergebnis");
if (mailForm && dialog) {
  mailForm.addEventListener("submit", (e) => {
    e.preventDefault();
    document.getElementById("testmail-ziel").textContent = mailForm.adresse.value;
    dialog.showModal();
  });
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "ja") return;
    mailForm.bestaetigt.value = "ja";
    result.className = "";
    result.textContent = texts.sending;
    try {
      const answer = await fetch("/testmail", {
        method: "POST",
        body: new URLSearchParams(new FormData(mailForm)),
      });
      const reply = await answer.json();
      result.className = reply.ok ? "ok" : "error";
      result.textContent = reply.message;
    } catch (err) {
      result.className = "error";
      result.textContent = texts.no_answer;
    } finally {
      mailForm.bestaetigt.value = "";
    }
  });
}

// --- start ----------------------------------------------------------------------------------
if (pending.page !== undefined) window.scrollTo(0, pending.page);
listen();
