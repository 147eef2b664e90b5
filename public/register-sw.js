// Registers Callwright's service worker (public/sw.js) once the page has loaded.
if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((err) => {
      console.warn("Callwright: service worker not registered:", err);
    });
  });
}
