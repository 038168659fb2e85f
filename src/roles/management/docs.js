// Starts Swagger UI on the /docs page of smsd (served as /docs/docs.js). A file of its own, not
// an inline script, so that the page's Content-Security-Policy can refuse inline scripts.
// The spec's URL is relative to the page, so the page works under a gateway's path prefix too.
"use strict";
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: new URL("api/v1/openapi.yaml", document.baseURI).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: false,
    displayRequestDuration: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
