{% comment %}
The API is anonymous and read-only: no credentials, no CSRF token (the page
stays the same for everyone and cacheable), and no call to the public
validator (the site must not contact third parties).
{% endcomment %}"use strict";
const ui = SwaggerUIBundle({
  url: "{{ schema_url|escapejs }}",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  deepLinking: true,
  validatorUrl: null,
  supportedSubmitMethods: ["get", "head"],
});
