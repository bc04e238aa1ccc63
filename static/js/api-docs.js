// Renders /api/openapi.json with Swagger UI (static/vendor/swagger-ui) on the /api/docs page.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.url,
    domNode: root,
    // A deep link is an <a> inside each operation's button (nested controls, WCAG 4.1.2).
    deepLinking: false,
    // No request to a validator service: the page talks only to this server.
    validatorUrl: null,
    tryItOutEnabled: false,
    onComplete: () => {
      // Swagger UI's servers select has no label; with one server there is nothing to choose.
      const servers = root.querySelector("select#servers");
      if (servers) {
        servers.setAttribute("aria-label", root.dataset.serversLabel);
        servers.closest(".servers").hidden = servers.options.length < 2;
      }
    },
  });
});
