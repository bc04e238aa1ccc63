// Renders /api/openapi.json with Swagger UI (static/vendor/swagger-ui) on the /api/docs page.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.url,
    domNode: root,
    deepLinking: true,
    // No request to a validator service: the page talks only to this server.
    validatorUrl: null,
    tryItOutEnabled: false,
  });
});
